"""Register files as schools bring them, made here: a Chinese ledger with merged title rows above the header (as real
ledgers have), the same as the .xls a finance system exports, and as a CSV saved in GBK by Excel on Windows."""
from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import xlwt

HEADERS = ["序号", "资产编号", "资产名称", "资产类别", "规格型号", "数量", "单价（元）", "金额（元）", "购置日期", "使用部门", "存放地点", "使用人",
           "使用状况", "供应商", "备注"]
DEPARTMENTS = ["教务处", "信息中心", "高一(3)班"]
PLACES = ["教学楼/101", "教学楼/102", "行政楼/205"]


def ledger_rows(count: int, start: int = 1) -> list[list]:
    rows = []
    for n in range(start, start + count):
        rows.append([n, f"ZC-{n:05d}", "课桌椅" if n % 3 else "多媒体投影仪", "家具" if n % 3 else "教学设备", "1200型" if n % 3 else "CB-X06", 1,
                     320.0 if n % 3 else 3280.0, 320.0 if n % 3 else 3280.0, date(2019 + n % 5, 1 + n % 12, 1 + n % 27),
                     DEPARTMENTS[n % 3], PLACES[n % 3], "赵老师" if n % 2 else "", "在用" if n % 7 else "闲置", "南京教育装备有限公司", ""])
    return rows


def ledger_xlsx(rows: list[list], headers: list[str] = HEADERS, title: bool = True) -> bytes:
    """As a school keeps it: the school's name and the table's title in merged rows, a date line, then the header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "固定资产台账"
    if title:
        sheet.append(["南京市第一中学"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.append(["固定资产明细账（本部）"])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
        sheet.append(["制表日期：2026年11月", "", "", "", "", "", "", "", "单位：元"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_xls(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("资产卡片")
    sheet.write_merge(0, 0, 0, len(headers) - 1, "资产管理系统导出")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for column, header in enumerate(headers):
        sheet.write(1, column, header)
    for r, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            sheet.write(r, column, value, dates) if isinstance(value, date) else sheet.write(r, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledger_csv(rows: list[list], headers: list[str] = HEADERS, encoding: str = "gbk") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([value.isoformat() if isinstance(value, date) else value for value in row])
    return out.getvalue().encode(encoding)
