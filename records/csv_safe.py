"""Cells of every CSV the application writes, made safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with =, +, - or @ (or a tab or carriage return before one)
as a formula, which can fetch a URL or run a command on the reader's machine (CSV injection).
As OWASP recommends, such a cell gets a leading apostrophe: spreadsheets then show the text and
hide the apostrophe. A cell that already starts with an apostrophe gets one more, so that it too
shows as written, and the change stays reversible: a cell starting with an apostrophe had one
added (`csv_cell_original`). Numbers are never formulas and are written as they are.

The same rule exists twice, once in Python (`csv_cell`, `csv_writer`) and once in SQL for the
exports PostgreSQL writes itself with COPY (`csv_cell_sql`): the two give the same bytes.

The exports that PostgreSQL may write itself (the certification package's files, the CSV downloads)
are written in exactly PostgreSQL's CSV on every database, so that both paths give the same bytes:
a value is quoted, its quotes doubled, when it is empty or holds a comma, a quote or a line break;
lines end with LF (`csv_line`). Times are ISO 8601 in UTC as datetime.isoformat() writes them
(microseconds only when there are some), dates ISO 8601 (`iso`; `iso_datetime_sql`, `iso_date_sql`).
"""

import contextlib
import csv
import re
from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.db import connection

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


# The same first characters as a bracket expression of PostgreSQL's regular expressions (the
# hyphen first, so it is no range; \t and \r as the regular expression's escapes).
_SQL_STARTS = "[" + "".join({"\t": "\\t", "\r": "\\r", "'": "''"}.get(start, start)
                            for start in sorted(FORMULA_STARTS, key=lambda start: start != "-")) + "]"


def csv_cell_sql(expression):
    """PostgreSQL for csv_cell of a text `expression` (a column, say) in a SELECT that COPY writes
    out as CSV: the apostrophe put before a first character of FORMULA_STARTS. `expression` is the
    project's own SQL, never user input, and is evaluated once (a regular expression rather than a
    CASE that would name it three times); it holds no % (the statement is a psycopg query with
    %(name)s parameters too)."""
    return f"regexp_replace({expression}, '^(?={_SQL_STARTS})', '{NEUTRALISER * 2}')"


_CSV_QUOTED = re.compile(r'[,"\r\n]')


def csv_line(values):
    """One line of PostgreSQL's CSV of `values`, each through csv_cell; None is an empty (quoted) cell."""
    cells = (str(csv_cell(value)) for value in values)
    return ",".join(
        f'"{cell.replace(chr(34), chr(34) * 2)}"' if not cell or _CSV_QUOTED.search(cell) else cell
        for cell in cells
    ) + "\n"


def iso(value):
    """A date as YYYY-MM-DD, a time as ISO 8601 in UTC; None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat()
    return value.isoformat()


def iso_datetime_sql(expression):
    """PostgreSQL for iso() of a timestamp with time zone `expression` (NULL stays NULL)."""
    return (f"replace(to_char(({expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), "
            "'.000000+', '+')")


def iso_date_sql(expression):
    """PostgreSQL for iso() of a date `expression` (NULL stays NULL)."""
    return f"to_char({expression}, 'YYYY-MM-DD')"


def through_copy():
    """Whether the exports stream out through PostgreSQL's COPY."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def copy_out(statement, params):
    """psycopg's COPY of `statement` on this thread's connection, in its transaction if any. Through
    the psycopg cursor itself: Django's cursor, when it logs queries (DEBUG), takes no parameters
    for copy(). Iterating it gives the rows, one each, as PostgreSQL sends them; leaving the block
    early (an exception, a download closed half-way) cancels the statement."""
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        yield copy
