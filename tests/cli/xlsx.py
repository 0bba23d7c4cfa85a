#!/usr/bin/python3
"""Read back the .xlsx workbooks the tools write, with openpyxl (Debian's
python3-openpyxl: run with /usr/bin/python3), for tests/cli/xlsx_out.bats.

  xlsx.py sheets BOOK              the sheet names, one a line
  xlsx.py layout BOOK SHEET        "freeze A2", "filter A1:O11", "rows N",
                                   then "width COLUMN W" per column
  xlsx.py compare BOOK SHEET CSV   the sheet against the CSV the tool wrote:
                                   same header and rows; a number cell equals
                                   the CSV text read as a number, a date cell
                                   its YYYY-MM-DD, a text cell the same text,
                                   an empty cell an empty field. Then one line
                                   per column: "NAME KINDS FORMAT", KINDS the
                                   kinds of its non-empty cells (n number,
                                   d date, s text; - none).
  xlsx.py cell BOOK SHEET REF      the cell's value (repr) and number format
Exit status 1 with a message on the first difference.
"""
import csv
import datetime
import sys

import openpyxl


def fail(msg):
    print(msg)
    sys.exit(1)


def kind(value):
    if value is None:
        return None
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "d"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "n"
    if isinstance(value, str):
        return "s"
    return "?"


def as_csv_text(value):
    """The cell as the CSV would hold it, for dates."""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def compare(book, sheet, path):
    ws = openpyxl.load_workbook(book)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    with open(path, newline="", encoding="utf-8") as f:
        want = list(csv.reader(f))
    if len(rows) != len(want):
        fail(f"{len(rows)} rows in the sheet, {len(want)} in the CSV")
    header = want[0]
    if list(rows[0]) != header:
        fail(f"header {rows[0]} != {header}")
    kinds = [set() for _ in header]
    formats = [set() for _ in header]
    for r, (got, exp) in enumerate(zip(rows, want)):
        got = list(got) + [None] * (len(exp) - len(got))
        if len(got) != len(exp):
            fail(f"row {r + 1}: {len(got)} cells, {len(exp)} fields")
        for c, (v, text) in enumerate(zip(got, exp)):
            where = f"row {r + 1}, column {header[c]}"
            k = kind(v)
            if text == "":
                if v is not None:
                    fail(f"{where}: {v!r} for an empty field")
                continue
            if r > 0:
                kinds[c].add(k)
                formats[c].add(ws.cell(row=r + 1, column=c + 1).number_format)
            if k == "n":
                if float(text) != v:
                    fail(f"{where}: number {v!r} != {text!r}")
            elif k == "d":
                if as_csv_text(v) != text:
                    fail(f"{where}: date {v!r} != {text!r}")
            elif v != text:
                fail(f"{where}: {v!r} != {text!r}")
    for c, name in enumerate(header):
        fmt = ",".join(sorted(formats[c])) or "-"
        print(f"{name} {''.join(sorted(kinds[c])) or '-'} {fmt}")


def main():
    cmd, book = sys.argv[1], sys.argv[2]
    if cmd == "sheets":
        print("\n".join(openpyxl.load_workbook(book).sheetnames))
    elif cmd == "layout":
        ws = openpyxl.load_workbook(book)[sys.argv[3]]
        print(f"freeze {ws.freeze_panes}")
        print(f"filter {ws.auto_filter.ref}")
        print(f"rows {ws.max_row}")
        for letter, dim in sorted(ws.column_dimensions.items()):
            # openpyxl adds Excel's padding (0.71) to the width written
            print(f"width {letter} {int(dim.width)}")
    elif cmd == "compare":
        compare(book, sys.argv[3], sys.argv[4])
    elif cmd == "cell":
        cell = openpyxl.load_workbook(book)[sys.argv[3]][sys.argv[4]]
        print(repr(cell.value), cell.number_format)
    else:
        fail(f"unknown command {cmd}")


main()
