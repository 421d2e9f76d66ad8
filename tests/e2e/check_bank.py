#!/usr/bin/env python3
"""check_bank.py - collect the fictional bank and check the snapshot.

Every expected value here is computed from the fixture's CSV files with
Python's csv module, and every actual value is read from the snapshot with
the sqlite3 shell: neither side shares code with reportgen. Ends with
"N passed, N failed".

Environment: RG (the reportgen binary, default build/reportgen).
"""
import csv
import datetime
import hashlib
import os
import subprocess
import sys
import tempfile

RG = os.environ.get("RG", "build/reportgen")
BANK = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))


def rows(name):
    path = os.path.join(BANK, name)
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def sql(db, query):
    out = subprocess.run(["sqlite3", "-readonly", "-tabs", db, query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def utc(s):
    """An ISO time as the snapshot stores it (UTC, seconds, Z)."""
    if not s:
        return ""
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "bank.db")
    r = subprocess.run([RG, "collect", "--csv", BANK, "--out", db,
                        "--as-of", AS_OF, "--tenant", "Nordhavn Bank A/S"],
                       capture_output=True, text=True)
    check("collect exit status", r.returncode, 0)
    check("collect stderr", r.stderr, "")
    if r.returncode != 0:
        print(r.stderr)
        return

    users, groups = rows("users.csv"), rows("groups.csv")
    sps, members = rows("service_principals.csv"), rows("group_members.csv")
    roledefs, ras = rows("role_definitions.csv"), rows("role_assignments.csv")

    # Every file: one source row with the file's SHA-256 and row count.
    files = sorted(f for f in os.listdir(BANK) if f.endswith(".csv"))
    src = {os.path.basename(row[0]): row[1:] for row in sql(
        db, "SELECT locator, sha256, row_count, dangling_count, kind FROM source")}
    check("sources", sorted(src), files)
    for f in files:
        data = open(os.path.join(BANK, f), "rb").read()
        check("sha256 of " + f, src[f][0], hashlib.sha256(data).hexdigest())
        check("rows of " + f, src[f][1], str(len(rows(f))))
        check("dangling of " + f, src[f][2], "0")
        check("kind of " + f, src[f][3], "csv")

    # Each entity table holds exactly its file's rows.
    for f in files:
        table = f[:-4]
        check("count of " + table, sql(db, "SELECT count(*) FROM " + table),
              [[str(len(rows(f)))]])
    check("principals", sql(db, "SELECT type, count(*) FROM principals GROUP BY 1 ORDER BY 1"),
          sorted([["group", str(len(groups))], ["servicePrincipal", str(len(sps))],
                  ["user", str(len(users))]]))

    # Chosen rows, converted: Danish letters, booleans, times, guests.
    by_key = {u["id"]: u for u in users}
    for u in users:
        if any(c in u["displayName"] for c in "æøåÆØÅ") or "#EXT#" in u["userPrincipalName"]:
            got = sql(db, "SELECT display_name, user_principal_name, user_type, "
                          "account_enabled, last_sign_in_date_time, line FROM users "
                          "WHERE id = '%s'" % u["id"])
            want = [[u["displayName"], u["userPrincipalName"], u["userType"],
                     "1" if u["accountEnabled"] == "true" else "0",
                     utc(u["lastSignInDateTime"]),
                     str(users.index(u) + 2)]]
            check("user " + u["userPrincipalName"], got, want)

    # Privileged flags: the export's own flag, or a known privileged template.
    known = {"62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
             "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "194ae4cb-b126-40b2-bd5b-6091b380977d",
             "fe930be7-5e62-47db-91af-98c3a49a38b1", "29232cdf-9323-42fd-ade2-1d097af3e4de",
             "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
             "158c047a-c907-4556-b7ef-446551a6b5f7", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
             "729827e3-9c14-49f7-bb1b-9608f156bbb8", "c4e39bd9-1100-46d3-8c65-fb160da0071f",
             "3a2c62db-5318-420d-8d74-23affee5d9d5", "b0f54661-2d74-4c50-afa3-1ec803f12efe"}
    want = sorted([r["displayName"]] for r in roledefs
                  if r["isPrivileged"] == "true" or r["templateId"] in known)
    check("privileged roles", sql(db, "SELECT display_name FROM role_definitions "
                                      "WHERE is_privileged ORDER BY 1"), want)

    # Role assignments with names, as the view shows them.
    names = {x["id"]: x["displayName"] for x in users + groups + sps}
    roles = {r["id"]: r["displayName"] for r in roledefs}
    want = sorted([names[a["principalId"]], roles[a["roleDefinitionId"]], a["state"],
                   utc(a["endDateTime"])] for a in ras)
    check("role assignments", sorted(sql(db, "SELECT principal_name, role_name, state, "
                                             "coalesce(end_date_time, '') FROM "
                                             "role_assignments_named")), want)

    # Transitive membership, computed here by walking the CSV edges.
    gname = {g["id"]: g["displayName"] for g in groups}
    edges = {}
    for m in members:
        edges.setdefault(m["groupId"], []).append(m["memberId"])

    def walk(top):
        out = []

        def go(g, path, trail):
            for m in edges.get(g, []):
                cycle = m in trail or m == g
                out.append((names[m], len(path), " > ".join(path), int(cycle)))
                if m in edges and not cycle:
                    go(m, path + [gname[m]], trail | {m})
        go(top, [gname[top]], {top})
        return sorted(out)

    for top in ("GRP-Finance-All", "GRP-Finance-Controllers", "SG-Role-Security-Operations",
                "GRP-Payments-Approvers"):
        gid = [g["id"] for g in groups if g["displayName"] == top][0]
        got = sql(db, "SELECT m.display_name, t.depth, t.path, t.cycle FROM "
                      "group_members_transitive t JOIN principals g ON g.pk = t.group_pk "
                      "JOIN principals m ON m.pk = t.member_pk WHERE g.id = '%s'" % gid)
        got = sorted((a, int(b), c, int(d)) for a, b, c, d in got)
        check("transitive members of " + top, got, walk(gid))
    # The cycle is seen, and the walk ended.
    check("cycle rows", sql(db, "SELECT count(*) FROM group_members_transitive WHERE cycle"),
          [[str(sum(1 for g in edges for row in walk(g) if row[3]))]])

    check("snapshot row", sql(db, "SELECT tenant_name, as_of, schema_version FROM snapshot"),
          [["Nordhavn Bank A/S", AS_OF, "2"]])
    check("sealed", oct(os.stat(db).st_mode & 0o777), "0o444")

    # The file is what `snapshot info` says it is.
    info = subprocess.run([RG, "snapshot", "info", db], capture_output=True,
                          text=True).stdout
    digest = hashlib.sha256(open(db, "rb").read()).hexdigest()
    check("snapshot info sha256", ("sha256        " + digest) in info, True)
    os.chmod(db, 0o644)
    os.unlink(db)
    os.rmdir(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
