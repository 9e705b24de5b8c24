"""Reading an inventory sheet (CSV or XLSX) into rows keyed by column name: the first step of an
import, and the one that reads what the user sent. Plain Python (no Django), so that it can run in
a child process with a time and memory limit (``records.confined``)."""

import csv
import io
import pickle  # nosec B403: only for the spool this application writes itself (SpooledSheet)
import zipfile
import zlib

import openpyxl

from .budgets import MB, ArchiveReader, Budget

COLUMNS = (
    "title", "medium", "media_serial_number", "contains_cpni", "cpni_categories", "department", "custodian",
    "location", "customer_reference", "schedule", "trigger_date", "legal_minimums", "label_verification",
    "label_attested_by", "label_attested_on", "notes",
)
REQUIRED = ("title", "medium", "department", "custodian", "location", "schedule")
MAX_ROWS = 200_000
SPOOL_CHUNK = 1000
# Columns past these are not read: openpyxl pads every row up to the width the sheet declares.
MAX_COLUMNS = 4 * len(COLUMNS)


class SheetError(ValueError):
    """The file cannot be read as a sheet of records."""


def read_sheet(file_name, data, budget=None):
    """The rows of a CSV or XLSX file as a list of (row number, dict keyed by column name).
    Raises SheetError for an unreadable file, unknown or missing columns, too many rows (empty
    ones count: each is read) or no rows, and OverBudget for an XLSX over ``budget``'s expanded
    bytes or elements. Time and memory are the caller's to limit (``records.confined``)."""
    sheet = list(sheet_rows(file_name, data, budget))
    if not sheet:
        raise SheetError("The file has a header but no records.")
    return sheet


def sheet_rows(file_name, data, budget=None):
    """read_sheet's rows one at a time (its errors raised as they are met)."""
    if data[:2] == b"PK":
        rows = _xlsx_rows(data, budget or Budget(expanded_bytes=500 * MB, elements=20_000_000))
    else:
        rows = _csv_rows(data)
    try:
        header = next(rows)
    except StopIteration:
        raise SheetError("The file is empty.") from None
    names = [str(cell or "").strip().lower().replace(" ", "_") for cell in header]
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise SheetError(f"Unknown columns: {', '.join(unknown)}. Use the template's columns.")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise SheetError(f"Missing columns: {', '.join(missing)}.")
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise SheetError(f"The file has more than {MAX_ROWS:,} rows; split it.")
        values = {name: cells[i] if i < len(cells) else None for i, name in enumerate(names) if name}
        if all(value in (None, "") for value in values.values()):
            continue
        yield number, values


def spool_sheet(file_name, data, budget, path):
    """Read the sheet and write its rows to the file `path`, SPOOL_CHUNK rows to a pickle, so
    that a large sheet is then gone through a chunk at a time (SpooledSheet) instead of held
    whole. Returns how many rows; raises as read_sheet does."""
    count = 0
    with open(path, "wb") as spool:
        chunk = []
        for row in sheet_rows(file_name, data, budget):
            chunk.append(row)
            if len(chunk) == SPOOL_CHUNK:
                pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
                count, chunk = count + len(chunk), []
        if chunk:
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(chunk)
    if not count:
        raise SheetError("The file has a header but no records.")
    return count


class SpooledSheet:
    """The rows spool_sheet wrote, read again a chunk at a time each time it is gone through."""

    def __init__(self, path, count):
        self.path, self.count = path, count

    def __len__(self):
        return self.count

    def __iter__(self):
        # Written by this application's own reader process (spool_sheet), never by a client.
        with open(self.path, "rb") as spool:
            while True:
                try:
                    chunk = pickle.load(spool)  # noqa: S301  # nosec B301: written by spool_sheet into a private folder
                except EOFError:
                    return
                yield from chunk


def _csv_rows(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise SheetError("This is not a CSV or XLSX file.")
    lines = (line for line in io.StringIO(text, newline="") if not line.startswith("#"))
    try:
        yield from csv.reader(lines)
    except csv.Error as error:
        raise SheetError(f"The CSV cannot be read: {error}.") from None


def _xlsx_rows(data, budget):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # openpyxl holds the shared strings in memory and trusts the sizes the archive declares.
            ArchiveReader(archive, budget).scan()
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError) as error:
        raise SheetError(f"The XLSX file cannot be read ({type(error).__name__}).") from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise SheetError(f"The XLSX file cannot be read ({type(error).__name__}).") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    finally:
        workbook.close()
