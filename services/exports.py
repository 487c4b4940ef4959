"""Spreadsheet output that is safe to open in Excel: CSV (UTF-8 with BOM) and .xlsx, streamed."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook

#: Characters that make a spreadsheet run a cell as a formula (CSV/Excel injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text that a spreadsheet would run as a formula with a quote; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_stream(headers: list, rows: Iterable[list]):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
    yield writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([neutralise("" if v is None else v) for v in row])


def xlsx_bytes(headers: list, rows: Iterable[list], title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(name: str, fmt: str, table: tuple[list, Iterable[list]]) -> Response:
    headers, rows = table
    if fmt == "xlsx":
        response = Response(xlsx_bytes(headers, rows), mimetype=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    else:
        response = Response(stream_with_context(csv_stream(headers, rows)), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
