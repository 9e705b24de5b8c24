"""Appending to the hash-chained audit log. Every domain event goes through this module."""

import functools
import gc
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import NamedTuple

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.models import F, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from . import signing
from .copying import copies, copy_into
from .locks import locked_row
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


# json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder), with the
# encoder made once rather than per event (the same output: json.dumps passes JSONEncoder's defaults).
_CANONICAL_JSON = DjangoJSONEncoder(sort_keys=True, separators=(",", ":")).encode
_PLAIN_JSON = DjangoJSONEncoder().encode
_str = encode_basestring_ascii  # how json.dumps (ensure_ascii) writes a string
_sha256 = hashlib.sha256


def _canonical_payload_encoder():
    """_CANONICAL_JSON for a payload read back from the chain (JSON values only, so never circular):
    json's C encoder made once, rather than once per call as JSONEncoder.encode does. The same
    text (tests/records/test_audit.py compares them)."""
    if c_make_encoder is None:
        return _CANONICAL_JSON
    canonical = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"))
    encode = c_make_encoder(None, canonical.default, encode_basestring_ascii, None, ":", ",", True, False, True)
    return lambda value: "".join(encode(value, 0))


_PAYLOAD_JSON = _canonical_payload_encoder()
# json.loads without its wrappers: the C scanner over the whole text (checked to end there).
_scan_json = json.JSONDecoder().scan_once


def _payload_loads(text):
    """A payload's JSON text as json.loads reads it, without its wrappers; ValueError when it is no JSON."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        raise ValueError("not JSON")
    return value


_ORJSON_SORTED = orjson.OPT_SORT_KEYS


def _hash_quickly(previous_hash, sequence, occurred_at_iso, actor_id, actor_name, action, object_type, object_id,
                  object_repr, payload_text):
    """_digest over a stored event, its payload JSON text read and the whole event written by
    orjson: (payload, hash), or (None, None) when orjson cannot read or write them. In about 60% of
    json's time, and the same hash but for rare characters: orjson leaves non-ASCII characters
    as they are, and ASCII's backslashreplace escapes them as json does (\\u2014) except
    U+0080-U+00FF (\\xe9) and those beyond U+FFFF; json also escapes U+007F. A hash that does not
    match is computed again by json (ChainWalk.walk): the quick route can speed a verification up,
    never change its verdict."""
    try:
        payload = orjson.loads(payload_text)
        text = orjson.dumps({
            "action": action, "actor": actor_name, "actor_id": actor_id, "object_id": object_id,
            "object_repr": object_repr, "object_type": object_type, "occurred_at": occurred_at_iso,
            "payload": payload, "sequence": sequence,
        }, option=_ORJSON_SORTED)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None, None
    if not text.isascii():
        text = text.decode().encode("ascii", "backslashreplace")
    return payload, _sha256(previous_hash.encode() + text).hexdigest()


def event_hash(*, previous_hash, sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
               object_repr, payload):
    """SHA-256 over the previous hash and a canonical JSON of everything the event shows."""
    return _chain(previous_hash, sequence, occurred_at.isoformat(), actor_id, actor_name, action, object_type, object_id,
                  object_repr, payload)


def _chain(previous_hash, sequence, occurred_at_iso, actor_id, actor_name, action, object_type, object_id, object_repr,
           payload):
    return _digest(previous_hash, sequence, occurred_at_iso, actor_id, actor_name, action, object_type, str(object_id),
                   object_repr, _CANONICAL_JSON(payload))


def _digest(previous_hash, sequence, occurred_at_iso, actor_id, actor_name, action, object_type, object_id, object_repr,
            payload_json):
    """The canonical JSON of an event written out key by key, in sorted order, around the payload's
    canonical JSON: the same text as _CANONICAL_JSON over the whole event (the hash's definition,
    pinned by tests/records/test_audit.py), without building and sorting a dict per event."""
    actor_id = "null" if actor_id is None else int.__repr__(actor_id)
    return _sha256(
        f'{previous_hash}{{"action":{_str(action)},"actor":{_str(actor_name)},"actor_id":{actor_id},'
        f'"object_id":{_str(object_id)},"object_repr":{_str(object_repr)},"object_type":{_str(object_type)},'
        f'"occurred_at":{_str(occurred_at_iso)},"payload":{payload_json},"sequence":{int.__repr__(sequence)}}}'.encode()
    ).hexdigest()


def signed_message(kind, sequence, hash, signed_at_iso):
    """The bytes signed for the chain's head ("head") or a checkpoint and its anchor ("checkpoint"):
    the kinds differ so that a checkpoint's signature cannot be replayed as the head's."""
    return f"CPNI Track audit chain {kind}\nsequence {sequence}\nhash {hash}\nsigned_at {signed_at_iso}\n".encode()


def head_sign(head, signed_at):
    head.signed_at = signed_at
    head.signature = signing.b64(signing.sign(signed_message("head", head.last_sequence, head.last_hash,
                                                             signed_at.isoformat())))


class Appended(NamedTuple):
    """An appended event: AuditEvent's columns (COPY_COLUMNS), the payload as stored. A tuple
    rather than a model instance, made for each of the hundreds of thousands a job appends."""

    sequence: int
    occurred_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    payload: object
    previous_hash: str
    hash: str


# The columns COPY fills (the id is the table's own). Checked against the model when this module
# loads, so that a field added to AuditEvent cannot be left out of the COPY unnoticed.
COPY_COLUMNS = Appended._fields
if tuple(f.attname for f in AuditEvent._meta.concrete_fields) != ("id", *COPY_COLUMNS):
    raise ImproperlyConfigured("AuditEvent's fields changed: update records.audit.Appended.")


@dataclass
class Entry:
    """One event to append: about `obj` (a model instance) or a described object."""

    action: str
    obj: object = None
    payload: dict = field(default_factory=dict)
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""


def audit_events_record(*, actor, entries):
    """Append events to the chain in order, in the caller's transaction, so the events exist
    exactly when the changes they describe are committed. The chain head row is locked while
    appending, which serialises writers and keeps the chain linear. No savepoint: an append that
    fails leaves the caller's transaction to be rolled back whole, as it must be anyway. Returns
    the events (Appended)."""
    if not entries:
        return []
    actor_name = actor.get_username() if actor is not None else "system"
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        occurred_at = timezone.now()
        stamp = occurred_at.isoformat()
        events, texts = [], []
        sequence, previous_hash = head.last_sequence, head.last_hash
        for entry in entries:
            sequence += 1
            text = _PLAIN_JSON(entry.payload or {})
            payload = json.loads(text)
            object_type, object_id, object_repr = entry.object_type, str(entry.object_id), entry.object_repr
            if entry.obj is not None:
                object_type = entry.obj._meta.label_lower
                object_id = str(entry.obj.pk)
                object_repr = str(entry.obj)
            object_repr = object_repr[:200]
            digest = _chain(previous_hash, sequence, stamp, actor_id, actor_name, entry.action, object_type, object_id,
                            object_repr, payload)
            events.append(Appended(sequence, occurred_at, actor_id, actor_name, entry.action, object_type, object_id,
                                   object_repr, payload, previous_hash, digest))
            texts.append(text)
            previous_hash = digest
        head.last_sequence, head.last_hash = sequence, previous_hash
        head_sign(head, occurred_at)
        _append(events, texts, head)
    return events


def _locked_head():
    """The chain's head, locked until the transaction ends (made by the first append)."""
    head = locked_row(AuditChainHead, 1)
    if head is None:
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})
    return head


# Up to this many events go in with the head's update in one statement (PostgreSQL): an audited
# change appends one or a few, and COPY's extra round trip and the head's own UPDATE cost more
# than its other statements. A job's chunks go in with COPY.
INSERTED_WITH_HEAD = 50


def _append(events, payload_texts, head):
    """Insert the events (Appended; `payload_texts` are their payloads as JSON) and save the head
    that now follows them."""
    rows = (event._replace(payload=text) for event, text in zip(events, payload_texts, strict=True))
    if copies(AuditEvent) and len(events) <= INSERTED_WITH_HEAD:
        with connections[router.db_for_write(AuditEvent)].cursor() as cursor:
            cursor.execute(_inserted_with_head_sql(cursor.db.alias, len(events)),
                           [*(value for row in rows for value in row), head.last_hash, head.signed_at, head.signature])
        return
    if copies(AuditEvent):
        copy_into(AuditEvent, COPY_COLUMNS, rows)
    else:
        AuditEvent.objects.bulk_create(AuditEvent(**event._asdict()) for event in events)
    head.save(update_fields=["last_sequence", "last_hash", "signed_at", "signature"])


@functools.cache
def _inserted_with_head_sql(alias, count):
    """`count` events inserted and the head moved to the last (its hash and signature as
    parameters), in one statement. The head's sequence is read from what the INSERT returns, so
    that every event is in before the head's row moves (its trigger checks that the head names the
    newest event)."""
    quote = connections[alias].ops.quote_name
    row = f"({', '.join('%s::jsonb' if column == 'payload' else '%s' for column in COPY_COLUMNS)})"
    return (f"WITH appended AS (INSERT INTO {quote(AuditEvent._meta.db_table)} "  # nosec B608: the models' own tables and columns
            f"({', '.join(quote(column) for column in COPY_COLUMNS)}) VALUES {', '.join([row] * count)} RETURNING sequence) "
            f"UPDATE {quote(AuditChainHead._meta.db_table)} SET last_sequence = (SELECT max(sequence) FROM appended), "
            "last_hash = %s, signed_at = %s, signature = %s WHERE id = 1")


def audit_event_record(*, actor, action, obj=None, payload=None, object_type="", object_id="", object_repr=""):
    """Append one event (see audit_events_record)."""
    entry = Entry(action, obj, payload or {}, object_type, object_id, object_repr)
    return audit_events_record(actor=actor, entries=[entry])[0]


CHECKPOINT_ACTION = "audit.checkpoint"


def checkpoint_signed(head, signed_at):
    """A signed statement that the chain reached `head` (its sequence and hash) at `signed_at`: the
    payload of a checkpoint event and the content of an anchor file."""
    stamp = signed_at.isoformat()
    signature = signing.sign(signed_message("checkpoint", head.last_sequence, head.last_hash, stamp))
    return {
        "sequence": head.last_sequence,
        "hash": head.last_hash,
        "signed_at": stamp,
        "signature": signing.b64(signature),
        "public_key_fingerprint": signing.fingerprint(),
    }


def checkpoint_problem(checkpoint):
    """Why `checkpoint` (a dict as checkpoint_signed makes) is not signed by this installation's
    key, or "" when it is."""
    try:
        message = signed_message("checkpoint", int(checkpoint["sequence"]), checkpoint["hash"], checkpoint["signed_at"])
        signature = signing.from_b64(checkpoint["signature"])
    except (KeyError, TypeError, ValueError):
        return "it is incomplete"
    if signing.verify(message, signature):
        return ""
    their_key = checkpoint.get("public_key_fingerprint", "")
    if their_key and their_key != signing.fingerprint():
        return (f"it is signed by a key this installation does not trust ({their_key}; its own is "
                f"{signing.fingerprint()}; a replaced key's public half goes in AUDIT_RETIRED_PUBLIC_KEY_FILES)")
    return "its signature does not match its sequence and hash: it was made or changed without the signing key"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None  # sequence of the first event that does not fit
    problem: str = ""
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0  # signed checkpoints found in the chain and verified
    last_checkpoint: int | None = None  # the sequence the newest of them vouches for


# Events read and hashed per query: large enough that the per-query cost is lost in the hashing,
# small enough that a chunk's rows (about 1.5 kB each) stay a few megabytes.
VERIFY_CHUNK_SIZE = 10_000

# PostgreSQL writes the time as Python's datetime.isoformat() does for a UTC time (whole seconds
# without a fraction, handled when the row is read): turning 1.6 million timestamptz values into
# datetime objects costs more than hashing the events.
_PG_ISO_TIME = "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
_WHOLE_SECOND = ".000000+00:00"


def _chain_rows_query():
    """Each event as the tuple ChainWalk.walk reads: its time as isoformat text (a datetime where
    the database cannot write it), its payload as JSON text."""
    vendor = connections[router.db_for_read(AuditEvent)].vendor
    when = RawSQL(_PG_ISO_TIME, (), output_field=TextField()) if vendor == "postgresql" else F("occurred_at")  # nosec B611: a constant, no parameters
    return AuditEvent.objects.order_by("sequence").annotate(when=when, body=Cast("payload", TextField())).values_list(
        "sequence", "when", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "body",
        "previous_hash", "hash",
    )


@contextmanager
def _collector_paused():
    """A chunk makes tens of thousands of short-lived, acyclic tuples and dicts: the cyclic garbage
    collector's passes over them would cost more than the hashing. Reference counting frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ChainWalk:
    """A walk along the chain from a trusted point (the genesis, or a verified checkpoint's sequence
    and hash): where it stands (the last event verified), what it met, and the first broken link.
    Its state() is plain data, so that a job can keep it with its cursor and go on later."""

    def __init__(self, sequence=0, hash=GENESIS_HASH, checked=0, checkpoints=0, last_checkpoint=None):
        self.sequence, self.hash, self.checked = sequence, hash, checked
        self.checkpoints, self.last_checkpoint = checkpoints, last_checkpoint
        self.broken_at, self.problem = None, ""
        self.head_sequence, self.head_hash = 0, GENESIS_HASH

    def state(self):
        return {"sequence": self.sequence, "hash": self.hash, "checked": self.checked,
                "checkpoints": self.checkpoints, "last_checkpoint": self.last_checkpoint}

    @classmethod
    def from_state(cls, state):
        return cls(**state)

    @property
    def ok(self):
        return not self.problem

    def _broken(self, sequence, problem):
        self.broken_at, self.problem = sequence, problem
        return False

    def next_rows(self, chunk_size=None):
        return _rows_after(self.sequence, chunk_size)

    def walk(self, rows):
        """Verify `rows` (the next events, as _chain_rows_query gives them) after where the walk
        stands; False at the first broken link: an event whose content no longer matches its hash
        (edited), whose previous hash is not the hash of the event before it (deleted, inserted
        or reordered), a gap in the sequence, or a signed checkpoint that does not vouch for the
        chain as it now is (rewritten and recomputed)."""
        expected, previous = self.sequence + 1, self.hash
        digest_of, quickly, loads, canonical = _digest, _hash_quickly, _payload_loads, _PAYLOAD_JSON
        whole = _WHOLE_SECOND
        with _collector_paused():
            for sequence, when, actor_id, actor_name, action, object_type, object_id, object_repr, body, \
                    previous_hash, stored_hash in rows:
                if sequence != expected:
                    return self._broken(sequence, f"event #{expected} is missing: the next one is #{sequence}")
                if previous_hash != previous:
                    return self._broken(sequence, f"event #{sequence} does not follow event #{sequence - 1}: "
                                                  "an event before it was changed, removed, inserted or moved")
                if when.__class__ is not str:
                    when = when.isoformat()
                elif when.endswith(whole):
                    when = when[:-13] + "+00:00"
                payload, digest = quickly(previous, sequence, when, actor_id, actor_name, action, object_type,
                                          object_id, object_repr, body)
                if digest != stored_hash:
                    try:
                        payload = loads(body)
                    except ValueError:
                        return self._broken(sequence, f"event #{sequence} was altered: its payload is not JSON")
                    if digest_of(previous, sequence, when, actor_id, actor_name, action, object_type, object_id,
                                 object_repr, canonical(payload)) != stored_hash:
                        return self._broken(sequence,
                                            f"event #{sequence} was altered: its content no longer matches its hash")
                if action == CHECKPOINT_ACTION and not self._checkpoint_fits(sequence, previous_hash, payload):
                    return False
                previous, expected = stored_hash, expected + 1
                self.sequence, self.hash, self.checked = sequence, stored_hash, self.checked + 1
        return True

    def _checkpoint_fits(self, sequence, previous_hash, checkpoint):
        why = checkpoint_problem(checkpoint)
        if why:
            return self._broken(sequence, f"the signed checkpoint in event #{sequence} is not valid: {why}")
        if (checkpoint["sequence"], checkpoint["hash"]) != (sequence - 1, previous_hash):
            return self._broken(checkpoint["sequence"],
                                f"the signed checkpoint in event #{sequence} vouches for another hash of event "
                                f"#{checkpoint['sequence']}: the events up to it were rewritten and their hashes recomputed")
        self.checkpoints, self.last_checkpoint = self.checkpoints + 1, checkpoint["sequence"]
        return True

    def finish(self):
        """Compare where the walk ended with the chain's head, read with the newest event's sequence
        in one statement (so an append meanwhile changes both); events appended since the walk's
        last chunk are walked first. False if the chain ends short of, or past, its recorded
        head, or the head is not signed with the key."""
        while True:
            head, last = _head_and_last_sequence()
            if last <= self.sequence:
                break
            rows = self.next_rows()
            if not rows:  # removed between the two reads: the next round sees it
                continue
            if not self.walk(rows):
                return False
        head_sequence, head_hash = (head.last_sequence, head.last_hash) if head else (0, GENESIS_HASH)
        self.head_sequence, self.head_hash = head_sequence, head_hash
        if (head_sequence, head_hash) != (self.sequence, self.hash):
            if head_sequence == self.sequence:
                return self._broken(head_sequence, f"the chain head records another hash for event #{head_sequence} "
                                                   "than the event has: the head was changed")
            return self._broken(self.sequence + 1 if head_sequence > self.sequence else self.sequence,
                                f"the chain ends at event #{self.sequence} but its head records event #{head_sequence}: "
                                "events were removed from, or added to, the end")
        if head is not None and not _head_signature_ok(head):
            return self._broken(head_sequence, f"the chain head (event #{head_sequence}) is not signed with this "
                                               "installation's key: the head, and the events behind it, were rewritten "
                                               "without the key")
        return True

    def report(self):
        return ChainReport(self.ok, self.checked, self.broken_at, self.problem, head_sequence=self.head_sequence,
                           head_hash=self.head_hash, checkpoints=self.checkpoints, last_checkpoint=self.last_checkpoint)


def _head_and_last_sequence():
    """The chain head (None before the first event) and the newest event's sequence, as one
    statement sees them."""
    newest = AuditEvent.objects.order_by("-sequence").values("sequence")[:1]
    head = AuditChainHead.objects.filter(id=1).annotate(newest=Subquery(newest)).first()
    if head is None:
        return None, AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    return head, head.newest or 0


def _rows_after(sequence, chunk_size=None):
    with _collector_paused():
        return list(_chain_rows_query().filter(sequence__gt=sequence)[:chunk_size or VERIFY_CHUNK_SIZE])


class _RowsAhead:
    """The next chunk read by a thread of its own (with its own connection) while this one hashes
    the current chunk: the database's half of the work then overlaps Python's. Only on PostgreSQL
    and outside a transaction, where the other connection sees the same committed events."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-chain-rows")

    def fetch(self, sequence, chunk_size):
        return self.pool.submit(_rows_after, sequence, chunk_size)

    def close(self):
        self.pool.submit(connections.close_all).result()
        self.pool.shutdown()


class _RowsNow:
    def fetch(self, sequence, chunk_size):
        return _Done(_rows_after(sequence, chunk_size))

    def close(self):
        pass


@dataclass
class _Done:
    rows: list

    def result(self):
        return self.rows


def _reader():
    connection = connections[router.db_for_read(AuditEvent)]
    return _RowsAhead() if connection.vendor == "postgresql" and not connection.in_atomic_block else _RowsNow()


def chain_walk(walk, chunk_size=None, after_chunk=None):
    """Walk on from where `walk` stands to the head, a chunk at a time, calling after_chunk(walk,
    count) after each chunk that verified; then finish(). Returns the walk."""
    reader = _reader()
    try:
        pending = reader.fetch(walk.sequence, chunk_size)
        while True:
            rows = pending.result()
            if not rows:
                break
            pending = reader.fetch(rows[-1][0], chunk_size)
            if not walk.walk(rows):
                return walk
            if after_chunk:
                after_chunk(walk, len(rows))
    finally:
        reader.close()
    walk.finish()
    return walk


def verify_chain(chunk_size=None, progress=None):
    """Walk the whole chain in order from its first event, a chunk at a time, and report the first
    broken link (see ChainWalk.walk and ChainWalk.finish)."""
    return chain_walk(ChainWalk(), chunk_size, (lambda walk, count: progress(count)) if progress else None).report()


def _head_signature_ok(head):
    if head.signed_at is None:
        return False
    message = signed_message("head", head.last_sequence, head.last_hash, head.signed_at.isoformat())
    return signing.verify(message, signing.from_b64(head.signature))
