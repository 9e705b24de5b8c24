"""Appending to the hash-chained audit log. Every domain event goes through this module."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.utils import timezone

from . import signing
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


# json.dumps(content, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder), with the
# encoder made once rather than per event (the same output: json.dumps passes JSONEncoder's defaults).
_CANONICAL_JSON = DjangoJSONEncoder(sort_keys=True, separators=(",", ":")).encode
_PLAIN_JSON = DjangoJSONEncoder().encode


def event_hash(*, previous_hash, sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
               object_repr, payload):
    """SHA-256 over the previous hash and a canonical JSON of everything the event shows."""
    return _chain(previous_hash, sequence, occurred_at.isoformat(), actor_id, actor_name, action, object_type, object_id,
                  object_repr, payload)


def _chain(previous_hash, sequence, occurred_at_iso, actor_id, actor_name, action, object_type, object_id, object_repr,
           payload):
    content = _CANONICAL_JSON(
        {
            "sequence": sequence,
            "occurred_at": occurred_at_iso,
            "actor": actor_name,
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": object_repr,
            "payload": payload,
        }
    )
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


def signed_message(kind, sequence, hash, signed_at_iso):
    """The bytes signed for the chain's head ("head") or a checkpoint and its anchor ("checkpoint"):
    the kinds differ so that a checkpoint's signature cannot be replayed as the head's."""
    return f"CPNI Track audit chain {kind}\nsequence {sequence}\nhash {hash}\nsigned_at {signed_at_iso}\n".encode()


def head_sign(head, signed_at):
    head.signed_at = signed_at
    head.signature = signing.b64(signing.sign(signed_message("head", head.last_sequence, head.last_hash,
                                                             signed_at.isoformat())))


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
    actor_id = actor.pk if actor is not None else None
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
            object_repr = object_repr[:200]
            digest = _chain(previous_hash, sequence, stamp, actor_id, actor_name, entry.action, object_type, object_id,
                            object_repr, payload)
            events.append(
                AuditEvent(
                    sequence=sequence,
                    occurred_at=occurred_at,
                    actor=actor,
                    actor_name=actor_name,
                    action=entry.action,
                    object_type=object_type,
                    object_id=object_id,
                    object_repr=object_repr,
                    payload=payload,
                    previous_hash=previous_hash,
                    hash=digest,
                )
            )
            texts.append(text)
            previous_hash = digest
        _append(events, texts)
        head.last_sequence, head.last_hash = sequence, previous_hash
        head_sign(head, occurred_at)
        head.save(update_fields=["last_sequence", "last_hash", "signed_at", "signature"])
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


def verify_chain(chunk_size=5000, progress=None):
    """Walk the whole chain in order, a chunk at a time, and report the first broken link: an
    event whose content no longer matches its hash (edited), whose previous hash is not the hash
    of the event before it (deleted, inserted or reordered), a gap in the sequence, a signed
    checkpoint that does not vouch for the chain as it now is (rewritten and recomputed), or a
    chain that ends short of, or past, its recorded head, or a head not signed with the key."""
    previous_hash, expected_sequence, checked = GENESIS_HASH, 1, 0
    checkpoints, last_checkpoint = 0, None
    events = AuditEvent.objects.order_by("sequence")
    last_sequence = 0

    def broken(sequence, problem):
        return ChainReport(False, checked, sequence, problem, checkpoints=checkpoints, last_checkpoint=last_checkpoint)

    while True:
        chunk = list(events.filter(sequence__gt=last_sequence)[:chunk_size])
        if not chunk:
            break
        for event in chunk:
            if event.sequence != expected_sequence:
                return broken(event.sequence, f"event #{expected_sequence} is missing: the next one is #{event.sequence}")
            if event.previous_hash != previous_hash:
                return broken(event.sequence, f"event #{event.sequence} does not follow event #{event.sequence - 1}: "
                                              "an event before it was changed, removed, inserted or moved")
            digest = event_hash(
                previous_hash=event.previous_hash, sequence=event.sequence, occurred_at=event.occurred_at,
                actor_id=event.actor_id, actor_name=event.actor_name, action=event.action,
                object_type=event.object_type, object_id=event.object_id, object_repr=event.object_repr,
                payload=event.payload,
            )
            if digest != event.hash:
                return broken(event.sequence, f"event #{event.sequence} was altered: its content no longer matches its hash")
            if event.action == CHECKPOINT_ACTION:
                checkpoint = event.payload
                why = checkpoint_problem(checkpoint)
                if why:
                    return broken(event.sequence, f"the signed checkpoint in event #{event.sequence} is not valid: {why}")
                if (checkpoint["sequence"], checkpoint["hash"]) != (event.sequence - 1, event.previous_hash):
                    return broken(checkpoint["sequence"],
                                  f"the signed checkpoint in event #{event.sequence} vouches for another hash of event "
                                  f"#{checkpoint['sequence']}: the events up to it were rewritten and their hashes recomputed")
                checkpoints, last_checkpoint = checkpoints + 1, checkpoint["sequence"]
            previous_hash, expected_sequence = event.hash, expected_sequence + 1
            checked += 1
        last_sequence = chunk[-1].sequence
        if progress:
            progress(len(chunk))
    head = AuditChainHead.objects.filter(id=1).first()
    head_sequence, head_hash = (head.last_sequence, head.last_hash) if head else (0, GENESIS_HASH)
    if (head_sequence, head_hash) != (checked, previous_hash):
        return broken(checked + 1 if head_sequence > checked else checked,
                      f"the chain ends at event #{checked} but its head records event #{head_sequence}: "
                      "events were removed from, or added to, the end")
    if head is not None and not _head_signature_ok(head):
        return broken(head_sequence, f"the chain head (event #{head_sequence}) is not signed with this installation's "
                                     "key: the head, and the events behind it, were rewritten without the key")
    return ChainReport(True, checked, head_sequence=head_sequence, head_hash=head_hash, checkpoints=checkpoints,
                       last_checkpoint=last_checkpoint)


def _head_signature_ok(head):
    if head.signed_at is None:
        return False
    message = signed_message("head", head.last_sequence, head.last_hash, head.signed_at.isoformat())
    return signing.verify(message, signing.from_b64(head.signature))
