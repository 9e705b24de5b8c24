"""The retention pages through the browser's eyes: schedules, holds, extensions, for every role."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records.models import AuditEvent, LegalHold, Record, RetentionSchedule, Status
from records.roles import Role
from tests.factories import ScheduleFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
READERS = set(Role)
MANAGERS = {Role.RECORDS_MANAGER}


@pytest.fixture
def schedule(db):
    return ScheduleFactory(code="TOLL", period_value=18, period_unit="months")


@pytest.fixture
def record(employee, schedule):
    return make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1))


@pytest.fixture
def hold(records_manager, record):
    from records import holds

    return holds.hold_place(actor=records_manager, matter="Smith", reason="litigation", scope="test",
                            records=Record.objects.filter(pk=record.pk))


def schedule_data(schedule, **overrides):
    data = {
        "code": schedule.code, "title": schedule.title, "description": "", "period_value": schedule.period_value,
        "period_unit": schedule.period_unit, "trigger": schedule.trigger, "trigger_event": "",
        "legal_minimum_value": "", "legal_minimum_unit": "", "legal_citation": schedule.legal_citation,
        "default_disposition": "destroy", "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "name, allowed",
    [("schedule-list", READERS), ("schedule-create", MANAGERS), ("schedule-edit", MANAGERS),
     ("hold-list", READERS - {Role.EMPLOYEE}), ("hold-create", MANAGERS), ("hold-detail", READERS - {Role.EMPLOYEE}),
     ("hold-report", READERS - {Role.EMPLOYEE})],
)
def test_every_role_against_every_retention_page(client, users_by_role, schedule, hold, name, allowed):
    args = {"schedule-edit": [schedule.code], "hold-detail": [hold.pk], "hold-report": [hold.pk]}.get(name, [])
    url = reverse(name, args=args)
    for role, user in users_by_role.items():
        client.force_login(user)
        assert client.get(url).status_code == (200 if role in allowed else 403), (role, url)
    client.logout()
    assert client.get(url).status_code == 302


def test_state_changing_posts_are_refused_to_other_roles_and_change_nothing(client, users_by_role, schedule, record, hold):
    for role, user in users_by_role.items():
        if role in MANAGERS:
            continue
        client.force_login(user)
        posts = [
            (reverse("schedule-create"), schedule_data(schedule, code="NEW")),
            (reverse("schedule-edit", args=[schedule.code]), schedule_data(schedule, period_value=1, confirm="1")),
            (reverse("hold-create"), {"matter": "x", "reason": "y", "scope": "references", "references": record.reference}),
            (reverse("hold-release", args=[hold.pk]), {"reason": "done"}),
            (reverse("record-extend", args=[record.reference]), {"period_value": 1, "period_unit": "years", "reason": "x"}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (role, url)
    assert RetentionSchedule.objects.count() == 1 and RetentionSchedule.objects.get().period_value == 18
    assert LegalHold.objects.count() == 1 and LegalHold.objects.get().is_active
    assert not Record.objects.get(pk=record.pk).extensions.exists()


def test_schedule_change_is_previewed_before_it_is_saved(client, records_manager, schedule, record):
    client.force_login(records_manager)
    url = reverse("schedule-edit", args=[schedule.code])
    preview = client.post(url, schedule_data(schedule, period_value=1, period_unit="years"))
    assert preview.status_code == 200
    assert preview.context["impact"].records_moved == 1 and "Confirm and save" in preview.content.decode()
    assert RetentionSchedule.objects.get().period_value == 18, "nothing saved by the preview"
    saved = client.post(url, schedule_data(schedule, period_value=1, period_unit="years", confirm="1"))
    assert saved.status_code == 302
    assert Record.objects.get(pk=record.pk).expiry_date == date(2026, 1, 1)


def test_an_edit_to_another_schedules_code_is_refused_and_an_unchanged_code_is_not_looked_up(
        client, records_manager, schedule):
    ScheduleFactory(code="EMAIL")
    client.force_login(records_manager)
    url = reverse("schedule-edit", args=[schedule.code])
    taken = client.post(url, schedule_data(schedule, code="EMAIL", title="Renamed"))
    assert taken.status_code == 200 and "already exists" in " ".join(taken.context["form"].errors["code"])
    assert RetentionSchedule.objects.get(pk=schedule.pk).title == schedule.title
    with CaptureQueriesContext(connection) as queries:
        saved = client.post(url, schedule_data(schedule, title="Renamed"))
    assert saved.status_code == 302 and RetentionSchedule.objects.get(pk=schedule.pk).title == "Renamed"
    assert not [q for q in queries.captured_queries if '"code" = ' in q["sql"] and "NOT" in q["sql"]]


def test_records_manager_creates_a_schedule_and_bad_input_is_explained(client, records_manager):
    client.force_login(records_manager)
    bad = client.post(reverse("schedule-create"), schedule_data(RetentionSchedule(code="EV", title="Closed accounts", period_value=3, period_unit="years", trigger="event")))
    assert bad.status_code == 200 and "Name the event" in bad.content.decode()
    good = client.post(reverse("schedule-create"), schedule_data(
        RetentionSchedule(code="EV", title="Closed accounts", period_value=3, period_unit="years", trigger="event"),
        trigger_event="account closure", applicable_media=["paper", "email"]))
    assert good.status_code == 302
    created = RetentionSchedule.objects.get(code="EV")
    assert created.applicable_media == ["paper", "email"] and created.history.get().history_user == records_manager


def test_the_hold_form_shows_each_scopes_field_only_for_that_scope(client, records_manager):
    client.force_login(records_manager)
    page = client.get(reverse("hold-create")).content.decode()
    assert "js/dependent_fields.js" in page
    for scope, field in (("references", "id_references"), ("schedule", "id_schedule"), ("department", "id_department"),
                         ("customer", "id_customer_reference")):
        assert re.search(rf'<div data-shown-when="scope={scope}">\s*<label for="{field}"', page), scope


def test_place_a_hold_from_a_search_and_release_it(client, records_manager, employee, schedule, record):
    other = make_record(custodian=employee, schedule=schedule, title="Unrelated approvals")
    client.force_login(records_manager)
    listing = client.get(reverse("record-list"), {"q": "Toll"})
    assert "Place a legal hold on these records" in listing.content.decode()
    make_record(custodian=employee, schedule=schedule, title="Toll tickets", status="destroyed")  # nothing to freeze
    form = client.get(reverse("hold-create"), {"search": "q=Toll"})
    assert form.context["form"].initial["scope"] == "search"
    assert "<strong>1 record</strong> not yet destroyed matches this search: the hold will freeze it." in form.content.decode()
    placed = client.post(reverse("hold-create"), {"matter": "Smith v. Carrier", "reason": "litigation", "scope": "search", "search": "q=Toll"})
    hold = LegalHold.objects.get()
    assert placed.status_code == 302 and list(hold.records.all()) == [record]
    assert other not in hold.records.all()
    detail = client.get(reverse("hold-detail", args=[hold.pk])).content.decode()
    assert record.reference in detail and "Release the hold" in detail
    refused = client.post(reverse("hold-release", args=[hold.pk]), {"reason": ""})
    assert refused.status_code == 400 and LegalHold.objects.get().is_active
    assert client.post(reverse("hold-release", args=[hold.pk]), {"reason": "settled"}).status_code == 302
    assert not LegalHold.objects.get().is_active


@pytest.mark.parametrize(
    "data, field, message",
    [({"scope": "references", "references": "CPNI-1999-000001"}, None, "No such record"),
     ({"scope": "schedule"}, "schedule", "Choose which records"),
     ({"scope": "department"}, "department", "Choose which records"),
     ({"scope": "references", "references": "", "matter": ""}, "matter", "required")],
)
def test_bad_hold_input_is_explained_and_nothing_is_placed(client, records_manager, record, data, field, message):
    client.force_login(records_manager)
    response = client.post(reverse("hold-create"), {"matter": "M", "reason": "R", **data})
    assert response.status_code == 200 and message in response.content.decode()
    assert not LegalHold.objects.exists()


def test_hold_report_csv(client, auditor, hold, record):
    client.force_login(auditor)
    response = client.get(reverse("hold-report", args=[hold.pk]))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv") and "CONFIDENTIAL" in response["Content-Disposition"]
    header, row = body.splitlines()[:2]
    assert header.startswith("marking,hold,matter,") and row.startswith("CONFIDENTIAL,") and record.reference in row


def test_extend_retention_from_the_record_page(client, records_manager, record):
    client.force_login(records_manager)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "Keep longer" in page
    refused = client.post(reverse("record-extend", args=[record.reference]), {"period_value": 6, "period_unit": "months", "reason": ""})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    done = client.post(reverse("record-extend", args=[record.reference]), {"period_value": 6, "period_unit": "months", "reason": "FCC inquiry"})
    assert done.status_code == 302
    assert Record.objects.get(pk=record.pk).expiry_date == date(2027, 1, 1)
    assert AuditEvent.objects.filter(action="record.retention_extended", actor=records_manager).exists()


def test_held_record_shows_its_hold(client, employee, record, hold):
    client.force_login(employee)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "cannot become due or be destroyed" in page and "Smith" in page
    assert Record.objects.get(pk=record.pk).status == Status.ACTIVE
