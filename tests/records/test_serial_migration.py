"""Migration 0023 on a database that already holds duplicated serial numbers: it never fails on
them; the oldest record of each group keeps the unique key, the younger ones are left without one
until a records manager corrects them, and the database refuses new duplicates from then on."""

import pytest
from django.db import IntegrityError, transaction
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = ("records", "0022_legal_minimums_and_imported_attestations")
AFTER = ("records", "0023_serials_corrections_reimports")




@pytest.mark.django_db(transaction=True)
def test_existing_duplicates_are_reported_not_blocking():
    try:
        old = migrate_to(BEFORE)
        Department, User = old.get_model("records", "Department"), old.get_model("records", "User")
        Schedule, Record = old.get_model("records", "RetentionSchedule"), old.get_model("records", "Record")
        department = Department.objects.create(code="billing", name="Billing")
        user = User.objects.create(username="emma", department=department)
        schedule = Schedule.objects.create(code="TAPES", title="Tapes", period_value=1)

        def tape(number, serial, status="due"):
            return Record.objects.create(
                reference=f"CPNI-2025-{number:06d}", title="Tape", contains_cpni=False, medium="tape",
                media_serial_number=serial, department=department, custodian=user, location="Vault",
                schedule=schedule, status=status, created_by=user,
            ).pk

        oldest, younger, gone, lone = tape(1, "TP-0099-LEG"), tape(2, "tp-0099-leg "), tape(3, "TP-0099-LEG", "destroyed"), tape(4, "TP-7")
        paper = Record.objects.create(
            reference="CPNI-2025-000005", title="Box", contains_cpni=False, medium="paper", department=department,
            custodian=user, location="HQ", schedule=schedule, created_by=user,
        ).pk

        new = migrate_to(AFTER)
        Record = new.get_model("records", "Record")
        keys = dict(Record.objects.values_list("pk", "media_serial_key"))
        assert keys == {oldest: "TP-0099-LEG", younger: None, gone: "TP-0099-LEG", lone: "TP-7", paper: None}
        with pytest.raises(IntegrityError), transaction.atomic():
            Record.objects.filter(pk=younger).update(media_serial_key="TP-0099-LEG")
    finally:
        migrate_to_latest()
