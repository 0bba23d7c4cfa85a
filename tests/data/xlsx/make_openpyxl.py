#!/usr/bin/python3
# Writes openpyxl1904.xlsx: a workbook in the 1904 date system written by
# openpyxl (a second writer besides LibreOffice), with inline strings off,
# dates, a time-only cell, a boolean, a float that is not exactly binary
# (0.1 + 0.2), and a sparse row (cells B and D only). Run by make.sh with
# Debian's python3-openpyxl.
import datetime
import sys

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

wb = openpyxl.Workbook()
wb.epoch = CALENDAR_MAC_1904
ws = wb.active
ws.title = "Orders"
ws.append(["订单号", "客户编号", "下单时间", "实付金额", "到店", "已付"])
ws.append(["SO-1", "00123", datetime.datetime(2026, 1, 15, 10, 20), 1234.5,
           datetime.time(9, 30), True])
ws.append(["SO-2", "C002", datetime.date(2026, 3, 5), 0.1 + 0.2, None, False])
ws["B3"].number_format = "@"
ws.append([])
ws["B5"] = "C004"
ws["D5"] = 13800138000
ws["C2"].number_format = "yyyy-mm-dd hh:mm:ss"
ws["C3"].number_format = "yyyy-mm-dd"
ws["E2"].number_format = "hh:mm"
wb.save(sys.argv[1] if len(sys.argv) > 1 else "openpyxl1904.xlsx")
