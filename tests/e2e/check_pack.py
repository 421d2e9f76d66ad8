#!/usr/bin/env python3
"""check_pack.py - evidence packs, checked with tools that share no code with
reportgen, and tampered with to prove `reportgen verify` notices.

- Throwaway CA, signer and TSA certificates from tests/pki/make-pki, and a
  loopback timestamp authority (tests/servers/tsa-server) that answers with
  `openssl ts -reply`, correctly or with the fault a test asks for.
- The bag: `sha256sum -c` inside it, Payload-Oxum and the manifest's file
  list from os.walk, bag-info.txt labels against the snapshot's SHA-256.
- run.json: every result digest against the sqlite3 shell's own output of
  the query in the documented form, piped through hashlib.
- Signatures: `openssl cms -verify`, `openssl ts -verify`, `pdfsig` (its
  output lines: it exits 0 even for a bad digest) and `qpdf --check`.
- Tampering: every payload file, bag-info.txt, both manifests, a removed,
  added and renamed file, another key's signature, a timestamp over other
  data, a PDF changed after signing, the wrong CA, an expired signer: each
  makes verify exit 1 with a FAIL line naming what failed.
- Keys: encrypted keys, passphrases from a file or the environment, never
  in the output or the pack; a timestamp authority that misbehaves fails
  the run and leaves no pack.

Ends with "N passed, N failed". Environment: RG (the binary).
"""
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

RG = os.environ.get("RG", "build/reportgen")
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BANK = os.path.join(ROOT, "fixtures", "nordhavn-bank")
AS_OF = "2026-11-01T00:00:00Z"
GENERATED = "2026-11-02T08:00:00Z"
TENANT = "Nordhavn Bank A/S"
TEMPLATE = "privileged-access-overview"
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
        return True
    failed += 1
    print("FAILED %s\n  got:  %r\n  want: %r" % (what, got, want))
    return False


def run(*args, env=None, **kw):
    e = dict(os.environ)
    e.pop("REPORTGEN_KEY_PASS", None)
    if env:
        e.update(env)
    return subprocess.run([RG] + list(args), capture_output=True, text=True, env=e, **kw)


def tool(*args, **kw):
    return subprocess.run(list(args), capture_output=True, **kw)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def only_pack(out):
    entries = os.listdir(out)
    check("one pack and nothing else in " + os.path.basename(out),
          len(entries) == 1 and not entries[0].startswith("."), True)
    return os.path.join(out, entries[0])


def payload_files(pack):
    return sorted(os.path.relpath(os.path.join(d, f), pack)
                  for d, _, fs in os.walk(os.path.join(pack, "data")) for f in fs)


class Tsa:
    """The loopback timestamp authority, with one fault mode."""

    def __init__(self, pki, tmp, fault="none", log=False):
        self.portfile = os.path.join(tmp, "tsa-%s-%d.port" % (fault, len(os.listdir(tmp))))
        self.log = self.portfile + ".log"
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "tests", "servers", "tsa-server"), "--pki", pki,
             "--port", "0", "--port-file", self.portfile, "--fault", fault]
            + (["--log", self.log] if log else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.portfile):
                break
            time.sleep(0.05)
        with open(self.portfile) as f:
            self.url = "http://127.0.0.1:%d/tsa" % int(f.read().strip())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def verify(pack, *opts):
    r = run("verify", pack, *opts)
    lines = r.stdout.splitlines()
    return r.returncode, lines


def fails_naming(what, pack, name, *opts):
    """verify exits 1 and a FAIL line names name."""
    code, lines = verify(pack, *opts)
    fl = [l for l in lines if l.startswith("FAIL") and name in l]
    check(what + ": verify exit", code, 1)
    if not check(what + ": a FAIL line names " + name, len(fl) > 0, True):
        print("\n".join("  | " + l for l in lines))
    check(what + ": verdict", lines[-1].startswith("verdict: NOT VERIFIED") if lines else False,
          True)


def rewrite(path, fn):
    with open(path, "rb") as f:
        b = f.read()
    with open(path, "wb") as f:
        f.write(fn(b))


def flip(b, at=None):
    i = len(b) // 2 if at is None else at
    return b[:i] + bytes([b[i] ^ 0x01]) + b[i + 1:]


def shell_digest(db, sql_path, params):
    """The result of a query in the form rg-result-v1, as the sqlite3 shell prints it."""
    cmd = ["sqlite3", "-readonly", "-batch", "-noheader", db]
    for k, v in params.items():
        cmd += ["-cmd", ".param set :%s \"'%s'\"" % (k, v)]
    cmd += ["-cmd", ".mode list", "-cmd", '.separator "\\037" "\\036\\n"',
            "-cmd", '.nullvalue ""']
    with open(sql_path, "rb") as f:
        out = subprocess.run(cmd, stdin=f, capture_output=True, check=True).stdout
    return hashlib.sha256(out).hexdigest(), out.count(b"\x1e\n")


def check_bag(pack, db):
    name = os.path.basename(pack)
    check("bagit.txt", open(os.path.join(pack, "bagit.txt"), "rb").read(),
          b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    info = {}
    for line in open(os.path.join(pack, "bag-info.txt"), encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition(": ")
        info.setdefault(k, v)
    files = payload_files(pack)
    octets = sum(os.path.getsize(os.path.join(pack, f)) for f in files)
    check("Payload-Oxum", info.get("Payload-Oxum"), "%d.%d" % (octets, len(files)))
    check("Source-Organization", info.get("Source-Organization"), TENANT)
    check("External-Identifier", info.get("External-Identifier"), name)
    check("Bagging-Date", bool(re.fullmatch(r"\d{4}-\d\d-\d\d", info.get("Bagging-Date", ""))),
          True)
    check("Bag-Software-Agent", info.get("Bag-Software-Agent", "").startswith("reportgen "), True)
    check("Template", info.get("Template"), TEMPLATE)
    check("Parameters", json.loads(info.get("Parameters", "null")),
          {"as_of": AS_OF, "stale_days": "90", "break_glass": ""})
    check("As-Of", info.get("As-Of"), AS_OF)
    check("Snapshot-SHA256", info.get("Snapshot-SHA256"), sha256(db))
    check("Generated-At", info.get("Generated-At"), GENERATED)
    listed = [l.split("  ", 1)[1] for l in
              open(os.path.join(pack, "manifest-sha256.txt")).read().splitlines()]
    check("manifest lists every payload file, sorted", listed, files)
    tags = [l.split("  ", 1)[1] for l in
            open(os.path.join(pack, "tagmanifest-sha256.txt")).read().splitlines()]
    check("tag manifest", tags, ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"])
    for m in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        r = tool("sha256sum", "--strict", "-c", m, cwd=pack)
        check("sha256sum -c " + m, (r.returncode, r.stderr), (0, b""))


def check_record(pack, db):
    rec = json.load(open(os.path.join(pack, "data", "run.json"), encoding="utf-8"))
    check("run.json format", rec["format"], "reportgen-run/1")
    check("run.json snapshot", rec["snapshot"]["sha256"], sha256(db))
    n = subprocess.run(["sqlite3", "-readonly", db, "select count(*) from source"],
                       capture_output=True, text=True).stdout.strip()
    check("run.json sources", len(rec["snapshot"]["sources"]), int(n))
    check("run.json template", rec["template"]["sha256"],
          sha256(os.path.join(ROOT, "templates", TEMPLATE + ".ini")))
    params = {p["name"]: p["value"] for p in rec["parameters"]}
    check("run.json parameters", params, {"as_of": AS_OF, "stale_days": "90", "break_glass": ""})
    check("run.json sections", [s["name"] for s in rec["sections"]],
          ["assignments", "summary", "flags", "ad"])
    for s in rec["sections"]:
        q = os.path.join(pack, "data", s["query_file"])
        check("SQL digest " + s["name"], s["sql_sha256"], sha256(q))
        digest, nrows = shell_digest(db, q, params)
        check("result digest of %s re-performed in the sqlite3 shell" % s["name"],
              (s["result_sha256"], s["rows"]), (digest, nrows))


def short_lived(pki, tmp, seconds):
    """A signer under ca.pem whose certificate expires in `seconds`."""
    d = os.path.join(tmp, "short-ca")
    os.mkdir(d)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    cfg = os.path.join(d, "ca.cnf")
    with open(cfg, "w") as f:
        f.write("[ca]\ndefault_ca = short\n[short]\ndatabase = %s/index.txt\n"
                "new_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\n"
                "policy = any\nunique_subject = no\n[any]\ncommonName = supplied\n"
                % (d, d, d))
    key, pem = os.path.join(d, "short.key"), os.path.join(d, "short.pem")
    csr = os.path.join(d, "short.csr")
    tool("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-subj", "/CN=Short-lived signer", "-out", csr, check=True)
    fmt = "%Y%m%d%H%M%SZ"
    now = time.time()
    tool("openssl", "ca", "-batch", "-config", cfg, "-cert", os.path.join(pki, "ca.pem"),
         "-keyfile", os.path.join(pki, "ca.key"), "-in", csr, "-out", pem, "-notext",
         "-startdate", time.strftime(fmt, time.gmtime(now - 60)),
         "-enddate", time.strftime(fmt, time.gmtime(now + seconds)), check=True)
    return os.path.join(d, "short")


def sign_opts(pki, who="signer"):
    return ["--sign-key", os.path.join(pki, who + ".key"),
            "--sign-cert", os.path.join(pki, who + ".pem")]


def main():
    tmp = tempfile.mkdtemp()
    pki = os.path.join(tmp, "pki")
    r = tool(os.path.join(ROOT, "tests", "pki", "make-pki"), pki)
    check("make-pki", r.returncode, 0)
    ca, tsa_ca = os.path.join(pki, "ca.pem"), os.path.join(pki, "tsa-ca.pem")
    db = os.path.join(tmp, "bank.db")
    r = run("collect", "--csv", BANK, "--out", db, "--as-of", AS_OF, "--tenant", TENANT)
    check("collect", r.returncode, 0)
    tsa = Tsa(pki, tmp)
    servers = [tsa]

    def new_out(name):
        d = os.path.join(tmp, name)
        os.mkdir(d)
        return d

    def make(name, *opts, env=None):
        out = new_out(name)
        r = run("run", TEMPLATE, "--snapshot", db, "--out", out, "--generated-at", GENERATED,
                "--quiet", *opts, env=env)
        return r, out

    try:
        # ---- an unsigned pack
        r, out = make("unsigned")
        check("unsigned run", (r.returncode, r.stderr), (0, ""))
        plain = only_pack(out)
        check_bag(plain, db)
        check_record(plain, db)
        code, lines = verify(plain)
        check("unsigned verify", code, 0)
        check("unsigned verdict", lines[-1].startswith("verdict: INTACT, UNSIGNED"), True)
        check("unsigned verify with --ca", verify(plain, "--ca", ca)[0], 1)

        # ---- reproducible: the same inputs, the same payload manifest
        r, out = make("again")
        again = only_pack(out)
        check("second run has the same pack id", os.path.basename(again), os.path.basename(plain))
        check("same payload manifest",
              open(os.path.join(again, "manifest-sha256.txt"), "rb").read(),
              open(os.path.join(plain, "manifest-sha256.txt"), "rb").read())

        # ---- signed through an intermediate, timestamped
        r, out = make("signed", "--sign-key", os.path.join(pki, "signer-chained.key"),
                      "--sign-cert", os.path.join(pki, "signer-chained.pem"),
                      "--chain", os.path.join(pki, "chain.pem"), "--tsa-url", tsa.url)
        check("signed run", (r.returncode, r.stderr), (0, ""))
        signed = only_pack(out)
        check_bag(signed, db)
        p7s = os.path.join(signed, "tagmanifest-sha256.txt.p7s")
        tsr = os.path.join(signed, "tagmanifest-sha256.txt.tsr")
        tagm = os.path.join(signed, "tagmanifest-sha256.txt")
        r = tool("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s,
                 "-content", tagm, "-CAfile", ca, "-purpose", "any", "-out", os.devnull)
        check("openssl cms -verify", (r.returncode, b"Verification successful" in r.stderr),
              (0, True))
        r = tool("openssl", "ts", "-verify", "-data", p7s, "-in", tsr, "-CAfile", tsa_ca)
        check("openssl ts -verify", (r.returncode, b"Verification: OK" in r.stdout), (0, True))
        pdf = glob.glob(os.path.join(signed, "data", "*.pdf"))[0]
        r = tool("pdfsig", pdf)
        out_text = r.stdout.decode()
        check("pdfsig: valid", "Signature Validation: Signature is Valid." in out_text, True)
        check("pdfsig: totally signed", "Total document signed" in out_text, True)
        check("pdfsig: adbe.pkcs7.detached", "Signature Type: adbe.pkcs7.detached" in out_text,
              True)
        check("pdfsig: signer", "Signer Certificate Common Name: Nordhavn Bank IAM Evidence"
              in out_text, True)
        check("qpdf --check", tool("qpdf", "--check", pdf).returncode, 0)
        unsigned_pdf = glob.glob(os.path.join(plain, "data", "*.pdf"))[0]
        base = open(unsigned_pdf, "rb").read()
        check("the unsigned PDF is a prefix of the signed one",
              open(pdf, "rb").read()[:len(base)], base)
        for f in payload_files(plain):
            if not f.endswith(".pdf"):
                check("same bytes signed or not: " + f, sha256(os.path.join(signed, f)),
                      sha256(os.path.join(plain, f)))
        code, lines = verify(signed, "--ca", ca, "--tsa-ca", tsa_ca)
        check("signed verify", code, 0)
        check("signed verdict", lines[-1].startswith("verdict: VERIFIED: signed by "), True)
        check("every check ok", [l for l in lines[:-1] if not l.startswith("ok")], [])
        code, lines = verify(signed)
        check("verify without CAs", code, 0)
        check("without CAs: signer not verified",
              lines[-1].startswith("verdict: INTACT, SIGNER NOT VERIFIED"), True)
        r = run("verify", signed, "--ca", ca, "--tsa-ca", tsa_ca, "--json")
        js = json.loads(r.stdout)
        check("verify --json", (r.returncode, js["failed"], js["signed"], js["signer_verified"]),
              (0, 0, True, True))

        # ---- tampering, each on a fresh copy
        n = [0]

        def copy():
            n[0] += 1
            d = os.path.join(tmp, "tamper-%d" % n[0], os.path.basename(signed))
            shutil.copytree(signed, d)
            return d

        opts = ("--ca", ca, "--tsa-ca", tsa_ca)
        for f in payload_files(signed):
            d = copy()
            rewrite(os.path.join(d, f), flip)
            fails_naming("byte changed in " + f, d, f, *opts)
        for f in ("bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"):
            d = copy()
            # the digits of the manifests, the text of bag-info
            rewrite(os.path.join(d, f), lambda b: flip(b, 10))
            fails_naming("byte changed in " + f, d,
                         "tagmanifest-sha256.txt" if f != "tagmanifest-sha256.txt"
                         else "signature", *opts)
        d = copy()
        victim = os.path.join("data", "extracts", "summary.csv")
        os.remove(os.path.join(d, victim))
        fails_naming("payload file removed", d, victim, *opts)
        d = copy()
        with open(os.path.join(d, "data", "extracts", "extra.csv"), "w") as f:
            f.write("a,b\n")
        fails_naming("payload file added", d, "data/extracts/extra.csv", *opts)
        d = copy()
        os.rename(os.path.join(d, victim), os.path.join(d, "data", "extracts", "renamed.csv"))
        fails_naming("payload file renamed: old name", d, victim, *opts)
        fails_naming("payload file renamed: new name", d, "data/extracts/renamed.csv", *opts)
        d = copy()
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("added\n")
        fails_naming("file added beside the manifests", d, "notes.txt", *opts)

        d = copy()
        r = tool("openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in",
                 os.path.join(d, "tagmanifest-sha256.txt"), "-signer",
                 os.path.join(pki, "other.pem"), "-inkey", os.path.join(pki, "other.key"),
                 "-out", os.path.join(d, "tagmanifest-sha256.txt.p7s"))
        check("openssl cms -sign with another key", r.returncode, 0)
        fails_naming("signature by another key", d, "signature", *opts)
        code, lines = verify(d, "--ca", ca)
        check("another key: the PDF's signer differs from the pack's",
              any(l.startswith("FAIL") and "not by the pack's signer" in l for l in lines), True)

        d = copy()
        other = os.path.join(tmp, "other-data")
        with open(other, "wb") as f:
            f.write(os.urandom(64))
        q = tool("openssl", "ts", "-query", "-data", other, "-sha256", "-cert").stdout
        req = urllib.request.Request(tsa.url, data=q,
                                     headers={"Content-Type": "application/timestamp-query"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            stamp = resp.read()
        with open(os.path.join(d, "tagmanifest-sha256.txt.tsr"), "wb") as f:
            f.write(stamp)
        fails_naming("timestamp over other data", d, "timestamp", *opts)

        d = copy()
        pdf_rel = os.path.relpath(pdf, signed)
        rewrite(os.path.join(d, pdf_rel), lambda b: b + b"%% appended after signing\n")
        fails_naming("PDF changed after signing", d, pdf_rel, *opts)
        code, lines = verify(d, *opts)
        check("PDF changed after signing: its signature says so",
              any(l.startswith("FAIL") and pdf_rel in l and "changed after it was signed" in l
                  for l in lines), True)

        fails_naming("wrong CA", signed, "signature", "--ca", os.path.join(pki, "other-ca.pem"))
        fails_naming("wrong TSA CA", signed, "timestamp", "--ca", ca,
                     "--tsa-ca", os.path.join(pki, "other-ca.pem"))

        d = copy()
        os.remove(os.path.join(d, "tagmanifest-sha256.txt.tsr"))
        r = tool("openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in",
                 os.path.join(d, "tagmanifest-sha256.txt"), "-signer",
                 os.path.join(pki, "expired.pem"), "-inkey", os.path.join(pki, "expired.key"),
                 "-out", os.path.join(d, "tagmanifest-sha256.txt.p7s"))
        check("openssl cms -sign with the expired certificate", r.returncode, 0)
        code, lines = verify(d, "--ca", ca)
        check("expired signer: exit", code, 1)
        check("expired signer: the check says so",
              any(l.startswith("FAIL  signature") and "expired on 2021-01-01" in l
                  for l in lines), True)
        check("expired signer: the verdict says so",
              lines[-1].startswith("verdict: NOT VERIFIED") and "expired on 2021-01-01" in lines[-1],
              True)

        d = copy()
        os.remove(os.path.join(d, "tagmanifest-sha256.txt.p7s"))
        os.symlink(p7s, os.path.join(d, "tagmanifest-sha256.txt.p7s"))
        fails_naming("signature as a symbolic link", d, "tagmanifest-sha256.txt.p7s")

        # found in review, 2026-11-26
        d = copy()
        os.rename(os.path.join(d, "data"), os.path.join(d, "..", "payload"))
        os.symlink(os.path.join("..", "payload"), os.path.join(d, "data"))
        fails_naming("data/ as a link to a folder elsewhere", d, "data", *opts)
        d = copy()
        os.makedirs(os.path.join(d, "data", "extracts", "added", "deeper"))
        fails_naming("an empty folder added", d, "data/extracts/added/deeper", *opts)
        d = copy()
        renamed = os.path.join(os.path.dirname(d),
                               "privileged-access-overview-20271201-00c0ffee")
        os.rename(d, renamed)
        fails_naming("pack folder renamed", renamed, "pack id", *opts)
        d = copy()
        rewrite(os.path.join(d, "bagit.txt"), lambda b: b + b"\0" * 5000)
        fails_naming("an oversized bagit.txt: exit 1, not 3", d, "bagit.txt", *opts)
        d = copy()
        # a timestamp's time that no one vouches for: rewrite its genTime
        def forge_time(b):
            at = b.find(b"\x18\x0f") + 2  # GeneralizedTime, 15 bytes, no fractions
            return b[:at] + b"20190101000000Z" + b[at + 15:]
        rewrite(os.path.join(d, "tagmanifest-sha256.txt.tsr"), forge_time)
        code, lines = verify(d, "--ca", ca)
        check("forged timestamp time, no --tsa-ca: not relied on",
              ("2019-01-01" in lines[-1], any(l.startswith("note  timestamp") for l in lines)),
              (False, True))
        check("forged timestamp time, with --tsa-ca: fails", verify(d, *opts)[0], 1)
        r = run("verify", signed, "--ca", ca, "--json")
        check("verify --json without --tsa-ca: no timestamp claimed",
              json.loads(r.stdout)["timestamp"], None)

        # ---- a signer certificate that expires after signing (found in
        # review, 2026-11-26): only a timestamp from a verified TSA, made
        # while the certificate was valid, keeps the signature good
        short = short_lived(pki, tmp, 4)
        t = Tsa(pki, tmp, "other-tsa")
        servers.append(t)
        r, out = make("short", "--sign-key", short + ".key", "--sign-cert", short + ".pem",
                      "--tsa-url", t.url)
        check("short-lived signer", r.returncode, 0)
        sp = only_pack(out)
        time.sleep(5)
        code, lines = verify(sp, "--ca", ca)
        check("expired, TSA not verified: not rescued", code, 1)
        check("expired, TSA not verified: says expired",
              any(l.startswith("FAIL  signature") and "expired on" in l for l in lines), True)
        code, lines = verify(sp, "--ca", ca, "--tsa-ca", os.path.join(pki, "other-ca.pem"))
        check("expired, timestamped while valid by a verified TSA", code, 0)
        check("rescued by the timestamp: said so",
              any(l.startswith("ok    signature") and "valid when the timestamp was made" in l
                  for l in lines), True)

        # ---- keys
        r, out = make("expired", *sign_opts(pki, "expired"))
        check("signing with an expired certificate", (r.returncode, os.listdir(out)), (3, []))
        check("expired: message", "expired on 2021-01-01" in r.stderr, True)
        r, out = make("rsa", *sign_opts(pki, "signer-rsa"))
        check("RSA signer", r.returncode, 0)
        check("RSA verify", verify(only_pack(out), "--ca", ca)[0], 0)
        enc = ["--sign-key", os.path.join(pki, "signer-enc.key"),
               "--sign-cert", os.path.join(pki, "signer.pem")]
        passfile = os.path.join(pki, "signer-enc.pass")
        passphrase = open(passfile).read().strip()
        r, out = make("enc-nopass", *enc)
        check("encrypted key without passphrase", (r.returncode, os.listdir(out)), (3, []))
        check("encrypted key: message", "is encrypted" in r.stderr, True)
        wrong = os.path.join(tmp, "wrong.pass")
        with open(wrong, "w") as f:
            f.write("not it\n")
        r, out = make("enc-wrong", *enc, "--key-pass-file", wrong)
        check("wrong passphrase", (r.returncode, "wrong passphrase" in r.stderr), (3, True))
        r, out = make("enc-file", *enc, "--key-pass-file", passfile)
        check("passphrase from a file", r.returncode, 0)
        fpack = only_pack(out)
        r2, out2 = make("enc-env", *enc, env={"REPORTGEN_KEY_PASS": passphrase})
        check("passphrase from the environment", r2.returncode, 0)
        check("verify the encrypted key's pack", verify(fpack, "--ca", ca)[0], 0)
        key_lines = [l for l in open(os.path.join(pki, "signer.key")).read().splitlines()
                     if l and not l.startswith("-----")]
        der = tool("openssl", "pkey", "-in", os.path.join(pki, "signer.key"),
                   "-outform", "DER").stdout
        text = tool("openssl", "pkey", "-in", os.path.join(pki, "signer.key"),
                    "-noout", "-text").stdout.decode()
        scalar = bytes.fromhex("".join(re.findall(r"priv:\n((?:\s+[0-9a-f:]+\n)+)", text)[0]
                                       .split()).replace(":", ""))
        check("the private scalar was read", len(scalar) in (32, 33), True)
        leaked = []
        for d, _, fs in os.walk(os.path.join(tmp, "enc-file")):
            for f in fs:
                b = open(os.path.join(d, f), "rb").read()
                if (passphrase.encode() in b or any(k.encode() in b for k in key_lines)
                        or der in b or scalar[-32:] in b):
                    leaked.append(f)
        check("no key material or passphrase in the pack", leaked, [])
        check("no passphrase in the output", passphrase in r.stdout + r.stderr + r2.stdout +
              r2.stderr, False)
        r, out = make("mismatch", "--sign-key", os.path.join(pki, "other.key"),
                      "--sign-cert", os.path.join(pki, "signer.pem"))
        check("key of another certificate", (r.returncode, "does not belong" in r.stderr,
                                              os.listdir(out)), (3, True, []))
        r, out = make("half", "--sign-key", os.path.join(pki, "signer.key"))
        check("--sign-key without --sign-cert", r.returncode, 2)

        # ---- an unsigned pack can be timestamped: over the tag manifest
        r, out = make("stamped", "--tsa-url", tsa.url)
        check("unsigned, timestamped", r.returncode, 0)
        sp = only_pack(out)
        r = tool("openssl", "ts", "-verify", "-data",
                 os.path.join(sp, "tagmanifest-sha256.txt"), "-in",
                 os.path.join(sp, "tagmanifest-sha256.txt.tsr"), "-CAfile", tsa_ca)
        check("openssl ts -verify over the tag manifest", r.returncode, 0)
        check("verify unsigned, timestamped", verify(sp, "--tsa-ca", tsa_ca)[0], 0)

        # ---- timestamp authorities that misbehave: no pack, a clear error
        faults = {
            "http500": "answered HTTP 500",
            "garbage": "did not answer with a timestamp response",
            "rejection": "status rejection",
            "wrong-nonce": "nonce differs",
            "wrong-imprint": "over other data",
            "slow": "cannot reach timestamp authority",
        }
        for fault, msg in faults.items():
            t = Tsa(pki, tmp, fault)
            servers.append(t)
            r, out = make("tsa-" + fault, *sign_opts(pki), "--tsa-url", t.url,
                          "--tsa-timeout", "1")
            check("TSA %s: exit 3, no pack" % fault, (r.returncode, os.listdir(out)), (3, []))
            if not check("TSA %s: message" % fault, msg in r.stderr, True):
                print("  stderr: " + r.stderr)
        t = Tsa(pki, tmp, "retry-once", log=True)
        servers.append(t)
        r, out = make("tsa-retry", *sign_opts(pki), "--tsa-url", t.url)
        check("TSA 503 once, then an answer", r.returncode, 0)
        statuses = [l.split("\t")[-1].strip() for l in open(t.log)]
        check("TSA 503 once: asked twice, after Retry-After", statuses, ["503", "200"])

        # Ctrl-C while waiting for the TSA: no pack, no temporary folder,
        # and the process ends by the signal (found in review, 2026-11-26)
        t = Tsa(pki, tmp, "slow")
        servers.append(t)
        out = new_out("interrupted")
        p = subprocess.Popen([RG, "run", TEMPLATE, "--snapshot", db, "--out", out, "--quiet",
                              *sign_opts(pki), "--tsa-url", t.url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
        p.send_signal(signal.SIGINT)
        code = p.wait(timeout=30)
        check("Ctrl-C during the run: ends by SIGINT", code, -signal.SIGINT)
        check("Ctrl-C during the run: nothing left", os.listdir(out), [])
        t = Tsa(pki, tmp, "other-tsa")
        servers.append(t)
        r, out = make("tsa-other", *sign_opts(pki), "--tsa-url", t.url)
        check("TSA of another CA: the run keeps it", r.returncode, 0)
        fails_naming("TSA of another CA", only_pack(out), "timestamp", "--ca", ca,
                     "--tsa-ca", tsa_ca)
        r, out = make("tsa-down", *sign_opts(pki), "--tsa-url",
                      "http://user:secret@127.0.0.1:9/tsa", "--tsa-timeout", "1")
        check("TSA unreachable", (r.returncode, os.listdir(out)), (3, []))
        check("TSA unreachable: the password is not shown",
              ("secret" in r.stderr, "127.0.0.1:9" in r.stderr), (False, True))

        # ---- what verify cannot check
        check("verify: no PACK", run("verify").returncode, 2)
        check("verify: not a folder", run("verify", os.path.join(tmp, "nope")).returncode, 3)
        check("verify: unreadable CA", run("verify", signed, "--ca",
                                           os.path.join(tmp, "nope.pem")).returncode, 3)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp)


main()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
