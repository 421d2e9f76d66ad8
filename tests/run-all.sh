#!/usr/bin/env bash
# run-all.sh - the whole suite: unit tests ($UNITS), end-to-end cases, and
# the checks of the fictional bank against values computed from its CSV
# files. Each part ends with "N passed, N failed"; this script adds them up
# and ends with the same line, which CI reads.
set -u
RG=${RG:-build/reportgen}
PYTHON=${PYTHON:-/usr/bin/python3}
export RG PYTHON
total_p=0
total_f=0
log=$(mktemp)

part() { # title, command...
    local title=$1; shift
    echo "== $title"
    "$@" 2>&1 | tee "$log"
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $title did not report a result"
        total_f=$((total_f + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }; f=${f%% failed}
    total_p=$((total_p + p)); total_f=$((total_f + f))
}

for u in ${UNITS:-}; do
    part "unit $(basename "$u")" "$u"
done
part "cases" tests/run-cases.sh
part "fictional bank" "$PYTHON" tests/e2e/check_bank.py
part "reports" "$PYTHON" tests/e2e/check_reports.py
part "packs" "$PYTHON" tests/e2e/check_pack.py
part "graph" "$PYTHON" tests/e2e/check_graph.py
part "recertification" "$PYTHON" tests/e2e/check_lib_recert.py
part "privileged packs" "$PYTHON" tests/e2e/check_lib_privileged.py
part "hygiene" "$PYTHON" tests/e2e/check_lib_hygiene.py
part "jml" "$PYTHON" tests/e2e/check_lib_jml.py
part "graph jml evidence" "$PYTHON" tests/e2e/check_graph_jml.py
part "servicenow" "$PYTHON" tests/e2e/check_servicenow.py
part "ldap" "$PYTHON" tests/e2e/check_ldap.py
rm -f "$log"
echo
echo "$total_p passed, $total_f failed"
[ $total_f = 0 ]
