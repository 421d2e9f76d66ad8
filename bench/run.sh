#!/usr/bin/env bash
# bench/run.sh - `make bench`: measurements, not tests. See bench/README.md.
#
# Ingest: the synthetic tenant (fixtures/generate; by default 100,000 users,
# 30,000 groups, 2,000,000 memberships) collected by reportgen, side by side
# in one run with the sqlite3 shell's `.import --csv` of the same files into
# plain tables. Prints wall time, rows/s, peak RSS and the ratio.
set -eu
cd "$(dirname "$0")/.."
# BENCH=ingest, BENCH=render, BENCH=packs or BENCH=graph runs one part; the
# default runs ingest and render, then packs and graph.
RG=${RG:-build/reportgen}
NUSERS=${NUSERS:-100000}
NGROUPS=${NGROUPS:-30000}
NMEMBERSHIPS=${NMEMBERSHIPS:-2000000}
RUNS=${RUNS:-3}
work=bench/work
# v2: the generator writes HR events, access packages, ServiceNow and SoD too
tenant=$work/tenant-v2-$NUSERS-$NGROUPS-$NMEMBERSHIPS
mkdir -p "$work"
if [ ! -f "$tenant/.done" ]; then
    echo "generating the synthetic tenant in $tenant ..." >&2
    rm -rf "$tenant"
    fixtures/generate --users "$NUSERS" --groups "$NGROUPS" \
        --memberships "$NMEMBERSHIPS" --out "$tenant"
    touch "$tenant/.done"
fi
if [ "${BENCH:-all}" = graph ]; then
    # the Graph collect alone (bench/graph.sh), with the tenant a tenth the size
    small=$work/tenant-v2-small
    if [ ! -f "$small/.done" ]; then
        rm -rf "$small"
        fixtures/generate --users $((NUSERS / 10)) --groups $((NGROUPS / 10)) \
            --memberships $((NMEMBERSHIPS / 10)) --out "$small" >/dev/null
        touch "$small/.done"
    fi
    exec bench/graph.sh "$tenant" "$small"
fi
if [ "${BENCH:-all}" = packs ]; then
    # every template of the pack library (bench/packs.py)
    rm -f "$work/packs.db"
    "$RG" collect --csv "$tenant" --out "$work/packs.db" --as-of 2026-11-01 >/dev/null
    /usr/bin/python3 bench/packs.py "$RG" "$work/packs.db" "$work/packs" "$RUNS"
    rm -rf "$work/packs" "$work/packs.db"
    exit 0
fi
rows=0
for f in "$tenant"/*.csv; do
    rows=$((rows + $(wc -l < "$f") - 1))
done

if [ "${BENCH:-all}" != render ]; then
# ------------------------------------------------------------------ ingest
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
fi

[ "${BENCH:-all}" = ingest ] && exit 0

# ----------------------------------------------------------------- render
#
# The tenant's 2,000,000 memberships as one section (bench/templates/
# memberships.ini): the workbook alone, side by side with Python XlsxWriter
# (constant_memory) and openpyxl (write_only) writing the same rows from the
# same snapshot; all three outputs together; a 50,000-row PDF table against
# ReportLab's platypus Table; and peak memory at 200,000 and 2,000,000 rows.
PY=/usr/bin/python3
PEER_RUNS=${PEER_RUNS:-1}
snap=$work/snap.db
rm -f "$snap"
"$RG" collect --csv "$tenant" --out "$snap" --as-of 2026-11-01 >/dev/null
packs=$work/packs
# run_pack TEMPLATE OUTPUTS: the command line of a bench run
run_pack() {
    echo "$RG" run "$1" --snapshot "$snap" --out "$packs" --templates bench/templates \
        --generated-at 2026-11-02T00:00:00Z --quiet --outputs "$2"
}
best() { # runs name command...: best wall time and peak RSS of $1 runs
    local n=$1 name=$2 best="" rss=0 t r; shift 2
    for _ in $(seq "$n"); do
        rm -rf "$packs"; mkdir -p "$packs" # a pack is never overwritten
        /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
            cat "$work/err" >&2; exit 1; }
        read -r t r < "$work/time"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$name $best $rss"
}
# peak_anon COMMAND...: the peak of the process's anonymous memory (its heap
# and stacks, not the pages of the snapshot it maps), sampled every 20 ms
peak_anon() {
    rm -rf "$packs"; mkdir -p "$packs"
    "$@" >/dev/null 2>&1 &
    local pid=$! peak=0 kb
    while kb=$(awk '/^RssAnon:/{print $2}' /proc/$pid/status 2>/dev/null); do
        [ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
        sleep 0.02
    done
    wait $pid
    echo "$peak"
}
sql=bench/queries/memberships.sql
xl=$(best "$RUNS" xlsx $(run_pack memberships xlsx))
all=$(best "$RUNS" all $(run_pack memberships xlsx,pdf,csv))
xw=$(best "$PEER_RUNS" xlsxwriter $PY bench/xlsx_python.py xlsxwriter "$snap" "$sql" "$work/py.xlsx")
op=$(best "$PEER_RUNS" openpyxl $PY bench/xlsx_python.py openpyxl "$snap" "$sql" "$work/py.xlsx")

# where the workbook's time goes: SQLite reading every value of the rows,
# and zlib deflating the sheet's XML (level 6, as libxlsxwriter does)
read_sql="SELECT sum(length(group_name) + length(member) + length(member_type)
    + coalesce(length(upn), 0) + coalesce(enabled, 0)
    + coalesce(length(last_sign_in), 0) + source_line) FROM ($(grep -v '^--' $sql | tr -d ';'));"
rd=$(best "$RUNS" read sqlite3 -readonly "$snap" "$read_sql")
ra=$(best "$RUNS" readall $(run_pack readall pdf))
rm -rf "$packs"; mkdir -p "$packs"
$(run_pack memberships xlsx) >/dev/null
book=$(ls "$packs"/*/*.xlsx)
df=$($PY - "$book" <<'PYEOF'
import sys, time, zipfile, zlib
with zipfile.ZipFile(sys.argv[1]) as z:
    xml = z.read("xl/worksheets/sheet2.xml")
t = time.perf_counter()
zlib.compress(xml, 6)
print("%.2f %d" % (time.perf_counter() - t, len(xml)))
PYEOF
)

pdf=$(best "$RUNS" pdf $(run_pack pdf50k pdf))
ours_pages=$(pdfinfo "$packs"/*/*.pdf | awk '/^Pages:/{print $2}')
$PY bench/pdf_reportlab.py "$snap" "$sql" 50000 "$work/rl.pdf" > "$work/rl.pages"
rl=$(best "$PEER_RUNS" reportlab $PY bench/pdf_reportlab.py "$snap" "$sql" 50000 "$work/rl.pdf")
rl_pages=$(cat "$work/rl.pages")

# memory at a tenth of the rows
small=$work/tenant-v2-small
if [ ! -f "$small/.done" ]; then
    rm -rf "$small"
    fixtures/generate --users $((NUSERS / 10)) --groups $((NGROUPS / 10)) \
        --memberships $((NMEMBERSHIPS / 10)) --out "$small" >/dev/null
    touch "$small/.done"
fi
big_snap=$snap
snap=$work/small.db
rm -f "$snap"
"$RG" collect --csv "$small" --out "$snap" --as-of 2026-11-01 >/dev/null
small_all=$(best 1 small $(run_pack memberships xlsx,pdf,csv))
small_anon=$(peak_anon $(run_pack memberships xlsx,pdf,csv))
snap=$big_snap
big_anon=$(peak_anon $(run_pack memberships xlsx,pdf,csv))

rows2=$NMEMBERSHIPS
f() { set -- $1; echo "$2 $3"; }
read -r xl_t xl_m <<< "$(f "$xl")"
read -r all_t all_m <<< "$(f "$all")"
read -r xw_t xw_m <<< "$(f "$xw")"
read -r op_t op_m <<< "$(f "$op")"
read -r rd_t rd_m <<< "$(f "$rd")"
read -r ra_t ra_m <<< "$(f "$ra")"
read -r df_t xml_bytes <<< "$df"
read -r pdf_t pdf_m <<< "$(f "$pdf")"
read -r rl_t rl_m <<< "$(f "$rl")"
read -r sm_t sm_m <<< "$(f "$small_all")"
echo
echo "render: $rows2 rows x 7 columns as one section, best of $RUNS (peers: $PEER_RUNS)"
printf '%-44s %9s %12s %10s\n' "" "seconds" "rows/s" "peak RSS"
row() { printf '%-44s %9.2f %12.0f %7.0f MiB\n' "$1" "$2" "$(awk "BEGIN{print $3/$2}")" "$(awk "BEGIN{print $4/1024}")"; }
row "reportgen, workbook only" "$xl_t" "$rows2" "$xl_m"
row "reportgen, workbook + PDF + CSV" "$all_t" "$rows2" "$all_m"
row "Python XlsxWriter (constant_memory)" "$xw_t" "$rows2" "$xw_m"
row "openpyxl (write_only)" "$op_t" "$rows2" "$op_m"
printf '\nworkbook rows/s : XlsxWriter rows/s = %.2f\n' "$(awk "BEGIN{print $xw_t/$xl_t}")"
printf 'workbook rows/s : openpyxl rows/s   = %.2f\n' "$(awk "BEGIN{print $op_t/$xl_t}")"
printf 'three outputs / workbook alone (wall) = %.2f\n' "$(awk "BEGIN{print $all_t/$xl_t}")"
echo
echo "where the workbook's time goes (the parts overlap on two cores):"
printf '  reading every row from SQLite (reportgen)    %6.2f s\n' "$ra_t"
printf '  the same in the sqlite3 shell (sum(length))  %6.2f s\n' "$rd_t"
printf '  zlib level 6 of the sheet XML alone (floor)  %6.2f s  (%d MB of XML)\n' "$df_t" "$((xml_bytes / 1000000))"
printf '  the workbook, all of it                      %6.2f s\n' "$xl_t"
echo
echo "PDF: 50,000 rows, A4 landscape, DejaVu Sans embedded"
printf '%-44s %9s %8s %10s %10s\n' "" "seconds" "pages" "pages/s" "peak RSS"
printf '%-44s %9.2f %8d %10.0f %7.0f MiB\n' "reportgen (PDF only)" "$pdf_t" "$ours_pages" "$(awk "BEGIN{print $ours_pages/$pdf_t}")" "$(awk "BEGIN{print $pdf_m/1024}")"
printf '%-44s %9.2f %8d %10.0f %7.0f MiB\n' "ReportLab platypus Table" "$rl_t" "$rl_pages" "$(awk "BEGIN{print $rl_pages/$rl_t}")" "$(awk "BEGIN{print $rl_m/1024}")"
printf '\npages/s : ReportLab pages/s = %.1f\n' "$(awk "BEGIN{print ($ours_pages/$pdf_t)/($rl_pages/$rl_t)}")"
echo
echo "memory, three outputs:     $((rows2 / 10)) rows    $rows2 rows"
printf '  peak RSS                   %4d MiB        %4d MiB\n' $((sm_m / 1024)) $((all_m / 1024))
printf '  peak anonymous memory      %4d MiB        %4d MiB\n' $((small_anon / 1024)) $((big_anon / 1024))
echo "  (RSS also counts the snapshot's pages, memory-mapped up to 256 MiB)"
rm -rf "$packs" "$work"/*.db "$work"/py.xlsx "$work"/rl.pdf

[ "${BENCH:-all}" = render ] && exit 0
BENCH=packs bench/run.sh
bench/graph.sh "$tenant" "$small"
