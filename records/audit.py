"""Appending to the hash-chained audit log. Every domain event goes through audit_event_record."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def event_hash(*, previous_hash, sequence, occurred_at, actor_name, action, object_type, object_id, payload):
    """SHA-256 over the previous hash and a canonical JSON of the event's content."""
    content = json.dumps(
        {
            "sequence": sequence,
            "occurred_at": occurred_at.isoformat(),
            "actor": actor_name,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


def audit_event_record(*, actor, action, obj=None, payload=None, object_type="", object_id="", object_repr=""):
    """Append one event to the chain. Runs in the caller's transaction, so the event exists exactly
    when the change it describes was committed. The chain head row is locked while appending."""
    payload = json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = str(obj)[:200]
    actor_name = actor.get_username() if actor is not None else "system"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": GENESIS_HASH}
        )
        sequence = head.last_sequence + 1
        occurred_at = timezone.now()
        digest = event_hash(
            previous_hash=head.last_hash,
            sequence=sequence,
            occurred_at=occurred_at,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=payload,
        )
        event = AuditEvent.objects.create(
            sequence=sequence,
            occurred_at=occurred_at,
            actor=actor,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            payload=payload,
            previous_hash=head.last_hash,
            hash=digest,
        )
        head.last_sequence = sequence
        head.last_hash = digest
        head.save(update_fields=["last_sequence", "last_hash"])
    return event
