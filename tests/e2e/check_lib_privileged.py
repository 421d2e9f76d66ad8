#!/usr/bin/env python3
"""check_lib_privileged.py - the privileged access and segregation of duties
packs (privileged-access-overview, privileged-users, sod-conflicts) on the
fictional bank, read back with tools that share no code with reportgen.

- The fixture's documented cases (fixtures/nordhavn-bank/README.md), written
  out here by hand: who must appear, how, with which flags, and who must not.
- Every row, flag and count against a model of the same rules computed here
  from the CSV files with Python's csv module (direct, nested groups, group
  owners, PIM for groups; windows; flags), at the snapshot's as-of time and
  at another one, with and without break_glass, with another stale_days.
- Segregation of duties against the same kind of model, on the bank and on
  a copy of it with extra rules (a role through nesting and through PIM for
  groups, an access package, a side naming nothing, a nesting cycle).
- Each PDF's first page holds the template's description; every CSV extract
  equals the sqlite3 shell's output of the query in the documented form; the
  steps shared by the queries of a folder are the same text.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import csv
import datetime
import io
import json
import os
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
TENANT = "Nordhavn Bank A/S"
BG = ["bg-admin-01@nordhavnbank.onmicrosoft.com", "bg-admin-02@nordhavnbank.onmicrosoft.com"]
passed = failed = 0

# The built-in privileged roles (docs/schema.md, from Microsoft's "Microsoft
# Entra built-in roles" reference).
KNOWN_PRIVILEGED = {
    "62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "fe930be7-5e62-47db-91af-98c3a49a38b1", "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "158c047a-c907-4556-b7ef-446551a6b5f7", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "3a2c62db-5318-420d-8d74-23affee5d9d5", "b0f54661-2d74-4c50-afa3-1ec803f12efe",
}


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def check_set(what, got, want):
    """check() for row sets, naming the rows that differ."""
    if not check(what, sorted(got, key=repr), sorted(want, key=repr)):
        for x in sorted(set(got) ^ set(want), key=repr):
            print("   ", "extra" if x in got else "missing", x)


def t(s):
    """An ISO time as a naive UTC datetime (as openpyxl gives it), or None."""
    if not s:
        return None
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).replace(tzinfo=None)


def yes(b):
    return None if b is None else ("Yes" if b else "No")


def run(*args):
    return subprocess.run([RG] + list(args), capture_output=True, text=True, cwd=ROOT)


# ------------------------------------------------------------ the model

class Bank:
    """The CSV files of a bank, read with the csv module."""

    def __init__(self, folder):
        def rows(name):
            path = os.path.join(folder, name)
            with open(path, newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f))

        self.users = {u["id"]: u for u in rows("users.csv")}
        self.groups = {g["id"]: g for g in rows("groups.csv")}
        self.sps = {s["id"]: s for s in rows("service_principals.csv")}
        self.hr = {h["employeeId"] for h in rows("hr_people.csv")}
        self.roledefs = rows("role_definitions.csv")
        self.roles = {}
        for r in self.roledefs:
            priv = r["isPrivileged"].lower() == "true" or r["templateId"] in KNOWN_PRIVILEGED \
                or r["id"] in KNOWN_PRIVILEGED
            self.roles[r["id"]] = (r["displayName"], priv)
        self.assignments = rows("role_assignments.csv")
        self.pim = rows("pim_group_assignments.csv")
        self.packages = rows("access_packages.csv")
        self.package_assignments = rows("access_package_assignments.csv")
        self.rules = rows("sod_rules.csv")
        self.ad_users = {a["SamAccountName"].lower(): a for a in rows("ad_users.csv")}
        self.ad_members = rows("ad_group_members.csv")
        self.members, self.owners = {}, {}
        for m in rows("group_members.csv"):
            self.members.setdefault(m["groupId"], []).append(m["memberId"])
        for o in rows("group_owners.csv"):
            self.owners.setdefault(o["groupId"], []).append(o["ownerId"])

    def name(self, pid):
        for d in (self.users, self.groups, self.sps):
            if pid in d:
                return d[pid]["displayName"]
        raise KeyError(pid)

    def walk(self, top, label):
        """(group, path) for top and every group nested in it, once per
        path; a group already on the path is not entered again."""
        out = []

        def go(g, path, trail):
            out.append((g, path))
            for m in self.members.get(g, []):
                if m in self.groups and m not in trail:
                    go(m, path + " > " + self.groups[m]["displayName"], trail | {m})
        go(top, label, {top})
        return out


AD_PRIVILEGED = ["Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators",
                 "Account Operators", "Backup Operators", "Server Operators",
                 "Print Operators", "DnsAdmins", "Group Policy Creator Owners"]


def ad_rows(b, as_of=AS_OF, stale_days=90):
    """The Active Directory section, from ad_group_members.csv and
    ad_users.csv: (AD group, account, UPN, enabled, via, Entra account,
    HR record, stale), one per path, nested groups walked."""
    upns = {u["userPrincipalName"].lower() for u in b.users.values()}
    cut = (datetime.datetime.strptime(as_of, "%Y-%m-%dT%H:%M:%SZ")
           - datetime.timedelta(days=stale_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []

    def go(root, g, path, trail):
        for m in b.ad_members:
            if m["group"].lower() != g.lower():
                continue
            if m["memberClass"] == "group":
                if m["member"].lower() not in trail:
                    go(root, m["member"], path + " > " + m["member"],
                       trail | {m["member"].lower()})
                continue
            a = b.ad_users.get(m["member"].lower(), {})
            on = a.get("Enabled", "").lower() == "true"
            last = a.get("LastLogonDate") or None
            out.append((root, m["member"], a.get("UserPrincipalName") or None,
                        yes(on), t(last), None if path == root else path,
                        yes(bool(a.get("UserPrincipalName")) and
                            a["UserPrincipalName"].lower() in upns),
                        yes(bool(a.get("EmployeeID")) and a["EmployeeID"] in b.hr),
                        yes(last is None or last < cut)))
    for root in AD_PRIVILEGED:
        if any(m["group"].lower() == root.lower() for m in b.ad_members):
            go(root, root, root, {root.lower()})
    return out


def in_force(s, e, at):
    return (not s or t(s) <= at) and (not e or t(e) > at)


def later(a, b):
    return max((x for x in (a, b) if x), key=t, default="")


def earlier(a, b):
    return min((x for x in (a, b) if x), key=t, default="")


def routes(b, as_of=AS_OF, stale_days=90, break_glass=""):
    """Every route to a privileged role in force at as_of, with its flags."""
    at = t(as_of)
    bg = {x.strip().lower() for x in break_glass.split(",") if x.strip()}
    out = []

    def add(pid, role, state, s, e, how, link, path):
        u = b.users.get(pid)
        sp = b.sps.get(pid)
        r = {"pid": pid, "principal": b.name(pid), "role": role, "state": state,
             "start": s, "end": e, "how": how, "link": link, "path": path}
        if u:
            upn = u["userPrincipalName"]
            r["upn"] = upn
            r["type"] = "Guest" if u["userType"] == "Guest" else "User"
            r["enabled"] = u["accountEnabled"] == "true"
            r["last"] = u["lastSignInDateTime"]
            r["department"] = u["department"] or None
            r["hr"] = u["employeeId"] in b.hr
            r["break_glass"] = upn.lower() in bg
            r["guest"] = u["userType"] == "Guest" or "#EXT#" in upn.upper()
            last = t(u["lastSignInDateTime"])
            r["stale"] = not r["enabled"] or last is None or \
                last < at - datetime.timedelta(days=stale_days)
            r["no_hr"] = not r["hr"]
            r["permanent_active"] = not r["break_glass"] and state == "active" and not e \
                and how in ("direct", "member", "pim-member")
        else:
            r.update(upn=None, type="Service principal", enabled=sp["accountEnabled"] == "true",
                     last="", department=None, hr=None, break_glass=False, guest=False,
                     no_hr=None, permanent_active=False)
            r["stale"] = not r["enabled"]
        out.append(r)

    for a in b.assignments:
        role, priv = b.roles[a["roleDefinitionId"]]
        if not priv or not in_force(a["startDateTime"], a["endDateTime"], at):
            continue
        p = a["principalId"]
        if p not in b.groups:
            add(p, role, a["state"], a["startDateTime"], a["endDateTime"], "direct", None, "")
            continue
        for g, path in b.walk(p, b.groups[p]["displayName"]):
            pims = [x for x in b.pim if x["groupId"] == g and x["principalId"] not in b.groups
                    and in_force(x["startDateTime"], x["endDateTime"], at)]
            # memberships and ownerships are as at the snapshot's as-of:
            # an activation in force then explains one
            activated = {(x["principalId"], x["accessId"]) for x in b.pim
                         if x["groupId"] == g and x["state"] == "active"
                         and in_force(x["startDateTime"], x["endDateTime"], t(AS_OF))}
            for m in b.members.get(g, []):
                if m not in b.groups and (m, "member") not in activated:
                    add(m, role, a["state"], a["startDateTime"], a["endDateTime"], "member",
                        "active", path)
            for o in b.owners.get(g, []):
                if o not in b.groups and (o, "owner") not in activated:
                    add(o, role, a["state"], a["startDateTime"], a["endDateTime"], "owner",
                        "active", path)
            for x in pims:
                state = "active" if a["state"] == "active" and x["state"] == "active" \
                    else "eligible"
                add(x["principalId"], role, state,
                    later(a["startDateTime"], x["startDateTime"]),
                    earlier(a["endDateTime"], x["endDateTime"]),
                    "pim-" + x["accessId"], x["state"], path)
    return out


def via(r):
    if r["how"] == "direct":
        return None
    if r["how"] == "member":
        return r["path"]
    if r["how"] == "owner":
        return r["path"] + " (owner)"
    return "%s (PIM for groups, %s %s)" % (r["path"], r["link"], r["how"][4:])


def overview_row(r):
    """A row of the sheet "Privileged access" as openpyxl reads it."""
    return (r["principal"], r["upn"], r["type"], r["role"],
            "Active" if r["state"] == "active" else "Eligible",
            "Time-bound" if r["end"] else "Permanent", via(r), t(r["start"]), t(r["end"]),
            yes(r["enabled"]), t(r["last"]), yes(r["permanent_active"]), yes(r["break_glass"]),
            yes(r["guest"]), yes(r["stale"]), yes(r["no_hr"]))


def route_text(r):
    """A route as privileged-users lists it."""
    until = "permanent" if not r["end"] else \
        "until %s UTC" % r["end"][:16].replace("T", " ")
    how = {"direct": "", "member": ", via " + r["path"],
           "owner": ", owner of " + r["path"]}.get(r["how"])
    if how is None:
        how = ", PIM for groups %s %s of %s" % (r["link"], r["how"][4:], r["path"])
    return "%s (%s, %s%s)" % (r["role"], r["state"], until, how)


def users_rows(rs):
    """The rows of the sheet "Privileged users", and whether each stands out."""
    by = {}
    for r in rs:
        by.setdefault(r["pid"], []).append(r)
    out = []
    for pid, mine in by.items():
        r = mine[0]
        texts = sorted({(x["role"], x["state"], route_text(x)) for x in mine})
        flags = [any(x[k] for x in mine) for k in
                 ("permanent_active", "break_glass", "guest", "stale")]
        no_hr = r["no_hr"]
        out.append(((r["principal"], r["upn"], r["type"], yes(r["enabled"]), r["department"],
                     t(r["last"]), yes(r["hr"]), "; ".join(x[2] for x in texts))
                    + tuple(yes(f) for f in flags) + (yes(no_hr),),
                    flags[0] or flags[2] or flags[3] or bool(no_hr)))
    return out


# ------------------------------------------------- segregation of duties model

def sod_model(b, as_of=AS_OF):
    """Per rule: (left kinds, right kinds, {principal: (left paths, right
    paths, state)})."""
    at = t(as_of)

    def members_of(top, label, state, held):
        for g, path in b.walk(top, label):
            for m in b.members.get(g, []):
                if m not in b.groups:
                    held.setdefault(m, set()).add((path, state))
            for x in b.pim:
                if x["groupId"] == g and x["accessId"] == "member" and \
                        x["principalId"] not in b.groups and \
                        in_force(x["startDateTime"], x["endDateTime"], at):
                    st = "active" if state == "active" and x["state"] == "active" else "eligible"
                    held.setdefault(x["principalId"], set()).add(
                        ("%s (PIM for groups, %s member)" % (path, x["state"]), st))

    def side(name):
        held, kinds = {}, []
        groups = [g for g in b.groups.values()
                  if g["displayName"] == name or g["id"] == name.lower()]
        roles = [r for r in b.roledefs if name in (r["displayName"], r["id"], r["templateId"])]
        packages = [p for p in b.packages if name in (p["displayName"], p["id"])]
        for kind, found in (("group", groups), ("role", roles), ("access package", packages)):
            if found:
                kinds.append(kind if len(found) == 1 else "%s (%d)" % (kind, len(found)))
        for g in groups:
            members_of(g["id"], g["displayName"], "active", held)
        for rd in roles:
            for a in b.assignments:
                if a["roleDefinitionId"] != rd["id"] or \
                        not in_force(a["startDateTime"], a["endDateTime"], at):
                    continue
                label = "%s (%s)" % (rd["displayName"], a["state"])
                p = a["principalId"]
                if p in b.groups:
                    members_of(p, label + " via " + b.groups[p]["displayName"], a["state"], held)
                else:
                    held.setdefault(p, set()).add(
                        ("%s (%s, direct)" % (rd["displayName"], a["state"]), a["state"]))
        for pk in packages:
            for a in b.package_assignments:
                if a["accessPackageId"] == pk["id"] and a["state"].lower() == "delivered" and \
                        a["targetId"] not in b.groups and \
                        in_force(a["startDateTime"], a["endDateTime"], at):
                    held.setdefault(a["targetId"], set()).add(
                        (pk["displayName"] + " (access package)", "active"))
        return ", ".join(kinds) or "not found", held

    out = {}
    for rule in b.rules:
        lk, left = side(rule["left"])
        rk, right = side(rule["right"])
        both = {}
        for p in set(left) & set(right):
            state = "Active" if any(s == "active" for _, s in left[p]) and \
                any(s == "active" for _, s in right[p]) else "Eligible"
            both[p] = ("; ".join(x[0] for x in sorted(left[p])),
                       "; ".join(x[0] for x in sorted(right[p])), state)
        out[rule["id"]] = (rule["left"], lk, rule["right"], rk, rule["description"], both)
    return out


# ------------------------------------------------------------------ readers

def norm(v):
    return None if v == "" else v


def sheet(wb, name):
    """The rows of a sheet below its header, as tuples, '' read as None."""
    ws = wb[name]
    rows = [tuple(norm(c.value) for c in r) for r in ws.iter_rows()]
    hl = [r[0].fill.fill_type == "solid" for r in ws.iter_rows(min_row=2)]
    return rows[0], rows[1:], hl


def run_pack(tmp, template, db, *params):
    """Runs a template; returns (pack data folder, pack id, workbook)."""
    out = tempfile.mkdtemp(dir=tmp)
    args = ["run", template, "--snapshot", db, "--out", out, "--generated-at", GENERATED,
            "--quiet"]
    for p in params:
        args += ["--param", p]
    r = run(*args)
    check("%s %s: exit status and stderr" % (template, " ".join(params)),
          (r.returncode, r.stderr), (0, ""))
    entries = [e for e in os.listdir(out) if not e.startswith(".")]
    if not check("%s: one pack" % template, len(entries), 1):
        sys.exit("%d passed, %d failed" % (passed, failed + 1))
    pid = entries[0]
    data = os.path.join(out, pid, "data")
    return data, pid, openpyxl.load_workbook(os.path.join(data, pid + ".xlsx"))


def shell_csv(db, sql, params):
    """The query run in the sqlite3 shell as the comment in each file says."""
    script = "".join(".param set :%s \"%s\"\n" % (k, v if isinstance(v, int) else "'%s'" % v)
                     for k, v in params)
    script += ".read queries/%s\n" % sql
    r = subprocess.run(["sqlite3", "-readonly", "-csv", "-header", db],
                       input=script, capture_output=True, text=True, cwd=ROOT)
    check("sqlite3 shell runs %s without an error" % sql, r.stderr, "")
    return list(csv.reader(io.StringIO(r.stdout)))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def check_extracts(data, db, sections, params):
    for name, sql in sections:
        check("extract %s equals the sqlite3 shell (%s)" % (name, params),
              read_csv(os.path.join(data, "extracts", name + ".csv")),
              shell_csv(db, sql, params))


def description(template, values):
    """The [pack] description of a template, its {names} filled in."""
    text, on = [], False
    for line in open(os.path.join(ROOT, "templates", template + ".ini"), encoding="utf-8"):
        if on and line[:1] in (" ", "\t") and line.strip():
            text.append(line.strip())
            continue
        on = False
        if line.startswith("description ="):
            on = True
            text.append(line.split("=", 1)[1].strip())
        if line.startswith("[") and not line.startswith("[pack]") and text:
            break
    s = " ".join(text)
    for k, v in values.items():
        s = s.replace("{%s}" % k, v)
    return s


def check_first_page(data, pid, template, values):
    r = subprocess.run(["pdftotext", os.path.join(data, pid + ".pdf"), "-"],
                       capture_output=True, text=True)
    check("%s: pdftotext without a warning" % template, r.stderr, "")
    first = " ".join(r.stdout.split("\f")[0].split())
    want = description(template, values)
    check("%s: description is not empty" % template, len(want) > 200, True)
    check("%s: the PDF's first page holds the description" % template, want in first, True)


def block(path, start, end):
    text = open(os.path.join(ROOT, "queries", path), encoding="utf-8").read()
    i, j = text.find(start), text.find(end)
    return text[i:j] if 0 <= i < j else None


# ------------------------------------------------------------------- checks

def by_upn(rows, upn):
    return [r for r in rows if r[1] == upn]


def check_overview(tmp, db, bank):
    ov_cols = ["Principal", "UPN", "Principal type", "Role", "State", "Assignment",
               "Via group", "Start", "End", "Account enabled", "Last sign-in",
               "Perm. active", "Break glass", "Guest", "Disabled or stale", "No HR record"]
    data, pid, wb = run_pack(tmp, "privileged-access-overview", db)
    check("overview sheets", wb.sheetnames,
          ["Cover", "Privileged access", "Summary", "Flags", "Active Directory"])
    _, arows, ahl = sheet(wb, "Active Directory")
    want_ad = ad_rows(bank)
    check_set("AD privileged groups (computed from the CSV files)", arows, want_ad)
    check("AD rows highlighted: disabled or no HR record",
          ahl, [r[3] == "No" or r[7] == "No" for r in arows])
    # NB-20: Domain Admins Jørgen Østergaard, Hanne Jørgensen, adm-jlarsen (no
    # Entra user, no HR record); Enterprise Admins Jørgen Østergaard; Backup
    # Operators Sofie Østergaard; Administrators holds Domain Admins. NB-10:
    # Ole Brøndum, disabled, in Account Operators.
    ad = {(r[0], r[1]): r for r in arows}
    check("NB-20: Domain Admins",
          sorted(k[1] for k in ad if k[0] == "Domain Admins"),
          sorted(["adm-jlarsen", "hjoergensen43", "joestergaard12"]))
    check("NB-20: adm-jlarsen has no Entra account and no HR record",
          (ad[("Domain Admins", "adm-jlarsen")][6], ad[("Domain Admins", "adm-jlarsen")][7]),
          ("No", "No"))
    check("NB-20: Enterprise Admins", sorted(k[1] for k in ad if k[0] == "Enterprise Admins"),
          ["joestergaard12"])
    check("NB-20: Backup Operators", sorted(k[1] for k in ad if k[0] == "Backup Operators"),
          ["soestergaard22"])
    check("NB-20: Administrators through Domain Admins",
          sorted({r[5] for r in arows if r[0] == "Administrators"}),
          ["Administrators > Domain Admins"])
    check("NB-10: Ole Brøndum, disabled, in Account Operators",
          ad[("Account Operators", "obroendum")][3], "No")
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows() if r[0].value}
    check("empty break_glass default is accepted and shown", cover.get("Parameter break_glass"),
          None)
    check("stale_days default", cover.get("Parameter stale_days"), "90")
    rec = json.load(open(os.path.join(data, "run.json"), encoding="utf-8"))
    check("run.json parameters", {p["name"]: p["value"] for p in rec["parameters"]},
          {"as_of": AS_OF, "stale_days": "90", "break_glass": ""})
    head, rows, hl = sheet(wb, "Privileged access")
    check("overview header", list(head), ov_cols)
    rs = routes(bank)
    check_set("overview rows (computed from the CSV files)", rows,
              [overview_row(r) for r in rs])
    check("highlighted rows are the permanent active ones", hl,
          [r[11] == "Yes" for r in rows])

    # ---- the documented cases, by hand
    def has(what, upn, role, state, assignment, via_group, **flags):
        got = [r for r in by_upn(rows, upn) if r[3] == role and r[4] == state and
               r[5] == assignment and r[6] == via_group]
        ok = check("%s: %s %s %s %s via %s" % (what, upn, role, state, assignment, via_group),
                   len(got), 1)
        cols = {"permanent_active": 11, "break_glass": 12, "guest": 13, "stale": 14,
                "no_hr": 15}
        for k, v in flags.items():
            if ok:
                check("%s: %s %s" % (what, upn, k), got[0][cols[k]], v)
        return got[0] if got else None

    for upn in BG:   # NB-01
        has("NB-01", upn, "Global Administrator", "Active", "Permanent", None,
            permanent_active="Yes", break_glass="No", no_hr="Yes", guest="No", stale="No")
    j = "joergen.oestergaard2@nordhavnbank.dk"   # NB-02
    has("NB-02", j, "Global Administrator", "Active", "Permanent", None,
        permanent_active="Yes", no_hr="No")
    has("NB-02 also eligible", j, "Global Administrator", "Eligible", "Permanent", None,
        permanent_active="No")
    nb03 = [("Lene Østergaard", "Security Administrator", None),
            ("Bjørn Johansen", "Security Administrator", "2027-03-31"),
            ("Morten Lund", "Conditional Access Administrator", None),
            ("Bjørn Møller", "Privileged Role Administrator", "2027-01-31"),
            ("Hanne Jørgensen", "User Administrator", None),
            ("Pernille Brøndum", "Intune Administrator", None),
            ("Sanne Larsen", "SharePoint Administrator", None),
            ("Povl Lund", "Authentication Administrator", "2027-06-30"),
            ("Signe Larsen", "Billing Administrator", None)]
    for name, role, until in nb03:
        got = [r for r in rows if r[0] == name and r[3] == role and r[4] == "Eligible"
               and r[6] is None]
        check("NB-03 %s eligible %s" % (name, role),
              [(r[5], r[8] and r[8].strftime("%Y-%m-%d")) for r in got],
              [("Time-bound" if until else "Permanent", until)])
        check("NB-03 %s not flagged permanent active" % name,
              [r[11] for r in got], ["No"] * len(got))
    lene = has("NB-04", "lene.oestergaard@nordhavnbank.dk", "Security Administrator", "Active",
               "Time-bound", None, permanent_active="No")
    check("NB-04 activation window", lene and (lene[7], lene[8]),
          (datetime.datetime(2026, 10, 31, 21, 30), datetime.datetime(2026, 11, 1, 5, 30)))
    for name in ("Signe Bjerregård", "Bodil Rasmussen"):   # NB-05
        check("NB-05 expired: %s not in the overview" % name,
              [r for r in rows if r[0] == name], [])
    helpdesk = ["joergen.bjerregaard@nordhavnbank.dk", "sofie.oestergaard@nordhavnbank.dk",
                "mette.holm@nordhavnbank.dk", "lene.froelich@nordhavnbank.dk",
                "ole.broendum@nordhavnbank.dk"]
    for upn in helpdesk:   # NB-06
        has("NB-06", upn, "Helpdesk Administrator", "Active", "Permanent",
            "SG-Role-Helpdesk-Administrators", permanent_active="Yes")
    check("NB-06 custom role through SG-Role-Password-Reset",
          sorted({r[3] for r in rows if r[6] == "SG-Role-Password-Reset"}),
          ["Nordhavn Password Reset Operator"])
    x = "SG-Role-Exchange-Administrators"   # NB-06b
    has("NB-06b", "christian.poulsen2@nordhavnbank.dk", "Exchange Administrator", "Eligible",
        "Permanent", x + " (PIM for groups, eligible member)", permanent_active="No")
    d = "joergen.dalgaard@nordhavnbank.dk"
    dal = has("NB-06b", d, "Exchange Administrator", "Eligible", "Time-bound",
              x + " (PIM for groups, eligible member)")
    check("NB-06b eligible until", dal and dal[8], datetime.datetime(2027, 2, 28, 23, 59, 59))
    dal = has("NB-06b activation", d, "Exchange Administrator", "Active", "Time-bound",
              x + " (PIM for groups, active member)", permanent_active="No")
    check("NB-06b activation window", dal and (dal[7], dal[8]),
          (datetime.datetime(2026, 10, 31, 20, 0), datetime.datetime(2026, 11, 1, 4, 0)))
    check("NB-06b the activation's membership is not a permanent one",
          [r for r in by_upn(rows, d) if r[6] == x], [])
    has("NB-06b eligible owner", "jens.thomsen@nordhavnbank.dk", "Exchange Administrator",
        "Eligible", "Permanent", x + " (PIM for groups, eligible owner)", permanent_active="No")
    for upn in ("morten.madsen2@nordhavnbank.dk", "sofie.bjerregaard@nordhavnbank.dk",
                "karen.holm3@nordhavnbank.dk"):   # NB-07
        has("NB-07", upn, "Security Administrator", "Eligible", "Permanent",
            "SG-Role-Security-Operations > GRP-SOC-Analysts")
    check("NB-07 Karen Holm the CEO holds nothing", by_upn(rows, "karen.holm@nordhavnbank.dk"),
          [])
    has("NB-10", "vibeke.noergaard2@nordhavnbank.dk", "User Administrator", "Eligible",
        "Permanent", None, stale="Yes")
    has("NB-15", "asger.lund2@nordhavnbank.dk", "Cloud Application Administrator", "Eligible",
        "Permanent", None, stale="Yes")
    for name in ("Bodil Frølich", "Povl Bjerregård"):
        check("NB-15 %s (stale, no privilege) not in the overview" % name,
              [r for r in rows if r[0] == name], [])
    for name, role in (("Nordhavn Identity Sync", "User Administrator"),
                       ("Mailbox Automation", "Exchange Administrator")):   # NB-16
        check("NB-16 %s" % name,
              [(r[2], r[3], r[4], r[5], r[11], r[15]) for r in rows if r[0] == name],
              [("Service principal", role, "Active", "Permanent", "No", None)])
    check("NB-16 Access Reporting Reader (readers only) not in the overview",
          [r for r in rows if r[0] == "Access Reporting Reader"], [])
    has("NB-19", "peter.wahl_contoso.com#EXT#@nordhavnbank.onmicrosoft.com",
        "Application Administrator", "Eligible", "Permanent", None, guest="Yes")
    check("NB-19 Anna Berg (Global Reader only) not in the overview",
          [r for r in rows if r[0].startswith("Anna Berg")], [])
    check("NB-22 a role-assignable group with no role gives no privilege",
          [r for r in rows if r[0].startswith("Lukas Meier") or
           (r[6] or "").startswith("SG-Role-Vendor-Support")], [])
    # the exact set of people per flag, written out from the README
    flagged = {k: sorted({r[0] for r in rows if r[c] == "Yes"})
               for k, c in (("guest", 13), ("stale", 14), ("break_glass", 12))}
    check("guests with privilege (NB-19)", flagged["guest"], ["Peter Wahl (Contoso Consulting)"])
    check("disabled or stale with privilege (NB-10, NB-15)", flagged["stale"],
          ["Asger Lund", "Ole Brøndum", "Vibeke Nørgaard"])
    check("no break-glass flag without the parameter", flagged["break_glass"], [])
    perm = {r[1] for r in rows if r[11] == "Yes"}
    check("permanent active holds NB-01, NB-02, NB-06",
          perm >= set(BG) | {j} | set(helpdesk), True)
    check("permanent active: no eligible, time-bound or service principal row",
          [r for r in rows if r[11] == "Yes" and
           (r[4] != "Active" or r[8] is not None or r[2] == "Service principal")], [])
    nohr = {r[0] for r in rows if r[15] == "Yes"}
    check("no HR record holds the break-glass accounts (NB-01)",
          nohr >= {"Break Glass 01", "Break Glass 02"}, True)

    # ---- summaries
    head, srows, _ = sheet(wb, "Summary")
    want = {}
    for r in rs:
        w = want.setdefault(r["role"], [set(), 0, 0, 0])
        w[0].add(r["pid"])
        w[1] += r["state"] == "active"
        w[2] += r["state"] == "eligible"
        w[3] += r["permanent_active"]
    check_set("summary per role (computed from the CSV files)", srows,
              [(k, len(v[0]), v[1], v[2], v[3]) for k, v in want.items()])
    head, frows, _ = sheet(wb, "Flags")
    keys = [("permanent_active", "permanent_active"), ("break_glass", "break_glass"),
            ("guest", "guest"), ("disabled_or_stale", "stale"), ("no_hr_record", "no_hr")]
    check("flags summary (computed from the CSV files)",
          [(r[0], r[2], r[3]) for r in frows],
          [(name, len({r["pid"] for r in rs if r[k]}), sum(bool(r[k]) for r in rs))
           for name, k in keys])
    with zipfile.ZipFile(os.path.join(data, pid + ".xlsx")) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = "".join(z.read(n).decode() for n in charts)
    check("two charts: holders per role, principals per flag",
          (len(charts), "'Summary'!$B$2:$B$%d" % (len(srows) + 1) in xml,
           "'Flags'!$C$2:$C$6" in xml), (2, True, True))
    check_first_page(data, pid, "privileged-access-overview",
                     {"as_of": "2026-11-01", "stale_days": "90"})
    sections = [("assignments", "privileged/assignments.sql"),
                ("summary", "privileged/summary.sql"), ("flags", "privileged/flags.sql"),
                ("ad", "privileged/ad.sql")]
    check_extracts(data, db, sections, [("as_of", AS_OF), ("stale_days", 90),
                                        ("break_glass", "")])

    # ---- break_glass given: NB-01 moves from permanent active to break-glass
    param = ",".join([BG[0], " " + BG[1].upper()])
    data, pid, wb = run_pack(tmp, "privileged-access-overview", db, "break_glass=" + param)
    _, rows, hl = sheet(wb, "Privileged access")
    check_set("overview rows with break_glass (computed from the CSV files)", rows,
              [overview_row(r) for r in routes(bank, break_glass=param)])
    for upn in BG:
        check("NB-01 with break_glass: %s is break-glass, not permanent active" % upn,
              [(r[11], r[12]) for r in by_upn(rows, upn)], [("No", "Yes")])
    check("with break_glass only the two accounts are break-glass",
          sorted(r[1] for r in rows if r[12] == "Yes"), BG)
    check("with break_glass NB-02 is still permanent active",
          [r[11] for r in by_upn(rows, j) if r[4] == "Active"], ["Yes"])
    check("with break_glass the highlight follows the flag", hl,
          [r[11] == "Yes" for r in rows])
    _, frows, _ = sheet(wb, "Flags")
    check("flags summary with break_glass", {r[0]: r[2] for r in frows}["break_glass"], 2)
    check_extracts(data, db, sections, [("as_of", AS_OF), ("stale_days", 90),
                                        ("break_glass", param)])

    # ---- stale_days: Asger Lund (last sign-in 2026-06-15) is not stale at 200 days
    data, pid, wb = run_pack(tmp, "privileged-access-overview", db, "stale_days=200")
    _, rows, _ = sheet(wb, "Privileged access")
    check_set("overview rows with stale_days=200 (computed from the CSV files)", rows,
              [overview_row(r) for r in routes(bank, stale_days=200)])
    check("stale_days=200: disabled or stale", sorted({r[0] for r in rows if r[14] == "Yes"}),
          ["Ole Brøndum", "Vibeke Nørgaard"])
    check_first_page(data, pid, "privileged-access-overview",
                     {"as_of": "2026-11-01", "stale_days": "200"})

    # ---- another moment: NB-05's assignments were in force, NB-04's not yet
    at = "2026-09-15T00:00:00Z"
    data, pid, wb = run_pack(tmp, "privileged-access-overview", db, "as_of=2026-09-15")
    _, rows, _ = sheet(wb, "Privileged access")
    check_set("overview rows at 2026-09-15 (computed from the CSV files)", rows,
              [overview_row(r) for r in routes(bank, as_of=at)])
    check("at 2026-09-15 NB-05 is in force",
          sorted((r[0], r[3], r[4]) for r in rows if r[0] in ("Signe Bjerregård",
                                                              "Bodil Rasmussen")),
          [("Bodil Rasmussen", "Application Administrator", "Active"),
           ("Signe Bjerregård", "Exchange Administrator", "Eligible")])
    check("at 2026-09-15 neither activation (NB-04, NB-06b) is in force",
          [r for r in rows if r[4] == "Active" and r[0] in ("Lene Østergaard",
                                                            "Jørgen Dalgaard")], [])
    check_extracts(data, db, sections, [("as_of", at), ("stale_days", 90),
                                        ("break_glass", "")])


def check_users(tmp, db, bank):
    cols = ["Principal", "UPN", "Type", "Enabled", "Department", "Last sign-in", "HR record",
            "Privileged roles", "Perm. active", "Break glass", "Guest", "Disabled or stale",
            "No HR record"]
    for params, bgl in (((), ""), (("break_glass=" + ",".join(BG),), ",".join(BG))):
        data, pid, wb = run_pack(tmp, "privileged-users", db, *params)
        check("privileged-users sheets", wb.sheetnames, ["Cover", "Privileged users"])
        head, rows, hl = sheet(wb, "Privileged users")
        check("privileged-users header", list(head), cols)
        want = users_rows(routes(bank, break_glass=bgl))
        check_set("privileged-users rows %s (computed from the CSV files)" % (params,), rows,
                  [w[0] for w in want])
        check("privileged-users one row per principal", len(rows),
              len({(r[0], r[1]) for r in rows}))
        stand_out = dict(want)
        check("privileged-users highlight: any flag but break-glass %s" % (params,),
              hl, [stand_out.get(r) for r in rows])
        check_extracts(data, db, [("users", "privileged/users.sql")],
                       [("as_of", AS_OF), ("stale_days", 90), ("break_glass", bgl)])
        people = {r[1] or r[0]: r for r in rows}
        if not params:
            check_first_page(data, pid, "privileged-users",
                             {"as_of": "2026-11-01", "stale_days": "90"})
            check("NB-01 default: break-glass accounts flagged permanent active",
                  [(people[u][8], people[u][9], people[u][12]) for u in BG],
                  [("Yes", "No", "Yes")] * 2)
        else:
            check("NB-01 with break_glass: break-glass, not permanent active",
                  [(people[u][8], people[u][9]) for u in BG], [("No", "Yes")] * 2)
    # the documented cases, by hand
    check("NB-02 both Global Administrator routes in one cell",
          people["joergen.oestergaard2@nordhavnbank.dk"][7],
          "Global Administrator (active, permanent); Global Administrator (eligible, permanent)")
    check("NB-06b Jens Thomsen, eligible owner, is a privileged user",
          "Exchange Administrator (eligible, permanent, PIM for groups eligible owner of "
          "SG-Role-Exchange-Administrators)" in people["jens.thomsen@nordhavnbank.dk"][7], True)
    check("NB-06b Jørgen Dalgaard's activation and eligibility",
          people["joergen.dalgaard@nordhavnbank.dk"][7],
          "Exchange Administrator (active, until 2026-11-01 04:00 UTC, PIM for groups active "
          "member of SG-Role-Exchange-Administrators); Exchange Administrator (eligible, until "
          "2027-02-28 23:59 UTC, PIM for groups eligible member of "
          "SG-Role-Exchange-Administrators)")
    check("NB-07 through the nested group", people["karen.holm3@nordhavnbank.dk"][7],
          "Security Administrator (eligible, permanent, via SG-Role-Security-Operations > "
          "GRP-SOC-Analysts)")
    ole = people["ole.broendum@nordhavnbank.dk"]
    check("NB-10 Ole Brøndum disabled, permanent active through the group",
          ole[3:4] + ole[8:12], ("No", "Yes", "No", "No", "Yes"))
    check("NB-16 service principals",
          sorted((r[0], r[2], r[7], r[6], r[12]) for r in rows if r[2] == "Service principal"),
          [("Mailbox Automation", "Service principal",
            "Exchange Administrator (active, permanent)", None, None),
           ("Nordhavn Identity Sync", "Service principal",
            "User Administrator (active, permanent)", None, None)])
    check("NB-19 Peter Wahl a guest with privilege",
          [(r[2], r[10]) for r in rows if r[0].startswith("Peter Wahl")], [("Guest", "Yes")])
    for name in ("Signe Bjerregård", "Bodil Rasmussen", "Anna Berg (KPMG)",
                 "Lukas Meier (Fabrikam)", "Access Reporting Reader", "Bodil Frølich",
                 "Povl Bjerregård"):
        check("not a privileged user: " + name, [r for r in rows if r[0] == name], [])


def check_sod(tmp, db, bank, db2, bank2):
    data, pid, wb = run_pack(tmp, "sod-conflicts", db)
    check("sod-conflicts sheets", wb.sheetnames, ["Cover", "Rules", "Conflicts"])
    head, rules, hl = sheet(wb, "Rules")
    check("rules header", list(head), ["Rule", "Left side", "Left is", "Right side",
                                       "Right is", "Description", "Conflicts"])
    check("every rule is listed with its conflicts (NB-18, SOD-IAM-01)",
          sorted((r[0], r[2], r[4], r[6]) for r in rules),
          [("SOD-IAM-01", "role", "group", 0), ("SOD-PAY-01", "group", "group", 2)])
    head, rows, _ = sheet(wb, "Conflicts")
    check("conflicts header", list(head), ["Rule", "Principal", "UPN", "Type", "Enabled",
                                           "Left side held through", "Right side held through",
                                           "State"])
    check("NB-18: Nanna Høj and Bjørn Rasmussen, with their paths",
          sorted((r[0], r[1], r[5], r[6], r[7]) for r in rows),
          [("SOD-PAY-01", "Bjørn Rasmussen", "GRP-Payments-Initiators",
            "GRP-Payments-Approvers > GRP-Payments-Approver-Leads", "Active"),
           ("SOD-PAY-01", "Nanna Høj", "GRP-Payments-Initiators", "GRP-Payments-Approvers",
            "Active")])
    check_first_page(data, pid, "sod-conflicts", {"as_of": "2026-11-01"})
    sections = [("rules", "sod/rules.sql"), ("conflicts", "sod/conflicts.sql")]
    check_extracts(data, db, sections, [("as_of", AS_OF)])
    for b, d, what in ((bank, db, "the bank"), (bank2, db2, "the bank with extra rules")):
        data, pid, wb = run_pack(tmp, "sod-conflicts", d)
        _, rules, hl = sheet(wb, "Rules")
        _, rows, _ = sheet(wb, "Conflicts")
        model = sod_model(b)
        check_set("rules on %s (computed from the CSV files)" % what, rules,
                  [(k, v[0], v[1], v[2], v[3], v[4], len(v[5])) for k, v in model.items()])
        check("rules highlighted on %s: conflicts or a side naming nothing" % what, hl,
              [r[6] > 0 or r[2] == "not found" or r[4] == "not found" for r in rules])
        want = []
        for k, v in model.items():
            for p, (lp, rp, state) in v[5].items():
                u = b.users.get(p)
                want.append((k, b.name(p), u and u["userPrincipalName"],
                             "Service principal" if p in b.sps else
                             "Guest" if u["userType"] == "Guest" else "User",
                             yes((u or b.sps.get(p))["accountEnabled"] == "true"), lp, rp, state))
        check_set("conflicts on %s (computed from the CSV files)" % what, rows, want)
        check_extracts(data, d, sections, [("as_of", AS_OF)])
    # the extra rules each show what they are there for
    counts = {r[0]: r[6] for r in rules}
    check("extra rules have conflicts where the bank has them",
          [counts[k] > 0 for k in ("SOD-T-01", "SOD-T-02", "SOD-T-03", "SOD-T-05")],
          [True] * 4)
    check("a side naming nothing", [(r[2], r[6]) for r in rules if r[0] == "SOD-T-04"],
          [("not found", 0)])
    paths = {(r[0], r[1]): r for r in rows}
    check("SOD-T-01 a role through a nested group (NB-07)",
          paths.get(("SOD-T-01", "Morten Madsen"), [None] * 8)[5:8:2],
          ("Security Administrator (eligible) via SG-Role-Security-Operations > "
           "GRP-SOC-Analysts", "Eligible"))
    check("SOD-T-02 a role through PIM for groups (NB-06b)",
          paths.get(("SOD-T-02", "Christian Poulsen"), [None] * 8)[5:8:2],
          ("Exchange Administrator (active) via SG-Role-Exchange-Administrators "
           "(PIM for groups, eligible member)", "Eligible"))
    check("SOD-T-03 an access package (NB-13)",
          sorted(k[1] for k in paths if k[0] == "SOD-T-03"), ["Emil Høj", "Freja Kjær"])


def write_bank2(tmp):
    """A copy of the bank with extra rules; the fixture is left as it is."""
    d = os.path.join(tmp, "bank2")
    shutil.copytree(BANK, d)
    with open(os.path.join(d, "sod_rules.csv"), "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["SOD-T-01", "Security Administrator", "GRP-InformationSecurity-All",
                    "role through a nested group"])
        w.writerow(["SOD-T-02", "Exchange Administrator", "GRP-ITOperations-All",
                    "role through PIM for groups"])
        w.writerow(["SOD-T-03", "Retail Adviser Access", "GRP-CoreBanking-Users",
                    "access package"])
        w.writerow(["SOD-T-04", "No Such Access", "GRP-Finance-All", "a side naming nothing"])
        w.writerow(["SOD-T-05", "GRP-Finance-All", "GRP-Finance-Reporting", "a nesting cycle"])
    return d


def main():
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "bank.db")
    r = run("collect", "--csv", BANK, "--out", db, "--as-of", AS_OF, "--tenant", TENANT)
    check("collect the bank", r.returncode, 0)
    d2 = write_bank2(tmp)
    db2 = os.path.join(tmp, "bank2.db")
    r = run("collect", "--csv", d2, "--out", db2, "--as-of", AS_OF, "--tenant", TENANT)
    check("collect the bank with extra rules", r.returncode, 0)
    bank = Bank(BANK)

    start, end = "-- ---- privileged access:", "-- ---- end of privileged access"
    blocks = {q: block("privileged/" + q, start, end)
              for q in ("assignments.sql", "summary.sql", "flags.sql", "users.sql")}
    check("the privileged queries share one text for the shared steps",
          (blocks["assignments.sql"] is not None, len(set(blocks.values()))), (True, 1))
    start, end = "-- ---- segregation of duties:", "-- ---- end of segregation of duties"
    blocks = {q: block("sod/" + q, start, end) for q in ("rules.sql", "conflicts.sql")}
    check("the sod queries share one text for the shared steps",
          (blocks["rules.sql"] is not None, len(set(blocks.values()))), (True, 1))

    check_overview(tmp, db, bank)
    check_users(tmp, db, bank)
    check_sod(tmp, db, bank, db2, Bank(d2))
    shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
