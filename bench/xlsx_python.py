#!/usr/bin/env python3
"""xlsx_python.py - the bench's peers for the workbook: Python XlsxWriter
(constant_memory) and openpyxl (write_only), writing the same rows, read
from the same snapshot with the same SQL, with the same work per cell as
reportgen: header, widths, frozen panes, autofilter, times as Excel dates,
Yes/No for booleans, highlighted rows.

Usage: /usr/bin/python3 bench/xlsx_python.py xlsxwriter|openpyxl SNAPSHOT SQL OUT.xlsx
"""
import datetime
import sqlite3
import sys

COLUMNS = [("group_name", "Group", "text", 14), ("member", "Member", "text", 22),
           ("member_type", "Type", "text", 8), ("upn", "UPN", "text", 34),
           ("enabled", "Enabled", "bool", 8),
           ("last_sign_in", "Last sign-in", "datetime", 18),
           ("source_line", "Line", "int", 9)]


def rows(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    cur = con.execute(open(sql).read())
    names = [d[0] for d in cur.description]
    idx = [names.index(c[0]) for c in COLUMNS]
    hl = names.index("disabled")
    for r in cur:
        yield [r[i] for i in idx], bool(r[hl])


def value(v, kind):
    if v is None:
        return None
    if kind == "bool":
        return "Yes" if v else "No"
    if kind == "datetime":
        return datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ")
    return v


def with_xlsxwriter(db, sql, out):
    import xlsxwriter
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("Memberships")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    hl = wb.add_format({"bg_color": "#FFF2CC"})
    hldate = wb.add_format({"bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd hh:mm:ss"})
    for c, (_, title, _, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, title, bold)
    ws.freeze_panes(1, 0)
    n = 0
    for n, (r, high) in enumerate(rows(db, sql), start=1):
        for c, (v, col) in enumerate(zip(r, COLUMNS)):
            v = value(v, col[2])
            if v is None:
                if high:
                    ws.write_blank(n, c, None, hl)
                continue
            if col[2] == "datetime":
                ws.write_datetime(n, c, v, hldate if high else date)
            elif isinstance(v, (int, float)):
                ws.write_number(n, c, v, hl if high else None)
            else:
                ws.write_string(n, c, v, hl if high else None)
    ws.autofilter(0, 0, n, len(COLUMNS) - 1)
    wb.close()
    return n


def with_openpyxl(db, sql, out):
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Memberships")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for c, (_, _, _, width) in enumerate(COLUMNS):
        ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = width
    ws.freeze_panes = "A2"
    header = []
    for _, title, _, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    n = 0
    for n, (r, high) in enumerate(rows(db, sql), start=1):
        out_row = []
        for v, col in zip(r, COLUMNS):
            cell = WriteOnlyCell(ws, value=value(v, col[2]))
            if col[2] == "datetime":
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            if high:
                cell.fill = fill
            out_row.append(cell)
        ws.append(out_row)
    ws.auto_filter.ref = "A1:G%d" % (n + 1)
    wb.save(out)
    return n


if __name__ == "__main__":
    kind, db, sql, out = sys.argv[1:5]
    n = (with_xlsxwriter if kind == "xlsxwriter" else with_openpyxl)(db, sql, out)
    print(n)
