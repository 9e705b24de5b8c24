"""Migration 0030 on a database that already holds a chain hashed the old way (without the
object's description and the actor's id): it re-chains every event under today's definition and
signs the head, so verification passes, and now catches an edited description."""

import hashlib
import json
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from records.audit import GENESIS_HASH, verify_chain
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = ("records", "0029_import_confirmed_at")



def old_hash(previous, sequence, occurred_at, actor, action, object_type, object_id, payload):
    content = json.dumps({"sequence": sequence, "occurred_at": occurred_at.isoformat(), "actor": actor, "action": action,
                          "object_type": object_type, "object_id": object_id, "payload": payload},
                         sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((previous + content).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_an_old_chain_is_rechained_and_verifies():
    try:
        old = migrate_to(BEFORE)
        User, AuditEvent = old.get_model("records", "User"), old.get_model("records", "AuditEvent")
        AuditChainHead = old.get_model("records", "AuditChainHead")
        emma = User.objects.create(username="emma")
        previous, start = GENESIS_HASH, datetime(2026, 3, 1, 10, tzinfo=dt_timezone.utc)
        for sequence in range(1, 8):
            actor = emma if sequence % 2 else None
            values = dict(sequence=sequence, occurred_at=start + timedelta(minutes=sequence),
                          actor_name=actor.username if actor else "system", action="record.created",
                          object_type="records.record", object_id=str(sequence), payload={"n": sequence})
            digest = old_hash(previous, sequence, values["occurred_at"], values["actor_name"], values["action"],
                              values["object_type"], values["object_id"], values["payload"])
            AuditEvent.objects.create(actor=actor, object_repr=f"CPNI-2026-{sequence:06d}", previous_hash=previous,
                                      hash=digest, **values)
            previous = digest
        AuditChainHead.objects.create(id=1, last_sequence=7, last_hash=previous)

        migrate_to_latest()
        report = verify_chain()
        assert report.ok and report.checked == 7, report.problem
        from tests.records.test_audit import tamper

        tamper("UPDATE records_auditevent SET object_repr = 'CPNI-2026-000999' WHERE sequence = 3")
        assert verify_chain().broken_at == 3
    finally:
        migrate_to_latest()
