"""CSV exports, streamed in constant memory whatever the number of rows, in the same bytes on every
database.

An export (`Export`) is a queryset in its order and its columns. Every export is marked
CONFIDENTIAL on its first line and names its columns on the second; its cells are formula-safe and
written in PostgreSQL's CSV (records.csv_safe). On PostgreSQL the database writes the rows itself:
`COPY (<the queryset's SELECT, each column formatted and made formula-safe in SQL>) TO STDOUT`, one
statement (one snapshot), its rows handed over as PostgreSQL sends them. Elsewhere Python writes what
PostgreSQL would (csv_line), from the queryset's rows read in chunks. The text is sent in pieces of
about FLUSH_AT bytes, so the server writes to the socket once per few hundred rows, not once per row.
The same pieces are streamed to the browser (csv_download) or written to a file by an export job
(records.export_jobs).
"""

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Func, TextField
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from records.csv_safe import copy_out, csv_cell_sql, csv_line, iso, iso_date_sql, iso_datetime_sql, through_copy
from records.labels import MARKING

#: Rows the database hands over per round trip on the Python path: the rows held in memory at any time.
CHUNK_SIZE = 2000
#: Bytes gathered before they are sent.
FLUSH_AT = 64 * 1024

# What a column holds, and so how both paths write it: text (formula-safe, None as empty), a
# number (as it is), a time (ISO 8601 in UTC), a date (ISO 8601).
TEXT, NUMBER, TIME, DATE = "text", "number", "time", "date"

_MARK = "\x00"
_SQL = {
    TEXT: lambda x: csv_cell_sql(f"coalesce(({x})::text, '')"),
    NUMBER: lambda x: f"coalesce(({x})::text, '')",
    TIME: lambda x: f"coalesce({iso_datetime_sql(x)}, '')",
    DATE: lambda x: f"coalesce({iso_date_sql(x)}, '')",
}


@dataclass(frozen=True)
class Column:
    name: str
    value: Any  # a field (lookup) or an expression
    kind: str = TEXT

    def expression(self):
        return F(self.value) if isinstance(self.value, str) else self.value


@dataclass(frozen=True)
class Export:
    """What one CSV download holds: `rows`, a queryset in the order of the download, read as the
    `columns` say; `description` names it on the CONFIDENTIAL line; it is saved as
    CONFIDENTIAL-`filename`."""

    description: str
    filename: str
    columns: tuple
    rows: Any
    #: False: the marking is a column of every row instead of a line above the header, so the
    #: header is the first line (a sheet that spreadsheets and other tools read as it is).
    marking_line: bool = True

    @property
    def column_names(self):
        return [column.name for column in self.columns]


class _CsvCell(Func):
    """A column as the cell PostgreSQL's COPY writes: text, formatted and formula-safe (the SQL of
    _SQL[kind], whose expression may come more than once: its parameters come as often)."""

    output_field = TextField()

    def __init__(self, expression, kind):
        super().__init__(expression)
        self.kind = kind

    def as_sql(self, compiler, connection, **extra_context):
        inner, params = compiler.compile(self.source_expressions[0])
        template = _SQL[self.kind](_MARK)
        return template.replace(_MARK, f"({inner})"), tuple(params) * template.count(_MARK)


def marking_line(description):
    return f"{MARKING} — CPNI Track {description}. Contains Customer Proprietary Network Information (47 U.S.C. 222)"


def head_bytes(export):
    """The CONFIDENTIAL line, if the export has one, and the columns' line."""
    marking = csv_line([marking_line(export.description)]) if export.marking_line else ""
    return (marking + csv_line(export.column_names)).encode()


def copy_statement(export):
    """(COPY statement, parameters) that writes the export's rows on PostgreSQL."""
    cells = {f"csv_{n}": _CsvCell(column.expression(), column.kind) for n, column in enumerate(export.columns)}
    query = export.rows.annotate(**cells).values_list(*cells).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params


def _copied_rows(export):
    statement, params = copy_statement(export)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The planner's estimate of the formatted columns (a legal hold looked up per record,
            # labels) passes jit_above_cost: compiling them took 0.5 s of a 0.8 s record list of
            # 20,000 rows, and saves nothing on rows that are only formatted and sent.
            cursor.execute("SET LOCAL jit = off")
        with copy_out(statement, params) as copy:
            yield from copy


def _written_rows(export):
    values = {f"csv_{n}": column.expression() for n, column in enumerate(export.columns)}
    dated = [n for n, column in enumerate(export.columns) if column.kind in (TIME, DATE)]
    for row in export.rows.annotate(**values).values_list(*values).iterator(chunk_size=CHUNK_SIZE):
        if dated:
            row = list(row)
            for n in dated:
                row[n] = iso(row[n])
        yield csv_line(row).encode()


class CsvStream:
    """The export's bytes, in pieces of about FLUSH_AT bytes; `rows` counts the rows sent so far.
    `copy` chooses the path (default: COPY on PostgreSQL)."""

    def __init__(self, export, copy=None):
        self.export, self.rows = export, 0
        self.copy = through_copy() if copy is None else copy

    def __iter__(self):
        pieces, size = [head_bytes(self.export)], 0
        for row in (_copied_rows if self.copy else _written_rows)(self.export):
            pieces.append(row)
            size += len(row)
            self.rows += 1
            if size >= FLUSH_AT:
                yield b"".join(pieces)
                pieces, size = [], 0
        yield b"".join(pieces)


def csv_download(export):
    """A StreamingHttpResponse of the export, read from the database only as the download goes."""
    response = StreamingHttpResponse(CsvStream(export), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{MARKING}-{export.filename}")
    return response
