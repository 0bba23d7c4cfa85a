#!/bin/sh
# tests/data/xlsx/make.sh — rebuild the committed test workbooks from their
# readable sources with LibreOffice (Debian's libreoffice-calc-nogui) and
# openpyxl (python3-openpyxl). Not run by make check or CI: the outputs are
# committed, so tests need neither. Run it after editing a source:
#     sh tests/data/xlsx/make.sh
#  crm.fods        → crm.xlsx, crm.xls   (empty sheet, CJK sheet name, merged
#                                         title, dates, formulas, #DIV/0!)
#  customers.fods  → customers.xlsx, customers.xls, customers.csv (LibreOffice's
#                                         CSV export of the same sheet)
#  date1904.fods   → date1904.xlsx       (1904 date system)
#  make_openpyxl.py → openpyxl1904.xlsx  (1904 system, written by openpyxl)
#  corrupt.xlsx: crm.xlsx cut to its first 3000 bytes (no central directory)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lo() { soffice --headless "-env:UserInstallation=file://$tmp/profile" "$@" >/dev/null 2>&1; }
lo --convert-to xlsx --outdir . crm.fods customers.fods date1904.fods
lo --convert-to xls --outdir . crm.fods customers.fods
# CSV: UTF-8 (76), comma (44), quote (34), sheet 1, cells as shown.
lo --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1' \
    --outdir . customers.fods
mv customers-Customers.csv customers.csv
/usr/bin/python3 make_openpyxl.py openpyxl1904.xlsx
head -c 3000 crm.xlsx > corrupt.xlsx
ls -l crm.xlsx crm.xls customers.xlsx customers.xls customers.csv date1904.xlsx \
    openpyxl1904.xlsx corrupt.xlsx
