"""Escalation emails about breaches: to every records manager and officer, when reported, when
determined, 3 and 1 business days before each open deadline and when it passes; each exactly once,
however often the task runs and wherever it is killed."""

from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from compliance import breach_escalations, breaches, tasks
from records import notifications
from records.models import Notification

pytestmark = pytest.mark.django_db


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def people(records_manager, officer, employee, auditor, netops):
    for number, user in enumerate([records_manager, officer, employee, auditor, netops]):
        user.email = f"person{number}@example.com"
        user.save()
    return {"manager": records_manager, "officer": officer}


def run_on(time_machine, moment):
    time_machine.move_to(f"{moment} -0500", tick=False)
    mail.outbox.clear()
    tasks.send_breach_escalations()
    return sorted((message.to[0], message.subject) for message in mail.outbox)


def subjects(sent):
    return sorted({subject for _, subject in sent})


def test_each_escalation_goes_once_to_records_managers_and_officers(time_machine, people, records_manager):
    time_machine.move_to("2026-11-16 10:30 -0500", tick=False)
    incident = breaches.breach_report(actor=records_manager, fields={
        "description": "d", "discovered_at": at("2026-11-13 15:00")}, reasonably_determined_at=at("2026-11-16 10:00"))
    sent = run_on(time_machine, "2026-11-16 10:45")
    assert [to for to, _ in sent] == sorted(["person0@example.com", "person1@example.com"])
    ref = incident.reference
    assert subjects(sent) == [f"CONFIDENTIAL: breach of CPNI determined ({ref}): the notification clock has started"]
    body = mail.outbox[0].body
    assert "US Secret Service and FBI, through the central reporting facility: due Wednesday 25 November 2026" in body
    assert reverse("breach-detail", args=[incident.pk]) in body
    assert run_on(time_machine, "2026-11-16 11:00") == [], "a second run sends nothing"
    assert run_on(time_machine, "2026-11-19 08:00") == []
    # 3 business days before Wednesday 25 November: Friday 20 November.
    assert subjects(run_on(time_machine, "2026-11-20 08:00")) == [
        f"CONFIDENTIAL: breach {ref}: the deadline to notify US Secret Service and FBI, through the central "
        "reporting facility is Wednesday 25 November 2026 (3 business days left)"]
    assert run_on(time_machine, "2026-11-20 09:00") == []
    assert run_on(time_machine, "2026-11-23 08:00") == []
    assert len(run_on(time_machine, "2026-11-24 08:00")) == 2  # 1 business day before
    assert run_on(time_machine, "2026-11-25 08:00") == []
    passed = run_on(time_machine, "2026-11-26 08:00")
    assert subjects(passed) == [f"CONFIDENTIAL: breach {ref}: the deadline to notify US Secret Service and FBI, "
                                "through the central reporting facility has passed"]
    assert len(passed) == 2
    assert run_on(time_machine, "2026-11-27 08:00") == []


def test_a_late_run_sends_only_the_most_urgent_step_and_a_notified_deadline_nothing(time_machine, people, records_manager):
    time_machine.move_to("2026-11-16 10:30 -0500", tick=False)
    incident = breaches.breach_report(actor=records_manager, fields={
        "description": "d", "discovered_at": at("2026-11-13 15:00")}, reasonably_determined_at=at("2026-11-16 10:00"))
    sent = subjects(run_on(time_machine, "2026-11-24 08:00"))
    assert len(sent) == 2 and "1 business day left" in sent[0] and "determined" in sent[1]
    breaches.breach_notification_record(actor=records_manager, incident=incident, recipient="law_enforcement",
                                        notified_at=at("2026-11-24 07:30"), method="reporting_facility")
    assert run_on(time_machine, "2026-11-26 08:00") == [], "a notified deadline is not chased"


def test_a_suspected_breach_reported_by_an_employee_is_told_once(time_machine, people, employee):
    time_machine.move_to("2026-11-16 10:30 -0500", tick=False)
    incident = breaches.breach_report(actor=employee, fields={"description": "d", "discovered_at": at("2026-11-13 15:00")})
    sent = run_on(time_machine, "2026-11-16 10:45")
    assert subjects(sent) == [f"CONFIDENTIAL: suspected breach of CPNI reported ({incident.reference})"] and len(sent) == 2
    assert run_on(time_machine, "2026-11-17 10:45") == []


def test_killed_while_recording_or_while_sending_every_email_still_goes_exactly_once(
    time_machine, people, records_manager, monkeypatch
):
    time_machine.move_to("2026-11-16 10:30 -0500", tick=False)
    breaches.breach_report(actor=records_manager, fields={
        "description": "d", "discovered_at": at("2026-11-13 15:00")}, reasonably_determined_at=at("2026-11-16 10:00"))
    time_machine.move_to("2026-11-16 10:45 -0500", tick=False)
    mail.outbox.clear()
    plain_record = breach_escalations.record_notification
    calls = []

    def killed_after_one(**kwargs):
        if calls:
            raise SystemExit("worker killed")
        calls.append(kwargs["key"])
        return plain_record(**kwargs)

    monkeypatch.setattr(breach_escalations, "record_notification", killed_after_one)
    with pytest.raises(SystemExit):
        tasks.send_breach_escalations()
    assert Notification.objects.filter(kind=Notification.Kind.BREACH_ESCALATION).count() == 1 and not mail.outbox
    monkeypatch.setattr(breach_escalations, "record_notification", plain_record)

    plain_send = notifications.send_mail
    sends = []

    def send_then_die(*args, **kwargs):
        if sends:
            raise SystemExit("worker killed mid-delivery")
        sends.append(args)
        return plain_send(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", send_then_die)
    with pytest.raises(SystemExit):
        tasks.send_breach_escalations()
    monkeypatch.setattr(notifications, "send_mail", plain_send)
    tasks.send_breach_escalations()
    tasks.send_breach_escalations()
    assert sorted(message.to[0] for message in mail.outbox) == ["person0@example.com", "person1@example.com"]
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_the_task_is_queued_when_a_breach_is_determined(time_machine, records_manager, django_capture_on_commit_callbacks,
                                                         monkeypatch):
    time_machine.move_to("2026-11-16 10:30 -0500", tick=False)
    queued = []
    monkeypatch.setattr(tasks.send_breach_escalations, "delay", lambda: queued.append(True))
    with django_capture_on_commit_callbacks(execute=True):
        breaches.breach_report(actor=records_manager, fields={
            "description": "d", "discovered_at": at("2026-11-13 15:00")}, reasonably_determined_at=at("2026-11-16 10:00"))
    assert queued == [True]


def test_the_escalations_run_on_a_periodic_task_people_can_see(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Breach escalations")
    assert task.task == "compliance.tasks.send_breach_escalations" and task.enabled
