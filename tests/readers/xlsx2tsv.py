#!/usr/bin/env python3
"""xlsx2tsv.py - a workbook as text, read with openpyxl (shares no code
with reportgen), for tests to diff.

For each sheet: a line "== <name>", its frozen panes, autofilter range,
charts, then every row as tab-separated values. Dates print as ISO 8601;
a row whose first cell is filled (highlighted) starts with "*".
With --formats, the number format of each cell of the first data row.

Usage: /usr/bin/python3 tests/readers/xlsx2tsv.py [--formats] BOOK.xlsx
"""
import datetime
import re
import sys
import zipfile

import openpyxl


def show(v):
    if v is None:
        return ""
    if isinstance(v, datetime.datetime):
        if v.time() == datetime.time(0):
            return v.strftime("%Y-%m-%d") + "T00:00:00"
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def charts(path):
    """openpyxl drops charts when it reads a file: read the chart parts."""
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist()
                           if re.match(r"xl/charts/chart\d+\.xml$", n)):
            xml = z.read(name).decode("utf-8")
            kind = re.findall(r"<c:(barChart|colChart|lineChart|pieChart)>", xml)
            refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
            print("chart:", name, ",".join(kind), " ".join(refs))


def main():
    args = sys.argv[1:]
    formats = "--formats" in args
    path = [a for a in args if a != "--formats"][0]
    wb = openpyxl.load_workbook(path)
    print("title:", wb.properties.title)
    print("author:", wb.properties.creator)
    print("created:", wb.properties.created)
    for ws in wb.worksheets:
        print("==", ws.title)
        print("freeze:", ws.freeze_panes)
        print("filter:", ws.auto_filter.ref)
        for row in ws.iter_rows():
            fill = row[0].fill
            mark = "*" if fill is not None and fill.fill_type == "solid" and \
                row[0].row > 1 else " "
            print(mark + "\t".join(show(c.value) for c in row))
        if formats and ws.max_row >= 2:
            print("formats:", "\t".join(c.number_format for c in ws[2]))
            print("widths:", "\t".join(
                "%g" % ws.column_dimensions[c.column_letter].width
                for c in ws[1]))
    charts(path)


def charts(path):
    """openpyxl drops charts when it reads a file: read the chart parts."""
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist()
                           if re.match(r"xl/charts/chart\d+\.xml$", n)):
            xml = z.read(name).decode("utf-8")
            kind = re.findall(r"<c:(barChart|colChart|lineChart|pieChart)>", xml)
            refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
            print("chart:", name, ",".join(kind), " ".join(refs))


main()
