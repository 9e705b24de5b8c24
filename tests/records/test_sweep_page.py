"""The retention sweep's page for records managers: its timetable in words and changed there, its
last runs (by the timetable or asked for), a run now with how many records it would make due."""

from datetime import date

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from records import sweep, sweep_timetable, tasks
from records.models import AuditEvent, Record, Status
from records.roles import Role
from tests.factories import ScheduleFactory, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired(employee):
    schedule = ScheduleFactory(code="TOLL", period_value=1, period_unit="months")
    return [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1)) for _ in range(2)]


def test_the_page_says_when_it_runs_in_words_and_what_a_run_would_do(client, records_manager, expired):
    client.force_login(records_manager)
    page = client.get(reverse("sweep")).content.decode()
    assert "Every day at 01:30 New York time" in page
    assert "<dd>2 records</dd>" in page and "<dt>Last run</dt><dd>not yet</dd>" in page
    assert 'href="/admin/' not in page


def test_run_now_is_done_by_the_worker_and_shows_as_the_last_run(client, records_manager, expired, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.retention_sweep, "delay", lambda **kwargs: queued.append(kwargs))
    client.force_login(records_manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("sweep"), {"do": "run"}).status_code == 302
    assert queued == [{"requested_by": records_manager.pk}]
    assert AuditEvent.objects.get(action="sweep.requested").payload == {"due_now": 2}
    tasks.retention_sweep.run(**queued[0])
    assert set(Record.objects.values_list("status", flat=True)) == {Status.DUE}
    page = client.get(reverse("sweep")).content.decode()
    assert ": 2 records made due, asked for by rita" in page and "<dd>0 records</dd>" in page
    listing = client.get(reverse("schedule-list")).content.decode()
    ran = AuditEvent.objects.get(action="sweep.ran")
    assert ran.occurred_at.astimezone().strftime("%Y-%m-%d") in listing and "not yet</td><td>Moves every" not in listing


def test_a_scheduled_run_is_a_run_too(records_manager, expired):
    sweep.retention_sweep()
    ran = AuditEvent.objects.get(action="sweep.ran")
    assert ran.actor_name == "system" and ran.payload["moved"] == 2 and not ran.payload["asked_by_a_person"]


def test_the_timetable_is_changed_on_the_page_and_audited(client, records_manager):
    client.force_login(records_manager)
    changed = client.post(reverse("sweep"), {"do": "timetable", "time": "02:15", "days": ["1", "3", "5"], "enabled": "on"})
    assert changed.status_code == 302
    task = PeriodicTask.objects.get(task=sweep_timetable.TASK)
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("2", "15", "1,3,5")
    assert sweep_timetable.timetable_words(task) == "Monday, Wednesday and Friday at 02:15 New York time"
    event = AuditEvent.objects.get(action="sweep.timetable_changed")
    assert event.payload["runs"] == ["every day at 01:30 New York time",
                                     "Monday, Wednesday and Friday at 02:15 New York time"]


@pytest.mark.parametrize("data, message", [
    ({"time": "25:00", "days": ["1"]}, "Enter a valid time."),
    ({"time": "02:00"}, "This field is required."),
    ({"time": "02:00", "days": ["9"]}, "Select a valid choice."),
])
def test_a_bad_timetable_is_explained_and_nothing_changes(client, records_manager, data, message):
    client.force_login(records_manager)
    response = client.post(reverse("sweep"), {"do": "timetable", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert PeriodicTask.objects.get(task=sweep_timetable.TASK).crontab.hour == "1"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.AUDITOR, Role.OFFICER, Role.NETOPS_DIRECTOR])
def test_only_records_managers(client, users_by_role, role, expired):
    client.force_login(users_by_role[role])
    assert client.get(reverse("sweep")).status_code == 403
    assert client.post(reverse("sweep"), {"do": "run"}).status_code == 403
    assert client.post(reverse("sweep"), {"do": "timetable", "time": "03:00", "days": ["1"]}).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="sweep.").exists()



def test_each_jobs_timetable_says_its_time_zone_once_in_words(client, records_manager):
    client.force_login(records_manager)
    page = client.get(reverse("schedule-list")).content.decode()
    assert "America/New_York" not in page and "every day at 01:30 New York time" in page
    # A timetable beyond days and a time of day: django-celery-beat's own words, the zone once.
    task = PeriodicTask.objects.get(task=sweep_timetable.TASK)
    task.crontab.minute, task.crontab.hour = "*/15", "*"
    assert sweep_timetable.timetable_words(task) == "Every 15 minutes (New York time)"
