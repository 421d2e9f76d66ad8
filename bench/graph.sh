#!/usr/bin/env bash
# bench/graph.sh - `BENCH=graph make bench`: collect --graph of the synthetic
# tenant from the fake Graph (tests/servers/graph-server) with LATENCY ms
# added to every answer, at --graph-concurrency 8 and at 1, side by side.
# Prints requests against the minimum the API allows for that data (pages
# of 999, 500 for users with signInActivity, batches of 20), wall time,
# the speed-up, and peak RSS for this tenant and one a tenth its size. A
# third run at concurrency 8 without the added latency shows the floor:
# the fake server (Python) and reportgen share this machine's cores, so
# their CPU time bounds any speed-up.
set -eu
cd "$(dirname "$0")/.."
RG=${RG:-build/reportgen}
LATENCY=${LATENCY:-50}
tenant=${1:?usage: graph.sh TENANT-DIR [SMALL-TENANT-DIR]}
small=${2:-}
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'bench-secret\n' >"$work/secret"
chmod 600 "$work/secret"
TENANT=6f1d4c2a-0b7e-4e55-9a43-2d8c1f0e5b17
CLIENT=4a1c8e52-3b6d-4f7e-9c20-5d8b1a6e3f94

# The fewest requests that can read this data: computed from the CSV files.
minimum() {
    /usr/bin/python3 - "$1" <<'PY'
import collections, csv, math, os, sys
d = sys.argv[1]
def rows(name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    with open(p, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))
users, groups, sps = rows("users.csv"), rows("groups.csv"), rows("service_principals.csv")
members = collections.Counter(r["groupId"].lower() for r in rows("group_members.csv"))
owners = collections.Counter(r["groupId"].lower() for r in rows("group_owners.csv"))
ra = rows("role_assignments.csv")
assignable = [g for g in groups if g.get("isAssignableToRole", "").lower() in ("true", "1", "yes")]
pages = lambda n, size: max(1, math.ceil(n / size))
n = 2                                          # the token, the users' count
n += pages(len(users), 500) + pages(len(groups), 999) + pages(len(sps), 999)
n += 1 + 1                                     # role definitions, access packages
n += pages(sum(r["state"] == "active" for r in ra), 999)
n += pages(sum(r["state"] == "eligible" for r in ra), 999)
n += math.ceil(2 * len(groups) / 20)           # members and owners, in $batch
n += sum(pages(c, 999) - 1 for c in members.values())  # their further pages
n += sum(pages(c, 999) - 1 for c in owners.values())
n += math.ceil(2 * len(assignable) / 20)       # PIM for groups, in $batch
n += pages(len(rows("access_package_assignments.csv")), 999)
n += math.ceil(len(sps) / 20)                  # appRoleAssignedTo, in $batch
print(n)
PY
}

# run DIR CONCURRENCY [LATENCY]: "seconds requests peak-RSS-KiB rows
# reportgen-cpu-seconds server-cpu-seconds"
run() {
    local dir=$1 conc=$2 lat=${3:-$LATENCY} port
    rm -f "$work/port" "$work/stats.json" "$work/snap.db"
    tests/servers/graph-server --tenant-dir "$dir" --port 0 --port-file "$work/port" \
        --client-secret-file "$work/secret" --latency "$lat" \
        --stats "$work/stats.json" >/dev/null 2>&1 &
    echo $! >"$work/pid"
    while [ ! -s "$work/port" ]; do sleep 0.2; done
    port=$(cat "$work/port")
    /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$RG" collect --graph --tenant $TENANT \
        --client-id $CLIENT --client-secret-file "$work/secret" --quiet \
        --graph-url "http://127.0.0.1:$port" --login-url "http://127.0.0.1:$port" \
        --graph-concurrency "$conc" --out "$work/snap.db" >/dev/null
    # the server's CPU time (utime + stime, in clock ticks) before it goes
    scpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$(cat "$work/pid")/stat")
    kill "$(cat "$work/pid")"
    wait "$(cat "$work/pid")" 2>/dev/null || true
    read -r t m u sy <"$work/time"
    echo "$t $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$work/stats.json") $m $(sqlite3 "$work/snap.db" 'SELECT sum(row_count) FROM source') $(awk "BEGIN{print $u + $sy}") $scpu"
}

min=$(minimum "$tenant")
read -r t8 r8 m8 rows8 c8 s8 <<<"$(run "$tenant" 8)"
read -r t1 r1 m1 rows1 c1 s1 <<<"$(run "$tenant" 1)"
# no added latency: what the two processes' CPU on this machine's cores
# allow at best, the floor under any concurrency
read -r t0 r0 m0 rows0 c0 s0 <<<"$(run "$tenant" 8 0)"
echo
echo "collect --graph of $(basename "$tenant"), $LATENCY ms added to every answer"
printf '%-30s %9s %9s %10s %10s %12s %12s\n' "" "seconds" "requests" "rows" "peak RSS" "reportgen CPU" "server CPU"
printf '%-30s %9.1f %9d %10d %6d MiB %12.1f %12.1f\n' "--graph-concurrency 8" "$t8" "$r8" "$rows8" $((m8 / 1024)) "$c8" "$s8"
printf '%-30s %9.1f %9d %10d %6d MiB %12.1f %12.1f\n' "--graph-concurrency 1" "$t1" "$r1" "$rows1" $((m1 / 1024)) "$c1" "$s1"
printf '%-30s %9.1f %9d %10d %6d MiB %12.1f %12.1f\n' "--graph-concurrency 8, 0 ms" "$t0" "$r0" "$rows0" $((m0 / 1024)) "$c0" "$s0"
printf '\nrequests / minimum the API allows (%d) = %.3f\n' "$min" "$(awk "BEGIN{print $r8/$min}")"
printf 'concurrency 8 : concurrency 1 (speed)   = %.1fx\n' "$(awk "BEGIN{print $t1/$t8}")"
printf 'the most this machine allows (c1 / c8 at 0 ms) = %.1fx\n' "$(awk "BEGIN{print $t1/$t0}")"
if [ -n "$small" ]; then
    read -r ts rs ms rowss cs ss <<<"$(run "$small" 8)"
    printf 'peak RSS: %d MiB for %d rows, %d MiB for %d rows\n' $((ms / 1024)) "$rowss" $((m8 / 1024)) "$rows8"
fi
exit 0
