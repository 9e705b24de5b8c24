"""Lowering a schedule's legal minimum takes two records managers; a period below the minimum says
that the minimum wins."""

import pytest
from django.urls import reverse

from records import schedules
from records.models import AuditEvent, MinimumLowering, RetentionSchedule, Status
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def toll(employee):
    schedule = ScheduleFactory(code="TOLL", period_value=6, period_unit="months", legal_minimum_value=18,
                               legal_minimum_unit="months", legal_citation="47 CFR 42.6")
    for _ in range(3):
        make_record(custodian=employee, schedule=schedule, status=Status.ACTIVE)
    return schedule


@pytest.fixture
def second_manager(db):
    return UserFactory(username="rob", role=Role.RECORDS_MANAGER)


def edit(schedule, **changes):
    data = {"code": schedule.code, "title": schedule.title, "description": schedule.description,
            "period_value": schedule.period_value, "period_unit": schedule.period_unit, "trigger": schedule.trigger,
            "trigger_event": schedule.trigger_event, "legal_minimum_value": schedule.legal_minimum_value or "",
            "legal_minimum_unit": schedule.legal_minimum_unit, "legal_citation": schedule.legal_citation,
            "default_disposition": schedule.default_disposition, "applicable_media": schedule.applicable_media,
            "is_active": "on" if schedule.is_active else ""}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_lowering_shows_old_and_new_and_the_records_then_waits_for_a_second_manager(client, records_manager, second_manager, toll):
    client.force_login(records_manager)
    url = reverse("schedule-edit", args=[toll.code])
    page = client.post(url, edit(toll, legal_minimum_value=6, confirm="1")).content.decode()
    assert "This change lowers the legal minimum" in page and "<dd>18 months</dd>" in page and "<dd>6 months</dd>" in page
    assert "3 records get a new expiry date" in page
    assert RetentionSchedule.objects.get(pk=toll.pk).legal_minimum_value == 18, "a confirm alone saves nothing"

    no_reason = client.post(url, edit(toll, legal_minimum_value=6, request_approval="1", reason=" "))
    assert "Say why the legal minimum is lowered" in no_reason.content.decode()
    asked = client.post(url, edit(toll, legal_minimum_value=6, request_approval="1", reason="Counsel: 42.6 no longer applies"))
    lowering = MinimumLowering.objects.get()
    assert asked.url == reverse("minimum-lowering", args=[lowering.pk])
    assert (lowering.old_minimum, lowering.new_minimum, lowering.records_affected) == ("18 months", "6 months", 3)
    assert RetentionSchedule.objects.get(pk=toll.pk).legal_minimum_value == 18

    # The manager who asked cannot approve it; another can.
    detail = client.get(asked.url).content.decode()
    assert "Approve and save the change" not in detail
    assert client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "approve"}).status_code == 403
    assert MinimumLowering.objects.get().state == "pending"
    client.force_login(second_manager)
    assert "Approve and save the change" in client.get(asked.url).content.decode()
    client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "approve"})
    assert RetentionSchedule.objects.get(pk=toll.pk).legal_minimum_value == 6
    lowering.refresh_from_db()
    assert lowering.state == "approved" and lowering.decided_by == second_manager
    actions = list(AuditEvent.objects.filter(action__startswith="schedule.").values_list("action", "actor_name"))
    assert ("schedule.minimum_lowering_requested", "rita") in actions
    assert ("schedule.minimum_lowering_approved", "rob") in actions and ("schedule.updated", "rob") in actions
    assert client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "approve"}).status_code == 409


def test_a_rejection_needs_a_note_and_changes_nothing(client, records_manager, second_manager, toll):
    client.force_login(records_manager)
    client.post(reverse("schedule-edit", args=[toll.code]),
                edit(toll, legal_minimum_value="", legal_minimum_unit="", request_approval="1", reason="No longer needed"))
    lowering = MinimumLowering.objects.get()
    assert lowering.new_minimum == "none"
    client.force_login(second_manager)
    client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "reject"})
    assert MinimumLowering.objects.get().state == "pending"
    client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "reject", "note": "Keep 42.6"})
    assert MinimumLowering.objects.get().state == "rejected"
    assert RetentionSchedule.objects.get(pk=toll.pk).legal_minimum_value == 18


def test_the_service_and_the_api_refuse_a_lowering_without_approval(client, records_manager, toll):
    with pytest.raises(schedules.ValidationError, match="a second records manager approves it"):
        schedules.schedule_update(actor=records_manager, schedule=toll, legal_minimum_value=12)
    schedules.schedule_update(actor=records_manager, schedule=toll, legal_minimum_value=2, legal_minimum_unit="years")
    assert RetentionSchedule.objects.get(pk=toll.pk).legal_minimum_value == 2, "raising it needs no second person"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.AUDITOR, Role.OFFICER, Role.NETOPS_DIRECTOR])
def test_only_records_managers_decide(client, users_by_role, records_manager, toll, role):
    client.force_login(records_manager)
    client.post(reverse("schedule-edit", args=[toll.code]),
                edit(toll, legal_minimum_value=6, request_approval="1", reason="R"))
    lowering = MinimumLowering.objects.get()
    client.force_login(users_by_role[role])
    assert client.post(reverse("minimum-lowering-decide", args=[lowering.pk]), {"decision": "approve"}).status_code == 403
    assert MinimumLowering.objects.get().state == "pending"


def test_a_period_below_the_legal_minimum_says_the_minimum_wins(client, records_manager, toll):
    client.force_login(records_manager)
    wins = ("The period (6 months) is shorter than the legal minimum (18 months): the legal minimum wins, and records "
            "are kept 18 months.")
    assert wins in client.get(reverse("schedule-edit", args=[toll.code])).content.decode()
    longer = client.post(reverse("schedule-edit", args=[toll.code]), edit(toll, period_value=24)).content.decode()
    assert "the legal minimum wins" not in longer
