"""Migration 0028 on a database that already keeps invalid import sheets: their bytes are emptied,
their hash, name, size and result stay; a sheet still waiting to be imported is kept."""

import pytest
from django.utils import timezone
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = ("records", "0027_second_factor_enrolment_code")
AFTER = ("records", "0028_import_sheets_not_kept")




@pytest.mark.django_db(transaction=True)
def test_invalid_sheets_already_kept_are_emptied():
    try:
        old = migrate_to(BEFORE)
        User, ImportJob = old.get_model("records", "User"), old.get_model("records", "ImportJob")
        manager = User.objects.create(username="rita")

        def job(state, content):
            return ImportJob.objects.create(file_name=f"{state}.csv", sha256=state[0] * 64, content=content, state=state,
                                            error_count=3 if state == "invalid" else 0, requested_by=manager,
                                            requested_at=timezone.now()).pk

        invalid, valid = job("invalid", b"title\n" + b"x" * 5000), job("valid", b"title\nkept\n")
        ImportJob = migrate_to(AFTER).get_model("records", "ImportJob")
        rows = {r.pk: r for r in ImportJob.objects.all()}
        assert bytes(rows[invalid].content) == b""
        assert (rows[invalid].size, rows[invalid].sha256, rows[invalid].file_name, rows[invalid].error_count) == (
            5006, "i" * 64, "invalid.csv", 3)
        assert bytes(rows[valid].content) == b"title\nkept\n" and rows[valid].size == 11
    finally:
        migrate_to_latest()
