#!/usr/bin/python3
"""packs.py - every template of the pack library on the synthetic tenant.

Usage: bench/packs.py RG SNAPSHOT WORKDIR [RUNS]

For each template: the wall time and peak RSS of `reportgen run` (all
outputs), best of RUNS; then the same pack written from rows that are
already computed: each section's query result is stored as a table in a
small snapshot of its own (a one-user snapshot plus those tables, so the
run does not hash the big snapshot again), and a copy of the template
reads it back with `SELECT * FROM table ORDER BY rowid`. The second run is
what writing the rows costs (workbook, PDF, CSV, manifests, hashing the
small snapshot); the ratio says what the SQL adds. The issue's goal: no
template above 2.0.

Prints a table; measurements, not tests.
"""
import configparser
import os
import re
import shutil
import sqlite3
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
AS_OF = "2026-11-01T00:00:00Z"
# the parameters each template runs with here (the rest take their defaults)
PACKS = [
    ("privileged-access-overview", []),
    ("privileged-users", []),
    ("quarterly-recertification", ["reviewer=owner", "scope=both"]),
    ("access-hygiene", []),
    ("jml-leavers", ["from=2026-08-01", "to=2026-10-31"]),
    ("jml-joiners", ["from=2026-08-01", "to=2026-10-31"]),
    ("jml-movers", ["from=2026-08-01", "to=2026-10-31"]),
    ("sod-conflicts", []),
    ("user-list", []),
]


def timed(cmd, work):
    tf = os.path.join(work, "time")
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tf] + cmd,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    t, m = open(tf).read().split()
    return float(t), int(m)


def best(cmd, work, out, runs):
    res = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        res.append(timed(cmd, work))
    return min(r[0] for r in res), max(r[1] for r in res)


def ini(path):
    """The template's lines; configparser cannot hold repeated keys."""
    return open(path, encoding="utf-8").read().splitlines()


def sections(lines):
    """[(name, query file)] in order."""
    out, cur = [], None
    for ln in lines:
        m = re.match(r"\[section (.+)\]", ln.strip())
        if m:
            cur = m.group(1)
        m = re.match(r"query\s*=\s*(\S+)", ln.strip())
        if m and cur:
            out.append((cur, m.group(1)))
    return out


def defaults(lines):
    """{param: default} for the parameters that have one."""
    out, cur, typ = {}, None, {}
    for ln in lines:
        s = ln.strip()
        m = re.match(r"\[param (.+)\]", s)
        if m:
            cur = m.group(1)
            continue
        if s.startswith("["):
            cur = None
        m = re.match(r"(type|default)\s*=\s*(.*)", s)
        if cur and m:
            if m.group(1) == "type":
                typ[cur] = m.group(2)
            else:
                out[cur] = m.group(2)
    return out, typ


def bind(value, typ):
    if value == "snapshot.as_of":
        return AS_OF
    if typ == "date" and len(value) == 10:
        return value + "T00:00:00Z"
    if typ == "int":
        return int(value)
    if typ == "bool":
        return 1 if value.lower() in ("1", "yes", "true") else 0
    return value


def main():
    rg, snap, work = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "packs")
    rows_db = os.path.join(work, "rows.db")
    tdir = os.path.join(work, "templates")
    qdir = os.path.join(work, "queries")
    shutil.rmtree(tdir, ignore_errors=True)
    shutil.rmtree(qdir, ignore_errors=True)
    os.makedirs(tdir)
    os.makedirs(os.path.join(qdir, "bench_rows"))
    # a one-user snapshot, to hold each template's stored rows
    tiny = os.path.join(work, "tiny")
    shutil.rmtree(tiny, ignore_errors=True)
    os.makedirs(tiny)
    with open(os.path.join(tiny, "users.csv"), "w") as f:
        f.write("id,userPrincipalName,displayName\r\n"
                "00000000-0000-4000-8000-000000000001,one@example.org,One\r\n")
    base = os.path.join(work, "tiny.db")
    subprocess.run([rg, "collect", "--csv", tiny, "--out", base, "--force",
                    "--as-of", "2026-11-01"], check=True, capture_output=True)
    results = []
    for name, params in PACKS:
        path = os.path.join(ROOT, "templates", name + ".ini")
        if not os.path.exists(path):
            print("%-28s (no such template yet)" % name)
            continue
        lines = ini(path)
        dflt, typ = defaults(lines)
        values = {k: bind(v, typ.get(k, "text")) for k, v in dflt.items()}
        for p in params:
            k, v = p.split("=", 1)
            values[k] = bind(v, typ.get(k, "text"))
        args = sum((["--param", p] for p in params), [])
        t, m = best([rg, "run", name, "--snapshot", snap, "--out", out, "--quiet",
                     "--generated-at", "2026-11-02T00:00:00Z"] + args, work, out, runs)
        # the same sections from stored rows
        if os.path.exists(rows_db):
            os.chmod(rows_db, 0o644)
            os.unlink(rows_db)
        shutil.copyfile(base, rows_db)
        os.chmod(rows_db, 0o644)
        db = sqlite3.connect("file:%s?mode=ro" % snap, uri=True)
        db.execute("ATTACH DATABASE ? AS rows", (rows_db,))
        nrows = 0
        text = "\n".join(lines)
        for sec, q in sections(lines):
            sql = open(os.path.join(ROOT, "queries", q), encoding="utf-8").read()
            sql = sql.strip().rstrip(";")
            used = {k: v for k, v in values.items() if ":" + k in sql}
            table = "bench_%s_%s" % (name.replace("-", "_"), sec.replace("-", "_"))
            db.execute("CREATE TABLE rows.%s AS SELECT * FROM (%s\n)" % (table, sql), used)
            nrows += db.execute("SELECT count(*) FROM rows.%s" % table).fetchone()[0]
            rq = "bench_rows/%s.sql" % table
            with open(os.path.join(qdir, rq), "w") as f:
                f.write("SELECT * FROM %s ORDER BY rowid;\n" % table)
            text = re.sub(r"(\[section %s\][^\[]*?query\s*=\s*)\S+" % re.escape(sec),
                          lambda mm: mm.group(1) + rq, text, count=1, flags=re.S)
        db.commit()
        db.close()
        with open(os.path.join(tdir, name + ".ini"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        tw, mw = best([rg, "run", name, "--snapshot", rows_db, "--out", out, "--quiet",
                       "--templates", tdir, "--queries", qdir,
                       "--generated-at", "2026-11-02T00:00:00Z"] + args, work, out, runs)
        results.append((name, nrows, t, m, tw, mw))
    print()
    print("templates on the synthetic tenant, best of %d: the pack, and the same pack "
          "from stored rows" % runs)
    print("%-28s %10s %9s %9s %9s %8s" % ("", "rows", "pack s", "rows s", "ratio", "peak RSS"))
    for name, n, t, m, tw, mw in results:
        print("%-28s %10d %9.2f %9.2f %9.2f %5.0f MiB" % (name, n, t, tw, t / tw if tw else 0,
                                                         m / 1024))


if __name__ == "__main__":
    main()
