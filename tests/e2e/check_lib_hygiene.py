#!/usr/bin/env python3
"""check_lib_hygiene.py - the access-hygiene template on the fictional bank.

The expected findings are written out here by hand from the cases in
fixtures/nordhavn-bank/README.md (code -> the objects it must list), never
computed by running the template's SQL. Read back with tools that share no
code with reportgen: the workbook with openpyxl (and the chart part with
zipfile), the PDF with pdftotext, the CSV extracts with Python's csv module.

- The default run: every code's objects, the details that tell cases apart,
  objects that must not appear, the order, the highlighted rows, the
  summary's counts and chart, the PDF's first page, the extracts.
- Parameters: sensitive_groups, break_glass, stale_days, as_of.
- A copy of the bank with rows added here, for what the bank has no case of:
  a disabled account holding an access package, an app role and a PIM for
  groups assignment; an owner HR says has left; a guest through a nested
  group, as owner and through PIM for groups; a group nested in itself and
  loops sharing groups; a direct app role next to a nested group's.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import openpyxl

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
GENERATED = "2026-11-02T08:00:00Z"
BG1 = "bg-admin-01@nordhavnbank.onmicrosoft.com"
BG2 = "bg-admin-02@nordhavnbank.onmicrosoft.com"
passed = failed = 0

# The codes and their fixed severity (docs/packs.md, queries/hygiene/findings.sql).
SEVERITY = {"HYG-001": "High", "HYG-002": "High", "HYG-003": "High", "HYG-004": "High",
            "HYG-005": "Medium", "HYG-006": "Medium", "HYG-007": "Medium",
            "HYG-008": "Medium", "HYG-009": "Medium", "HYG-010": "Low",
            "HYG-011": "Low", "HYG-012": "Low", "HYG-013": "Low", "HYG-014": "Low"}
RANK = {"High": 1, "Medium": 2, "Low": 3}

# What the README's cases say each code lists at 2026-11-01 with the default
# parameters (stale_days 90, no sensitive_groups, no break_glass).
EXPECTED = {
    # NB-01 break-glass accounts, NB-14 orphans
    "HYG-001": {"Break Glass 01", "Break Glass 02", "svc-legacy-ftp", "Lars Aagaard",
                "Test Bruger"},
    # NB-10 disabled accounts still holding privilege
    "HYG-002": {"Ole Brøndum", "Vibeke Nørgaard"},
    # NB-21 an owner with no HR record
    "HYG-003": {"GRP-Markets-Research"},
    # NB-22 a guest in a role-assignable group
    "HYG-004": {"Lukas Meier (Fabrikam)"},
    # NB-09 groups without owners
    "HYG-005": {"GRP-Legacy-FileShare-Q", "GRP-Markets-Bloomberg", "GRP-Finance-Reporting",
                "GRP-Finance-Controllers", "GRP-Project-Ørestad"},
    # NB-21 an owner whose account is disabled; NB-24 Aksel Brandt, one of
    # GRP-Treasury-Dealers' three owners, disabled
    "HYG-006": {"GRP-CreditRisk-Models", "GRP-Treasury-Dealers"},
    # NB-15 stale (and NB-10's two disabled accounts, NB-24's disabled owner
    # Aksel Brandt, last sign-in 2026-07-01)
    "HYG-007": {"Bodil Frølich", "Asger Lund", "Ole Brøndum", "Vibeke Nørgaard",
                "Aksel Brandt"},
    # NB-15 never signed in, NB-14 Test Bruger (never signed in)
    "HYG-008": {"Povl Bjerregård", "Test Bruger"},
    # NB-08 the Finance cycle, one finding shown from its first-named group
    "HYG-009": {"GRP-Finance-All"},
    # NB-17 direct app role assignments next to the group's
    "HYG-010": {"Ida Pedersen", "Tove Bjerregård", "Line Larsen", "Bjørn Kristensen",
                "Jørgen Vestergaard"},
    # NB-09 the empty group
    "HYG-011": {"GRP-Project-Ørestad"},
    # NB-09 / NB-23 no description
    "HYG-012": {"GRP-Legacy-FileShare-Q"},
    # NB-23 / NB-14 no description
    "HYG-013": {"Contractor Basic Access"},
    # NB-23, and the NB-01 break-glass accounts
    "HYG-014": {"Rasmus Ærenlund", "Break Glass 01", "Break Glass 02"},
}

# Objects that must not be listed under a code, and why.
ABSENT = [
    ("HYG-001", "Karen Holm", "an enabled employee with an HR record is no orphan"),
    ("HYG-001", "Anna Berg (KPMG)", "guests are not orphans (NB-19)"),
    ("HYG-001", "Torben Mortensen", "a leaver still enabled has an HR record (NB-11)"),
    ("HYG-002", "Hanne Poulsen", "a disabled leaver who holds nothing (NB-11, handled)"),
    ("HYG-002", "Kirsten Ærenlund", "owning a group is HYG-006, not access held (NB-21)"),
    ("HYG-004", "Peter Wahl (Contoso Consulting)",
     "GRP-CoreBanking-Users is not sensitive by default (NB-19)"),
    ("HYG-004", "Anna Berg (KPMG)", "a guest with a role but in no sensitive group"),
    ("HYG-005", "SG-Role-Exchange-Administrators", "it has owners (NB-06b)"),
    ("HYG-007", "Hanne Poulsen", "signed in 42 days before as-of"),
    ("HYG-007", "Gry Skovgård", "signed in after leaving, 12 days before as-of (NB-11)"),
    ("HYG-008", "Freja Kjær", "a joiner who signed in (NB-13)"),
    ("HYG-009", "GRP-Finance-Reporting", "one finding per cycle, not per group"),
    ("HYG-009", "GRP-Payments-Approvers", "nested, but no cycle (NB-18)"),
    ("HYG-010", "Mette Olsen", "Administrator is granted to no group (NB-17)"),
    ("HYG-011", "SG-Role-Exchange-Administrators", "has a member (NB-06b)"),
    ("HYG-014", "Anna Berg (KPMG)", "guests are not asked for a department"),
    ("HYG-014", "Svend Olsen", "no such person: a department is required only where missing"),
]


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def run(*args):
    r = subprocess.run([RG] + list(args), capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        print("command failed:", args, r.stderr)
    return r


def collect(csv_dir, db):
    r = run("collect", "--csv", csv_dir, "--out", db, "--as-of", AS_OF,
            "--tenant", "Nordhavn Bank A/S")
    check("collect " + os.path.basename(csv_dir), r.returncode, 0)


class Pack:
    """One run of access-hygiene, read back."""

    def __init__(self, tmp, name, db, *params):
        out = os.path.join(tmp, name)
        os.mkdir(out)
        args = ["run", "access-hygiene", "--snapshot", db, "--out", out,
                "--generated-at", GENERATED]
        for p in params:
            args += ["--param", p]
        r = run(*args)
        check(name + ": run exit status", r.returncode, 0)
        check(name + ": run stderr", r.stderr, "")
        entries = [e for e in os.listdir(out) if not e.startswith(".")]
        check(name + ": one pack", len(entries), 1)
        self.id = entries[0]
        self.data = os.path.join(out, self.id, "data")
        self.xlsx = os.path.join(self.data, self.id + ".xlsx")
        self.pdf = os.path.join(self.data, self.id + ".pdf")
        self.wb = openpyxl.load_workbook(self.xlsx)
        ws = self.wb["Findings"]
        self.rows = [[c.value for c in r] for r in ws.iter_rows()]
        self.header = self.rows[0]
        self.body = self.rows[1:]
        self.filled = [r[0].fill.fill_type == "solid" for r in ws.iter_rows(min_row=2)]
        self.summary = [[c.value for c in r] for r in self.wb["Summary"].iter_rows()]

    def col(self, title):
        return self.header.index(title)

    def by_code(self):
        out = {c: set() for c in SEVERITY}
        for r in self.body:
            out.setdefault(r[self.col("Code")], set()).add(r[self.col("Object")])
        return out

    def details(self, code, obj):
        return [r[self.col("Details")] for r in self.body
                if r[self.col("Code")] == code and r[self.col("Object")] == obj]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def ini_description():
    """The [pack] description of the template, its lines joined."""
    lines, on = [], False
    for line in open(os.path.join(ROOT, "templates", "access-hygiene.ini"), encoding="utf-8"):
        if on and line[:1] in (" ", "\t") and line.strip():
            lines.append(line.strip())
            continue
        on = False
        if line.startswith("description") and not lines:
            on = True
            lines.append(line.split("=", 1)[1].strip())
    return " ".join(lines)


def default_run(tmp, db):
    p = Pack(tmp, "default", db)
    check("sheets", p.wb.sheetnames, ["Cover", "Findings", "Summary"])
    check("findings header", p.header, ["Severity", "Code", "Object type", "Object",
                                        "UPN or id", "Details", "Remediation"])
    got = p.by_code()
    for code, want in EXPECTED.items():
        if not check("%s lists the README's cases" % code, got.get(code), want):
            print("    missing:", sorted(want - got.get(code, set())),
                  "extra:", sorted(got.get(code, set()) - want))
    check("no code beyond HYG-014", sorted(set(got) - set(SEVERITY)), [])
    for code, obj, why in ABSENT:
        check("%s does not list %s: %s" % (code, obj, why), obj in got.get(code, set()), False)

    # every row: a fixed severity per code, an object, details and remediation
    sev, rem = p.col("Severity"), p.col("Remediation")
    check("severity fixed per code", sorted({(r[1], r[sev]) for r in p.body}),
          sorted((c, SEVERITY[c]) for c in got if got[c]))
    remedies = {}
    for r in p.body:
        remedies.setdefault(r[1], set()).add(r[rem])
    check("one remediation per code", all(len(v) == 1 for v in remedies.values()), True)
    check("every row has object type, object, UPN or id, details and remediation",
          all(all(r[p.col(t)] for t in ("Object type", "Object", "UPN or id", "Details",
                                         "Remediation")) for r in p.body), True)
    # sorted by severity, then code, then object
    keys = [(RANK[r[sev]], r[1], r[p.col("Object")].lower()) for r in p.body]
    check("sorted by severity, code, object", keys, sorted(keys))
    check("High rows highlighted", p.filled, [r[sev] == "High" for r in p.body])

    # details that tell the cases apart
    ref = p.col("UPN or id")
    check("HYG-001 shows the UPN", [r[ref] for r in p.body
                                     if r[1] == "HYG-001" and r[3] == "svc-legacy-ftp"],
          ["svc-legacy-ftp@nordhavnbank.dk"])
    check("HYG-002 Ole Brøndum: the group", p.details("HYG-002", "Ole Brøndum"),
          ["groups (1): SG-Role-Helpdesk-Administrators"])
    check("HYG-002 Vibeke Nørgaard: the eligible role", p.details("HYG-002", "Vibeke Nørgaard"),
          ["directory roles (1): User Administrator (eligible)"])
    d = p.details("HYG-003", "GRP-Markets-Research")
    check("HYG-003 names the owner and why", len(d) == 1 and "Lars Aagaard" in d[0]
          and "no HR record" in d[0] and "no owner in good standing" in d[0], True)
    d = p.details("HYG-006", "GRP-CreditRisk-Models")
    check("HYG-006 names the disabled owner", len(d) == 1 and
          "Kirsten Ærenlund is disabled" in d[0], True)
    check("HYG-004 Lukas Meier: why the group is sensitive",
          p.details("HYG-004", "Lukas Meier (Fabrikam)"),
          ["SG-Role-Vendor-Support (role-assignable): member"])
    check("HYG-009 the cycle as a path", p.details("HYG-009", "GRP-Finance-All"),
          ["cycle of 3 groups: GRP-Finance-All > GRP-Finance-Reporting > "
           "GRP-Finance-Controllers > GRP-Finance-All"])
    for who, member in (("Ida Pedersen", True), ("Tove Bjerregård", True),
                        ("Line Larsen", True), ("Bjørn Kristensen", False),
                        ("Jørgen Vestergaard", False)):
        d = p.details("HYG-010", who)
        check("HYG-010 %s: %s the group" % (who, "in" if member else "not in"),
              len(d) == 1 and ("GRP-CoreBanking-Users (a member: redundant)" if member
                               else "GRP-CoreBanking-Users (not a member)") in d[0]
              and "Core Banking Portal" in d[0], True)
    check("HYG-007 Bodil Frølich: last sign-in and days", p.details("HYG-007", "Bodil Frølich"),
          ["last sign-in 2026-05-02 (182 days); account enabled"])
    check("HYG-007 Ole Brøndum: disabled", p.details("HYG-007", "Ole Brøndum"),
          ["last sign-in 2026-06-30 (123 days); account disabled"])
    check("HYG-014 Rasmus Ærenlund: HR's department", p.details("HYG-014", "Rasmus Ærenlund"),
          ["no department; HR says Compliance"])
    check("HYG-013 the catalog", p.details("HYG-013", "Contractor Basic Access"),
          ["no description; catalog General"])

    # the summary: every code once, its severity, the counts of the sheet
    sh = p.summary
    check("summary header", sh[0], ["Code", "Severity", "Finding", "Findings", "Remediation"])
    check("summary codes and severities", [(r[0], r[1]) for r in sh[1:]],
          sorted(SEVERITY.items()))
    check("summary counts = rows per code", {r[0]: r[3] for r in sh[1:]},
          {c: sum(1 for r in p.body if r[1] == c) for c in SEVERITY})
    check("summary remediation = the rows'", all(
        remedies.get(r[0], {r[4]}) == {r[4]} for r in sh[1:]), True)
    with zipfile.ZipFile(p.xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        check("one chart", len(charts), 1)
        xml = z.read(charts[0]).decode() if charts else ""
        n = len(sh)
        check("bar chart of the counts per code", "<c:barChart>" in xml
              and "'Summary'!$A$2:$A$%d" % n in xml and "'Summary'!$D$2:$D$%d" % n in xml,
              True)

    # the CSV extracts hold the sheets' rows (and the columns not shown)
    for name, sheet in (("findings", p.rows), ("summary", p.summary)):
        ext = read_csv(os.path.join(p.data, "extracts", name + ".csv"))
        shown = {"findings": ["severity", "code", "object_type", "object_name",
                              "object_ref", "details", "remediation"],
                 "summary": ["code", "severity", "finding", "findings", "remediation"]}[name]
        idx = [ext[0].index(c) for c in shown]
        want = [[("" if v is None else str(v)) for v in r] for r in sheet[1:]]
        check("extract %s rows = the sheet's" % name,
              [[r[i] for i in idx] for r in ext[1:]], want)
    ext = read_csv(os.path.join(p.data, "extracts", "findings.csv"))
    check("extract: the finding title of each code",
          sorted({(r[ext[0].index("code")], r[ext[0].index("finding")]) for r in ext[1:]})[0],
          ("HYG-001", "Orphaned account: enabled, no HR record"))

    # the PDF: the first page holds the description, as of the snapshot
    r = subprocess.run(["pdftotext", p.pdf, "-"], capture_output=True, text=True)
    check("pdftotext without a warning", r.stderr, "")
    first = " ".join(r.stdout.split("\f")[0].split())
    desc = ini_description().replace("{as_of}", "2026-11-01").replace("{stale_days}", "90")
    check("PDF first page holds the description", desc in first, True)
    check("PDF first page: title", "Access hygiene worklist, Nordhavn Bank A/S" in first, True)
    check("description says what it excludes",
          "Not checked: access package ownership" in desc, True)
    text = " ".join(r.stdout.split())
    check("PDF lists a finding", "GRP-CreditRisk-Models" in text, True)
    return p


def param_runs(tmp, db):
    p = Pack(tmp, "params", db, "sensitive_groups=GRP-CoreBanking-Users, sg-role-nonexistent",
             "break_glass=%s , %s" % (BG1.upper(), BG2))
    got = p.by_code()
    check("sensitive_groups: Peter Wahl in GRP-CoreBanking-Users (NB-19)", got["HYG-004"],
          {"Lukas Meier (Fabrikam)", "Peter Wahl (Contoso Consulting)"})
    check("sensitive_groups: why", p.details("HYG-004", "Peter Wahl (Contoso Consulting)"),
          ["GRP-CoreBanking-Users (named in sensitive_groups): member"])
    check("break_glass: not orphans", got["HYG-001"],
          EXPECTED["HYG-001"] - {"Break Glass 01", "Break Glass 02"})
    check("break_glass: no department asked", got["HYG-014"], {"Rasmus Ærenlund"})
    check("break_glass: still checked otherwise", got["HYG-007"], EXPECTED["HYG-007"])
    cover = {r[0].value: r[1].value for r in p.wb["Cover"].iter_rows() if r[0].value}
    check("cover shows sensitive_groups", cover.get("Parameter sensitive_groups"),
          "GRP-CoreBanking-Users, sg-role-nonexistent")

    p = Pack(tmp, "stale120", db, "stale_days=120")
    got = p.by_code()
    # 120 days before 2026-11-01 is 2026-07-04: Vibeke Nørgaard (2026-07-15) is not
    # stale, Aksel Brandt (2026-07-01) is
    check("stale_days=120", got["HYG-007"], {"Bodil Frølich", "Asger Lund", "Ole Brøndum",
                                             "Aksel Brandt"})
    check("stale_days=120: never signed in", got["HYG-008"], EXPECTED["HYG-008"])
    r = subprocess.run(["pdftotext", p.pdf, "-"], capture_output=True, text=True)
    check("description shows stale_days", "no sign-in for 120 days" in " ".join(r.stdout.split()),
          True)

    out = os.path.join(tmp, "zero")
    os.mkdir(out)
    r = subprocess.run([RG, "run", "access-hygiene", "--snapshot", db, "--out", out,
                        "--param", "stale_days=0"], capture_output=True, text=True, cwd=ROOT)
    check("stale_days=0 refused", (r.returncode, "stale_days" in r.stderr, os.listdir(out)),
          (2, True, []))

    p = Pack(tmp, "asof", db, "as_of=2026-08-01")
    got = p.by_code()
    # 90 days before 2026-08-01 is 2026-05-03; later sign-ins are not stale
    check("as_of=2026-08-01: stale", got["HYG-007"], {"Bodil Frølich"})
    check("as_of=2026-08-01: never signed in, created before 2026-05-03", got["HYG-008"],
          {"Povl Bjerregård", "Test Bruger"})


def append(path, rows):
    with open(path, newline="", encoding="utf-8") as f:
        cols = next(csv.reader(f))
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\r\n")
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def mutated_run(tmp):
    """What the bank has no case of, added to a copy of it."""
    bank = os.path.join(tmp, "bank2")
    shutil.copytree(BANK, bank)

    def rows(name):
        with open(os.path.join(bank, name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    users = rows("users.csv")
    groups = {g["displayName"]: g["id"] for g in rows("groups.csv")}
    sps = {s["displayName"]: s["id"] for s in rows("service_principals.csv")}
    packages = {a["displayName"]: a["id"] for a in rows("access_packages.csv")}
    direct = {a["principalId"] for a in rows("app_role_assignments.csv")}

    def one(name, pred=lambda u: True):
        # display names repeat in the bank: the one the README means
        found = [u for u in users if u["displayName"] == name and pred(u)]
        assert len(found) == 1, name
        return found[0]["id"]
    uid = {n: one(n) for n in ("Ole Brøndum", "Hanne Poulsen", "Anna Berg (KPMG)",
                               "Peter Wahl (Contoso Consulting)", "Lukas Meier (Fabrikam)")}
    uid["Vibeke Nørgaard"] = one("Vibeke Nørgaard", lambda u: u["accountEnabled"] == "false")
    uid["Jørgen Vestergaard"] = one("Jørgen Vestergaard", lambda u: u["id"] in direct)

    append(os.path.join(bank, "access_package_assignments.csv"), [
        {"id": "t-pkg-1", "accessPackageId": packages["Retail Adviser Access"],
         "targetId": uid["Ole Brøndum"], "state": "delivered",
         "startDateTime": "2026-01-01T00:00:00Z"},
        # ended before as-of: Hanne Poulsen still holds nothing
        {"id": "t-pkg-2", "accessPackageId": packages["Retail Adviser Access"],
         "targetId": uid["Hanne Poulsen"], "state": "delivered",
         "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-10-01T00:00:00Z"}])
    append(os.path.join(bank, "app_role_assignments.csv"), [
        {"id": "t-ara-1", "principalId": uid["Vibeke Nørgaard"],
         "resourceId": sps["Core Banking Portal"], "appRoleId": "00000000-0000-0000-0000-000000000000",
         "createdDateTime": "2025-01-01T00:00:00Z"}])
    append(os.path.join(bank, "pim_group_assignments.csv"), [
        {"id": "t-pg-1", "groupId": groups["SG-Role-Exchange-Administrators"],
         "principalId": uid["Vibeke Nørgaard"], "accessId": "member", "state": "eligible",
         "startDateTime": "2026-01-01T00:00:00Z"},
        {"id": "t-pg-2", "groupId": groups["SG-Role-Exchange-Administrators"],
         "principalId": uid["Peter Wahl (Contoso Consulting)"], "accessId": "member",
         "state": "eligible", "startDateTime": "2026-01-01T00:00:00Z"}])
    append(os.path.join(bank, "group_members.csv"), [
        # a guest through a group nested in a role-assignable one (NB-07)
        {"groupId": groups["GRP-SOC-Analysts"], "memberId": uid["Anna Berg (KPMG)"],
         "memberType": "user"},
        # a group nested in itself, and a second loop in the Finance cycle
        {"groupId": groups["GRP-Markets-Bloomberg"], "memberId": groups["GRP-Markets-Bloomberg"],
         "memberType": "group"},
        {"groupId": groups["GRP-Finance-Controllers"],
         "memberId": groups["GRP-Finance-Reporting"], "memberType": "group"},
        # Jørgen Vestergaard in GRP-CoreBanking-Users through a nested group
        {"groupId": groups["GRP-Legacy-FileShare-Q"], "memberId": uid["Jørgen Vestergaard"],
         "memberType": "user"},
        {"groupId": groups["GRP-CoreBanking-Users"], "memberId": groups["GRP-Legacy-FileShare-Q"],
         "memberType": "group"}])
    append(os.path.join(bank, "group_owners.csv"), [
        {"groupId": groups["SG-Role-Password-Reset"], "ownerId": uid["Lukas Meier (Fabrikam)"]}])
    # HR says the owner of GRP-SOC-Analysts has left; the account is enabled
    soc_owner = [o["ownerId"] for o in rows("group_owners.csv")
                 if o["groupId"] == groups["GRP-SOC-Analysts"]][0]
    leaver = [u for u in users if u["id"] == soc_owner][0]
    owned = {g for g, i in groups.items()
             if any(o["groupId"] == i and o["ownerId"] == soc_owner
                    for o in rows("group_owners.csv"))}
    hr = rows("hr_people.csv")
    for h in hr:
        if h["employeeId"] == leaver["employeeId"]:
            h["status"], h["terminationDate"] = "Terminated", "2026-10-20"
    with open(os.path.join(bank, "hr_people.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(hr[0]), lineterminator="\r\n")
        w.writeheader()
        w.writerows(hr)

    db = os.path.join(tmp, "bank2.db")
    collect(bank, db)
    p = Pack(tmp, "mutated", db)
    got = p.by_code()
    check("disabled: access package listed", p.details("HYG-002", "Ole Brøndum"),
          ["groups (1): SG-Role-Helpdesk-Administrators; access packages (1): "
           "Retail Adviser Access"])
    check("disabled: PIM for groups and app role listed", p.details("HYG-002", "Vibeke Nørgaard"),
          ["directory roles (1): User Administrator (eligible); PIM for groups (1): "
           "SG-Role-Exchange-Administrators (eligible member); app roles (1): "
           "Core Banking Portal"])
    check("disabled: an ended access package is not held", "Hanne Poulsen" in got["HYG-002"],
          False)
    check("owners not employees: every group of the leaver's, the guest's", got["HYG-003"],
          {"GRP-Markets-Research", "SG-Role-Password-Reset"} | owned)
    d = p.details("HYG-003", "SG-Role-Password-Reset")
    check("a guest owner has no HR record", len(d) == 1 and "owner Lukas Meier (Fabrikam): "
          "a guest, no HR record (no employee id); owners in good standing: 1" in d[0], True)
    d = p.details("HYG-003", "GRP-SOC-Analysts")
    check("owner who left: why", len(d) == 1 and leaver["displayName"] in d[0]
          and "left: HR status Terminated, termination date 2026-10-20" in d[0], True)
    check("guests: routes into sensitive groups", got["HYG-004"],
          {"Lukas Meier (Fabrikam)", "Anna Berg (KPMG)", "Peter Wahl (Contoso Consulting)"})
    check("guest through a nested group", p.details("HYG-004", "Anna Berg (KPMG)"),
          ["SG-Role-Security-Operations (holds Security Administrator, role-assignable): "
           "member through GRP-SOC-Analysts"])
    check("guest as owner", sorted(p.details("HYG-004", "Lukas Meier (Fabrikam)")),
          ["SG-Role-Password-Reset (holds Nordhavn Password Reset Operator, role-assignable): "
           "owner", "SG-Role-Vendor-Support (role-assignable): member"])
    check("guest through PIM for groups",
          p.details("HYG-004", "Peter Wahl (Contoso Consulting)"),
          ["SG-Role-Exchange-Administrators (holds Exchange Administrator, role-assignable): "
           "eligible member (PIM for groups)"])
    check("cycles: one finding each", got["HYG-009"], {"GRP-Finance-All", "GRP-Markets-Bloomberg"})
    check("cycle: a group nested in itself", p.details("HYG-009", "GRP-Markets-Bloomberg"),
          ["a group nested in itself: GRP-Markets-Bloomberg > GRP-Markets-Bloomberg"])
    check("cycle: loops sharing groups, by their links", p.details("HYG-009", "GRP-Finance-All"),
          ["3 groups nested in each other through 4 links: "
           "GRP-Finance-All > GRP-Finance-Reporting; "
           "GRP-Finance-Controllers > GRP-Finance-All; "
           "GRP-Finance-Controllers > GRP-Finance-Reporting; "
           "GRP-Finance-Reporting > GRP-Finance-Controllers"])
    d = p.details("HYG-010", "Jørgen Vestergaard")
    check("app role: a member through a nested group", len(d) == 1
          and "GRP-CoreBanking-Users (a member: redundant)" in d[0], True)
    check("app role: no group grants the default role", "Vibeke Nørgaard" in got["HYG-010"],
          False)


def shared_text():
    """summary.sql counts what findings.sql lists: their WITH parts are one text."""
    def part(name):
        s = open(os.path.join(ROOT, "queries", "hygiene", name), encoding="utf-8").read()
        m = re.search(r"WITH RECURSIVE\n.*?-- ---- end of findings\n", s, re.S)
        return m.group(0) if m else None
    a, b = part("findings.sql"), part("summary.sql")
    check("findings.sql and summary.sql share the WITH part", a is not None and a == b, True)


def main():
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "bank.db")
    collect(BANK, db)
    default_run(tmp, db)
    param_runs(tmp, db)
    mutated_run(tmp)
    shared_text()
    shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
