#!/usr/bin/env python3
"""check_ldap.py - `collect --ldap` against a real OpenLDAP slapd on loopback
(tests/servers/slapd: an AD-like schema subset, the fictional bank's AD
loaded from its CSV exports), compared with the snapshot built from those
CSV exports, read with the sqlite3 shell.

- ad_users and ad_group_members hold the same rows as from ad_users.csv and
  ad_group_members.csv (all columns but source_id and line); a computer
  account stays out of ad_users; a member naming no object is recorded in
  dangling_reference with a warning.
- Paging is exercised: the bind account may not read more than 50 entries
  without the paged results control (checked with ldapsearch), and pages
  are small; every page is kept in raw_page as LDIF, whose SHA-256 is the
  source's, and the users can be counted again from it.
- ad_groups flags AD's privileged groups; a group given adminCount=1
  (ldapmodify) becomes a root of queries/privileged/ad.sql.
- ldaps:// with the test CA (--ca-bundle, LDAPTLS_CACERT), and refused
  without it.
- Faults: a wrong password, an empty one, a password file others may
  read, AD exports beside --ldap, plain ldap:// to another machine, an
  unknown base, a page size the server refuses, a server that stops
  answering (--ldap-timeout), slapd killed mid-run: a clear error, the
  right exit code, and no snapshot.
- --no-raw keeps the pages' records without their bodies.
- The password never appears in stderr or in the snapshot's bytes.

If slapd cannot run here the check fails loudly; it never skips. Ends with
"N passed, N failed". Environment: RG (the binary).
"""
import csv
import glob
import hashlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
passed = failed = 0

AD_USERS = ("SELECT sam_account_name, user_principal_name, enabled, last_logon_date, "
            "employee_id, distinguished_name, password_last_set, when_created "
            "FROM ad_users ORDER BY 1, 2, 3, 4, 5, 6, 7, 8")
AD_MEMBERS = ("SELECT group_name, member, member_class FROM ad_group_members "
              "ORDER BY 1, 2, 3")


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


def ad_sql(db, stale_days=90):
    """queries/privileged/ad.sql as an auditor would run it."""
    script = (".param set :stale_days %d\n.param set :as_of \"'%s'\"\n.read %s\n"
              % (stale_days, AS_OF, os.path.join(ROOT, "queries", "privileged", "ad.sql")))
    return subprocess.run(["sqlite3", "-readonly", db], input=script, capture_output=True,
                          text=True, check=True).stdout


class Slapd:
    """tests/servers/slapd, with what it says about itself."""

    def __init__(self, tmp):
        self.infofile = os.path.join(tmp, "slapd.json")
        self.errfile = open(os.path.join(tmp, "slapd.err"), "w+")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "tests", "servers", "slapd"), "--fixtures", BANK,
             "--info", self.infofile], stdout=subprocess.DEVNULL, stderr=self.errfile)
        deadline = time.time() + 60
        while not os.path.exists(self.infofile):
            if self.proc.poll() is not None or time.time() > deadline:
                self.errfile.seek(0)
                raise RuntimeError("tests/servers/slapd did not start (exit %r):\n%s"
                                   % (self.proc.poll(), self.errfile.read()))
            time.sleep(0.1)
        with open(self.infofile) as f:
            self.info = json.load(f)
        self.url = "ldap://127.0.0.1:%d" % self.info["port"]
        self.password = open(self.info["password_file"]).read().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)


class Proxy:
    """A TCP relay to slapd that misbehaves once the server has sent more
    than after bytes: 'freeze' stops relaying (the connection stays open),
    'kill' kills slapd (SIGKILL) and closes the connection."""

    def __init__(self, port, after, mode, slapd_pid):
        self.port, self.after, self.mode, self.pid = port, after, mode, slapd_pid
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = "ldap://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.tripped = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.port))
            threading.Thread(target=self.pump, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, True), daemon=True).start()

    def pump(self, src, dst, from_server):
        sent = 0
        try:
            while not self.stopped.is_set():
                data = src.recv(4096)
                if not data:
                    break
                if from_server and sent + len(data) > self.after:
                    self.tripped.set()
                    if self.mode == "kill":
                        os.kill(self.pid, signal.SIGKILL)
                        break
                    self.stopped.wait()  # freeze: hold the connection open
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for x in (src, dst):  # shutdown: a close alone waits for the other pump
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()

    def close(self):
        self.stopped.set()
        self.sock.close()


def main():
    tmp = tempfile.mkdtemp()
    stderrs = []
    server = None
    try:
        try:
            server = Slapd(tmp)
        except Exception as e:  # loudly: a missing slapd is a failure, not a skip
            check("tests/servers/slapd runs a real slapd on loopback", str(e), "started")
            return
        check("tests/servers/slapd runs a real slapd on loopback", True, True)
        info = server.info
        pw = server.password

        def bare(path):
            """ldap-utils' -y reads a whole file: the password without its newline."""
            out = os.path.join(tmp, os.path.basename(path) + ".bare")
            with open(path) as f, open(out, "w") as g:
                g.write(f.read().rstrip("\n"))
            os.chmod(out, 0o600)
            return out

        def collect(out, *opts, url=None, bind=None, pwfile=None, base=None, csvdir=None,
                    env=None, timeout=120):
            e = dict(os.environ)
            e.pop("LDAPTLS_CACERT", None)
            if env:
                e.update(env)
            args = [RG, "collect", "--csv", csvdir or noad, "--as-of", AS_OF,
                    "--ldap", url or server.url,
                    "--ldap-bind-dn", bind or info["bind_dn"],
                    "--ldap-password-file", pwfile or info["password_file"],
                    "--ldap-base", base or info["base"], "--out", out, "--quiet"]
            r = subprocess.run(args + list(opts), capture_output=True, text=True, env=e,
                               timeout=timeout)
            stderrs.append(r.stderr)
            return r

        def no_snapshot(what, out):
            left = glob.glob(out + "*")
            check(what + ": no snapshot, no temporary file", left, [])

        # ---- the CSV route
        csv_db = os.path.join(tmp, "csv.db")
        r = subprocess.run([RG, "collect", "--csv", BANK, "--as-of", AS_OF, "--out", csv_db],
                           capture_output=True, text=True)
        check("CSV collect", (r.returncode, r.stderr), (0, ""))
        want_members = shell(csv_db, AD_MEMBERS)
        # DNs are unique in LDAP: the server renamed users whose CSV DN repeats one
        with open(os.path.join(BANK, "ad_users.csv"), newline="", encoding="utf-8") as f:
            csv_users = list(csv.DictReader(f))
        check("the fixture repeats 4 DNs (renamed in LDAP)", len(info["renamed"]), 4)
        fixed = os.path.join(tmp, "csv-renamed.db")
        script = "".join("UPDATE ad_users SET distinguished_name = '%s' "
                         "WHERE sam_account_name = '%s';\n" % (dn.replace("'", "''"), sam)
                         for sam, dn in info["renamed"].items())
        shutil.copy(csv_db, fixed)
        os.chmod(fixed, 0o644)
        subprocess.run(["sqlite3", fixed], input=script, text=True, check=True)
        want_users = shell(fixed, AD_USERS)
        check("the CSV route has every AD user", len(want_users.splitlines()), len(csv_users))

        noad = os.path.join(tmp, "bank-noad")
        shutil.copytree(BANK, noad)
        os.remove(os.path.join(noad, "ad_users.csv"))
        os.remove(os.path.join(noad, "ad_group_members.csv"))

        # ---- the server enforces AD-like limits: without paging, 50 entries
        r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", server.url, "-D", info["bind_dn"],
                            "-y", bare(info["password_file"]), "-b", info["base"],
                            "(objectClass=user)", "sAMAccountName"],
                           capture_output=True, text=True)
        check("ldapsearch without paging: sizeLimitExceeded (exit 4)", r.returncode, 4)

        # ---- a clean run, pages of 7
        db = os.path.join(tmp, "ldap.db")
        r = collect(db, "--ldap-page-size", "7")
        check("ldap collect exits 0", r.returncode, 0)
        check("ldap collect warns of the one unresolved member",
              "1 members of groups in" in r.stderr and "dangling_reference" in r.stderr, True)
        if r.returncode == 0:
            check("same ad_users as the CSV route", shell(db, AD_USERS), want_users)
            check("same ad_group_members as the CSV route", shell(db, AD_MEMBERS),
                  want_members)
            check("the computer account is not a user",
                  shell(db, "SELECT count(*) FROM ad_users WHERE sam_account_name "
                            "LIKE '%$'").strip(), "0")
            check("the unresolved member is recorded",
                  shell(db, "SELECT column_name, value FROM dangling_reference").strip(),
                  "member|" + info["foreign"])
            nu = len(csv_users)
            ng = len(shell(db, "SELECT name FROM ad_groups").splitlines())
            check("sources",
                  shell(db, "SELECT kind, entity, row_count, dangling_count FROM source "
                            "WHERE kind = 'ldap' ORDER BY id"),
                  "ldap|ad_users|%d|0\nldap|ad_computers|1|0\nldap|ad_groups|%d|0\n"
                  "ldap|ad_group_members|%d|1\n" % (nu, ng, len(want_members.splitlines())))
            pages = int(shell(db, "SELECT count(*) FROM raw_page WHERE source_id = (SELECT id "
                                  "FROM source WHERE entity = 'ad_users' AND kind = 'ldap')"))
            check("users came in pages of 7", pages, math.ceil(nu / 7))
            bodies = subprocess.run(
                ["sqlite3", "-readonly", db,
                 "SELECT hex(body) FROM raw_page WHERE source_id = (SELECT id FROM source "
                 "WHERE entity = 'ad_users' AND kind = 'ldap') ORDER BY id"],
                capture_output=True, text=True, check=True).stdout.split()
            ldif = b"".join(bytes.fromhex(b) for b in bodies)
            check("users re-counted from the LDIF in raw_page",
                  sum(1 for ln in ldif.split(b"\n") if ln.startswith(b"sAMAccountName: ")), nu)
            check("the source's SHA-256 is that of its LDIF",
                  shell(db, "SELECT sha256 FROM source WHERE entity = 'ad_users' "
                            "AND kind = 'ldap'").strip(), hashlib.sha256(ldif).hexdigest())
            check("every page's first_line follows the last",
                  shell(db, "SELECT group_concat(first_line) FROM (SELECT first_line FROM "
                            "raw_page WHERE source_id = (SELECT id FROM source WHERE entity = "
                            "'ad_users' AND kind = 'ldap') ORDER BY id)").strip(),
                  ",".join(str(1 + 7 * i) for i in range(math.ceil(nu / 7))))
            check("AD's privileged groups flagged",
                  shell(db, "SELECT name, admin_count, privileged FROM ad_groups ORDER BY name"),
                  "Account Operators|1|1\nAdministrators|1|1\nBackup Operators|1|1\n"
                  "Domain Admins|1|1\nEnterprise Admins|1|1\nGG-Payments-Operators||0\n")
            check("privileged/ad.sql: the same rows as from CSV", ad_sql(db), ad_sql(csv_db))
            with open(db, "rb") as f:
                check("the password is not in the snapshot", pw.encode() in f.read(), False)

        # ---- the default page size (500), and one above the server's limit
        db2 = os.path.join(tmp, "ldap-500.db")
        r = collect(db2)
        check("default page size (500) exits 0", (r.returncode, r.stderr.count("reportgen:")),
              (0, 1))
        if r.returncode == 0:
            check("default page size: same ad_users", shell(db2, AD_USERS), want_users)
        out = os.path.join(tmp, "ldap-1000.db")
        r = collect(out, "--ldap-page-size", "1000")
        check("a page size the server refuses: exit 3 and its reason",
              (r.returncode, "Administrative limit exceeded" in r.stderr), (3, True))
        no_snapshot("a page size the server refuses", out)

        # ---- adminCount = 1 makes a group privileged
        mod = "dn: CN=GG-Payments-Operators,OU=Groups,%s\nchangetype: modify\n" \
              "add: adminCount\nadminCount: 1\n" % info["base"]
        r = subprocess.run(["ldapmodify", "-x", "-H", server.url, "-D", info["root_dn"],
                            "-y", bare(info["root_password_file"])], input=mod, capture_output=True,
                           text=True)
        check("ldapmodify adminCount", (r.returncode, r.stderr), (0, ""))
        db3 = os.path.join(tmp, "ldap-admincount.db")
        r = collect(db3, "--ldap-page-size", "50")
        check("collect after adminCount", r.returncode, 0)
        if r.returncode == 0:
            check("adminCount=1 group flagged",
                  shell(db3, "SELECT admin_count, privileged FROM ad_groups "
                             "WHERE name = 'GG-Payments-Operators'").strip(), "1|1")
            got = [ln for ln in ad_sql(db3).splitlines() if ln.startswith("GG-Payments-Operators|")]
            n = sum(1 for ln in want_members.splitlines()
                    if ln.startswith("GG-Payments-Operators|") and ln.endswith("|user"))
            check("privileged/ad.sql lists the adminCount=1 group's members", len(got), n)
            check("... which the CSV route does not",
                  [ln for ln in ad_sql(csv_db).splitlines()
                   if ln.startswith("GG-Payments-Operators|")], [])

        # ---- ldaps:// with the test CA
        if info["tls_port"]:
            tls = "ldaps://127.0.0.1:%d" % info["tls_port"]
            db4 = os.path.join(tmp, "ldaps.db")
            r = collect(db4, "--ca-bundle", info["ca"], url=tls)
            check("ldaps with --ca-bundle", (r.returncode, r.stderr.count("reportgen:")), (0, 1))
            if r.returncode == 0:
                check("ldaps: same ad_group_members", shell(db4, AD_MEMBERS), want_members)
            db5 = os.path.join(tmp, "ldaps-env.db")
            r = collect(db5, url=tls, env={"LDAPTLS_CACERT": info["ca"]})
            check("ldaps with LDAPTLS_CACERT", r.returncode, 0)
            db6 = os.path.join(tmp, "ldaps-noca.db")
            r = collect(db6, url=tls)
            check("ldaps without the CA: refused (exit 3)",
                  (r.returncode, "cannot bind to '%s'" % tls in r.stderr), (3, True))
            no_snapshot("ldaps without the CA", db6)
            r = collect(db6, url=tls, env={"LDAPTLS_REQCERT": "never"})
            check("ldaps without the CA, LDAPTLS_REQCERT=never: still refused",
                  r.returncode, 3)
            no_snapshot("ldaps with LDAPTLS_REQCERT=never", db6)
        else:
            check("the test server offers ldaps", info["tls_port"] is not None, True)

        # ---- faults
        bad = os.path.join(tmp, "wrong.pass")
        with open(bad, "w") as f:
            f.write("not-the-password\n")
        os.chmod(bad, 0o600)
        out = os.path.join(tmp, "wrong.db")
        r = collect(out, pwfile=bad)
        check("wrong password: exit 3 and a clear error",
              (r.returncode, "cannot bind to '%s' as '%s': Invalid credentials"
               % (server.url, info["bind_dn"]) in r.stderr), (3, True))
        no_snapshot("wrong password", out)

        loose = os.path.join(tmp, "loose.pass")
        shutil.copy(info["password_file"], loose)
        os.chmod(loose, 0o644)
        out = os.path.join(tmp, "loose.db")
        r = collect(out, pwfile=loose)
        check("password file others may read: refused",
              (r.returncode, "may be read by others" in r.stderr), (3, True))
        no_snapshot("password file others may read", out)

        empty = os.path.join(tmp, "empty.pass")
        with open(empty, "w") as f:
            f.write("\n")
        os.chmod(empty, 0o600)
        out = os.path.join(tmp, "empty.db")
        r = collect(out, pwfile=empty)
        check("an empty password (an unauthenticated bind): refused",
              (r.returncode, "is empty" in r.stderr), (3, True))
        no_snapshot("an empty password", out)

        out = os.path.join(tmp, "noraw.db")
        r = collect(out, "--no-raw")
        check("--no-raw: collected", r.returncode, 0)
        if r.returncode == 0:
            check("--no-raw: pages recorded without bodies, rows as before",
                  (shell(out, "SELECT count(*), count(body) FROM raw_page").strip(),
                   shell(out, AD_MEMBERS)), ("4|0", want_members))

        out = os.path.join(tmp, "both.db")
        r = collect(out, csvdir=BANK)
        check("ad_users.csv beside --ldap: refused (exit 2)",
              (r.returncode, "is an Active Directory export" in r.stderr), (2, True))
        no_snapshot("AD exports beside --ldap", out)

        out = os.path.join(tmp, "plain.db")
        r = collect(out, url="ldap://ldap.example.com")
        check("plain ldap:// to another machine: refused (exit 2)",
              (r.returncode, "--ldap must be ldaps://" in r.stderr), (2, True))

        out = os.path.join(tmp, "base.db")
        r = collect(out, base="DC=elsewhere,DC=example")
        check("an unknown base: exit 3",
              (r.returncode, "cannot read the users of '%s' under 'DC=elsewhere,DC=example': "
                             "No such object" % server.url in r.stderr), (3, True))
        no_snapshot("an unknown base", out)

        frozen = Proxy(info["port"], 8000, "freeze", info["slapd_pid"])
        out = os.path.join(tmp, "timeout.db")
        t0 = time.time()
        r = collect(out, "--ldap-page-size", "7", "--ldap-timeout", "2", url=frozen.url,
                    timeout=60)
        took = time.time() - t0
        frozen.close()
        check("a server that stops answering: exit 3 within the timeout",
              (frozen.tripped.is_set(), r.returncode, "Timed out" in r.stderr, took < 20),
              (True, 3, True, True))
        no_snapshot("a server that stops answering", out)

        killer = Proxy(info["port"], 8000, "kill", info["slapd_pid"])
        out = os.path.join(tmp, "killed.db")
        r = collect(out, "--ldap-page-size", "7", url=killer.url, timeout=60)
        killer.close()
        check("slapd killed mid-run: exit 3 and a clear error",
              (killer.tripped.is_set(), r.returncode,
               "cannot read the users of '%s' under '%s'" % (killer.url, info["base"])
               in r.stderr,
               "Can't contact LDAP server" in r.stderr), (True, 3, True, True))
        no_snapshot("slapd killed mid-run", out)

        check("the password never appears on stderr",
              [s for s in stderrs if pw in s], [])
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
