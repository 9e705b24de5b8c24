"""Cells of every CSV the application writes, made safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with =, +, - or @ (or a tab or carriage return before one)
as a formula, which can fetch a URL or run a command on the reader's machine (CSV injection).
As OWASP recommends, such a cell gets a leading apostrophe: spreadsheets then show the text and
hide the apostrophe. A cell that already starts with an apostrophe gets one more, so that it too
shows as written, and the change stays reversible: a cell starting with an apostrophe had one
added (`csv_cell_original`). Numbers are never formulas and are written as they are.

The same rule exists twice, once in Python (`csv_cell`, `csv_writer`) and once in SQL for the
exports PostgreSQL writes itself with COPY (`csv_cell_sql`): the two give the same bytes.
"""

import csv
from decimal import Decimal

# The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"),
# and the apostrophe itself.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
NEUTRALISER = "'"


def csv_cell(value):
    """`value` as a CSV cell's text; None is empty."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return NEUTRALISER + text if text.startswith(FORMULA_STARTS) else text


def csv_cell_original(text):
    """The value a cell written by csv_cell was made from (as text)."""
    return text[1:] if text.startswith(NEUTRALISER) else text


def csv_row(values):
    return [csv_cell(value) for value in values]


class _SafeWriter:
    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs):
    """csv.writer whose every cell goes through csv_cell."""
    return _SafeWriter(out, **kwargs)


def _sql_text(start):
    return f"chr({ord(start)})" if start in "\t\r'" else f"'{start}'"


_SQL_STARTS = ", ".join(_sql_text(start) for start in FORMULA_STARTS)


def csv_cell_sql(expression):
    """PostgreSQL for csv_cell of a text `expression` (a column, say) in a SELECT that COPY writes
    out as CSV. `expression` is the project's own SQL, never user input; it holds no % (the
    statement is a psycopg query with %(name)s parameters too)."""
    return (
        f"CASE WHEN left({expression}, 1) IN ({_SQL_STARTS}) "
        f"THEN {_sql_text(NEUTRALISER)} || {expression} ELSE {expression} END"
    )
