"""Faults: the database going away mid-task, workers killed mid-run, a broker restarting empty.
Every case ends, after a re-run, exactly where one clean run would have."""

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from compliance import filing
from compliance import package as packaging
from compliance import tasks as compliance_tasks
from records import lifecycle, notifications, sweep, tasks
from records.locks import job_lease
from records.models import AuditEvent, ImportJob, Notification, Record, Status
from compliance.models import CertificationPackage
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_company_profile, make_record

ROOT = Path(__file__).resolve().parents[2]


def expired(custodian, count):
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    return [make_record(custodian=custodian, schedule=schedule, trigger_date=date(2025, 1, 1)) for _ in range(count)]


def record_states():
    return sorted(
        (r.status, r.history.count(), AuditEvent.objects.filter(object_type="records.record", object_id=str(r.pk)).count())
        for r in Record.objects.all()
    )


@pytest.mark.django_db(transaction=True)
def test_the_database_going_away_mid_sweep_then_a_retry_finishes_it(employee, frozen_today, monkeypatch):
    expired(employee, 5)
    real = lifecycle.audit_events_record
    calls = {"n": 0}

    def connection_lost_in_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(lifecycle, "audit_events_record", connection_lost_in_second_chunk)
    with pytest.raises(OperationalError):  # the task retries on it (autoretry_for OperationalError)
        sweep.retention_sweep(chunk_size=2)
    monkeypatch.setattr(lifecycle, "audit_events_record", real)
    assert Record.objects.filter(status=Status.DUE).count() == 2, "the first chunk was committed, the second not at all"
    assert tasks.retention_sweep()["moved"] == 3
    assert record_states() == [(Status.DUE, 2, 2)] * 5


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_reminders_then_a_rerun_sends_each_email_once(employee, colleague, frozen_today, monkeypatch, mailoutbox):
    for person in (employee, colleague):
        person.email = f"{person.username}@carrier.example"
        person.save()
    expired(employee, 2)
    make_record(custodian=colleague, status=Status.DUE)
    sweep.retention_sweep()
    real_send = notifications.send_mail
    sent = {"n": 0}

    def killed_on_second_email(*args, **kwargs):
        sent["n"] += 1
        if sent["n"] == 2:
            raise SystemExit("worker killed")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(notifications, "send_mail", killed_on_second_email)
    with pytest.raises(SystemExit):
        tasks.send_due_reminders()
    monkeypatch.setattr(notifications, "send_mail", real_send)
    assert len(mailoutbox) == 1 and Notification.objects.filter(sent_at__isnull=True).count() == 1
    tasks.send_due_reminders()
    tasks.send_due_reminders()
    assert sorted(m.to[0] for m in mailoutbox) == ["colin@carrier.example", "emma@carrier.example"]
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_an_export_then_a_rerun_builds_the_package_cleanly(records_manager, employee, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    make_company_profile(signatory=UserFactory(username="oscar", title="CEO", role=Role.OFFICER))
    make_record(custodian=employee)
    package = CertificationPackage.objects.create(year=timezone.localdate().year, requested_by=records_manager, requested_at=timezone.now())
    real = packaging.write_destructions

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(packaging, "write_destructions", killed)
    with pytest.raises(SystemExit):
        compliance_tasks.build_certification_package(package.pk)
    monkeypatch.setattr(packaging, "write_destructions", real)
    package.refresh_from_db()
    assert package.state != CertificationPackage.State.READY
    assert filing.stalled_packages(now=timezone.now() + timedelta(minutes=11)).filter(pk=package.pk).exists()

    compliance_tasks.build_certification_package(package.pk)  # the redelivered task (acks_late)
    package.refresh_from_db()
    assert package.state == CertificationPackage.State.READY
    folder = tmp_path / "packages"
    assert [p.name for p in folder.iterdir()] == [package.file_name], "no partial file is left behind"
    names = zipfile.ZipFile(folder / package.file_name).namelist()
    assert "manifest.json" in names and "verify_package.py" in names
    compliance_tasks.build_certification_package(package.pk)  # a third delivery changes nothing
    assert CertificationPackage.objects.get(pk=package.pk).sha256 == package.sha256


@pytest.mark.django_db
def test_the_schedule_of_periodic_work_lives_in_the_database():
    from django_celery_beat.models import PeriodicTask

    tasks_by_name = dict(PeriodicTask.objects.values_list("task", "enabled"))
    for task in ("records.tasks.retention_sweep", "records.tasks.send_escalations", "records.tasks.send_weekly_digest",
                 "records.tasks.send_custody_alerts", "records.tasks.reconcile_pending_work",
                 "compliance.tasks.send_certification_reminders"):
        assert tasks_by_name.get(task) is True, task


def use_broker(url):
    """Point the Celery app at `url` (its producer pools are bound to a broker URL: drop them)."""
    from cpnitrack.celery import app

    app.conf.update(broker_url=url, broker_write_url=url, broker_read_url=url)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    """The broker cannot be reached (nothing listens at its address) until the test ends; a
    message fails at once rather than after Celery's retries."""
    from cpnitrack.celery import app

    retry, app.conf.task_publish_retry = app.conf.task_publish_retry, False
    use_broker(f"redis://127.0.0.1:{_free_port()}/0")
    yield
    use_broker(settings.CELERY_BROKER_URL)
    app.conf.task_publish_retry = retry


def sent_tasks(monkeypatch):
    """The broker is back: the tasks sent from now on, by name and argument."""
    sent = []
    for task in (compliance_tasks.build_certification_package, tasks.validate_import, tasks.run_import, tasks.send_due_reminders):
        monkeypatch.setattr(task, "delay", lambda *args, name=task.name.rsplit(".", 1)[-1]: sent.append((name, *args)))
    return sent


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_package_request_and_an_import_are_saved_and_said_to_wait(
    client, broker_down, records_manager, officer, employee, time_machine, monkeypatch, approved_statement
):
    from tests.records.test_imports import csv_bytes, row

    make_company_profile(signatory=officer)
    ScheduleFactory(code="TOLL-BILLING", period_value=18)
    client.force_login(records_manager)
    year = timezone.localdate().year - 1

    response = client.post(reverse("package-request"), {"year": year}, follow=True)
    package = CertificationPackage.objects.get()
    assert response.redirect_chain == [(reverse("package-detail", args=[package.pk]), 302)]
    page = response.content.decode()
    assert f"Your request for the {year} package is saved." in page and "task queue cannot be reached" in page
    assert "There is no need to ask again" in page and "Something went wrong" not in page
    assert package.state == CertificationPackage.State.QUEUED
    assert AuditEvent.objects.filter(action="certification.package_requested").count() == 1

    response = client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("inventory.csv", csv_bytes([row()]))}, follow=True)
    job = ImportJob.objects.get()
    assert response.redirect_chain == [(reverse("import-detail", args=[job.pk]), 302)]
    assert "inventory.csv is uploaded and saved. The task queue cannot be reached" in response.content.decode()
    assert job.state == ImportJob.State.VALIDATING

    assert "has not started yet" not in client.get(reverse("package-detail", args=[package.pk])).content.decode()
    sent = sent_tasks(monkeypatch)
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    for page in (reverse("package-detail", args=[package.pk]), reverse("import-detail", args=[job.pk])):
        assert "This has not started yet: the task queue may be unreachable" in client.get(page).content.decode(), page
    tasks.reconcile_pending_work()  # beat, once the queue is back
    assert sorted(sent) == [("build_certification_package", package.pk), ("validate_import", job.pk)]
    tasks.validate_import(job.pk)
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.VALID

    monkeypatch.undo()  # the broker is down again when the import is confirmed
    response = client.post(reverse("import-confirm", args=[job.pk]), follow=True)
    assert f"Import #{job.pk} is confirmed. The task queue cannot be reached" in response.content.decode()
    sent = sent_tasks(monkeypatch)
    tasks.reconcile_pending_work()
    assert ("run_import", job.pk) not in sent, "just confirmed: not yet taken for lost"
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    tasks.reconcile_pending_work()
    assert ("run_import", job.pk) in sent
    tasks.run_import(job.pk)
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE and Record.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_job_is_started_and_its_page_says_it_waits(client, broker_down, auditor, monkeypatch):
    """The verification's task message is sent once the answer has gone out: the answer is the
    same with the queue down, and the job's page (and the API) says at once that it waits."""
    from rest_framework.test import APIClient

    from records.models import Job

    client.force_login(auditor)
    response = client.post(reverse("audit-verify"), {"mode": "full"}, follow=True)
    job = Job.objects.get()
    assert response.redirect_chain == [(reverse("job-detail", args=[job.pk]), 302)]
    assert job.state == Job.State.QUEUED and job.queue_unreachable_at is not None
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "This has not started yet: the task queue may be unreachable" in page
    api = APIClient()
    api.force_authenticate(auditor)
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["waiting_for_queue"] is True

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", sent.append)
    tasks.reconcile_pending_work()  # beat, once the queue is back: the job is not taken for lost yet
    assert sent == []
    Job.objects.filter(pk=job.pk).update(requested_at=timezone.now() - timedelta(minutes=11))
    tasks.reconcile_pending_work()
    assert sent == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_a_job_started_by_a_request_is_queued_once_the_response_is_written(auditor, monkeypatch):
    """As a WSGI server runs the app: the job is committed and the response made before its task
    message is sent, which happens when the server closes the response it has written."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.test.client import FakePayload

    from records.models import Job
    from records.sessions import SessionStore

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", sent.append)
    session = SessionStore()
    session.update({SESSION_KEY: str(auditor.pk), BACKEND_SESSION_KEY: "records.roles.RoleBackend",
                    HASH_SESSION_KEY: auditor.get_session_auth_hash()})
    session.save()
    secret = _get_new_csrf_string()
    body = f"mode=full&csrfmiddlewaretoken={_mask_cipher_secret(secret)}".encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": reverse("audit-verify"), "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http", "wsgi.input": FakePayload(body), "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_COOKIE": f"sessionid={session.session_key}; csrftoken={secret}",
    }
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    job = Job.objects.get()
    assert statuses == ["302 Found"] and response["Location"] == reverse("job-detail", args=[job.pk])
    assert sent == [], "not before the response is written"
    response.close()
    assert sent == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_record_logged_past_its_expiry_is_saved_and_announced_later(
    client, broker_down, employee, monkeypatch, mailoutbox
):
    employee.email = "emma@carrier.example"
    employee.save()
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    client.force_login(employee)
    response = client.post(reverse("record-create"), {
        "title": "Old toll printouts", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": "paper",
        "department": employee.department_id, "custodian": employee.pk, "location": "HQ", "schedule": schedule.pk,
        "trigger_date": "2024-01-02", "label_verification": "visual", "label_confirmed": "on",
    })
    assert response.status_code == 302
    assert Record.objects.get().status == Status.DUE
    sent_tasks(monkeypatch)
    tasks.reconcile_pending_work()
    assert [m.to for m in mailoutbox] == [["emma@carrier.example"]], "the reminder the lost message would have sent"


@pytest.mark.django_db
def test_a_second_delivery_of_an_import_task_while_one_runs_does_nothing(records_manager):
    job = ImportJob.objects.create(file_name="x.csv", sha256="0" * 64, content=b"title\n", requested_by=records_manager,
                                   requested_at=timezone.now())
    with job_lease(f"import-{job.pk}"):  # a run under way
        assert tasks.validate_import(job.pk) is None
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.VALIDATING
    assert tasks.validate_import(job.pk) == ImportJob.State.INVALID


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A Redis server of the test's own, configured like the production one here (no persistence),
    so it can be restarted without touching the shared server."""

    def __init__(self, folder):
        self.port, self.folder = _free_port(), folder

    def start(self):
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--daemonize", "yes", "--dir", str(self.folder), "--pidfile", str(self.folder / "redis.pid")], check=True)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        time.sleep(0.3)

    def queue_length(self):
        return int(subprocess.run(["redis-cli", "-p", str(self.port), "llen", "celery"], capture_output=True, text=True).stdout.strip() or 0)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_redis_restarting_empty_loses_no_work(records_manager, employee, settings, tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for this test")
    from tests.records.test_celery_worker import database_url, wait_for

    redis = PrivateRedis(tmp_path)
    redis.start()
    broker = f"redis://127.0.0.1:{redis.port}/0"
    settings.VAR_DIR = tmp_path
    make_company_profile(signatory=UserFactory(username="oscar", title="CEO", role=Role.OFFICER))
    make_record(custodian=employee)
    use_broker(broker)
    try:
        package = filing.certification_package_request(actor=records_manager, year=timezone.localdate().year)
        assert redis.queue_length() == 1, "the build was queued in Redis"
        redis.stop()
        redis.start()
        assert redis.queue_length() == 0, "the restart lost the queued build"
        CertificationPackage.objects.filter(pk=package.pk).update(requested_at=timezone.now() - timedelta(minutes=11))
        tasks.reconcile_pending_work()  # what beat runs every ten minutes, from its schedule in the database
        assert redis.queue_length() == 1
        env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker, "VAR_DIR": str(tmp_path)}
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "cpnitrack", "worker", "--pool=solo",
                                   "--without-gossip", "--without-mingle"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            built = wait_for(lambda: CertificationPackage.objects.get(pk=package.pk).state == "ready")
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
        assert built, output[-3000:]
    finally:
        use_broker(settings.CELERY_BROKER_URL)
        redis.stop()
