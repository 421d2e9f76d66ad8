#!/usr/bin/env bash
# run-cases.sh - run the end-to-end cases in tests/cases/ against $RG.
#
# A case is a folder NNNN-name/ holding:
#   cmd             shell lines; %RG is the reportgen binary, %OUT a new
#                   empty scratch folder; run from inside the case folder
#   input/          the case's input files
#   expect/exit     the exit status of the last command
#   expect/stderr   stderr, exactly (the scratch path shown as %OUT)
#   expect/stdout   stdout, exactly (optional)
#   expect/files    `ls -A %OUT` after the run (optional; when absent and the
#                   exit status is not 0, %OUT must be empty: a failed
#                   command leaves nothing behind)
#   snapshot.sql    queries for %OUT/snap.db, run by the sqlite3 shell
#   expect/snapshot.tsv   their output with -tabs (needs snapshot.sql)
# Prints one line per case and ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
RG=${RG:-build/reportgen}
RG=$(cd "$(dirname "$RG")" && pwd)/$(basename "$RG")
only=${1:-}
passed=0
failed=0

check() { # name, expected file, got file
    if diff -u --label "expected $1" --label "got $1" "$2" "$3" >"$work/diff" 2>&1; then
        return 0
    fi
    cat "$work/diff"
    return 1
}

for case in "$here"/cases/*/; do
    case=${case%/}
    name=$(basename "$case")
    [ -n "$only" ] && [[ "$name" != *"$only"* ]] && continue
    work=$(mktemp -d)
    out="$work/out"
    mkdir "$out"
    sed -e "s|%RG|$RG|g" -e "s|%OUT|$out|g" "$case/cmd" >"$work/cmd.sh"
    (cd "$case" && bash "$work/cmd.sh" >"$work/stdout" 2>"$work/stderr")
    echo $? >"$work/exit"
    sed -i "s|$out|%OUT|g" "$work/stdout" "$work/stderr"
    ok=1
    check exit "$case/expect/exit" "$work/exit" || ok=0
    check stderr "$case/expect/stderr" "$work/stderr" || ok=0
    if [ -f "$case/expect/stdout" ]; then
        check stdout "$case/expect/stdout" "$work/stdout" || ok=0
    fi
    (cd "$out" && ls -A) >"$work/files"
    if [ -f "$case/expect/files" ]; then
        check files "$case/expect/files" "$work/files" || ok=0
    elif [ "$(cat "$work/exit")" != 0 ] && [ -s "$work/files" ]; then
        echo "left behind after a failure:"; cat "$work/files"; ok=0
    fi
    if [ -f "$case/snapshot.sql" ]; then
        sqlite3 -readonly -tabs "$out/snap.db" <"$case/snapshot.sql" >"$work/snapshot.tsv" 2>&1
        check snapshot.tsv "$case/expect/snapshot.tsv" "$work/snapshot.tsv" || ok=0
    fi
    if [ $ok = 1 ]; then
        passed=$((passed + 1)); echo "ok      $name"
    else
        failed=$((failed + 1)); echo "FAILED  $name"
    fi
    chmod -R u+w "$work" 2>/dev/null
    rm -rf "$work"
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
