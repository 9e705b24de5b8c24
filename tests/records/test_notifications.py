"""Reminders to custodians, escalation and the weekly digest: each sent once, each recorded."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from records import notifications, sweep, tasks
from records.models import Notification, Record, Status
from tests.factories import ScheduleFactory, UserFactory, make_record
from records.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture(autouse=True)
def emails(employee, colleague, records_manager):
    for user in (employee, colleague, records_manager):
        user.email = f"{user.username}@carrier.example"
        user.save()


def expired(custodian, count, title="Toll printout"):
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    return [make_record(custodian=custodian, schedule=schedule, trigger_date=date(2025, 1, 1), title=f"{title} {i}") for i in range(count)]


def test_each_custodian_gets_one_email_listing_their_due_records(employee, colleague, mailoutbox, settings):
    mine, theirs = expired(employee, 2), expired(colleague, 1, "Care notes")
    sweep.retention_sweep()
    assert tasks.send_due_reminders() == 2
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {"emma@carrier.example", "colin@carrier.example"}
    body = by_recipient["emma@carrier.example"].body
    assert all(r.reference in body for r in mine) and theirs[0].reference not in body
    assert f"{settings.SITE_URL}/records/{mine[0].reference}/" in body
    assert "shred" in body and "Network Operations" in body
    assert by_recipient["emma@carrier.example"].subject.startswith("CONFIDENTIAL: 2 CPNI records due")


def test_reminders_are_never_sent_twice_and_each_send_is_recorded(employee, mailoutbox):
    expired(employee, 2)
    sweep.retention_sweep()
    tasks.send_due_reminders()
    tasks.send_due_reminders()
    assert len(mailoutbox) == 1
    notification = Notification.objects.get(kind=Notification.Kind.DUE_REMINDER)
    assert notification.sent_at is not None and notification.items.count() == 2
    # A record that becomes due later is announced in a new email, the old ones not again.
    make_record(custodian=employee, status=Status.DUE, title="Later")
    tasks.send_due_reminders()
    assert len(mailoutbox) == 2 and "Later" in mailoutbox[1].body and "Toll printout" not in mailoutbox[1].body


def test_a_failed_send_is_retried_by_the_next_run(employee, mailoutbox, monkeypatch):
    expired(employee, 1)
    sweep.retention_sweep()

    def smtp_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(notifications, "send_mail", smtp_down)
    with pytest.raises(OSError):
        tasks.send_due_reminders()
    assert Notification.objects.get().sent_at is None
    monkeypatch.undo()
    tasks.send_due_reminders()
    assert len(mailoutbox) == 1 and Notification.objects.get().sent_at is not None


def test_a_custodian_without_email_is_recorded_as_undeliverable(employee, mailoutbox):
    employee.email = ""
    employee.save()
    expired(employee, 1)
    sweep.retention_sweep()
    tasks.send_due_reminders()
    assert not mailoutbox
    assert "no email address" in Notification.objects.get().undeliverable_reason


def test_escalation_after_the_configured_delay_once_per_record_and_manager(employee, records_manager, mailoutbox, settings, time_machine):
    settings.RETENTION_ESCALATION_DAYS = 10
    records = expired(employee, 2)
    sweep.retention_sweep()
    tasks.send_escalations()
    assert not [m for m in mailoutbox if "still due" in m.subject], "not yet: due for 0 days"

    time_machine.move_to(timezone.now() + timedelta(days=11))
    second_manager = UserFactory(username="rosa", role=Role.RECORDS_MANAGER, email="rosa@carrier.example")
    tasks.send_escalations()
    escalations = [m for m in mailoutbox if "still due after 10 days" in m.subject]
    assert sorted(m.to[0] for m in escalations) == ["rita@carrier.example", "rosa@carrier.example"]
    assert all(r.reference in escalations[0].body for r in records)
    tasks.send_escalations()
    assert len([m for m in mailoutbox if "still due" in m.subject]) == 2, "each record escalates once"
    assert second_manager.notifications.count() == 1


def test_records_destroyed_or_extended_in_time_do_not_escalate(employee, records_manager, mailoutbox, settings, time_machine):
    settings.RETENTION_ESCALATION_DAYS = 10
    record = expired(employee, 1)[0]
    sweep.retention_sweep()
    from records import lifecycle

    lifecycle.transition(Record.objects.get(pk=record.pk), "mark_for_shredding", actor=employee)
    time_machine.move_to(timezone.now() + timedelta(days=30))
    tasks.send_escalations()
    assert not [m for m in mailoutbox if "still due" in m.subject]


def test_weekly_digest_once_a_week_to_each_records_manager(employee, records_manager, mailoutbox, time_machine):
    expired(employee, 3)
    sweep.retention_sweep()
    tasks.send_weekly_digest()
    tasks.send_weekly_digest()
    digests = [m for m in mailoutbox if "digest" in m.subject]
    assert len(digests) == 1 and digests[0].to == ["rita@carrier.example"]
    assert "Due for destruction: 3" in digests[0].body
    time_machine.move_to(timezone.now() + timedelta(days=7))
    tasks.send_weekly_digest()
    assert len([m for m in mailoutbox if "digest" in m.subject]) == 2


def test_dashboard_shows_the_users_own_due_records(client, employee, colleague):
    mine = expired(employee, 1)[0]
    make_record(custodian=colleague, status=Status.DUE, title="Colleague's")
    sweep.retention_sweep()
    client.force_login(employee)
    page = client.get("/")
    assert [r.reference for r in page.context["my_due"]] == [mine.reference]
