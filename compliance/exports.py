"""How the package's files are written: the CONFIDENTIAL notice, JSON documents, and CSV in exactly
PostgreSQL's CSV (records.csv_safe) so that both database paths write the same bytes; rows read in
bounded chunks, or streamed through PostgreSQL's COPY on a connection of their own.

The audit events and the destruction register are exported in the same bytes on every database: on
PostgreSQL the database writes them itself (COPY), elsewhere Python writes what PostgreSQL would
(records.csv_safe.csv_line, iso). A payload is written as jsonb prints it: keys ordered shortest
first, then by their UTF-8 bytes, separators ", " and ": ", non-ASCII as is. A JSON Lines event is
json.dumps of the event with its fields in EVENT_FIELDS order. (A float that Python writes with an
exponent, such as 1e-05, jsonb writes without one: the generic path would then differ in those
characters only.)"""

import json

from django.db import connection

from records.csv_safe import csv_line, through_copy
from records.labels import MARKING

#: Rows read from the database at a time while exporting: memory stays bounded by this.
CHUNK_SIZE = 2000


def on_its_own_connection(work, *args):
    """work(*args) in this thread on a database connection of its own, closed afterwards. Its
    statements run beside the events' on PostgreSQL, so without parallel workers, which would only
    take processor time from those."""
    try:
        if through_copy():
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        return work(*args)
    finally:
        connection.close()


def json_document(content, description):
    document = {"marking": MARKING, "notice": notice(description), **content}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def notice(description):
    return f"{MARKING} — {description}. Contains Customer Proprietary Network Information (47 U.S.C. 222)"


def csv_header(out, description, header):
    """The first two lines of an exported CSV: the CONFIDENTIAL notice, then the columns' names."""
    out.write(f"# {notice(description)}\n")
    out.write(csv_line(header))


def chunked(queryset, key):
    """The rows of `queryset` (a .values() queryset) in `key` order, CHUNK_SIZE at a time, each
    chunk asked for after the last key seen (keyset pagination): memory stays constant and, unlike
    a server-side cursor, nothing is held open between chunks."""
    queryset = queryset.order_by(key)
    last = None
    while True:
        chunk = list((queryset if last is None else queryset.filter(**{f"{key}__gt": last}))[:CHUNK_SIZE])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][key]
