"""CSV downloads streamed to the browser in constant memory, whatever the number of rows.

Every download is marked CONFIDENTIAL on its first line, names its columns on the second, and
writes its cells through records.csv_safe (formula-safe). Rows come from a queryset's
`.iterator(chunk_size=CHUNK_SIZE)`: on PostgreSQL a server-side cursor, CHUNK_SIZE rows per round
trip; elsewhere the database driver's own cursor, read in chunks. The text is sent in pieces of
about FLUSH_AT characters, so the server writes to the socket once per few hundred rows, not once
per row.
"""

import io
from contextlib import nullcontext

from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from records.csv_safe import csv_writer
from records.labels import MARKING

#: Rows the database hands over per round trip: the rows held in memory at any time.
CHUNK_SIZE = 2000
#: Characters gathered before they are sent.
FLUSH_AT = 64 * 1024


def marking_line(description):
    return f"{MARKING} — CPNI Track {description}. Contains Customer Proprietary Network Information (47 U.S.C. 222)"


def csv_download(*, filename, description, columns, rows):
    """A StreamingHttpResponse of `rows` (an iterable of sequences, read only as the download
    goes) under the CONFIDENTIAL line and the `columns` line, saved as CONFIDENTIAL-`filename`."""
    response = StreamingHttpResponse(csv_text(description, columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{MARKING}-{filename}")
    return response


def csv_text(description, columns, rows):
    """The download's text, in pieces."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([marking_line(description)])
    writer.writerow(columns)
    with _cursor_transaction():
        for row in rows:
            writer.writerow(row)
            if buffer.tell() >= FLUSH_AT:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _cursor_transaction():
    """On PostgreSQL the rows are read inside one transaction. Outside a transaction Django declares
    the server-side cursor WITH HOLD, and PostgreSQL then computes and stores every row of the
    query before it sends the first; a connection pooler in transaction mode (PgBouncer) cannot
    keep such a cursor either (Django's documentation, "Transaction pooling and server-side
    cursors"). Inside a transaction the cursor hands rows over as the query finds them, from one
    snapshot. SQLite reads a statement from one snapshot anyway, and its transactions here take the
    write lock up front (settings: IMMEDIATE), which a download must not hold."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
