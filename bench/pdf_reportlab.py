#!/usr/bin/env python3
"""pdf_reportlab.py - the bench's peer for the PDF: ReportLab's platypus
Table, A4 landscape, DejaVu Sans embedded, the same rows (read from the
same snapshot with the same SQL) and columns, the header repeated on every
page. Prints the number of pages.

Usage: /usr/bin/python3 bench/pdf_reportlab.py SNAPSHOT SQL ROWS OUT.pdf
"""
import sqlite3
import sys

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

FONTS = "/usr/share/fonts/truetype/dejavu/"
COLUMNS = ["group_name", "member", "member_type", "upn", "enabled",
           "last_sign_in", "source_line"]
TITLES = ["Group", "Member", "Type", "UPN", "Enabled", "Last sign-in", "Line"]


def main():
    db, sql, limit, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    pdfmetrics.registerFont(TTFont("DejaVu", FONTS + "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", FONTS + "DejaVuSans-Bold.ttf"))
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    cur = con.execute(open(sql).read())
    names = [d[0] for d in cur.description]
    idx = [names.index(c) for c in COLUMNS]
    data = [TITLES]
    for n, r in enumerate(cur):
        if n == limit:
            break
        row = [r[i] for i in idx]
        row[4] = "Yes" if row[4] else "No"
        row[5] = (row[5] or "").replace("T", " ")[:16]
        data.append(["" if v is None else str(v) for v in row])
    table = Table(data, repeatRows=1,
                  colWidths=[90, 140, 55, 220, 45, 80, 50])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "DejaVu", 7.5),
        ("FONT", (0, 0), (-1, 0), "DejaVu-Bold", 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    pages = []
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=36,
                            rightMargin=36, topMargin=40, bottomMargin=48)
    doc.build([table], onLaterPages=lambda c, d: pages.append(1),
              onFirstPage=lambda c, d: pages.append(1))
    print(len(pages))


main()
