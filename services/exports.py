"""Spreadsheet output that is safe to open in Excel: CSV (UTF-8 with BOM) and .xlsx, streamed."""
from __future__ import annotations

import csv
import tempfile
import threading
from collections import OrderedDict
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


class FileCache:
    """Generated files per process, by a key that changes whenever their rows may have changed (the caller
    reads it from the database on every request, so a cached file is never stale). Least recently used
    files go first beyond ``max_entries`` or ``max_bytes``."""

    def __init__(self, max_entries: int = 16, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._files: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            data = self._files.get(key)
            if data is not None:
                self._files.move_to_end(key)
            return data

    def put(self, key, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            self._files[key] = data
            self._files.move_to_end(key)
            while len(self._files) > self.max_entries or sum(map(len, self._files.values())) > self.max_bytes:
                self._files.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()


file_cache = FileCache()


class _Echo:
    def write(self, value):
        return value


def csv_stream(headers: list, rows: Iterable[list]):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
    yield writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([neutralise("" if v is None else v) for v in row])


#: Files up to this size are kept in :data:`file_cache`; larger ones are sent from their temporary file.
CACHED_FILE_MAX_BYTES = 8 * 1024 * 1024
#: Bytes read from a temporary file per chunk of a response.
FILE_CHUNK_BYTES = 64 * 1024


def xlsx_file(headers: list, rows: Iterable[list], title: str = "Sheet1"):
    """The .xlsx in a temporary file, positioned at its start. Memory stays flat whatever the number of rows:
    openpyxl's write-only mode writes each row to a temporary file as it comes (no cell objects kept), and
    the finished workbook is zipped into another temporary file, not into memory (issue 16, finding 4)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    handle = tempfile.TemporaryFile(prefix="xmt-export-", suffix=".xlsx")
    try:
        workbook.save(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def xlsx_bytes(headers: list, rows: Iterable[list], title: str = "Sheet1") -> bytes:
    with xlsx_file(headers, rows, title) as handle:
        return handle.read()


def file_size(handle) -> int:
    position = handle.seek(0, 2)
    handle.seek(0)
    return position


def file_chunks(handle, chunk_bytes: int | None = None):
    """A temporary file's contents in chunks for a streamed response; the file is closed (and so deleted)
    at the end, or when the client goes away."""
    chunk_bytes = chunk_bytes or FILE_CHUNK_BYTES
    try:
        while chunk := handle.read(chunk_bytes):
            yield chunk
    finally:
        handle.close()


def xlsx_body(handle, key=None):
    """A finished .xlsx as a response body: bytes (kept in :data:`file_cache` under ``key``) when small, else
    the temporary file in chunks."""
    if file_size(handle) <= CACHED_FILE_MAX_BYTES:
        with handle:
            data = handle.read()
        if key:
            file_cache.put(key, data)
        return data
    return file_chunks(handle)


def table_response(name: str, fmt: str, table, stamp=None) -> Response:
    """A table (headers, rows) — or a function making it — as .xlsx or CSV. With a ``stamp`` (anything that
    changes whenever the table may change, read from the database by the caller) the file is kept in
    :data:`file_cache` and answered from there while the stamp is the same."""
    from flask_login import current_user

    from models.policy import scope_key

    # Files are shared only between users who see the same rows, whatever the caller's stamp says.
    key = (name, fmt, scope_key(current_user), stamp) if stamp is not None else None
    data = file_cache.get(key) if key else None
    if data is None:
        headers, rows = table() if callable(table) else table
        if fmt == "xlsx":
            data = xlsx_body(xlsx_file(headers, rows), key)
        elif key:
            data = "".join(csv_stream(headers, rows)).encode()
            file_cache.put(key, data)
    if fmt == "xlsx":
        response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    elif data is not None:
        response = Response(data, mimetype="text/csv; charset=utf-8")
    else:
        headers, rows = table() if callable(table) else table
        response = Response(stream_with_context(csv_stream(headers, rows)), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{fmt}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
