#!/usr/bin/env python3
"""check_graph.py - `collect --graph` against the loopback fake Graph
(tests/servers/graph-server), compared with the snapshot of the same bank
built from its CSV exports, read with the sqlite3 shell.

- The fictional bank read from Graph holds the same rows as from its CSV
  files, entity by entity (ids instead of the snapshot-local keys).
- Every page is kept in raw_page, and the rows can be re-derived from it.
- Faults (429 with integer and fractional Retry-After, 503, 504, a
  connection reset mid-body, truncated JSON, a slow answer, a 401 mid-run,
  429 inside a $batch, a wrong @odata.count, a refused token): the collect
  either gives exactly the rows of a clean run or fails with a clear error
  and leaves no snapshot.
- The certificate credential (JWT client assertion), checked by the server.
- The secret never appears in stderr, the snapshot's bytes or raw_page; a
  secret file others may read is refused.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"


def csv_rows(name):
    """Rows of one of the bank's CSV files (the counts Graph must announce)."""
    with open(os.path.join(BANK, name), newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


NU, NG, NSP = (csv_rows(n) for n in ("users.csv", "groups.csv", "service_principals.csv"))
TENANT = "6f1d4c2a-0b7e-4e55-9a43-2d8c1f0e5b17"
CLIENT = "4a1c8e52-3b6d-4f7e-9c20-5d8b1a6e3f94"
SECRET = "nb-graph-secret-7d1f0c2e9a"
passed = failed = 0

# Each entity as ids and values, independent of the snapshot-local keys.
ENTITIES = {
    "users": "SELECT id, display_name, user_principal_name, user_type, account_enabled, "
             "department, job_title, employee_id, manager_id, mail, created_date_time, "
             "last_sign_in_date_time, on_premises_sync_enabled FROM users ORDER BY id",
    "groups": "SELECT id, display_name, security_enabled, mail_enabled, is_assignable_to_role, "
              "group_types, membership_rule, on_premises_sync_enabled, description "
              "FROM groups ORDER BY id",
    "service_principals": "SELECT id, display_name, app_id, service_principal_type, "
                          "account_enabled FROM service_principals ORDER BY id",
    "group_members": "SELECT g.id, m.id, m.type FROM group_members x JOIN principals g "
                     "ON g.pk = x.group_pk JOIN principals m ON m.pk = x.member_pk ORDER BY 1, 2",
    "group_owners": "SELECT g.id, o.id FROM group_owners x JOIN principals g ON g.pk = x.group_pk "
                    "JOIN principals o ON o.pk = x.owner_pk ORDER BY 1, 2",
    "role_definitions": "SELECT id, display_name, template_id, is_built_in, is_privileged "
                        "FROM role_definitions ORDER BY id",
    "role_assignments": "SELECT x.id, p.id, d.id, state, directory_scope_id, assignment_type, "
                        "member_type, start_date_time, end_date_time FROM role_assignments x "
                        "JOIN principals p ON p.pk = x.principal_pk JOIN role_definitions d "
                        "ON d.pk = x.role_definition_pk ORDER BY 1",
    "pim_group_assignments": "SELECT x.id, g.id, p.id, access_id, state, start_date_time, "
                             "end_date_time FROM pim_group_assignments x JOIN principals g "
                             "ON g.pk = x.group_pk JOIN principals p ON p.pk = x.principal_pk "
                             "ORDER BY 1",
    "access_packages": "SELECT id, display_name, catalog_name, description FROM access_packages "
                       "ORDER BY id",
    "access_package_assignments": "SELECT x.id, a.id, t.id, state, start_date_time, "
                                  "end_date_time FROM access_package_assignments x JOIN "
                                  "access_packages a ON a.pk = x.access_package_pk JOIN principals "
                                  "t ON t.pk = x.target_pk ORDER BY 1",
    "app_role_assignments": "SELECT x.id, p.id, r.id, app_role_id, created_date_time FROM "
                            "app_role_assignments x JOIN principals p ON p.pk = x.principal_pk "
                            "JOIN principals r ON r.pk = x.resource_pk ORDER BY 1",
}


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def shell(db, sql):
    return subprocess.run(["sqlite3", "-readonly", db, sql], capture_output=True, text=True,
                          check=True).stdout


def rows(db):
    return {name: shell(db, sql) for name, sql in ENTITIES.items()}


class Graph:
    def __init__(self, tmp, *extra, tenant_dir=BANK):
        self.dir = tempfile.mkdtemp(dir=tmp)
        self.portfile = os.path.join(self.dir, "port")
        self.stats = os.path.join(self.dir, "stats.json")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "tests", "servers", "graph-server"), "--tenant-dir", tenant_dir,
             "--port", "0", "--port-file", self.portfile, "--tenant-id", TENANT,
             "--client-id", CLIENT, "--stats", self.stats, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(self.portfile):
                break
            time.sleep(0.05)
        with open(self.portfile) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read().strip())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)

    def counts(self):
        with open(self.stats) as f:
            return json.load(f)


def collect(g, out, *opts, env=None, secret=True):
    e = dict(os.environ)
    e.pop("REPORTGEN_CLIENT_SECRET", None)
    if env:
        e.update(env)
    args = [RG, "collect", "--graph", "--tenant", TENANT, "--client-id", CLIENT,
            "--graph-url", g.url, "--login-url", g.url, "--out", out, "--quiet"]
    if secret:
        args += ["--client-secret-file", SECRET_FILE]
    return subprocess.run(args + list(opts), capture_output=True, text=True, env=e)


SECRET_FILE = None


def main():
    global SECRET_FILE
    tmp = tempfile.mkdtemp()
    SECRET_FILE = os.path.join(tmp, "secret")
    with open(SECRET_FILE, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(SECRET_FILE, 0o600)
    servers = []

    def server(*extra):
        g = Graph(tmp, "--client-secret-file", SECRET_FILE, *extra)
        servers.append(g)
        return g

    try:
        csv_db = os.path.join(tmp, "csv.db")
        r = subprocess.run([RG, "collect", "--csv", BANK, "--out", csv_db], capture_output=True)
        check("CSV collect", r.returncode, 0)
        want = rows(csv_db)

        # ---- a clean run: the same rows as the CSV exports
        g = server()
        db = os.path.join(tmp, "graph.db")
        r = collect(g, db)
        check("graph collect", (r.returncode, r.stderr), (0, ""))
        got = rows(db)
        for name in ENTITIES:
            check("same rows as the CSV exports: " + name, got[name], want[name])
        srcs = shell(db, "SELECT entity, row_count, coalesce(expected_count, '-') FROM source "
                         "WHERE entity IN ('users', 'groups', 'service_principals') ORDER BY id")
        check("sources with @odata.count", srcs,
              "users|%d|%d\ngroups|%d|%d\nservice_principals|%d|%d\n" % (
                  NU, NU, NG, NG, NSP, NSP))
        n = shell(db, "SELECT count(*) FROM raw_page WHERE body IS NOT NULL").strip()
        check("every page kept", int(n) > 0 and int(n) == int(shell(
            db, "SELECT count(*) FROM raw_page").strip()), True)
        rederived = shell(db, "SELECT count(*) FROM raw_page r, json_each(r.body, '$.value') "
                              "WHERE r.source_id = (SELECT id FROM source WHERE entity = 'users') "
                              "AND r.url NOT LIKE '%$count=true%'")
        check("users re-derived from raw_page with json_each", rederived.strip(), str(NU))
        st = g.counts()
        check("requests: pages of 999 (500 with signInActivity) and batches of 20",
              st["requests"] <= 16, True)
        with open(db, "rb") as f:
            check("the secret is not in the snapshot", SECRET.encode() in f.read(), False)

        # ---- a member that is a device: not loaded, recorded as dangling
        bank2 = os.path.join(tmp, "bank-device")
        shutil.copytree(BANK, bank2)
        first_group = shell(csv_db, "SELECT id FROM groups ORDER BY id LIMIT 1").strip()
        with open(os.path.join(bank2, "group_members.csv"), "a") as f:
            f.write("%s,0d0d0d0d-1111-4222-8333-444444444444,device\n" % first_group)
        gd = Graph(tmp, "--client-secret-file", SECRET_FILE, tenant_dir=bank2)
        servers.append(gd)
        out = os.path.join(tmp, "device.db")
        r = collect(gd, out)
        check("a device member: collected", r.returncode, 0)
        check("a device member: recorded as dangling",
              shell(out, "SELECT value, expected FROM dangling_reference"),
              "0d0d0d0d-1111-4222-8333-444444444444|#microsoft.graph.device\n")
        check("a device member: counted in its source",
              shell(out, "SELECT dangling_count FROM source WHERE entity = 'group_members'"),
              "1\n")
        check("a device member: the other members as before", rows(out)["group_members"],
              want["group_members"])

        # ---- Graph for the directory, CSV exports for HR, AD, ServiceNow, SoD
        hr = os.path.join(tmp, "hr")
        os.mkdir(hr)
        for f in ("hr_people.csv", "hr_events.csv", "ad_users.csv", "ad_group_members.csv",
                  "servicenow_requests.csv", "sod_rules.csv"):
            shutil.copy(os.path.join(BANK, f), hr)
        db3 = os.path.join(tmp, "mixed.db")
        # with the JML evidence of the templates' period (audit log,
        # lifecycle workflows, both Logic Apps), as the CSV snapshot has it
        apps = sorted({"%s/%s/%s" % (d["subscriptionId"], d["resourceGroup"], d["logicApp"])
                       for d in csv.DictReader(open(os.path.join(BANK, "logic_app_runs.csv"),
                                                    newline="", encoding="utf-8"))})
        r = collect(g, db3, "--csv", hr, "--graph-from", "2026-08-01", "--graph-to",
                    "2026-11-01", "--arm-url", g.url,
                    *[x for a in apps for x in ("--logic-app", a)])
        check("--graph with --csv of HR, AD, ServiceNow", (r.returncode, r.stderr), (0, ""))
        for t in ("hr_people", "hr_events", "ad_users", "ad_group_members",
                  "servicenow_requests", "sod_rules"):
            q = "SELECT * FROM %s ORDER BY 1, 2" % t
            check("mixed: %s as from CSV" % t,
                  shell(db3, "SELECT count(*) FROM " + t) != "0\n" and
                  [l.rsplit("|", 2)[0] for l in shell(db3, q).splitlines()] ==
                  [l.rsplit("|", 2)[0] for l in shell(csv_db, q).splitlines()], True)
        check("mixed: the directory from Graph", rows(db3), want)

        # ---- every template gives the same rows from either snapshot
        # (the pack library reads tables, never where they came from)
        period = ["from=2026-08-01", "to=2026-10-31"]
        for t in sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "templates"))
                        if f.endswith(".ini")):
            text = open(os.path.join(ROOT, "templates", t + ".ini"), encoding="utf-8").read()
            params = ["as_of=" + AS_OF] if "[param as_of]" in text else []
            if "[param from]" in text:
                params += period
            extracts = []
            for db in (csv_db, db3):
                out = tempfile.mkdtemp(dir=tmp)
                args = [RG, "run", t, "--snapshot", db, "--out", out, "--quiet"]
                for p in params:
                    args += ["--param", p]
                r = subprocess.run(args, capture_output=True, text=True)
                check("template %s runs on the %s snapshot" % (t, "CSV" if db == csv_db
                                                               else "Graph"),
                      (r.returncode, r.stderr), (0, ""))
                pack = os.path.join(out, os.listdir(out)[0], "data", "extracts")
                extracts.append({f: open(os.path.join(pack, f), "rb").read()
                                 for f in sorted(os.listdir(pack))})
            check("template %s: the same rows from Graph as from CSV" % t,
                  extracts[1], extracts[0])
            check("template %s: the extracts are not all empty" % t,
                  any(v.count(b"\r\n") > 1 for v in extracts[0].values()), True)
        shutil.copy(os.path.join(BANK, "groups.csv"), hr)
        r = collect(g, os.path.join(tmp, "clash.db"), "--csv", hr)
        check("--graph with a directory export: refused", (r.returncode,
              "is a directory export" in r.stderr), (2, True))

        # ---- --no-raw: rows, no bodies
        db2 = os.path.join(tmp, "noraw.db")
        r = collect(g, db2, "--no-raw")
        check("--no-raw collect", r.returncode, 0)
        check("--no-raw: same rows", rows(db2), want)
        check("--no-raw: no bodies kept",
              shell(db2, "SELECT count(*) FROM raw_page WHERE body IS NOT NULL").strip(), "0")

        # ---- faults: the same rows, or a clear error and no snapshot
        faults = [
            ("429 with a whole Retry-After", ["--fault", "429@users:1:1"]),
            ("429 with a fractional Retry-After", ["--fault", "429@groups:1:0.3"]),
            ("429 from the token endpoint", ["--fault", "429@token:1:2"]),
            ("503", ["--fault", "503@servicePrincipals:1"]),
            ("504", ["--fault", "504@roleDefinitions:1"]),
            ("connection reset mid-body", ["--fault", "reset@users:1"]),
            ("truncated JSON", ["--fault", "truncate@groups:1"]),
            ("truncated $batch answer", ["--fault", "truncate@$batch:2"]),
            ("a slow answer", ["--fault", "slow@users:1:1"]),
            ("401 once mid-run", ["--fault", "401once@:8"]),
            ("429 inside a $batch", ["--fault", "batch429@$batch:1:3"]),
            ("429 on a $batch item path", ["--fault", "429@members:2:0.2"]),
            ("503 on several requests", ["--fault", "503@:3-5:0.1"]),
        ]
        for what, spec in faults:
            g = server(*spec)
            out = os.path.join(tmp, "fault-%d.db" % len(servers))
            r = collect(g, out)
            if r.returncode == 0:
                check("fault %s: the same rows as a clean run" % what, rows(out), want)
            else:
                check("fault %s: a clear error" % what, r.stderr.startswith("reportgen: "), True)
                check("fault %s: no snapshot" % what, os.path.exists(out), False)
            check("fault %s: completes" % what, r.returncode, 0)
            fired = g.counts().get("faults", {})
            check("fault %s: the server injected it" % what,
                  (sum(fired.values()) if isinstance(fired, dict) else fired) > 0, True)
            if "401" in what:
                check("401 mid-run: a second token", g.counts()["tokens_issued"], 2)
            st = g.counts()
            if "429" in what or "503 on" in what:
                # found in review, 2026-11-26: a $batch item's Retry-After
                # and the token endpoint's were not waited for
                check("fault %s: asked again only after Retry-After" % what,
                      (st["throttled_items_asked_early"],
                       st["throttled_items_asked_after_wait"] > 0), (0, True))

        # ---- a tenant without PIM: the plain role assignments, said so
        g = server("--fault", "403@roleAssignmentScheduleInstances:1+")
        out = os.path.join(tmp, "nopim.db")
        r = collect(g, out)
        check("no PIM licence: collected", r.returncode, 0)
        check("no PIM licence: warned", "reading the plain list instead" in r.stderr, True)
        active = [l for l in want["role_assignments"].splitlines()
                  if "|active|" in l and "|Assigned|" in l]
        got_active = [l for l in rows(out)["role_assignments"].splitlines() if "|active|" in l]
        check("no PIM licence: the standing assignments",
              sorted(l.split("|")[1:3] for l in got_active),
              sorted(l.split("|")[1:3] for l in active))
        info = subprocess.run([RG, "snapshot", "info", out], capture_output=True, text=True)
        check("no PIM licence: snapshot info says so",
              "the plain list was read instead" in info.stdout, True)
        g = server("--fault", "403@accessPackages:1+")
        out = os.path.join(tmp, "noap.db")
        r = collect(g, out)
        check("access packages refused: collected, said so",
              (r.returncode, shell(out, "SELECT note FROM source WHERE entity = "
                                        "'access_packages'").strip().endswith(
                                            "nothing was collected")), (0, True))

        g = server("--signin-top-max", "120")
        out = os.path.join(tmp, "top120.db")
        r = collect(g, out)
        check("signInActivity limited to pages of 120: collected", r.returncode, 0)
        check("pages of 120: said so", "pages of 120" in r.stderr, True)
        check("pages of 120: same rows", rows(out), want)

        g = server("--fault", "count-wrong@users:1")
        out = os.path.join(tmp, "count.db")
        r = collect(g, out)
        check("wrong @odata.count: collected", r.returncode, 0)
        check("wrong @odata.count: a warning", "@odata.count said %d, %d arrived" % (NU + 1, NU) in r.stderr,
              True)
        check("wrong @odata.count: both recorded",
              shell(out, "SELECT row_count, expected_count FROM source WHERE entity = 'users'"),
              "%d|%d\n" % (NU, NU + 1))

        info = subprocess.run([RG, "snapshot", "info", out], capture_output=True, text=True)
        check("wrong @odata.count: snapshot info warns",
              "warning: the source announced %d rows" % (NU + 1) in info.stdout, True)
        packs = os.path.join(tmp, "count-packs")
        os.mkdir(packs)
        r = subprocess.run([RG, "run", "user-list", "--snapshot", out, "--out", packs,
                            "--quiet", "--outputs", "csv"], capture_output=True, text=True,
                           cwd=ROOT)
        check("wrong @odata.count: the run warns",
              (r.returncode, "announced %d rows, %d arrived" % (NU + 1, NU) in r.stderr), (0, True))
        pack = os.path.join(packs, os.listdir(packs)[0])
        bag_info = open(os.path.join(pack, "bag-info.txt")).read()
        check("wrong @odata.count: bag-info.txt says so",
              "Snapshot-Warning: source 1 (graph users) announced %d rows, %d arrived" % (NU + 1, NU)
              in bag_info, True)
        rec = json.load(open(os.path.join(pack, "data", "run.json")))
        check("wrong @odata.count: run.json says so",
              [(w["announced"], w["arrived"]) for w in rec["warnings"]], [(NU + 1, NU)])

        g = server("--fault", "token-invalid-client@token:1+")
        out = os.path.join(tmp, "badtoken.db")
        r = collect(g, out)
        check("refused token: exit 3", r.returncode, 3)
        check("refused token: Entra's reason", "invalid_client" in r.stderr and
              "AADSTS7000215" in r.stderr, True)
        check("refused token: no snapshot", os.path.exists(out), False)
        check("refused token: no secret in stderr", SECRET in r.stderr, False)

        # ---- secrets
        g = server()
        loose = os.path.join(tmp, "loose-secret")
        shutil.copy(SECRET_FILE, loose)
        os.chmod(loose, 0o644)
        out = os.path.join(tmp, "loose.db")
        r = collect(g, out, "--client-secret-file", loose, secret=False)
        check("a secret file others may read is refused",
              (r.returncode, "may be read by others" in r.stderr, os.path.exists(out)),
              (3, True, False))
        out = os.path.join(tmp, "env.db")
        r = collect(g, out, env={"REPORTGEN_CLIENT_SECRET": SECRET}, secret=False)
        check("secret from the environment", r.returncode, 0)
        wrong = os.path.join(tmp, "wrong-secret")
        with open(wrong, "w") as f:
            f.write("not-the-secret\n")
        os.chmod(wrong, 0o600)
        out = os.path.join(tmp, "wrong.db")
        r = collect(g, out, "--client-secret-file", wrong, secret=False)
        check("wrong secret: exit 3 and no snapshot", (r.returncode, os.path.exists(out)),
              (3, False))
        check("wrong secret: not echoed", "not-the-secret" in r.stderr, False)

        r = subprocess.run([RG, "collect", "--graph", "--tenant", TENANT, "--client-id", CLIENT,
                            "--client-secret-file", SECRET_FILE, "--graph-url",
                            "http://graph.example.com", "--out", os.path.join(tmp, "x.db")],
                           capture_output=True, text=True)
        check("plain http to another machine: refused", (r.returncode,
              "must be https://" in r.stderr), (2, True))

        # ---- certificate credential
        cert, key = os.path.join(tmp, "app.pem"), os.path.join(tmp, "app.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "2", "-subj", "/CN=reportgen test app"],
                       capture_output=True, check=True)
        g = Graph(tmp, "--client-cert", cert)
        servers.append(g)
        out = os.path.join(tmp, "cert.db")
        r = collect(g, out, "--client-cert", cert, "--client-key", key, secret=False)
        check("certificate credential", (r.returncode, r.stderr), (0, ""))
        if r.returncode == 0:
            check("certificate credential: same rows", rows(out), want)
        other_key = os.path.join(tmp, "other.key")
        other_cert = os.path.join(tmp, "other.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        other_key, "-out", other_cert, "-days", "2", "-subj", "/CN=other"],
                       capture_output=True, check=True)
        out = os.path.join(tmp, "othercert.db")
        r = collect(g, out, "--client-cert", other_cert, "--client-key", other_key,
                    secret=False)
        check("a certificate the app does not have: refused",
              (r.returncode, "invalid_client" in r.stderr, os.path.exists(out)), (3, True, False))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
