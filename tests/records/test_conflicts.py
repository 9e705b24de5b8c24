"""Two people changing the same thing at once: the second finds the state changed under its row
lock and is answered 409 with what happened, on the API and on the pages alike; nothing of the
second change is written."""

import pytest
from django.urls import reverse

from records import destruction, holds, services
from records.conflicts import StateConflict
from records.lifecycle import TransitionNotAllowed
from records.models import AuditEvent, Destruction, LegalHold, Record, Status
from tests.api.conftest import token_client as api_of
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def someone_else_first(monkeypatch, module, name, first):
    """`module.name` as it runs when `first()` commits the same change just before it."""
    real = getattr(module, name)

    def raced(**kwargs):
        first(real)
        return real(**kwargs)

    monkeypatch.setattr(module, name, raced)


@pytest.fixture
def hold(records_manager, employee):
    record = make_record(custodian=employee, status=Status.DUE)
    return holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                            records=Record.objects.filter(pk=record.pk))


@pytest.fixture
def colleague_manager(db):
    from records.roles import Role
    from tests.factories import UserFactory

    return UserFactory(username="ruth", role=Role.RECORDS_MANAGER)


def edit_data(client, record):
    """The record form as its page shows it, with a new title."""
    form = client.get(reverse("record-edit", args=[record.reference])).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    return {**data, "title": f"{record.title} (edited)"}


def release_first(hold, actor):
    return lambda real: real(actor=actor, hold=hold, reason="settled")


def test_a_state_conflict_is_a_validation_error_and_a_refused_transition_is_one():
    assert issubclass(StateConflict, Exception) and issubclass(TransitionNotAllowed, StateConflict)
    assert str(StateConflict("This hold was already released.")) == "This hold was already released."


class TestApi:
    def test_releasing_a_hold_someone_released_meanwhile(self, monkeypatch, hold, records_manager, colleague_manager):
        someone_else_first(monkeypatch, holds, "hold_release", release_first(hold, colleague_manager))
        response = api_of(records_manager).post(f"/api/v1/holds/{hold.pk}/release/", {"reason": "closed"}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "state_conflict" and "already released" in response.json()["detail"]
        assert LegalHold.objects.get().released_by == colleague_manager
        assert AuditEvent.objects.filter(action="hold.released").count() == 1

    def test_validating_a_destruction_someone_validated_meanwhile(self, monkeypatch, employee, netops, records_manager):
        record = make_record(custodian=employee, status=Status.DESTROYED)
        someone_else_first(monkeypatch, destruction, "destruction_validate",
                           lambda real: real(actor=netops, destruction=record.destruction))
        response = api_of(records_manager).post(f"/api/v1/records/{record.reference}/validate/")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"
        assert response.json()["detail"].startswith("Already validated by")
        assert Destruction.objects.get().validated_by == netops

    def test_keeping_longer_a_record_that_went_into_destruction_meanwhile(self, monkeypatch, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)

        def marked_first(real):
            destruction.record_mark_for_shredding(actor=employee, record=record)

        someone_else_first(monkeypatch, services, "record_extend_retention", marked_first)
        response = api_of(records_manager).post(
            f"/api/v1/records/{record.reference}/extend/",
            {"period_value": 1, "period_unit": "years", "reason": "FCC inquiry"}, format="json",
        )
        assert response.status_code == 409 and "being destroyed" in response.json()["detail"]
        assert not Record.objects.get(pk=record.pk).extensions.exists()


class TestPages:
    def test_releasing_a_hold_someone_released_meanwhile(self, client, monkeypatch, hold, records_manager, colleague_manager):
        someone_else_first(monkeypatch, holds, "hold_release", release_first(hold, colleague_manager))
        client.force_login(records_manager)
        response = client.post(reverse("hold-release", args=[hold.pk]), {"reason": "closed"})
        assert response.status_code == 409 and "This hold was already released." in response.content.decode()
        assert LegalHold.objects.get().released_by == colleague_manager

    def test_editing_a_record_put_on_hold_meanwhile(self, client, monkeypatch, employee, records_manager):
        record = make_record(custodian=employee, title="Toll tickets")

        def held_first(real):
            holds.hold_place(actor=records_manager, matter="Smith", reason="R", scope="t",
                             records=Record.objects.filter(pk=record.pk))

        someone_else_first(monkeypatch, services, "record_update", held_first)
        client.force_login(employee)
        response = client.post(reverse("record-edit", args=[record.reference]), edit_data(client, record))
        assert response.status_code == 409
        page = response.content.decode()
        assert "under legal hold" in page and "Nothing from this request was saved" in page
        assert Record.objects.get(pk=record.pk).title == "Toll tickets"

    def test_keeping_longer_a_record_being_destroyed_is_a_conflict(self, client, employee, records_manager):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client.force_login(records_manager)
        refused = client.post(reverse("record-extend", args=[record.reference]),
                              {"period_value": 1, "period_unit": "years", "reason": "r"})
        assert refused.status_code == 409 and "being destroyed" in refused.content.decode()

    def test_a_concurrent_duplicate_gives_a_409_page_not_a_500(self, client, monkeypatch, employee):
        from django.db import IntegrityError

        record = make_record(custodian=employee, title="Toll tickets")

        def duplicate(**kwargs):
            raise IntegrityError("duplicate key value violates unique constraint")

        monkeypatch.setattr(services, "record_update", duplicate)
        client.force_login(employee)
        response = client.post(reverse("record-edit", args=[record.reference]), edit_data(client, record))
        assert response.status_code == 409 and "saved at the same time" in response.content.decode()
