#!/usr/bin/env python3
"""check_servicenow.py - `collect --servicenow` against the loopback fake
ServiceNow (tests/servers/servicenow-server), compared with the snapshot of
the same requests built from servicenow_requests.csv, read with the sqlite3
shell.

- The bank's requested items read over the Table API (with --csv for the
  rest of the bank) give the same servicenow_requests rows as the CSV route
  (everything but source_id and line), and so does a larger synthetic set
  paged in pages of 7, with records hidden by access rules (short and empty
  pages), every state, no target, no approver.
- Every answer is kept in raw_page; the sources record X-Total-Count and
  what arrived, and a difference is a warning.
- The period, the target as a field, Basic and OAuth (client credentials,
  password grant, a token refused, a token expired mid-run).
- Faults (429 with whole and fractional Retry-After, 503, a reset, truncated
  JSON, a wrong X-Total-Count, a table the user may not read): the same
  rows, or a clear error and no snapshot.
- The password and client secret never appear in stderr, the snapshot's
  bytes or raw_page; a secret file others may read is refused; a wrong
  password is a clear error, exit 3.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import base64
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
SERVER = os.path.join(ROOT, "tests", "servers", "servicenow-server")
USER = "svc_reportgen"
PASSWORD = "nb-sn-pass-4c1e9a7f"
CLIENT = "8d2f0c3b5e7a4f19b6c2d0e1a3f5b7c9"
SECRET = "nb-sn-client-secret-0e6b2d"
ROWS = ("SELECT number, requested_for, item, state, opened_at, closed_at, approval, "
        "approved_by, approved_at, target FROM servicenow_requests ORDER BY number")
passed = failed = 0


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


class SN:
    def __init__(self, tmp, tenant_dir, *extra):
        self.dir = tempfile.mkdtemp(dir=tmp)
        self.portfile = os.path.join(self.dir, "port")
        self.stats = os.path.join(self.dir, "stats.json")
        self.log = os.path.join(self.dir, "log")
        self.proc = subprocess.Popen(
            [SERVER, "--tenant-dir", tenant_dir, "--port-file", self.portfile,
             "--user", USER, "--password-file", PASSWORD_FILE, "--client-id", CLIENT,
             "--client-secret-file", SECRET_FILE, "--stats", self.stats, "--log", self.log,
             *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(300):
            if os.path.exists(self.portfile) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.portfile):
            raise SystemExit("servicenow-server did not start: %s" %
                             self.proc.stderr.read().decode())
        with open(self.portfile) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read().strip())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)

    def counts(self):
        if not os.path.exists(self.stats):
            return {}
        with open(self.stats) as f:
            return json.load(f)


PASSWORD_FILE = SECRET_FILE = None


def collect(s, out, csv_dir, *opts, auth="basic"):
    args = [RG, "collect", "--out", out, "--quiet", "--servicenow", s.url]
    if csv_dir:
        args += ["--csv", csv_dir]
    if auth == "basic":
        args += ["--sn-user", USER, "--sn-password-file", PASSWORD_FILE]
    elif auth == "oauth":
        args += ["--sn-client-id", CLIENT, "--sn-client-secret-file", SECRET_FILE]
    elif auth == "password-grant":
        args += ["--sn-client-id", CLIENT, "--sn-client-secret-file", SECRET_FILE,
                 "--sn-user", USER, "--sn-password-file", PASSWORD_FILE]
    env = dict(os.environ)
    env.pop("REPORTGEN_SN_PASSWORD", None)
    env.pop("REPORTGEN_SN_CLIENT_SECRET", None)
    return subprocess.run(args + list(opts), capture_output=True, text=True, env=env)


def no_secrets(what, r, db):
    check(what + ": no secret in stderr",
          any(x in r.stderr for x in (PASSWORD, SECRET)), False)
    if db and os.path.exists(db):
        raw = open(db, "rb").read()
        basic = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode())
        check(what + ": no secret in the snapshot's bytes",
              any(x in raw for x in (PASSWORD.encode(), SECRET.encode(), basic)), False)


def synthetic(folder, n=57):
    """n requests of every kind, numbered RITM1... and RITM8... around the
    hidden RITM5... of the server, with users.csv for the CSV route."""
    os.makedirs(folder)
    shutil.copy(os.path.join(BANK, "users.csv"), folder)
    states = ["closed_complete", "closed_incomplete", "open", "work_in_progress",
              "pending", "closed_skipped"]
    with open(os.path.join(folder, "servicenow_requests.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["number", "requested_for", "item", "state", "opened_at", "closed_at",
                    "approval", "approved_by", "approved_at", "target"])
        for i in range(n):
            num = "RITM%d%06d" % (1 if i < n // 2 else 8, i)
            state = states[i % len(states)]
            closed = state.startswith("closed")
            approval = ["approved", "rejected", "requested", "approved"][i % 4]
            decided = approval in ("approved", "rejected")
            w.writerow([num, "person%03d@nordhavnbank.dk" % (i % 11),
                        ["Access package request", "Group membership request"][i % 2], state,
                        "2026-%02d-%02dT%02d:%02d:00Z" % (8 + i % 3, 1 + i % 28, i % 24, i % 60),
                        "2026-11-%02dT10:00:00Z" % (1 + i % 28) if closed else "",
                        approval,
                        "manager%02d@nordhavnbank.dk" % (i % 5) if decided else "",
                        "2026-10-%02dT12:%02d:00Z" % (1 + i % 28, i % 60) if decided else "",
                        "" if i % 7 == 3 else "GRP-Target-%02d" % (i % 13)])


def main():
    global PASSWORD_FILE, SECRET_FILE
    tmp = tempfile.mkdtemp()
    PASSWORD_FILE = os.path.join(tmp, "sn-password")
    SECRET_FILE = os.path.join(tmp, "sn-secret")
    for path, value in ((PASSWORD_FILE, PASSWORD), (SECRET_FILE, SECRET)):
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
    servers = []

    def server(tenant_dir, *extra):
        s = SN(tmp, tenant_dir, *extra)
        servers.append(s)
        return s

    try:
        # the CSV route, and the bank without its ServiceNow export
        csv_db = os.path.join(tmp, "csv.db")
        r = subprocess.run([RG, "collect", "--csv", BANK, "--out", csv_db, "--quiet"],
                           capture_output=True, text=True)
        check("CSV collect", r.returncode, 0)
        want = shell(csv_db, ROWS)
        check("the bank has requests", want.count("\n") >= 3, True)
        rest = os.path.join(tmp, "bank-without-servicenow")
        shutil.copytree(BANK, rest)
        os.remove(os.path.join(rest, "servicenow_requests.csv"))

        # ---- a clean run: the same rows as the CSV export
        s = server(BANK)
        db = os.path.join(tmp, "sn.db")
        r = collect(s, db, rest)
        check("servicenow collect", (r.returncode, r.stderr), (0, ""))
        check("same servicenow_requests rows as the CSV route", shell(db, ROWS), want)
        check("the rest of the bank as from CSV",
              shell(db, "SELECT count(*) FROM users"), shell(csv_db, "SELECT count(*) FROM users"))
        n_items = want.count("\n")
        srcs = shell(db, "SELECT kind, entity, row_count, expected_count FROM source "
                         "WHERE kind = 'servicenow' ORDER BY id")
        # targets: one per item with a target; approvals: the decision, and
        # for approved items a first level and a no-longer-required one
        n_targets = sum(1 for l in want.splitlines() if l.split("|")[9])
        n_apps = sum(3 if l.split("|")[6] == "approved" else 1
                     for l in want.splitlines() if l.split("|")[7])
        check("sources: items, targets, approvals with X-Total-Count", srcs,
              "servicenow|servicenow_requests|%d|%d\n"
              "servicenow|servicenow_requests.target|%d|%d\n"
              "servicenow|servicenow_requests.approved_by|%d|%d\n" % (
                  n_items, n_items, n_targets, n_targets, n_apps, n_apps))
        check("sources: locators are the tables, without credentials",
              [l.split("?")[0] for l in shell(
                  db, "SELECT locator FROM source WHERE kind = 'servicenow' ORDER BY id"
              ).splitlines()],
              [s.url + "/api/now/table/" + t
               for t in ("sc_req_item", "sc_item_option_mtom", "sysapproval_approver")])
        check("sources: a SHA-256 of the answers",
              shell(db, "SELECT count(*) FROM source WHERE kind = 'servicenow' "
                        "AND length(sha256) = 64"), "3\n")
        check("rows point at the sc_req_item source",
              shell(db, "SELECT DISTINCT s.locator LIKE '%/sc_req_item%' FROM servicenow_requests "
                        "r JOIN source s ON s.id = r.source_id"), "1\n")
        check("every answer kept in raw_page",
              shell(db, "SELECT count(*) > 0, count(*) = count(body) FROM raw_page r JOIN "
                        "source s ON s.id = r.source_id WHERE s.kind = 'servicenow'"), "1|1\n")
        check("items re-derived from raw_page with json_each",
              shell(db, "SELECT group_concat(json_extract(j.value, '$.number'), ',') FROM "
                        "(SELECT j.value FROM raw_page r, json_each(r.body, '$.result') j "
                        "JOIN source s ON s.id = r.source_id WHERE s.locator LIKE "
                        "'%/sc_req_item%' ORDER BY 1) j"),
              ",".join(sorted(l.split("|")[0] for l in want.splitlines())) + "\n")
        st = s.counts()
        check("Basic authentication used", st.get("auth", {}).get("basic", 0) > 0, True)
        check("the change request's approval is not read",
              "CHG0030001" in shell(db, "SELECT group_concat(body) FROM raw_page"), False)
        no_secrets("clean run", r, db)

        # ---- a larger set: pages of 7, short and empty pages (access rules)
        big = os.path.join(tmp, "big")
        synthetic(big)
        big_users = os.path.join(tmp, "big-users")
        os.makedirs(big_users)
        shutil.copy(os.path.join(big, "users.csv"), big_users)
        big_csv = os.path.join(tmp, "big-csv.db")
        r = subprocess.run([RG, "collect", "--csv", big, "--out", big_csv, "--quiet"],
                           capture_output=True, text=True)
        check("synthetic CSV collect", (r.returncode, r.stderr), (0, ""))
        big_want = shell(big_csv, ROWS)
        sb = server(big, "--hidden", "25", "--max-limit", "50")
        out = os.path.join(tmp, "big.db")
        r = collect(sb, out, big_users, "--sn-page-size", "7")
        check("paged with hidden records: collected", r.returncode, 0)
        check("paged with hidden records: same rows as the CSV route", shell(out, ROWS),
              big_want)
        check("paged: every state mapped back from its code",
              sorted(set(l.split("|")[3] for l in big_want.splitlines())) ==
              sorted(set(l.split("|")[3] for l in shell(out, ROWS).splitlines())), True)
        check("paged: X-Total-Count differs, a warning",
              "X-Total-Count said 82, 57 arrived" in r.stderr, True)
        check("paged: both counts recorded",
              shell(out, "SELECT row_count, expected_count FROM source WHERE entity = "
                         "'servicenow_requests'"), "57|82\n")
        pages = int(shell(out, "SELECT count(*) FROM raw_page r JOIN source s ON s.id = "
                               "r.source_id WHERE s.entity = 'servicenow_requests'"))
        check("paged: every page of 7 asked for, past the empty ones", pages >= 82 // 7 + 1,
              True)
        check("paged: empty pages in the middle were read past",
              int(shell(out, "SELECT count(*) FROM raw_page r JOIN source s ON s.id = "
                             "r.source_id WHERE s.entity = 'servicenow_requests' AND "
                             "json_array_length(r.body, '$.result') = 0")) >= 2, True)
        check("paged: lines number the items",
              shell(out, "SELECT min(line), max(line), count(DISTINCT line) FROM "
                         "servicenow_requests"), "1|57|57\n")

        # ---- the period, and the target from a field
        out = os.path.join(tmp, "period.db")
        r = collect(s, out, rest, "--sn-from", "2026-10-05", "--sn-to", "2026-10-31")
        check("period: collected", r.returncode, 0)
        in_period = "".join(l + "\n" for l in want.splitlines()
                            if "2026-10-05" <= l.split("|")[4][:10] <= "2026-10-31")
        check("period: the items opened in it", shell(out, ROWS), in_period)
        check("period: the items' variables and approvals only",
              shell(out, "SELECT group_concat(row_count) FROM source WHERE kind = "
                         "'servicenow'"),
              "%d,%d,%d\n" % (in_period.count("\n"),
                              sum(1 for l in in_period.splitlines() if l.split("|")[9]),
                              sum(3 if l.split("|")[6] == "approved" else 1
                                  for l in in_period.splitlines() if l.split("|")[7])))
        check("period: in the query sent",
              "opened_at%3E%3D2026-10-05%2000%3A00%3A00" in open(s.log).read() and
              "opened_at%3C%3D2026-10-31%2023%3A59%3A59" in open(s.log).read(), True)
        out = os.path.join(tmp, "field.db")
        r = collect(s, out, rest, "--sn-target-field", "short_description")
        check("target from a field: collected", r.returncode, 0)
        check("target from a field: the field's value",
              shell(out, "SELECT count(*) FROM servicenow_requests WHERE target = item"),
              "%d\n" % n_items)
        check("target from a field: no variables read",
              shell(out, "SELECT count(*) FROM source WHERE entity = "
                         "'servicenow_requests.target'"), "0\n")

        # ---- an assignment group's incident backlog, compared with what the
        # Table API gives when asked directly (urllib, not reportgen)
        si = server(BANK, "--incidents", "40")
        out = os.path.join(tmp, "incidents.db")
        r = collect(si, out, rest, "--sn-incident-group", "IAM Operations",
                    "--sn-page-size", "4", "--sn-from", "2026-10-05")
        check("incidents: collected", (r.returncode, r.stderr), (0, ""))
        req = urllib.request.Request(
            si.url + "/api/now/table/incident?" + urllib.parse.urlencode({
                "sysparm_query": "assignment_group.name=IAM Operations^active=true",
                "sysparm_exclude_reference_link": "true",
                "sysparm_fields": "number,state,priority,assignment_group.name,"
                                  "assigned_to.email,opened_at,resolved_at,closed_at,"
                                  "short_description"}),
            headers={"Authorization": "Basic " + base64.b64encode(
                ("%s:%s" % (USER, PASSWORD)).encode()).decode()})
        direct = json.load(urllib.request.urlopen(req))["result"]
        names = {"1": "new", "2": "in_progress", "3": "on_hold", "6": "resolved",
                 "7": "closed", "8": "canceled"}

        def iso(v):
            return v.replace(" ", "T") + "Z" if v else ""
        inc_want = "".join("|".join([d["number"], names[d["state"]], d["priority"],
                                     d["assignment_group.name"], d["assigned_to.email"],
                                     iso(d["opened_at"]), iso(d["resolved_at"]),
                                     iso(d["closed_at"]), d["short_description"]]) + "\n"
                           for d in sorted(direct, key=lambda d: d["number"]))
        check("incidents: the open ones of the group, some unassigned",
              (len(direct) > 4, any(not d["assigned_to.email"] for d in direct)), (True, True))
        check("incidents: the group's open incidents, whatever the period",
              shell(out, "SELECT number, state, priority, assignment_group, "
                         "coalesce(assigned_to, ''), opened_at, coalesce(resolved_at, ''), "
                         "coalesce(closed_at, ''), short_description FROM servicenow_incidents "
                         "ORDER BY number"), inc_want)
        check("incidents: their source, counted",
              shell(out, "SELECT row_count, expected_count FROM source WHERE entity = "
                         "'servicenow_incidents'"), "%d|%d\n" % (len(direct), len(direct)))
        check("incidents: requests of the period as before", shell(out, ROWS),
              "".join(l + "\n" for l in want.splitlines()
                      if "2026-10-05" <= l.split("|")[4][:10]))
        check("incidents: not read unless asked",
              shell(db, "SELECT count(*) FROM servicenow_incidents"), "0\n")

        # ---- OAuth
        so = server(BANK)
        out = os.path.join(tmp, "oauth.db")
        r = collect(so, out, rest, auth="oauth")
        check("OAuth client credentials: collected", (r.returncode, r.stderr), (0, ""))
        check("OAuth client credentials: same rows", shell(out, ROWS), want)
        check("OAuth: one token, Bearer used",
              (so.counts()["tokens_issued"], so.counts()["auth"].get("bearer", 0) > 0,
               so.counts()["auth"].get("basic", 0)), (1, True, 0))
        no_secrets("OAuth", r, out)
        out = os.path.join(tmp, "grant.db")
        r = collect(so, out, rest, auth="password-grant")
        check("OAuth password grant: same rows", (r.returncode, shell(out, ROWS)
                                                  if r.returncode == 0 else r.stderr),
              (0, want))
        so2 = server(BANK, "--fault", "401once@sysapproval_approver:1")
        out = os.path.join(tmp, "expired.db")
        r = collect(so2, out, rest, auth="oauth")
        check("a token expired mid-run: a second token, same rows",
              (r.returncode, so2.counts()["tokens_issued"],
               shell(out, ROWS) if r.returncode == 0 else r.stderr), (0, 2, want))
        so3 = server(BANK, "--fault", "token-refuse@oauth_token:1+")
        out = os.path.join(tmp, "refused.db")
        r = collect(so3, out, rest, auth="oauth")
        check("a refused token: exit 3, ServiceNow's reason, no snapshot",
              (r.returncode, "access_denied" in r.stderr, os.path.exists(out)), (3, True, False))
        no_secrets("refused token", r, None)

        # ---- faults: the same rows, or a clear error and no snapshot
        faults = [
            ("429 with a whole Retry-After", BANK, ["--fault", "429@sc_req_item:1:1"], "basic"),
            ("429 with a fractional Retry-After", BANK,
             ["--fault", "429@sysapproval_approver:1:0.3"], "basic"),
            ("429 from the token endpoint", BANK, ["--fault", "429@oauth_token:1:0.5"], "oauth"),
            ("503", BANK, ["--fault", "503@sc_item_option_mtom:1"], "basic"),
            ("503 on several requests", BANK, ["--fault", "503@api/now:2-4:0.2"], "basic"),
            ("connection reset mid-body", BANK, ["--fault", "reset@sc_req_item:1"], "basic"),
            ("truncated JSON", BANK, ["--fault", "truncate@sysapproval_approver:1"], "basic"),
            ("truncated JSON on a later page", big, ["--fault", "truncate@sc_req_item:3"],
             "basic"),
        ]
        for what, tenant, spec, auth in faults:
            f = server(tenant, *spec)
            out = os.path.join(tmp, "fault-%d.db" % len(servers))
            extra = ["--sn-page-size", "7"] if tenant == big else []
            r = collect(f, out, big_users if tenant == big else rest, *extra, auth=auth)
            expect = big_want if tenant == big else want
            if r.returncode == 0:
                check("fault %s: the same rows as a clean run" % what, shell(out, ROWS), expect)
            else:
                check("fault %s: a clear error" % what, r.stderr.startswith("reportgen: "), True)
                check("fault %s: no snapshot" % what, os.path.exists(out), False)
            check("fault %s: completes" % what, (r.returncode, r.stderr), (0, ""))
            st = f.counts()
            check("fault %s: the server injected it" % what, sum(st["faults"].values()) > 0,
                  True)
            if "Retry-After" in what or "several" in what:
                check("fault %s: asked again only after Retry-After" % what,
                      (st["throttled_asked_early"], st["throttled_asked_after_wait"] > 0),
                      (0, True))
            no_secrets("fault " + what, r, out)

        f = server(BANK, "--fault", "count-wrong@sc_req_item:1")
        out = os.path.join(tmp, "count.db")
        r = collect(f, out, rest)
        check("wrong X-Total-Count: collected, same rows",
              (r.returncode, shell(out, ROWS) if r.returncode == 0 else r.stderr), (0, want))
        check("wrong X-Total-Count: a warning",
              "X-Total-Count said %d, %d arrived" % (n_items + 1, n_items) in r.stderr, True)
        check("wrong X-Total-Count: both recorded",
              shell(out, "SELECT row_count, expected_count FROM source WHERE entity = "
                         "'servicenow_requests'"), "%d|%d\n" % (n_items, n_items + 1))

        f = server(BANK, "--fault", "403@sysapproval_approver:1+")
        out = os.path.join(tmp, "acl.db")
        r = collect(f, out, rest)
        check("a table the user may not read: exit 3, said so, no snapshot",
              (r.returncode, "HTTP 403" in r.stderr and "sysapproval_approver" in r.stderr,
               os.path.exists(out)), (3, True, False))

        # ---- credentials
        wrong = os.path.join(tmp, "wrong-password")
        with open(wrong, "w") as fh:
            fh.write("not-the-password\n")
        os.chmod(wrong, 0o600)
        out = os.path.join(tmp, "wrong.db")
        r = collect(s, out, rest, "--sn-user", USER, "--sn-password-file", wrong, auth=None)
        check("wrong password: exit 3, no snapshot", (r.returncode, os.path.exists(out)),
              (3, False))
        check("wrong password: a clear error",
              r.stderr.startswith("reportgen: ") and "refused" in r.stderr and USER in r.stderr,
              True)
        check("wrong password: not echoed", "not-the-password" in r.stderr, False)
        loose = os.path.join(tmp, "loose-password")
        shutil.copy(PASSWORD_FILE, loose)
        os.chmod(loose, 0o644)
        out = os.path.join(tmp, "loose.db")
        r = collect(s, out, rest, "--sn-user", USER, "--sn-password-file", loose, auth=None)
        check("a password file others may read is refused",
              (r.returncode, "may be read by others" in r.stderr, os.path.exists(out)),
              (3, True, False))
        out = os.path.join(tmp, "env.db")
        env = dict(os.environ, REPORTGEN_SN_PASSWORD=PASSWORD)
        r = subprocess.run([RG, "collect", "--out", out, "--quiet", "--servicenow", s.url,
                            "--sn-user", USER, "--csv", rest], capture_output=True, text=True,
                           env=env)
        check("password from the environment", (r.returncode, r.stderr), (0, ""))

        # ---- usage
        out = os.path.join(tmp, "clash.db")
        r = collect(s, out, BANK)
        check("--servicenow with servicenow_requests.csv in --csv: refused",
              (r.returncode, "is a ServiceNow export" in r.stderr, os.path.exists(out)),
              (2, True, False))
        r = collect(s, out, rest, "--sn-target-variable", "x^y")
        check("a target variable that would change the query: refused", r.returncode, 2)
        r = subprocess.run([RG, "collect", "--out", out, "--servicenow",
                            "http://sn.example.com", "--sn-user", USER, "--sn-password-file",
                            PASSWORD_FILE], capture_output=True, text=True)
        check("plain http to another machine: refused",
              (r.returncode, "must be an https://" in r.stderr), (2, True))
        r = subprocess.run([RG, "collect", "--out", out, "--csv", rest, "--sn-user", USER],
                           capture_output=True, text=True)
        check("--sn-user without --servicenow: refused", r.returncode, 2)
        r = subprocess.run([RG, "collect", "--out", out, "--servicenow", s.url],
                           capture_output=True, text=True)
        check("--servicenow without credentials: refused", r.returncode, 2)

        # ---- --no-raw and ServiceNow alone
        out = os.path.join(tmp, "noraw.db")
        r = collect(s, out, rest, "--no-raw")
        check("--no-raw: same rows", (r.returncode, shell(out, ROWS)), (0, want))
        check("--no-raw: pages recorded, no bodies",
              shell(out, "SELECT count(*) > 0, count(body) FROM raw_page"), "1|0\n")
        out = os.path.join(tmp, "alone.db")
        r = collect(s, out, None)
        check("ServiceNow alone", (r.returncode, shell(out, ROWS) if r.returncode == 0
                                   else r.stderr), (0, want))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
