#!/usr/bin/env python3
"""check_graph_jml.py - the JML evidence of `collect --graph --graph-from`:
Entra directory audit events, lifecycle workflows, their runs and per-user
results (Microsoft Graph), and Logic App runs (Azure Resource Manager),
from the loopback fake (tests/servers/graph-server), read back with the
sqlite3 shell and openpyxl.

- The rows equal what the bank's CSV files hold, filtered here in Python
  the way the collect asks (the period, the removal activities, the Logic
  Apps named): the events before the period, the "Add member to group"
  event and the Logic App not asked for are not collected.
- Every answer is kept in raw_page; ARM's pages are a source of kind 'arm',
  asked with a token for ARM's scope (the server tells the two apart).
- Faults on the new paths: 429, a truncated page, 401 mid-run (a second
  ARM token), paging by nextLink, 403 (no licence, no Reader role):
  a warning, a note in the source, and the pack says what is missing.
- jml-leavers on that snapshot shows NB-25's evidence per leaver, written
  here by hand from fixtures/nordhavn-bank/README.md.
- Usage errors of the new options.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import csv
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import openpyxl

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
FROM, TO = "2026-08-01T00:00:00Z", "2026-11-01T23:59:59Z"
TENANT = "6f1d4c2a-0b7e-4e55-9a43-2d8c1f0e5b17"
CLIENT = "4a1c8e52-3b6d-4f7e-9c20-5d8b1a6e3f94"
SECRET = "nb-graph-secret-7d1f0c2e9a"
SUB = "d29eb667-eea3-5e60-a263-714aaebf893f"
OFFBOARDING = "%s/rg-nb-iam-automation/la-nb-jml-offboarding" % SUB
REMOVALS = {"Disable account", "Delete user", "Remove member from group",
            "Remove owner from group", "Remove member from role",
            "Remove eligible member from role", "Remove app role assignment from user"}
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def csv_dicts(name):
    with open(os.path.join(BANK, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def shell(db, sql):
    return subprocess.run(["sqlite3", "-readonly", db, sql], capture_output=True, text=True,
                          check=True).stdout


def lines(db, sql):
    return shell(db, sql).splitlines()


def TS(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")


def D(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d")


class Server:
    def __init__(self, tmp, *extra):
        self.dir = tempfile.mkdtemp(dir=tmp)
        self.portfile = os.path.join(self.dir, "port")
        self.stats = os.path.join(self.dir, "stats.json")
        self.log = os.path.join(self.dir, "log")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "tests", "servers", "graph-server"), "--tenant-dir", BANK,
             "--port-file", self.portfile, "--tenant-id", TENANT, "--client-id", CLIENT,
             "--client-secret-file", SECRET_FILE, "--stats", self.stats, "--log", self.log,
             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


SECRET_FILE = None
HR = None  # the bank's HR and AD exports: the leavers and their AD accounts


def collect(g, out, *opts, period=True, apps=(OFFBOARDING,)):
    args = [RG, "collect", "--graph", "--tenant", TENANT, "--client-id", CLIENT,
            "--client-secret-file", SECRET_FILE, "--graph-url", g.url, "--login-url", g.url,
            "--out", out, "--quiet", "--as-of", AS_OF, "--csv", HR]
    if period:
        args += ["--graph-from", FROM[:10], "--graph-to", TO[:10], "--arm-url", g.url]
        for a in apps:
            args += ["--logic-app", a]
    return subprocess.run(args + list(opts), capture_output=True, text=True)


# ---- what the collect must give, from the CSV files
def in_period(t):
    return bool(t) and FROM <= t <= TO


AUDITS = sorted("|".join([d["id"], d["activityDateTime"], d["activityDisplayName"],
                          d["category"], d["result"], d["targetUserId"],
                          d["targetUserPrincipalName"], d["targetResourceType"],
                          d["targetResourceId"], d["targetResourceName"], d["initiatedBy"]])
                for d in csv_dicts("directory_audits.csv")
                if d["activityDisplayName"] in REMOVALS and in_period(d["activityDateTime"]))
WORKFLOWS = sorted("|".join([d["id"], d["displayName"], d["category"],
                             "1" if d["isEnabled"] == "true" else "0"])
                   for d in csv_dicts("lifecycle_workflows.csv"))
RUNS_IN = [d for d in csv_dicts("lifecycle_workflow_runs.csv")
           if in_period(d["startedDateTime"])]
RUNS = sorted("|".join([d["id"], d["workflowId"], d["processingStatus"],
                        d["workflowExecutionType"], d["startedDateTime"],
                        d["completedDateTime"], d["totalUsersCount"], d["failedUsersCount"]])
              for d in RUNS_IN)
RESULTS = sorted("|".join([d["id"], d["workflowId"], d["runId"], d["userId"],
                           d["processingStatus"], d["startedDateTime"], d["completedDateTime"],
                           d["totalTasksCount"], d["failedTasksCount"]])
                 for d in csv_dicts("lifecycle_user_results.csv")
                 if d["runId"] in {r["id"] for r in RUNS_IN})
LA_RUNS = sorted("|".join([d["subscriptionId"], d["resourceGroup"], d["logicApp"], d["id"],
                           d["status"], d["startTime"], d["endTime"], d["triggerName"],
                           d["code"], d["errorMessage"]])
                 for d in csv_dicts("logic_app_runs.csv")
                 if d["logicApp"] == "la-nb-jml-offboarding" and in_period(d["startTime"]))

Q = {
    "directory_audits": "SELECT id, activity_date_time, activity_display_name, category, result, "
                        "target_user_id, target_user_principal_name, "
                        "coalesce(target_resource_type, ''), coalesce(target_resource_id, ''), "
                        "coalesce(target_resource_name, ''), initiated_by FROM directory_audits",
    "lifecycle_workflows": "SELECT id, display_name, category, is_enabled FROM "
                           "lifecycle_workflows",
    "lifecycle_workflow_runs": "SELECT id, workflow_id, processing_status, "
                               "workflow_execution_type, started_date_time, completed_date_time, "
                               "total_users_count, failed_users_count FROM "
                               "lifecycle_workflow_runs",
    "lifecycle_user_results": "SELECT id, workflow_id, run_id, user_id, processing_status, "
                              "started_date_time, completed_date_time, total_tasks_count, "
                              "failed_tasks_count FROM lifecycle_user_results",
    "logic_app_runs": "SELECT subscription_id, resource_group, logic_app, id, status, start_time, "
                      "end_time, trigger_name, coalesce(code, ''), coalesce(error_message, '') "
                      "FROM logic_app_runs",
}
WANT = {"directory_audits": AUDITS, "lifecycle_workflows": WORKFLOWS,
        "lifecycle_workflow_runs": RUNS, "lifecycle_user_results": RESULTS,
        "logic_app_runs": LA_RUNS}


def evidence(db):
    return {t: sorted(lines(db, q)) for t, q in Q.items()}


def leavers_pack(tmp, db):
    out = tempfile.mkdtemp(dir=tmp)
    r = subprocess.run([RG, "run", "jml-leavers", "--snapshot", db, "--out", out, "--quiet",
                        "--param", "from=2026-09-01", "--param", "to=2026-10-31",
                        "--generated-at", "2026-11-02T08:00:00Z"],
                       capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        print(r.stderr)
        return r, None
    pack = os.path.join(out, os.listdir(out)[0])
    wb = openpyxl.load_workbook(os.path.join(pack, "data", os.path.basename(pack) + ".xlsx"))
    return r, wb


def sheet(wb, name):
    return [list(r) for r in wb[name].iter_rows(min_row=2, values_only=True)]


def highlighted(wb, name, col):
    return [r[col].value for r in wb[name].iter_rows(min_row=2) if r[0].fill.fill_type == "solid"]


RUN_0930 = [d["id"] for d in csv_dicts("lifecycle_workflow_runs.csv")
            if d["startedDateTime"].startswith("2026-09-30")][0]
RUN_1015 = [d["id"] for d in csv_dicts("lifecycle_workflow_runs.csv")
            if d["startedDateTime"].startswith("2026-10-15")][0]
HANNE = "hanne.poulsen@nordhavnbank.dk"
WF = "Offboard leavers on their last day"


def check_pack(tmp, db, what):
    r, wb = leavers_pack(tmp, db)
    check("%s: jml-leavers runs" % what, r.returncode, 0)
    if not wb:
        return
    # NB-25, by hand: Hanne's run completed, three removals, disabled at
    # 17:02:11; Torben's run failed and the offboarding Logic App failed
    # the same day; Gry has neither.
    check("%s: leavers' evidence columns (NB-25)" % what,
          [r[:1] + r[15:] for r in sheet(wb, "Leavers")], [
              ["Hanne Poulsen", WF + ": completed", TS("2026-09-30 17:03:05"), 3,
               TS("2026-09-30 17:02:11"), 0],
              ["Torben Mortensen", WF + ": failed", TS("2026-10-15 17:01:30"), 0, None, 1],
              ["Gry Skovgård", "None", None, 0, None, 0]])
    check("%s: removal evidence (NB-25)" % what, sheet(wb, "Removal evidence"), [
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:11"),
         "Entra audit log", HANNE, "Disable account", "success", None, "Lifecycle Workflows"],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:40"),
         "Entra audit log", HANNE, "Remove member from group", "success",
         "GRP-CoreBanking-Users (Group)", "Lifecycle Workflows"],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:41"),
         "Entra audit log", HANNE, "Remove member from group", "success",
         "GRP-RetailBanking-All (Group)", "Lifecycle Workflows"],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:03:05"),
         "Lifecycle workflow", HANNE, WF, "completed", "0 of 3 tasks failed",
         "run " + RUN_0930],
        ["Torben Mortensen", "NB10277", D("2026-10-15"), TS("2026-10-15 17:01:30"),
         "Lifecycle workflow", "torben.mortensen@nordhavnbank.dk", WF, "failed",
         "2 of 3 tasks failed", "run " + RUN_1015]])
    check("%s: Logic App runs in the period" % what, sheet(wb, "Logic App runs"), [
        ["la-nb-jml-offboarding", "rg-nb-iam-automation", "08584726001500000000000000002",
         "Succeeded", TS("2026-09-30 17:03:10"), TS("2026-09-30 17:03:52"),
         "When_a_leaver_workflow_calls", None, None, "Hanne Poulsen"],
        ["la-nb-jml-offboarding", "rg-nb-iam-automation", "08584726001500000000000000003",
         "Failed", TS("2026-10-15 17:01:35"), TS("2026-10-15 17:02:20"),
         "When_a_leaver_workflow_calls", "ActionFailed",
         "Disable_AD_account: the on-premises data gateway did not answer",
         "Torben Mortensen"]])
    check("%s: the failed Logic App run highlighted" % what,
          highlighted(wb, "Logic App runs", 2), ["08584726001500000000000000003"])


def main():
    global SECRET_FILE, HR
    tmp = tempfile.mkdtemp()
    HR = os.path.join(tmp, "hr")
    os.mkdir(HR)
    for f in ("hr_people.csv", "hr_events.csv", "ad_users.csv", "ad_group_members.csv"):
        shutil.copy(os.path.join(BANK, f), HR)
    SECRET_FILE = os.path.join(tmp, "secret")
    with open(SECRET_FILE, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(SECRET_FILE, 0o600)
    servers = []

    def server(*extra):
        s = Server(tmp, *extra)
        servers.append(s)
        return s

    try:
        check("the bank holds rows the filters must leave out",
              (len(csv_dicts("directory_audits.csv")) > len(AUDITS),
               len(csv_dicts("logic_app_runs.csv")) > len(LA_RUNS), len(AUDITS) > 0,
               len(RESULTS) > 0), (True, True, True, True))

        # ---- a clean run, ARM paged one run at a time
        g = server("--arm-page-size", "1")
        db = os.path.join(tmp, "clean.db")
        r = collect(g, db)
        check("collect with --graph-from and --logic-app", (r.returncode, r.stderr), (0, ""))
        got = evidence(db)
        for t in WANT:
            check("rows of %s as the CSV files hold them, filtered" % t, got[t], WANT[t])
        st = g.counts()
        check("a token for Graph and one for Azure Resource Manager",
              (st.get("tokens_issued_graph"), st.get("tokens_issued_arm")), (1, 1))
        check("ARM paged by nextLink, one run a page",
              (len(LA_RUNS) > 1, st["by_kind"].get("logicAppRuns")), (True, len(LA_RUNS)))
        check("the sources: one of kind arm per Logic App",
              lines(db, "SELECT kind, entity, row_count FROM source WHERE kind = 'arm'"),
              ["arm|logic_app_runs|%d" % len(LA_RUNS)])
        check("ARM's pages kept in raw_page",
              shell(db, "SELECT count(*) FROM raw_page r JOIN source s ON s.id = r.source_id "
                        "WHERE s.kind = 'arm' AND r.body IS NOT NULL AND r.url LIKE "
                        "'%/providers/Microsoft.Logic/workflows/la-nb-jml-offboarding/runs?"
                        "api-version=2016-06-01%'").strip(), str(len(LA_RUNS)))
        check("the audit events re-derived from raw_page",
              shell(db, "SELECT count(*) FROM raw_page r, json_each(r.body, '$.value') "
                        "WHERE r.url LIKE '%/auditLogs/directoryAudits?%'").strip(),
              str(len(AUDITS)))
        with open(g.log) as f:
            log = f.read()
        check("the audit $filter names the period and the removals",
              "activityDateTime%20ge%202026-08-01T00:00:00Z%20and%20activityDateTime%20le%20"
              "2026-11-01T23:59:59Z" in log and "Remove%20member%20from%20group" in log, True)
        check("the secret is not in the snapshot", SECRET.encode() in open(db, "rb").read(),
              False)
        check_pack(tmp, db, "Graph snapshot")

        # ---- the CSV route gives the same pack (the Graph one asked for one
        # Logic App; the CSV holds both: the onboarding run is not a leaver's)
        csv_db = os.path.join(tmp, "csv.db")
        r = subprocess.run([RG, "collect", "--csv", BANK, "--out", csv_db, "--as-of", AS_OF],
                           capture_output=True, text=True)
        check("CSV collect with the evidence files", (r.returncode, r.stderr), (0, ""))
        r1, wb1 = leavers_pack(tmp, csv_db)
        if wb1:
            rows = sheet(wb1, "Logic App runs")
            check("CSV snapshot: the onboarding run is listed too, with no leaver",
                  [(x[0], x[9]) for x in rows],
                  [("la-nb-jml-offboarding", "Hanne Poulsen"), ("la-nb-jml-onboarding", None),
                   ("la-nb-jml-offboarding", "Torben Mortensen")])

        # ---- without --graph-from: nothing of it, and the pack says so
        g = server()
        db2 = os.path.join(tmp, "noperiod.db")
        r = collect(g, db2, period=False)
        check("collect without --graph-from", (r.returncode, r.stderr), (0, ""))
        check("no evidence sources without a period",
              lines(db2, "SELECT count(*) FROM source WHERE entity IN ('directory_audits', "
                         "'lifecycle_workflows', 'logic_app_runs')"), ["0"])
        check("no evidence requests without a period",
              [k for k in g.counts()["by_kind"] if k in (
                  "directoryAudits", "lifecycleWorkflows", "logicAppRuns")], [])
        r, wb = leavers_pack(tmp, db2)
        if wb:
            check("without evidence: the leavers say so, counts empty",
                  [x[15:] for x in sheet(wb, "Leavers")],
                  [["No workflow evidence in the snapshot", None, None, None, None]] * 3)
            check("without evidence: no removal rows", sheet(wb, "Removal evidence"), [])

        # ---- faults on the new paths: the same rows
        for what, spec in (("429 on the audit log", ["429@directoryAudits:1:0.2"]),
                           ("truncated audit page", ["truncate@directoryAudits:1"]),
                           ("429 on a run's results", ["429@userProcessingResults:1:0.2"]),
                           ("429 on the runs inside $batch", ["429@/runs:1:0.2"]),
                           ("429 from ARM", ["429@Microsoft.Logic:1:0.2"]),
                           ("reset by ARM", ["reset@Microsoft.Logic:1"]),
                           ("401 from ARM mid-run", ["401once@Microsoft.Logic:2",
                                                     "--arm-page-size", "1"])):
            g = server(*[x for s in spec for x in (
                ("--fault", s) if "@" in s else (s,))])
            out = os.path.join(tmp, "fault-%d.db" % len(servers))
            r = collect(g, out)
            check("fault %s: collected" % what, (r.returncode, r.stderr), (0, ""))
            if r.returncode == 0:
                check("fault %s: the same rows" % what, evidence(out), WANT)
            st = g.counts()
            check("fault %s: the server injected it" % what, sum(st["faults"].values()) > 0, True)
            if "401" in what:
                check("401 from ARM: a second ARM token", st.get("tokens_issued_arm"), 2)
            if "429" in what:
                check("fault %s: asked again only after Retry-After" % what,
                      (st["throttled_items_asked_early"],
                       st["throttled_items_asked_after_wait"] > 0), (0, True))

        # ---- no licence or permission: a warning, a note, the pack says so
        g = server("--fault", "403@directoryAudits:1+", "--fault", "403@lifecycleWorkflows:1+",
                   "--fault", "403@Microsoft.Logic:1+")
        out = os.path.join(tmp, "refused.db")
        r = collect(g, out)
        check("403 on the evidence: collected", r.returncode, 0)
        check("403 on the evidence: three warnings",
              [("directory_audits not collected" in r.stderr),
               ("lifecycle_workflows not collected" in r.stderr),
               ("needs the Reader role" in r.stderr)], [True, True, True])
        check("403 on the evidence: notes in the sources",
              lines(out, "SELECT entity, note LIKE '%refused it (HTTP 403%nothing was collected' "
                         "FROM source WHERE entity IN ('directory_audits', "
                         "'lifecycle_workflows', 'logic_app_runs') ORDER BY entity"),
              ["directory_audits|1", "lifecycle_workflows|1", "logic_app_runs|1"])
        info = subprocess.run([RG, "snapshot", "info", out], capture_output=True, text=True)
        check("403 on the evidence: snapshot info says so",
              "nothing was collected" in info.stdout, True)
        r, wb = leavers_pack(tmp, out)
        if wb:
            check("403 on the evidence: the leavers say it is not in the snapshot",
                  [x[15:] for x in sheet(wb, "Leavers")],
                  [["No workflow evidence in the snapshot", None, None, None, None]] * 3)

        # ---- a Logic App that does not exist: a clear error, no snapshot
        g = server()
        out = os.path.join(tmp, "noapp.db")
        r = collect(g, out, apps=(SUB + "/rg-nb-iam-automation/la-nope",))
        check("an unknown Logic App: exit 3, ARM's reason, no snapshot",
              (r.returncode, "ResourceNotFound" in r.stderr, os.path.exists(out)),
              (3, True, False))

        # ---- usage errors
        for what, args, needle in (
                ("--logic-app without --graph-from",
                 ["--graph", "--tenant", TENANT, "--client-id", CLIENT, "--logic-app",
                  OFFBOARDING], "--logic-app needs --graph-from"),
                ("--logic-app not SUB/RG/NAME",
                 ["--graph", "--tenant", TENANT, "--client-id", CLIENT, "--graph-from",
                  "2026-08-01", "--logic-app", "rg/app"], "SUBSCRIPTION/RESOURCEGROUP/NAME"),
                ("--graph-from without --graph", ["--csv", BANK, "--graph-from", "2026-08-01"],
                 "go with --graph"),
                ("--graph-from after --graph-to",
                 ["--graph", "--tenant", TENANT, "--client-id", CLIENT, "--graph-from",
                  "2026-10-01", "--graph-to", "2026-09-01"], "is after --graph-to"),
                ("--arm-url plain http elsewhere",
                 ["--graph", "--tenant", TENANT, "--client-id", CLIENT, "--graph-from",
                  "2026-08-01", "--arm-url", "http://management.example.com"],
                 "--arm-url must be https://")):
            out = os.path.join(tmp, "usage.db")
            r = subprocess.run([RG, "collect", "--out", out] + args, capture_output=True,
                               text=True)
            check("usage: " + what, (r.returncode, needle in r.stderr, os.path.exists(out)),
                  (2, True, False))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
