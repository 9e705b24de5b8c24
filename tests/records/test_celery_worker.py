"""A real Celery worker, started as its own process against the test database and the configured
Redis broker, runs the retention sweep and the reminders it triggers (not eager mode)."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from records import tasks
from records.models import Notification, Record, Status
from tests.factories import ScheduleFactory, make_record

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_sweep_and_sends_the_reminders(employee, tmp_path):
    employee.email = "emma@carrier.example"
    employee.save()
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    records = [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1)) for _ in range(3)]
    queue = f"cpnitrack-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "VAR_DIR": str(tmp_path)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cpnitrack", "worker", "--pool=solo", "-Q", f"{queue},celery",
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        tasks.retention_sweep.apply_async(queue=queue)
        swept = wait_for(lambda: Record.objects.filter(status=Status.DUE).count() == 3)
        reminded = swept and wait_for(lambda: Notification.objects.filter(sent_at__isnull=False).exists())
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert swept, f"the worker did not sweep:\n{output[-3000:]}"
    assert reminded, f"the worker did not send the reminder:\n{output[-3000:]}"
    notification = Notification.objects.get()
    assert notification.recipient == employee and notification.items.count() == 3
    assert all(r.reference in notification.body for r in records)
    assert "records.tasks.retention_sweep" in output and "succeeded" in output


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_reads_sheets_in_a_child_within_their_budget(records_manager, employee, tmp_path):
    from django.utils import timezone

    from records.models import ImportJob
    from tests.records.test_budgets import inflated_shared_strings
    from tests.records.test_imports import row, xlsx_bytes

    ScheduleFactory(code="TOLL-BILLING", period_value=18)
    queue = f"cpnitrack-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "VAR_DIR": str(tmp_path), "IMPORT_MAX_EXPANDED_MB": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cpnitrack", "worker", "--pool=prefork", "--concurrency=1",
         "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        sheets = {"good.xlsx": xlsx_bytes([row()]), "bomb.xlsx": inflated_shared_strings(xlsx_bytes([row()]), 100_000)}
        jobs = {}
        for name, data in sheets.items():
            jobs[name] = ImportJob.objects.create(
                file_name=name, sha256=name.ljust(64, "0"), content=data, requested_by=records_manager,
                requested_at=timezone.now(),
            )
            tasks.validate_import.apply_async((jobs[name].pk,), queue=queue)
        done = wait_for(lambda: not ImportJob.objects.filter(state=ImportJob.State.VALIDATING).exists())
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert done, f"the worker did not validate the sheets:\n{output[-3000:]}"
    good, bomb = (ImportJob.objects.get(pk=jobs[name].pk) for name in ("good.xlsx", "bomb.xlsx"))
    assert good.state == ImportJob.State.VALID, good.errors
    assert bomb.state == ImportJob.State.INVALID
    assert bomb.errors[0]["message"] == "This file expands to more than 1 MB when unpacked, so it was not read."
