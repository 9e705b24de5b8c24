"""The audit chain's hash covers everything an event shows (its object's description and the
acting user's id, besides what it covered before), and its head is signed with the key the
database does not hold. Existing events are re-chained under the new definition and the head signed."""

import hashlib

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

GENESIS_HASH = "0" * 64
CHUNK = 5000
_CANONICAL_JSON = DjangoJSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _hash(previous_hash, event):
    # The definition of records.audit.event_hash when this migration was written.
    content = _CANONICAL_JSON({
        "sequence": event.sequence, "occurred_at": event.occurred_at.isoformat(), "actor": event.actor_name,
        "actor_id": event.actor_id, "action": event.action, "object_type": event.object_type,
        "object_id": str(event.object_id), "object_repr": event.object_repr, "payload": event.payload,
    })
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


def _triggers(schema_editor, enable):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
        schema_editor.execute(
            f"ALTER TABLE records_auditevent {'ENABLE' if enable else 'DISABLE'} TRIGGER records_auditevent_append_only"
        )


def rechain(apps, schema_editor):
    AuditEvent = apps.get_model("records", "AuditEvent")
    AuditChainHead = apps.get_model("records", "AuditChainHead")
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None:
        return
    _triggers(schema_editor, enable=False)
    # Every hash changes, and hashes are unique: make room first, then write the new ones.
    AuditEvent.objects.update(
        hash=models.functions.Concat(models.Value("old:"), models.F("sequence"), output_field=models.CharField())
    )
    previous, last = GENESIS_HASH, 0
    while True:
        chunk = list(AuditEvent.objects.filter(sequence__gt=last).order_by("sequence")[:CHUNK])
        if not chunk:
            break
        for event in chunk:
            event.previous_hash, event.hash = previous, _hash(previous, event)
            previous = event.hash
        AuditEvent.objects.bulk_update(chunk, ["previous_hash", "hash"])
        last = chunk[-1].sequence
    _triggers(schema_editor, enable=True)

    from django.utils import timezone

    from records import signing

    signed_at = timezone.now()
    message = (f"CPNI Track audit chain head\nsequence {head.last_sequence}\nhash {previous}\n"
               f"signed_at {signed_at.isoformat()}\n").encode()
    head.last_hash, head.signed_at, head.signature = previous, signed_at, signing.b64(signing.sign(message))
    head.save(update_fields=["last_hash", "signed_at", "signature"])


class Migration(migrations.Migration):
    dependencies = [("records", "0029_import_confirmed_at")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="signature",
            field=models.CharField(blank=True, help_text="Ed25519, base64.", max_length=100),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="signed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
