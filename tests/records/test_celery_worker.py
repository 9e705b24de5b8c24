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
