"""The year's audit events as the package exports them, in CSV and in JSON Lines, with the hash
fields an auditor's verifier recomputes: streamed in bounded memory however many events the year
holds (keyset chunks, or on PostgreSQL COPY ranges written on two connections side by side)."""

import json
import threading
from concurrent.futures import wait
from datetime import timezone as dt_timezone

from django.db import connection

from compliance import exports
from compliance.exports import chunked, csv_header, notice, on_its_own_connection
from compliance.year_summary import in_year, year_bounds
from records.csv_safe import copy_out, csv_cell_sql, csv_line, iso_datetime_sql, through_copy
from records.labels import MARKING
from records.models import AuditEvent

#: On PostgreSQL the audit events stream out one range of this many sequence numbers per
#: statement: the connection is busy while a statement streams, and progress is saved between the
#: ranges.
COPY_SEQUENCES = 100_000

EVENT_FIELDS = (
    "sequence", "occurred_at", "actor", "actor_id", "action", "object_type", "object_id", "object_repr", "payload",
    "previous_hash", "hash",
)


def _year_events(year, snapshot, share_done):
    """The year's audit events up to the snapshot's head, in sequence order, in the exported form:
    occurred_at in UTC ISO 8601 exactly as records.audit.event_hash hashed it, the payload's keys
    in jsonb's order (_jsonb_ordered)."""
    if not snapshot.event_count:
        return
    events = AuditEvent.objects.filter(
        in_year("occurred_at", year), sequence__gte=snapshot.first_sequence, sequence__lte=snapshot.last_sequence
    ).values("sequence", "occurred_at", "actor_name", "actor_id", "action", "object_type", "object_id", "object_repr",
             "payload", "previous_hash", "hash")
    for done, event in enumerate(chunked(events, "sequence"), start=1):
        yield {
            "sequence": event["sequence"],
            "occurred_at": event["occurred_at"].astimezone(dt_timezone.utc).isoformat(),
            "actor": event["actor_name"],
            "actor_id": event["actor_id"],
            "action": event["action"],
            "object_type": event["object_type"],
            "object_id": event["object_id"],
            "object_repr": event["object_repr"],
            "payload": _jsonb_ordered(event["payload"]),
            "previous_hash": event["previous_hash"],
            "hash": event["hash"],
        }
        if done % exports.CHUNK_SIZE == 0:
            share_done(done / snapshot.event_count)


def _jsonb_ordered(value):
    """`value` with the keys of its objects, at every depth, in the order jsonb keeps them."""
    if isinstance(value, dict):
        return {key: _jsonb_ordered(value[key]) for key in sorted(value, key=lambda key: (len(key.encode()), key.encode()))}
    if isinstance(value, list):
        return [_jsonb_ordered(item) for item in value]
    return value


# On PostgreSQL the database writes both files of the events, by two statements over the same
# rows; on two connections they run side by side. occurred_at is written as datetime.isoformat()
# writes it in UTC (microseconds only when there are some).
_EVENTS_CSV_COPY = f"""
COPY (
  SELECT sequence,
    {iso_datetime_sql("occurred_at")},
    {csv_cell_sql("actor_name")}, coalesce(actor_id::text, ''), {csv_cell_sql("action")}, {csv_cell_sql("object_type")},
    {csv_cell_sql("object_id")}, {csv_cell_sql("object_repr")}, {csv_cell_sql("payload::text")},
    previous_hash, hash
  FROM records_auditevent
  WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND sequence >= %(low)s AND sequence < %(high)s
  ORDER BY sequence
) TO STDOUT WITH (FORMAT csv)
"""  # nosec B608: the project's own column expressions (records.csv_safe); values as parameters
# The JSON Lines come a block of JSONL_BLOCK sequence numbers per row: COPY sends a message per
# line, and reading a million of them took psycopg 2 s of Python against 0.5 s in blocks. Each line
# is built with || rather than concat(), which looks up each argument's output function on every
# row (a third slower); every column is NOT NULL.
JSONL_BLOCK = 1000
_EVENTS_JSONL = """
SELECT (
  SELECT convert_to(string_agg(line, '' ORDER BY sequence), 'UTF8')
  FROM (
    SELECT sequence,
      '{"sequence": ' || sequence || ', "occurred_at": "'
      || replace(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), '.000000+', '+')
      || '", "actor": ' || to_json(actor_name)::text || ', "actor_id": ' || coalesce(actor_id::text, 'null')
      || ', "action": ' || to_json(action)::text
      || ', "object_type": ' || to_json(object_type)::text || ', "object_id": ' || to_json(object_id)::text
      || ', "object_repr": ' || to_json(object_repr)::text || ', "payload": ' || payload::text
      || ', "previous_hash": ' || to_json(previous_hash)::text || ', "hash": ' || to_json(hash)::text
      || E'}\\n' AS line
    FROM records_auditevent
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
      AND sequence >= block_start AND sequence < least(block_start + %(block)s, %(high)s)
  ) AS lines
)
FROM generate_series(%(low)s::bigint, %(high)s::bigint - 1, %(block)s::bigint) AS block_start
"""


def write_events(csv_out, jsonl_out, year, snapshot, share_done, beside=None):
    """The year's audit events up to the snapshot's head, in sequence order, as CSV into `csv_out`
    and as JSON Lines into `jsonl_out`. On PostgreSQL with `beside`, an executor whose threads
    take database connections of their own, the JSON Lines are written on one of those while the
    CSV is written here."""
    csv_header(csv_out, f"CPNI Track audit events {year}", EVENT_FIELDS)
    header = {
        "marking": MARKING, "notice": notice(f"CPNI Track audit events {year}"), "year": year,
        "fields": list(EVENT_FIELDS),
    }
    jsonl_out.write(json.dumps(header, ensure_ascii=False) + "\n")
    if through_copy():
        _copy_events(csv_out, jsonl_out, year, snapshot, share_done, beside)
        return
    for event in _year_events(year, snapshot, share_done):
        jsonl_out.write(json.dumps(event, ensure_ascii=False) + "\n")
        event["sequence"], event["payload"] = str(event["sequence"]), json.dumps(event["payload"], ensure_ascii=False)
        event["actor_id"] = "" if event["actor_id"] is None else str(event["actor_id"])
        csv_out.write(csv_line([event[field] for field in EVENT_FIELDS]))


def _copy_events(csv_out, jsonl_out, year, snapshot, share_done, beside):
    """write_events on PostgreSQL: the CSV through _EVENTS_CSV_COPY and the JSON Lines through
    _EVENTS_JSONL, a range of COPY_SEQUENCES sequence numbers per statement. With `beside`
    the two run at once on two connections (PostgreSQL renders each on its own processor core);
    without it, one after the other in the caller's transaction. The progress is the slower's."""
    if not snapshot.event_count:
        return
    start, end = year_bounds(year)
    first, last = snapshot.first_sequence, snapshot.last_sequence
    stop = threading.Event()

    def stream(pieces, out, done):
        for low in range(first, last + 1, COPY_SEQUENCES):
            if stop.is_set():
                return
            high = min(low + COPY_SEQUENCES, last + 1)
            for piece in pieces({"start": start, "end": end, "low": low, "high": high}):
                out.write_bytes(piece)
            done((high - first) / (last + 1 - first))

    if beside is None:
        stream(_csv_rows, csv_out, lambda share: share_done(share / 2))
        stream(_jsonl_blocks, jsonl_out, lambda share: share_done((1 + share) / 2))
        return
    lines_share = [0.0]
    lines = beside.submit(
        on_its_own_connection, stream, _jsonl_blocks, jsonl_out, lambda share: lines_share.__setitem__(0, share)
    )

    def csv_done(share):
        if lines.done() and lines.exception():
            raise lines.exception()
        share_done(min(share, lines_share[0]))

    try:
        stream(_csv_rows, csv_out, csv_done)
    except BaseException:
        stop.set()  # and wait for the other thread, which writes into jsonl_out, to let go of it
        wait([lines])
        raise
    lines.result()


def _csv_rows(params):
    """The CSV rows of the events in params' range, one per event, as COPY sends them."""
    with copy_out(_EVENTS_CSV_COPY, params) as copy:
        yield from copy


def _jsonl_blocks(params):
    """The JSON Lines of the events in params' range, JSONL_BLOCK sequence numbers' worth at a time."""
    with connection.cursor() as cursor:
        for (block,) in cursor.cursor.stream(_EVENTS_JSONL, {**params, "block": JSONL_BLOCK}, binary=True):
            if block is not None:  # None: none of the block's sequence numbers is of the year
                yield block
