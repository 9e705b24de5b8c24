"""Appending to the hash-chained audit log. Every domain event goes through this module."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


# json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder), with the
# encoder made once rather than per event (the same output: json.dumps passes JSONEncoder's defaults).
_CANONICAL_JSON = DjangoJSONEncoder(sort_keys=True, separators=(",", ":")).encode
_PLAIN_JSON = DjangoJSONEncoder().encode


def event_hash(*, previous_hash, sequence, occurred_at, actor_name, action, object_type, object_id, payload):
    """SHA-256 over the previous hash and a canonical JSON of the event's content."""
    return _chain(previous_hash, sequence, occurred_at.isoformat(), actor_name, action, object_type, object_id, payload)


def _chain(previous_hash, sequence, occurred_at_iso, actor_name, action, object_type, object_id, payload):
    content = _CANONICAL_JSON(
        {
            "sequence": sequence,
            "occurred_at": occurred_at_iso,
            "actor": actor_name,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "payload": payload,
        }
    )
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


# The columns COPY fills (the id is the table's own). Checked against the model when this module
# loads, so that a field added to AuditEvent cannot be left out of the COPY unnoticed.
COPY_COLUMNS = ("sequence", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id",
                "object_repr", "payload", "previous_hash", "hash")
if tuple(f.attname for f in AuditEvent._meta.concrete_fields) != ("id", *COPY_COLUMNS):
    raise ImproperlyConfigured("AuditEvent's fields changed: update records.audit.COPY_COLUMNS.")


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
    appending, which serialises writers and keeps the chain linear."""
    if not entries:
        return []
    actor_name = actor.get_username() if actor is not None else "system"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})
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
            digest = _chain(previous_hash, sequence, stamp, actor_name, entry.action, object_type, object_id, payload)
            events.append(
                AuditEvent(
                    sequence=sequence,
                    occurred_at=occurred_at,
                    actor=actor,
                    actor_name=actor_name,
                    action=entry.action,
                    object_type=object_type,
                    object_id=object_id,
                    object_repr=object_repr[:200],
                    payload=payload,
                    previous_hash=previous_hash,
                    hash=digest,
                )
            )
            texts.append(text)
            previous_hash = digest
        _append(events, texts)
        head.last_sequence, head.last_hash = sequence, previous_hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return events


def _append(events, payload_texts):
    """Insert the events: with COPY on PostgreSQL (the events then carry no pk; `payload_texts`
    are their payloads as JSON), bulk_create elsewhere. COPY is an insert like any other: the
    append-only trigger lets it through, and it runs in the caller's transaction."""
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(events)
        return
    columns = ", ".join(connection.ops.quote_name(column) for column in COPY_COLUMNS)
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(AuditEvent._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for e, payload in zip(events, payload_texts, strict=True):
                copy.write_row((e.sequence, e.occurred_at, e.actor_id, e.actor_name, e.action, e.object_type,
                                e.object_id, e.object_repr, payload, e.previous_hash, e.hash))


def audit_event_record(*, actor, action, obj=None, payload=None, object_type="", object_id="", object_repr=""):
    """Append one event (see audit_events_record)."""
    entry = Entry(action, obj, payload or {}, object_type, object_id, object_repr)
    return audit_events_record(actor=actor, entries=[entry])[0]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None  # sequence of the first event that does not fit
    problem: str = ""


def verify_chain(chunk_size=5000, progress=None):
    """Walk the whole chain in order, a chunk at a time, and report the first broken link: an
    event whose content no longer matches its hash (edited), whose previous hash is not the hash
    of the event before it (deleted, inserted or reordered), a gap in the sequence, or a chain
    that ends short of, or past, its recorded head."""
    previous_hash, expected_sequence, checked = GENESIS_HASH, 1, 0
    events = AuditEvent.objects.order_by("sequence")
    last_sequence = 0
    while True:
        chunk = list(events.filter(sequence__gt=last_sequence)[:chunk_size])
        if not chunk:
            break
        for event in chunk:
            if event.sequence != expected_sequence:
                return ChainReport(False, checked, event.sequence,
                                   f"event #{expected_sequence} is missing: the next one is #{event.sequence}")
            if event.previous_hash != previous_hash:
                return ChainReport(False, checked, event.sequence,
                                   f"event #{event.sequence} does not follow event #{event.sequence - 1}: "
                                   "an event before it was changed, removed, inserted or moved")
            digest = event_hash(
                previous_hash=event.previous_hash, sequence=event.sequence, occurred_at=event.occurred_at,
                actor_name=event.actor_name, action=event.action, object_type=event.object_type,
                object_id=event.object_id, payload=event.payload,
            )
            if digest != event.hash:
                return ChainReport(False, checked, event.sequence,
                                   f"event #{event.sequence} was altered: its content no longer matches its hash")
            previous_hash, expected_sequence = event.hash, expected_sequence + 1
            checked += 1
        last_sequence = chunk[-1].sequence
        if progress:
            progress(len(chunk))
    head = AuditChainHead.objects.filter(id=1).first()
    head_sequence, head_hash = (head.last_sequence, head.last_hash) if head else (0, GENESIS_HASH)
    if (head_sequence, head_hash) != (checked, previous_hash):
        return ChainReport(False, checked, checked + 1 if head_sequence > checked else checked,
                           f"the chain ends at event #{checked} but its head records event #{head_sequence}: "
                           "events were removed from, or added to, the end")
    return ChainReport(True, checked)
