#!/usr/bin/env bash
# bench/run.sh - `make bench`: measurements, not tests. See bench/README.md.
#
# Ingest: the synthetic tenant (fixtures/generate; by default 100,000 users,
# 30,000 groups, 2,000,000 memberships) collected by reportgen, side by side
# in one run with the sqlite3 shell's `.import --csv` of the same files into
# plain tables. Prints wall time, rows/s, peak RSS and the ratio.
set -eu
cd "$(dirname "$0")/.."
RG=${RG:-build/reportgen}
NUSERS=${NUSERS:-100000}
NGROUPS=${NGROUPS:-30000}
NMEMBERSHIPS=${NMEMBERSHIPS:-2000000}
RUNS=${RUNS:-3}
work=bench/work
tenant=$work/tenant-$NUSERS-$NGROUPS-$NMEMBERSHIPS
mkdir -p "$work"
if [ ! -f "$tenant/.done" ]; then
    echo "generating the synthetic tenant in $tenant ..." >&2
    rm -rf "$tenant"
    fixtures/generate --users "$NUSERS" --groups "$NGROUPS" \
        --memberships "$NMEMBERSHIPS" --out "$tenant"
    touch "$tenant/.done"
fi
rows=0
for f in "$tenant"/*.csv; do
    rows=$((rows + $(wc -l < "$f") - 1))
done

# measure NAME COMMAND...: best wall time of $RUNS runs, and the peak RSS.
measure() {
    local name=$1; shift
    local best="" rss=0 t r
    for _ in $(seq "$RUNS"); do
        rm -f "$work"/*.db
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
            cat "$work/err" >&2; exit 1; }
        read -r t r < "$work/time"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$name $best $rss"
}

# The shell reads its commands from a file, so /usr/bin/time measures it alone.
for f in "$tenant"/*.csv; do
    printf '.import --csv %s %s\n' "$f" "$(basename "$f" .csv)"
done > "$work/import.sql"

rg=$(measure reportgen "$RG" collect --csv "$tenant" --out "$work/rg.db" --as-of 2026-11-01)
sh=$(measure sqlite3 sqlite3 -init "$work/import.sql" "$work/shell.db" .quit)
rm -f "$work"/*.db

echo
echo "ingest of $rows rows ($NUSERS users, $NGROUPS groups, $NMEMBERSHIPS memberships), best of $RUNS"
printf '%-34s %9s %12s %10s\n' "" "seconds" "rows/s" "peak RSS"
for line in "$rg" "$sh"; do
    set -- $line
    label=$1
    [ "$1" = reportgen ] && label="reportgen collect (checked, indexed)"
    [ "$1" = sqlite3 ] && label="sqlite3 .import --csv (plain text)"
    printf '%-34s %9.2f %12.0f %7.0f MiB\n' "$label" "$2" "$(awk "BEGIN{print $rows/$2}")" \
        "$(awk "BEGIN{print $3/1024}")"
done
set -- $rg; a=$2
set -- $sh; b=$2
printf '\nreportgen rows/s : sqlite3 rows/s = %.2f\n' "$(awk "BEGIN{print $b/$a}")"
