import pytest

from records.audit import GENESIS_HASH, audit_event_record, event_hash
from records.models import AuditEvent


@pytest.mark.django_db
def test_events_form_a_hash_chain(employee):
    first = audit_event_record(actor=employee, action="test.one", payload={"n": 1})
    second = audit_event_record(actor=None, action="test.two")
    assert (first.sequence, second.sequence) == (first.sequence, first.sequence + 1)
    assert second.previous_hash == first.hash and second.actor_name == "system"
    chain = list(AuditEvent.objects.order_by("sequence"))
    previous = GENESIS_HASH
    for event in chain:
        assert event.previous_hash == previous
        assert event.hash == event_hash(
            previous_hash=previous, sequence=event.sequence, occurred_at=event.occurred_at,
            actor_name=event.actor_name, action=event.action, object_type=event.object_type,
            object_id=event.object_id, payload=event.payload,
        )
        previous = event.hash


@pytest.mark.django_db
def test_a_changed_payload_no_longer_matches_its_hash(employee):
    event = audit_event_record(actor=employee, action="record.updated", payload={"title": ["a", "b"]})
    recomputed = event_hash(
        previous_hash=event.previous_hash, sequence=event.sequence, occurred_at=event.occurred_at,
        actor_name=event.actor_name, action=event.action, object_type="", object_id="",
        payload={"title": ["a", "c"]},
    )
    assert recomputed != event.hash
