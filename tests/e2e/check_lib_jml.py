#!/usr/bin/env python3
"""check_lib_jml.py - the joiner, mover and leaver templates (jml-leavers,
jml-joiners, jml-movers) on the fictional bank, read back with tools that
share no code with reportgen.

- The workbook with openpyxl: every row of every section against rows
  written out here by hand from the bank's README (NB-11 leavers, NB-12
  movers, NB-13 joiners) and its CSV files; highlighted rows.
- The CSV extracts against the same SQL run in the sqlite3 shell with
  .param set (the queries run unchanged there).
- The PDF's first page (pdftotext): the description, its parameters filled
  in.
- Parameters: sla_days and as_of move the verdicts (Compliant, Open, Late)
  and their edges; from and to bound the period, both ends included;
  birthright patterns; usage errors.
- A copy of the bank with rows added (more access for a leaver who was
  compliant, a birthright group, requests approved late or in other case,
  memberships a mover should have lost) and department_groups.csv: the
  mapping wins over the majority of members, both ways.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import csv
import datetime
import io
import os
import shutil
import subprocess
import sys
import tempfile

import openpyxl

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
GENERATED = "2026-11-02T08:00:00Z"
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def D(s):
    """A date as openpyxl reads it back."""
    return datetime.datetime.strptime(s, "%Y-%m-%d")


def T(s):
    """A time (UTC, 'YYYY-MM-DD HH:MM') as openpyxl reads it back."""
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M")


def TS(s):
    """A time with seconds (UTC, 'YYYY-MM-DD HH:MM:SS')."""
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")


def run(*args):
    return subprocess.run([RG] + list(args), capture_output=True, text=True, cwd=ROOT)


class Pack:
    """One `reportgen run`: its exit, stderr, and the outputs read back."""

    def __init__(self, tmp, db, template, params):
        self.out = tempfile.mkdtemp(dir=tmp)
        args = ["run", template, "--snapshot", db, "--out", self.out,
                "--generated-at", GENERATED]
        for k, v in params.items():
            args += ["--param", "%s=%s" % (k, v)]
        self.params = params
        self.r = run(*args)
        self.ok = self.r.returncode == 0
        if not self.ok:
            print("run failed:", template, params, self.r.stderr)
            return
        entries = [e for e in os.listdir(self.out) if not e.startswith(".")]
        self.id = entries[0]
        self.data = os.path.join(self.out, self.id, "data")
        self.wb = openpyxl.load_workbook(os.path.join(self.data, self.id + ".xlsx"))

    def rows(self, sheet):
        if not self.ok:
            return None
        return [list(r) for r in self.wb[sheet].iter_rows(min_row=2, values_only=True)]

    def header(self, sheet):
        return [c.value for c in self.wb[sheet][1]] if self.ok else None

    def highlighted(self, sheet, col=0):
        """The value in column col of every highlighted row."""
        if not self.ok:
            return None
        return [r[col].value for r in self.wb[sheet].iter_rows(min_row=2)
                if r[0].fill.fill_type == "solid"]

    def extract(self, section):
        with open(os.path.join(self.data, "extracts", section + ".csv"), newline="",
                  encoding="utf-8") as f:
            return list(csv.reader(f))

    def first_page(self):
        r = subprocess.run(["pdftotext", os.path.join(self.data, self.id + ".pdf"), "-"],
                           capture_output=True, text=True)
        return r.stderr, " ".join(r.stdout.split("\f")[0].split())


def shell_csv(db, sql_file, params):
    """The query run by the sqlite3 shell after .param set, as CSV rows."""
    script = ""
    for k, v in params:
        script += ".param set :%s %s\n" % (k, v if isinstance(v, int) else "\"'%s'\"" % v)
    script += ".read %s\n" % sql_file
    r = subprocess.run(["sqlite3", "-readonly", "-csv", "-header", db],
                       input=script, capture_output=True, text=True, cwd=ROOT)
    if r.stderr:
        print("sqlite3:", r.stderr)
    return list(csv.reader(io.StringIO(r.stdout)))


def collect(src, db):
    r = run("collect", "--csv", src, "--out", db, "--as-of", AS_OF,
            "--tenant", "Nordhavn Bank A/S")
    check("collect " + os.path.basename(src), (r.returncode, r.stderr), (0, ""))


def append(folder, name, lines):
    with open(os.path.join(folder, name), "a", encoding="utf-8", newline="") as f:
        for line in lines:
            f.write(line + "\n")


# ------------------------------------------------------------------- leavers

LEAVERS_HEADER = ["Person", "Employee id", "Left", "Entra disabled", "AD disabled",
                  "Last sign-in or logon", "Used after", "Groups", "Roles", "Packages",
                  "App roles", "AD groups", "Access still held", "Days late", "Verdict",
                  "Leaver workflow", "Workflow at", "Removal events", "Disabled at",
                  "Failed automation"]

# NB-11. Hanne Poulsen: both accounts disabled, nothing held. Torben
# Mortensen: both enabled, GRP-Payments-Operators and AD
# GG-Payments-Operators; deadline 2026-10-15 + 1 day, 16 days before the
# as-of. Gry Skovgård: AD disabled, Entra enabled, signed in 2026-10-20
# (Entra and AD), GRP-Markets-Bloomberg; deadline 2026-10-18, 14 days.
# NB-25, the evidence: Hanne's leaver workflow completed 2026-09-30
# 17:03:05, three removal events, disabled 17:02:11; Torben's run failed
# 17:01:30, no removal, and a Logic App run failed that day; Gry has none.
WF = "Offboard leavers on their last day"
HANNE_EVIDENCE = [WF + ": completed", TS("2026-09-30 17:03:05"), 3, TS("2026-09-30 17:02:11"),
                  0]
HANNE = ["Hanne Poulsen", "NB10276", D("2026-09-30"), "Yes", "Yes", T("2026-09-20 16:00"),
         "No", 0, 0, 0, 0, 0, None, None, "Compliant"] + HANNE_EVIDENCE
TORBEN = ["Torben Mortensen", "NB10277", D("2026-10-15"), "No", "No", T("2026-10-14 16:10"),
          "No", 1, 0, 0, 0, 1,
          "AD group: GG-Payments-Operators; Entra group: GRP-Payments-Operators", 16, "Late",
          WF + ": failed", TS("2026-10-15 17:01:30"), 0, None, 1]
GRY = ["Gry Skovgård", "NB10278", D("2026-10-17"), "No", "Yes", T("2026-10-20 11:00"),
       "Yes", 1, 0, 0, 0, 0, "Entra group: GRP-Markets-Bloomberg", 14, "Late",
       "None", None, 0, None, 0]


def with_verdict(row, days, verdict):
    return row[:13] + [days, verdict] + row[15:]


def leavers(tmp, db):
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31"})
    check("leavers: run", (p.r.returncode, p.r.stderr), (0, ""))
    check("leavers: sheets", p.wb.sheetnames, ["Cover", "Leavers", "Access still held",
                                               "Removal evidence", "Logic App runs"])
    check("leavers: header", p.header("Leavers"), LEAVERS_HEADER)
    check("leavers: rows (NB-11)", p.rows("Leavers"), [HANNE, TORBEN, GRY])
    check("leavers: highlighted, used after leaving (NB-11 Gry Skovgård)",
          p.highlighted("Leavers"), ["Gry Skovgård"])
    check("leavers: access header", p.header("Access still held"),
          ["Leaver", "Employee id", "Terminated", "Account", "Kind", "Access", "Since"])
    check("leavers: access still held, one row each", p.rows("Access still held"), [
        ["Torben Mortensen", "NB10277", D("2026-10-15"), "tmortensen82", "AD group",
         "GG-Payments-Operators", None],
        ["Torben Mortensen", "NB10277", D("2026-10-15"), "torben.mortensen@nordhavnbank.dk",
         "Entra group", "GRP-Payments-Operators", None],
        ["Gry Skovgård", "NB10278", D("2026-10-17"), "gry.skovgaard@nordhavnbank.dk",
         "Entra group", "GRP-Markets-Bloomberg", None]])
    check("leavers: access rows past the deadline highlighted",
          p.highlighted("Access still held", 5),
          ["GG-Payments-Operators", "GRP-Payments-Operators", "GRP-Markets-Bloomberg"])
    # NB-25: Hanne's audit events and workflow result in time order, before
    # her deadline (2026-10-01); Torben's failed result; nothing for Gry.
    check("leavers: removal evidence header", p.header("Removal evidence"),
          ["Leaver", "Employee id", "Left", "At", "Source", "Account", "Event", "Result",
           "Detail", "By"])
    got = p.rows("Removal evidence")
    check("leavers: removal evidence (NB-25)", got and [r[:9] for r in got], [
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:11"),
         "Entra audit log", HANNE_UPN, "Disable account", "success", None],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:40"),
         "Entra audit log", HANNE_UPN, "Remove member from group", "success",
         "GRP-CoreBanking-Users (Group)"],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:02:41"),
         "Entra audit log", HANNE_UPN, "Remove member from group", "success",
         "GRP-RetailBanking-All (Group)"],
        ["Hanne Poulsen", "NB10276", D("2026-09-30"), TS("2026-09-30 17:03:05"),
         "Lifecycle workflow", HANNE_UPN, WF, "completed", "0 of 3 tasks failed"],
        ["Torben Mortensen", "NB10277", D("2026-10-15"), TS("2026-10-15 17:01:30"),
         "Lifecycle workflow", "torben.mortensen@nordhavnbank.dk", WF, "failed",
         "2 of 3 tasks failed"]])
    check("leavers: removal evidence by", got and [r[9][:4] for r in got],
          ["Life", "Life", "Life", "run ", "run "])
    check("leavers: no evidence row past a deadline", p.highlighted("Removal evidence"), [])
    check("leavers: Logic App runs of the period (NB-25)",
          [r[:4] + r[7:] for r in p.rows("Logic App runs")], [
              ["la-nb-jml-offboarding", "rg-nb-iam-automation", "08584726001500000000000000002",
               "Succeeded", None, None, "Hanne Poulsen"],
              ["la-nb-jml-onboarding", "rg-nb-iam-automation", "08584726001500000000000000004",
               "Succeeded", None, None, None],
              ["la-nb-jml-offboarding", "rg-nb-iam-automation", "08584726001500000000000000003",
               "Failed", "ActionFailed",
               "Disable_AD_account: the on-premises data gateway did not answer",
               "Torben Mortensen"]])
    check("leavers: the failed Logic App run highlighted", p.highlighted("Logic App runs", 2),
          ["08584726001500000000000000003"])
    ext = p.extract("leavers")
    byname = {r[0]: dict(zip(ext[0], r)) for r in ext[1:]}
    check("leavers extract: the accounts and the deadline",
          [(byname[n]["entra_accounts"], byname[n]["ad_accounts"], byname[n]["deadline"])
           for n in ("Hanne Poulsen", "Torben Mortensen", "Gry Skovgård")],
          [("hanne.poulsen@nordhavnbank.dk", "hpoulsen", "2026-10-01T00:00:00Z"),
           ("torben.mortensen@nordhavnbank.dk", "tmortensen82", "2026-10-16T00:00:00Z"),
           ("gry.skovgaard@nordhavnbank.dk", "gskovgaard", "2026-10-18T00:00:00Z")])
    params = [("from", "2026-09-01T00:00:00Z"), ("to", "2026-10-31T00:00:00Z"),
              ("sla_days", 1), ("as_of", AS_OF)]
    for section, sql in (("leavers", "queries/jml/leavers.sql"),
                         ("access", "queries/jml/leavers_access.sql"),
                         ("evidence", "queries/jml/leavers_evidence.sql"),
                         ("logic_apps", "queries/jml/leavers_logic_apps.sql")):
        check("leavers extract %s equals the sqlite3 shell" % section, p.extract(section),
              shell_csv(db, sql, params))
    warn, page = p.first_page()
    check("leavers PDF: no warning", warn, "")
    for needle in ("Leavers: accounts and access removed, Nordhavn Bank A/S",
                   "Every HR leaver event with a termination date from 2026-09-01 to "
                   "2026-10-31",
                   "AD group memberships as the snapshot of 2026-11-01T00:00:00Z holds them",
                   "app roles in force at 2026-11-01",
                   "the deadline (termination date plus 1 day(s)) has not passed at "
                   "2026-11-01; Late when it has",
                   "where the snapshot holds them, the lifecycle workflow runs and the "
                   "Entra audit events that removed access say when",
                   "Not shown: leavers without an HR event in the period"):
        check("leavers PDF first page: " + needle[:40], needle in page, True)

    # sla_days and as_of move the verdict
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31",
                                      "sla_days": "30"})
    # Hanne's deadline moves to 2026-10-30: Torben's failed Logic App run of
    # 2026-10-15 falls in her window too
    check("leavers sla_days=30: within the deadline, Open", p.rows("Leavers"),
          [HANNE[:19] + [1], with_verdict(TORBEN, None, "Open"),
           with_verdict(GRY, None, "Open")])
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31",
                                      "sla_days": "0"})
    check("leavers sla_days=0: a day more late",
          [r[13:15] for r in p.rows("Leavers")], [[None, "Compliant"], [17, "Late"],
                                                   [15, "Late"]])
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31",
                                      "as_of": "2026-10-16T00:00:00Z"})
    check("leavers as_of = Torben's deadline: not yet past",
          [r[13:15] for r in p.rows("Leavers")], [[None, "Compliant"], [None, "Open"],
                                                  [None, "Open"]])
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31",
                                      "as_of": "2026-10-16T00:00:01Z"})
    check("leavers as_of a second after Torben's deadline: Late, 0 whole days",
          [r[13:15] for r in p.rows("Leavers")], [[None, "Compliant"], [0, "Late"],
                                                  [None, "Open"]])

    # from and to: both ends included
    for frm, to, want in (("2026-09-30", "2026-09-30", ["Hanne Poulsen"]),
                          ("2026-10-01", "2026-10-15", ["Torben Mortensen"]),
                          ("2026-10-16", "2026-10-17T23:00:00+01:00", ["Gry Skovgård"]),
                          ("2026-10-18", "2026-12-31", [])):
        p = Pack(tmp, db, "jml-leavers", {"from": frm, "to": to})
        check("leavers from %s to %s" % (frm, to), [r[0] for r in p.rows("Leavers")], want)
    # from after to: refused (to has not_before = from), nothing written
    for t in ("jml-leavers", "jml-joiners", "jml-movers"):
        out = tempfile.mkdtemp(dir=tmp)
        r = run("run", t, "--snapshot", db, "--out", out, "--param", "from=2026-10-31",
                "--param", "to=2026-09-01")
        check("%s: from after to is a usage error" % t,
              (r.returncode, "may not be before 'from'" in r.stderr, os.listdir(out)),
              (2, True, []))
    r = run("run", "jml-leavers", "--snapshot", db, "--out", tmp, "--param", "from=2026-09-01",
            "--param", "to=2026-10-31", "--param", "sla_days=-1")
    check("leavers sla_days below 0: usage error",
          (r.returncode, "'sla_days' must be at least 0" in r.stderr), (2, True))

    # usage errors
    r = run("run", "jml-leavers", "--snapshot", db, "--out", tmp, "--param", "to=2026-10-31")
    check("leavers without from: usage error", (r.returncode, "--param from=" in r.stderr),
          (2, True))
    r = run("run", "jml-leavers", "--snapshot", db, "--out", tmp, "--param", "from=2026-09-01",
            "--param", "to=2026-10-31", "--param", "sla_days=one")
    check("leavers sla_days not a number: usage error",
          (r.returncode, "'sla_days' must be a whole number" in r.stderr), (2, True))
    r = run("run", "jml-leavers", "--snapshot", db, "--out", tmp, "--param", "from=2026-09-01",
            "--param", "to=31.10.2026")
    check("leavers to not a date: usage error",
          (r.returncode, "'to' must be a date" in r.stderr), (2, True))


# ------------------------------------------------------------------- joiners

FREJA, EMIL, MAJA = "freja.kjaer2@nordhavnbank.dk", "emil.hoej@nordhavnbank.dk", \
    "maja.soendergaard2@nordhavnbank.dk"


def joiners(tmp, db):
    p = Pack(tmp, db, "jml-joiners", {"from": "2026-10-01", "to": "2026-10-31"})
    check("joiners: run", (p.r.returncode, p.r.stderr), (0, ""))
    check("joiners: sheets", p.wb.sheetnames, ["Cover", "Joiners", "Access and requests",
                                               "Logic App runs"])
    # NB-25: October's runs, the HR events of their day; the failed one
    # highlighted.
    check("joiners: Logic App runs (NB-25)",
          [r[:4] + r[7:] for r in p.rows("Logic App runs")], [
              ["la-nb-jml-onboarding", "rg-nb-iam-automation", "08584726001500000000000000004",
               "Succeeded", None, None, "Freja Kjær (joiner)"],
              ["la-nb-jml-offboarding", "rg-nb-iam-automation", "08584726001500000000000000003",
               "Failed", "ActionFailed",
               "Disable_AD_account: the on-premises data gateway did not answer",
               "Torben Mortensen (leaver)"]])
    check("joiners: the failed Logic App run highlighted", p.highlighted("Logic App runs", 2),
          ["08584726001500000000000000003"])
    check("joiners: header", p.header("Joiners"), [
        "Person", "Employee id", "Joined", "Department", "Entra ID account", "Access held",
        "Birthright", "Covered", "Not covered", "Not covered: access (reason)", "Verdict"])
    # NB-13: Freja Kjær's two requests approved 2026-10-02, before the package
    # (2026-10-06) and before her account existed (2026-10-05); Emil Høj has
    # no request at all; Maja Søndergaard's request was rejected, and
    # GRP-Markets-Bloomberg was never asked for.
    check("joiners: rows (NB-13)", p.rows("Joiners"), [
        ["Freja Kjær", "NB10281", D("2026-10-05"), "Retail Banking", FREJA, 2, 0, 2, 0, None,
         "Covered"],
        ["Emil Høj", "NB10282", D("2026-10-12"), "Retail Banking", EMIL, 2, 0, 0, 2,
         "Retail Adviser Access (no request); GRP-CoreBanking-Users (no request)",
         "Not covered"],
        ["Maja Søndergaard", "NB10283", D("2026-10-19"), "Markets", MAJA, 2, 0, 0, 2,
         "Markets Trading Access (request rejected); GRP-Markets-Bloomberg (no request)",
         "Not covered"]])
    check("joiners: highlighted", p.highlighted("Joiners"), ["Emil Høj", "Maja Søndergaard"])
    check("joiners: access header", p.header("Access and requests"), [
        "Joiner", "Account", "Kind", "Access", "Began", "Request", "Decided at", "Finding",
        "Flagged"])
    check("joiners: access and requests (NB-13)", p.rows("Access and requests"), [
        ["Freja Kjær", FREJA, "Access package", "Retail Adviser Access", T("2026-10-06 10:00"),
         "RITM0104211", T("2026-10-02 13:40"), "approved before the access began", "No"],
        ["Freja Kjær", FREJA, "Entra group", "GRP-CoreBanking-Users", T("2026-10-05 09:00"),
         "RITM0104212", T("2026-10-02 13:41"), "approved before the account was created",
         "No"],
        ["Emil Høj", EMIL, "Access package", "Retail Adviser Access", T("2026-10-12 08:30"),
         None, None, "no request", "Yes"],
        ["Emil Høj", EMIL, "Entra group", "GRP-CoreBanking-Users", T("2026-10-12 09:00"),
         None, None, "no request", "Yes"],
        ["Maja Søndergaard", MAJA, "Access package", "Markets Trading Access",
         T("2026-10-20 09:00"), "RITM0104377", T("2026-10-16 15:20"), "request rejected",
         "Yes"],
        ["Maja Søndergaard", MAJA, "Entra group", "GRP-Markets-Bloomberg",
         T("2026-10-19 09:00"), None, None, "no request", "Yes"]])
    check("joiners: flagged access highlighted", p.highlighted("Access and requests", 3),
          ["Retail Adviser Access", "GRP-CoreBanking-Users", "Markets Trading Access",
           "GRP-Markets-Bloomberg"])
    ext = p.extract("access")
    check("joiners extract: the start's basis",
          sorted({(r[ext[0].index("kind")], r[ext[0].index("start_basis")]) for r in ext[1:]}),
          [("Access package", "assignment start"),
           ("Entra group", "not recorded; account created")])
    params = [("from", "2026-10-01T00:00:00Z"), ("to", "2026-10-31T00:00:00Z"),
              ("birthright", "GRP-%-All")]
    for section, sql in (("joiners", "queries/jml/joiners.sql"),
                         ("access", "queries/jml/joiners_access.sql"),
                         ("logic_apps", "queries/jml/logic_app_runs.sql")):
        check("joiners extract %s equals the sqlite3 shell" % section, p.extract(section),
              shell_csv(db, sql, params))
    warn, page = p.first_page()
    check("joiners PDF: no warning", warn, "")
    for needle in ("Joiners: access requested and approved, Nordhavn Bank A/S",
                   "Every HR joiner event with a start date from 2026-10-01 to 2026-10-31",
                   "in the snapshot of 2026-11-01T00:00:00Z",
                   "Birthright groups (names matching GRP-%-All) need no request",
                   "Not shown: joiners without an HR event in the period"):
        check("joiners PDF first page: " + needle[:40], needle in page, True)
    p = Pack(tmp, db, "jml-joiners", {"from": "2026-10-06", "to": "2026-10-19"})
    check("joiners from 2026-10-06 to 2026-10-19", [r[0] for r in p.rows("Joiners")],
          ["Emil Høj", "Maja Søndergaard"])


# -------------------------------------------------------------------- movers

def movers(tmp, db):
    p = Pack(tmp, db, "jml-movers", {"from": "2026-08-01", "to": "2026-10-31"})
    check("movers: run", (p.r.returncode, p.r.stderr), (0, ""))
    check("movers: sheets", p.wb.sheetnames, ["Cover", "Movers", "Memberships still held",
                                              "Logic App runs"])
    check("movers: Logic App runs from August (NB-25; 2026-07-28 is before)",
          [(r[2][-1], r[3], r[9]) for r in p.rows("Logic App runs")],
          [("2", "Succeeded", "Hanne Poulsen (leaver)"), ("4", "Succeeded", "Freja Kjær (joiner)"),
           ("3", "Failed", "Torben Mortensen (leaver)")])
    check("movers: header", p.header("Movers"), [
        "Person", "Employee id", "Moved", "From", "To", "Accounts", "Still held",
        "Old department's groups still held", "Days late", "Verdict"])
    # NB-12: Mikkel Dalgaard (Payments to Credit Risk on 2026-09-01, default
    # SLA 5 days: deadline 2026-09-06, 56 days before the as-of) kept
    # GRP-Payments-Operators and AD GG-Payments-Operators, groups whose other
    # 11 members are all in Payments; Signe Bækgaard kept nothing.
    check("movers: rows (NB-12)", p.rows("Movers"), [
        ["Signe Bækgaard", "NB10280", D("2026-08-15"), "Retail Banking", "Compliance",
         "sbaekgaard, signe.baekgaard@nordhavnbank.dk", 0, None, None, "Compliant"],
        ["Mikkel Dalgaard", "NB10279", D("2026-09-01"), "Payments", "Credit Risk",
         "mdalgaard20, mikkel.dalgaard@nordhavnbank.dk", 2,
         "AD group: GG-Payments-Operators; Entra group: GRP-Payments-Operators", 56, "Late"]])
    check("movers: highlighted", p.highlighted("Movers"), ["Mikkel Dalgaard"])
    check("movers: memberships header", p.header("Memberships still held"), [
        "Mover", "Moved", "From", "To", "Account", "Kind", "Group", "Group's department",
        "Because"])
    check("movers: memberships still held (NB-12, majority rule)",
          p.rows("Memberships still held"), [
              ["Mikkel Dalgaard", D("2026-09-01"), "Payments", "Credit Risk", "mdalgaard20",
               "AD group", "GG-Payments-Operators", "Payments", "most members: 11 of 11"],
              ["Mikkel Dalgaard", D("2026-09-01"), "Payments", "Credit Risk",
               "mikkel.dalgaard@nordhavnbank.dk", "Entra group", "GRP-Payments-Operators",
               "Payments", "most members: 11 of 11"]])
    params = [("from", "2026-08-01T00:00:00Z"), ("to", "2026-10-31T00:00:00Z"),
              ("sla_days", 5), ("as_of", AS_OF)]
    for section, sql in (("movers", "queries/jml/movers.sql"),
                         ("memberships", "queries/jml/movers_access.sql"),
                         ("logic_apps", "queries/jml/logic_app_runs.sql")):
        check("movers extract %s equals the sqlite3 shell" % section, p.extract(section),
              shell_csv(db, sql, params))
    warn, page = p.first_page()
    check("movers PDF: no warning", warn, "")
    for needle in ("Movers: old department's groups left, Nordhavn Bank A/S",
                   "Every HR mover event with a date from 2026-08-01 to 2026-10-31",
                   "hold in the snapshot of 2026-11-01T00:00:00Z in groups of the department "
                   "they left",
                   "Verdict, judged at 2026-11-01",
                   "the move's date plus 5 day(s)",
                   "Not shown: movers without an HR event in the period"):
        check("movers PDF first page: " + needle[:40], needle in page, True)
    p = Pack(tmp, db, "jml-movers", {"from": "2026-08-01", "to": "2026-10-31",
                                     "sla_days": "70"})
    check("movers sla_days=70: Mikkel within the deadline, Open",
          [r[8:] for r in p.rows("Movers")], [[None, "Compliant"], [None, "Open"]])
    p = Pack(tmp, db, "jml-movers", {"from": "2026-08-16", "to": "2026-09-01"})
    check("movers from 2026-08-16 to 2026-09-01", [r[0] for r in p.rows("Movers")],
          ["Mikkel Dalgaard"])


# --------------------------------------------------- a changed copy of the bank

HANNE_ID = "e126e07e-9a42-58e6-bf68-ad70b09ffd0d"
EMIL_ID = "5133a4c6-29f7-550b-bb3e-b92b7ba6f8c8"
SIGNE_ID = "3b4edcd4-a576-58fe-b840-579531550314"
RETAIL_ALL = "1ef0fef0-6e61-5169-8c61-f5a94b4508ad"
BLOOMBERG = "1fd160bf-29a9-55e1-9e09-e3a44c10696e"
PAYMENTS_OPERATORS = "8596c253-3dfa-5b49-9151-9f6be2052141"


def changed_bank(tmp):
    """The bank with rows added to its exports (see the comments)."""
    b = os.path.join(tmp, "bank-changed")
    shutil.copytree(BANK, b)
    # Hanne Poulsen (a compliant leaver) gets access: an eligible role in
    # force, one that ended before the as-of (not held), a delivered access
    # package, an expired one (not held), an app role, an eligible PIM for
    # groups membership and a group ownership.
    append(b, "role_assignments.csv", [
        "ra-t1,%s,194ae4cb-b126-40b2-bd5b-6091b380977d,eligible,/,,Direct,"
        "2026-02-01T00:00:00Z," % HANNE_ID,
        "ra-t2,%s,729827e3-9c14-49f7-bb1b-9608f156bbb8,eligible,/,,Direct,"
        "2026-01-01T00:00:00Z,2026-10-01T00:00:00Z" % HANNE_ID])
    append(b, "access_package_assignments.csv", [
        "apa-t1,178884ea-5bc1-56a6-ab88-7ae64330ba75,%s,delivered,2026-09-01T00:00:00Z,"
        % HANNE_ID,
        "apa-t2,46943111-029d-5281-8184-30c1c16ed5a1,%s,expired,2025-01-01T00:00:00Z,"
        "2025-06-30T00:00:00Z" % HANNE_ID])
    append(b, "app_role_assignments.csv", [
        "ara-t1,%s,019c152e-05bc-5024-affb-cf36e097cac1,4a5bc6a1-6de4-5659-a2c2-aead9ef14569,"
        "2023-01-10T10:00:00Z" % HANNE_ID])
    append(b, "pim_group_assignments.csv", [
        "pg-t1,7b976263-5693-510d-b239-73e914bbc5c9,%s,member,eligible,"
        "2026-01-01T00:00:00Z," % HANNE_ID])
    append(b, "group_owners.csv", ["657cea3b-16da-5eb4-a01d-240f6e7fec17,%s" % HANNE_ID])
    # Emil Høj in his department's birthright group; Signe Bækgaard (moved
    # from Retail Banking) in GRP-Markets-Bloomberg, a Markets group.
    append(b, "group_members.csv", ["%s,%s,user" % (RETAIL_ALL, EMIL_ID),
                                    "%s,%s,user" % (BLOOMBERG, SIGNE_ID)])
    # Requests: Emil's package approved after it was assigned; his
    # GRP-CoreBanking-Users approved before his account was created (his
    # address in capitals, the group in lowercase: both match in any case);
    # Maja's GRP-Markets-Bloomberg approved after her account was created.
    append(b, "servicenow_requests.csv", [
        "RITM0900001,emil.hoej@nordhavnbank.dk,emil.hoej,NB10282,Access package request,"
        "closed_complete,2026-10-12T09:00:00Z,2026-10-13T10:00:00Z,approved,"
        "birgitte.hansen@nordhavnbank.dk,2026-10-13T10:00:00Z,Retail Adviser Access",
        "RITM0900002,EMIL.HOEJ@NORDHAVNBANK.DK,emil.hoej,NB10282,Group membership request,"
        "closed_complete,2026-10-09T09:00:00Z,2026-10-10T10:00:00Z,approved,"
        "birgitte.hansen@nordhavnbank.dk,2026-10-10T10:00:00Z,grp-corebanking-users",
        "RITM0900003,maja.soendergaard2@nordhavnbank.dk,maja.soendergaard2,NB10283,"
        "Group membership request,closed_complete,2026-10-24T09:00:00Z,2026-10-25T10:00:00Z,"
        "approved,freja.lund@nordhavnbank.dk,2026-10-25T10:00:00Z,GRP-Markets-Bloomberg"])
    return b


def changed(tmp):
    b = changed_bank(tmp)
    db = os.path.join(tmp, "changed.db")
    collect(b, db)

    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31"})
    hanne = ["Hanne Poulsen", "NB10276", D("2026-09-30"), "Yes", "Yes", T("2026-09-20 16:00"),
             "No", 0, 1, 1, 1, 0,
             "Access package: Contractor Basic Access; "
             "App role: Core Banking Portal (app role 4a5bc6a1-6de4-5659-a2c2-aead9ef14569); "
             "Entra group owner: GRP-Project-Ørestad; "
             "Entra role: Security Administrator (eligible); "
             "PIM for groups: SG-Role-Exchange-Administrators (eligible member)", 31, "Late"
             ] + HANNE_EVIDENCE
    check("changed leavers: disabled accounts still holding access are Late, "
          "ended and expired assignments are not held", p.rows("Leavers"),
          [hanne, TORBEN, GRY])
    check("changed leavers: Hanne's access with since", [
        r[3:] for r in p.rows("Access still held") if r[0] == "Hanne Poulsen"], [
        [HANNE_UPN, "Access package", "Contractor Basic Access", T("2026-09-01 00:00")],
        [HANNE_UPN, "App role",
         "Core Banking Portal (app role 4a5bc6a1-6de4-5659-a2c2-aead9ef14569)",
         T("2023-01-10 10:00")],
        [HANNE_UPN, "Entra group owner", "GRP-Project-Ørestad", None],
        [HANNE_UPN, "Entra role", "Security Administrator (eligible)", T("2026-02-01 00:00")],
        [HANNE_UPN, "PIM for groups", "SG-Role-Exchange-Administrators (eligible member)",
         T("2026-01-01 00:00")]])
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31",
                                      "as_of": "2026-08-15"})
    check("changed leavers as_of 2026-08-15: the role that ended later is held, the package "
          "that started later is not",
          [r[8:10] + [r[12]] for r in p.rows("Leavers") if r[0] == "Hanne Poulsen"],
          [[2, 0, "App role: Core Banking Portal (app role 4a5bc6a1-6de4-5659-a2c2-"
            "aead9ef14569); Entra group owner: GRP-Project-Ørestad; Entra role: Helpdesk "
            "Administrator (eligible); Entra role: Security Administrator (eligible); "
            "PIM for groups: SG-Role-Exchange-Administrators (eligible member)"]])

    p = Pack(tmp, db, "jml-joiners", {"from": "2026-10-01", "to": "2026-10-31"})
    got = [r[1:] for r in p.rows("Access and requests") if r[0] != "Freja Kjær"]
    check("changed joiners: birthright, late approvals, any case", got, [
        [EMIL, "Access package", "Retail Adviser Access", T("2026-10-12 08:30"), "RITM0900001",
         T("2026-10-13 10:00"), "approved only after the access began", "Yes"],
        [EMIL, "Entra group", "GRP-CoreBanking-Users", T("2026-10-12 09:00"), "RITM0900002",
         T("2026-10-10 10:00"), "approved before the account was created", "No"],
        [EMIL, "Entra group", "GRP-RetailBanking-All", T("2026-10-12 09:00"), None, None,
         "birthright group", "No"],
        [MAJA, "Access package", "Markets Trading Access", T("2026-10-20 09:00"),
         "RITM0104377", T("2026-10-16 15:20"), "request rejected", "Yes"],
        [MAJA, "Entra group", "GRP-Markets-Bloomberg", T("2026-10-19 09:00"), "RITM0900003",
         T("2026-10-25 10:00"),
         "approved after the account was created: the membership may be older than the "
         "approval", "Yes"]])
    check("changed joiners: summary counts", [r[5:9] + [r[10]] for r in p.rows("Joiners")],
          [[2, 0, 2, 0, "Covered"], [3, 1, 1, 1, "Not covered"], [2, 0, 0, 2, "Not covered"]])
    p = Pack(tmp, db, "jml-joiners", {"from": "2026-10-01", "to": "2026-10-31",
                                      "birthright": ""})
    check("changed joiners birthright empty: the department group is flagged",
          [r[7:] for r in p.rows("Access and requests") if r[3] == "GRP-RetailBanking-All"],
          [["no request", "Yes"]])
    p = Pack(tmp, db, "jml-joiners", {"from": "2026-10-01", "to": "2026-10-31",
                                      "birthright": "grp-retail%, GRP-Markets-Bloomberg"})
    check("changed joiners two birthright patterns, any case",
          [(r[3], r[7]) for r in p.rows("Access and requests") if r[2] == "Entra group"
           and r[0] != "Freja Kjær"],
          [("GRP-CoreBanking-Users", "approved before the account was created"),
           ("GRP-RetailBanking-All", "birthright group"),
           ("GRP-Markets-Bloomberg", "birthright group")])

    # Majority rule: GRP-Markets-Bloomberg is a Markets group, so Signe
    # (from Retail Banking) may keep it.
    p = Pack(tmp, db, "jml-movers", {"from": "2026-08-01", "to": "2026-10-31"})
    check("changed movers, majority: Signe's Markets group is not Retail Banking's",
          [r[6:] for r in p.rows("Movers")],
          [[0, None, None, "Compliant"],
           [2, "AD group: GG-Payments-Operators; Entra group: GRP-Payments-Operators", 56,
            "Late"]])

    # The mapping wins over the majority, both ways: it makes
    # GRP-Markets-Bloomberg Retail Banking's (Signe keeps an old group), and
    # GRP-Payments-Operators (by id) Credit Risk's (Mikkel's new department).
    with open(os.path.join(b, "department_groups.csv"), "w", encoding="utf-8") as f:
        f.write("department,group\nRetail Banking,GRP-Markets-Bloomberg\n"
                "Credit Risk,%s\n" % PAYMENTS_OPERATORS)
    db2 = os.path.join(tmp, "mapped.db")
    collect(b, db2)
    p = Pack(tmp, db2, "jml-movers", {"from": "2026-08-01", "to": "2026-10-31"})
    check("mapped movers: rows", [r[6:] for r in p.rows("Movers")], [
        [1, "Entra group: GRP-Markets-Bloomberg", 73, "Late"],
        [1, "AD group: GG-Payments-Operators", 56, "Late"]])
    check("mapped movers: memberships, and why", p.rows("Memberships still held"), [
        ["Signe Bækgaard", D("2026-08-15"), "Retail Banking", "Compliance",
         "signe.baekgaard@nordhavnbank.dk", "Entra group", "GRP-Markets-Bloomberg",
         "Retail Banking", "department_groups"],
        ["Mikkel Dalgaard", D("2026-09-01"), "Payments", "Credit Risk", "mdalgaard20",
         "AD group", "GG-Payments-Operators", "Payments", "most members: 11 of 11"]])
    # A group both departments share is kept.
    with open(os.path.join(b, "department_groups.csv"), "a", encoding="utf-8") as f:
        f.write("Compliance,GRP-Markets-Bloomberg\n")
    db3 = os.path.join(tmp, "shared.db")
    collect(b, db3)
    p = Pack(tmp, db3, "jml-movers", {"from": "2026-08-01", "to": "2026-10-31"})
    check("mapped movers: a group of the old and the new department is kept",
          [r[6:] for r in p.rows("Movers")][0], [0, None, None, "Compliant"])


HANNE_UPN = "hanne.poulsen@nordhavnbank.dk"


def no_evidence(tmp):
    """The bank without its JML evidence exports: the pack still runs and
    says so."""
    b = os.path.join(tmp, "bank-no-evidence")
    shutil.copytree(BANK, b)
    for f in ("directory_audits.csv", "lifecycle_workflows.csv", "lifecycle_workflow_runs.csv",
              "lifecycle_user_results.csv", "logic_app_runs.csv"):
        os.remove(os.path.join(b, f))
    db = os.path.join(tmp, "no-evidence.db")
    collect(b, db)
    p = Pack(tmp, db, "jml-leavers", {"from": "2026-09-01", "to": "2026-10-31"})
    check("no evidence: run", (p.r.returncode, p.r.stderr), (0, ""))
    check("no evidence: the leavers as before, the evidence said missing",
          p.rows("Leavers"),
          [r[:15] + ["No workflow evidence in the snapshot", None, None, None, None]
           for r in (HANNE, TORBEN, GRY)])
    check("no evidence: no evidence rows, no Logic App runs",
          (p.rows("Removal evidence"), p.rows("Logic App runs")), ([], []))


def main():
    tmp = tempfile.mkdtemp()
    try:
        db = os.path.join(tmp, "bank.db")
        collect(BANK, db)
        leavers(tmp, db)
        joiners(tmp, db)
        movers(tmp, db)
        changed(tmp)
        no_evidence(tmp)
    finally:
        subprocess.run(["chmod", "-R", "u+w", tmp])
        shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
