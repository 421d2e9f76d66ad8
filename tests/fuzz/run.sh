#!/usr/bin/env bash
# run.sh - `make fuzz`: build each libFuzzer target with clang and run it for
# $FUZZ_TIME seconds (default 60), seeded from the fixtures and test cases.
# Corpora grow in build/fuzz/corpus-<target>/; crashes are kept there too.
set -eu
cd "$(dirname "$0")/../.."
FUZZ_TIME=${FUZZ_TIME:-60}
out=build/fuzz
mkdir -p "$out"
lib_srcs="$(ls reportgen/util/*.c reportgen/collect/*.c reportgen/query/*.c reportgen/pack/*.c) reportgen/store/graphpage.c build/gen/schema_sql.c build/gen/graph_sql.c"
flags="-g -O1 -std=c11 -D_DEFAULT_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Ireportgen"
status=0

# Seeds for the pack targets: real packs, small ones (CSV extracts only),
# signed and not, made by the reportgen just built.
packs=$(mktemp -d)
trap 'rm -rf "$packs"' EXIT
tests/pki/make-pki "$packs/pki"
build/reportgen collect --csv fixtures/nordhavn-bank --out "$packs/bank.db" \
    --as-of 2026-11-01 --tenant "Nordhavn Bank A/S" >/dev/null
mkdir "$packs/out"
for t in privileged-access-overview user-list; do
    build/reportgen run $t --snapshot "$packs/bank.db" --out "$packs/out" \
        --outputs csv --quiet --generated-at 2026-11-02T08:00:00Z >/dev/null
done
build/reportgen run privileged-access-overview --snapshot "$packs/bank.db" \
    --out "$packs/out" --outputs csv --quiet --param as_of=2026-10-01 \
    --sign-key "$packs/pki/signer.key" --sign-cert "$packs/pki/signer.pem" >/dev/null
# one record per file: path, NUL, 4-byte little-endian length, bytes
serialize() {
    /usr/bin/python3 - "$1" <<'PY'
import os, struct, sys
root = sys.argv[1]
out = bytearray()
for d, _, fs in sorted(os.walk(root)):
    for f in sorted(fs):
        p = os.path.join(d, f)
        b = open(p, "rb").read()
        out += os.path.relpath(p, root).encode() + b"\0" + struct.pack("<I", len(b)) + b
sys.stdout.buffer.write(out)
PY
}

for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    echo "== $name (${FUZZ_TIME}s)"
    clang $flags -o "$out/$name" "$src" $lib_srcs -lcsv -lssl -lcrypto -lcurl -linih -lsqlite3 -lldap -llber
    corpus="$out/corpus-$name"
    seeds="$out/seeds-$name"
    mkdir -p "$corpus" "$seeds"
    case $name in
    fuzz_csvread|fuzz_csvfast)
        cp fixtures/nordhavn-bank/*.csv "$seeds"/
        # fuzz_csvfast reads its first byte as a buffer size
        [ $name = fuzz_csvfast ] && for f in "$seeds"/*; do
            { printf '\003'; cat "$f"; } >"$f.x" && mv "$f.x" "$f"; done
        find tests/cases -name '*.csv' | while read -r f; do
            cp "$f" "$seeds/$(echo "$f" | tr / _)"; done ;;
    fuzz_csvload)
        i=0
        for f in fixtures/nordhavn-bank/{users,groups,service_principals,group_members,role_definitions,role_assignments,hr_people,hr_events,ad_users,servicenow_requests,sod_rules}.csv; do
            { printf "\\x$(printf %02x $i)"; head -c 4000 "$f"; } >"$seeds/$i.csv"
            i=$((i + 1))
        done ;;
    fuzz_template)
        cp templates/*.ini "$seeds"/
        printf '%s\0as_of=2026-10-01\n' "$(cat templates/privileged-access-overview.ini)" \
            >"$seeds/with-params" ;;
    fuzz_bag)
        for p in "$packs"/out/*/; do
            n=$(basename "$p")
            { printf '\000'; cat "$p/manifest-sha256.txt"; } >"$seeds/$n.m"
            { printf '\001'; cat "$p/tagmanifest-sha256.txt"; } >"$seeds/$n.t"
            { printf '\002'; cat "$p/bag-info.txt"; } >"$seeds/$n.i"
            [ -f "$p/tagmanifest-sha256.txt.p7s" ] &&
                { printf '\004'; cat "$p/tagmanifest-sha256.txt.p7s"; } >"$seeds/$n.s"
        done
        { printf '\003'; tail -c 3000 demo/packs/*/data/*.pdf 2>/dev/null | head -c 3000; } \
            >"$seeds/pdf-tail" ;;
    fuzz_graphpage)
        # pages as Graph sends them, one per kind (selector byte first)
        printf '\000{"value":[{"id":"44444444-4444-4444-4444-444444444444","displayName":"C","userPrincipalName":"c@x","accountEnabled":true,"createdDateTime":"2024-01-02T03:04:05.123Z","signInActivity":{"lastSignInDateTime":"2026-10-01T08:00:00Z"},"manager":{"id":"11111111-1111-1111-1111-111111111111"}}],"@odata.nextLink":"http://x/v1.0/users?$skiptoken=1"}' >"$seeds/users"
        printf '\003{"value":[{"@odata.type":"#microsoft.graph.user","id":"11111111-1111-1111-1111-111111111111"},{"@odata.type":"#microsoft.graph.device","id":"55555555-5555-5555-5555-555555555555"}]}' >"$seeds/members"
        printf '\006{"value":[{"id":"x1","principalId":"22222222-2222-2222-2222-222222222222","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/","assignmentType":"Assigned","memberType":"Direct","startDateTime":"2021-06-01T00:00:00Z","endDateTime":null}]}' >"$seeds/roles"
        printf '\011{"value":[{"id":"p1","groupId":"33333333-3333-3333-3333-333333333333","principalId":"11111111-1111-1111-1111-111111111111","accessId":"member","startDateTime":"2026-01-01T00:00:00Z"}]}' >"$seeds/pim"
        printf '\377{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}' >"$seeds/token"
        printf '\377\001{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1"}' >"$seeds/token-error" ;;
    fuzz_verify)
        for p in "$packs"/out/*/; do
            { printf '\000'; serialize "$p"; } >"$seeds/$(basename "$p")"
            { printf '\001'; serialize "$p"; } >"$seeds/$(basename "$p").reseal"
        done ;;
    fuzz_ldap)
        printf '20190401090000.0Z' >"$seeds/whencreated"
        printf '134372992451234567' >"$seeds/filetime"
        printf 'cn=Holm\\, Karen+uid=kh,ou="a,b",dc=nordhavn' >"$seeds/dn"
        printf 'member;range=1500-2999' >"$seeds/range" ;;
    fuzz_timefmt)
        printf '2026-11-01T09:30:00+01:00' >"$seeds/iso"
        printf '%%d.%%m.%%Y %%H:%%M:%%S\00019.04.2023 13:59:09' >"$seeds/fmt1"
        printf '%%m/%%d/%%Y %%I:%%M:%%S %%p\0008/19/2021 1:25:31 PM' >"$seeds/fmt2" ;;
    esac
    # OpenSSL 3.0's CMS_verify() leaks a memory BIO when a signature names a
    # digest it does not know; that is theirs, everything else is ours. The
    # suppression needs whole stacks (libcrypto has no frame pointers).
    unwind=1
    case $name in fuzz_bag|fuzz_verify) unwind=0 ;; esac
    if ! LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
        ASAN_OPTIONS=fast_unwind_on_malloc=$unwind "$out/$name" -max_total_time="$FUZZ_TIME" -max_len=65536 \
        -artifact_prefix="$out/$name-" -print_final_stats=0 \
        "$corpus" "$seeds" 2>"$out/$name.log"; then
        tail -40 "$out/$name.log"
        status=1
    else
        grep -E '^(Done|#[0-9]+ *DONE)' "$out/$name.log" | tail -1 || true
    fi
done
exit $status
