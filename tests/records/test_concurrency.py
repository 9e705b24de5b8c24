"""Concurrent creation on a real server: the reference counter row lock must hand out each
number exactly once."""

import threading
from datetime import date

import pytest
from django.db import connection

from records import services
from records.models import LabelVerification, Medium, Record
from tests.factories import ScheduleFactory

WRITERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_consecutive_references(employee):
    schedule = ScheduleFactory(code="TOLL")
    start = threading.Barrier(WRITERS)
    references, failures = [], []

    def log_one(n):
        try:
            start.wait()
            record = services.record_create(
                actor=employee, title=f"Parallel {n}", medium=Medium.PAPER, department=employee.department,
                custodian=employee, location="HQ", schedule=schedule, trigger_date=date(2026, 1, 1),
                cpni_categories=["billing"], label_verification=LabelVerification.VISUAL, label_confirmed=True,
            )
            references.append(record.reference)
        except Exception as error:  # reported below with the thread's number
            failures.append((n, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=log_one, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, WRITERS + 1))
    assert Record.objects.count() == WRITERS

