"""Fixtures of the security fuzz tests (the role fixtures come from tests/conftest.py).

No Hypothesis profile is loaded here on purpose: loading one would change the defaults of every
Hypothesis test in the session. Each fuzz test applies tests.security.fuzzkit.fuzz_settings()
instead (derandomized, no example database; see fuzzkit's docstring)."""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from records.models import Medium, Status
from tests.factories import ScheduleFactory, make_record
from tests.security.fuzzkit import XSS_PAYLOADS

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    # Hypothesis caches what it learns of the code under test and the unicode tables, even with no
    # example database; keep them in the system temp folder, not in a .hypothesis/ of the work tree.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "cpnitrack-hypothesis")


@pytest.fixture(autouse=True)
def _today(frozen_today):
    """Every security test runs on 2026-11-23 (tests/conftest.py), set before any other fixture
    so that sessions opened by the fixtures do not look 30 minutes idle, and dates are stable."""


@pytest.fixture
def schedule(db):
    return ScheduleFactory(code="TOLL-BILLING", title="Toll billing", period_value=18, period_unit="months")


@pytest.fixture
def event_schedule(db):
    return ScheduleFactory(
        code="ACCOUNT-CLOSURE", title="Closed accounts", period_value=2, period_unit="years",
        trigger="event", trigger_event="account closure",
    )


@pytest.fixture
def media_schedule(db):
    return ScheduleFactory(
        code="MEDIA", title="Backup media", period_value=1, period_unit="years",
        applicable_media=[Medium.HARD_DISK, Medium.TAPE, Medium.USB_DRIVE],
    )


@pytest.fixture
def retired_schedule(db):
    return ScheduleFactory(code="RETIRED", title="Old", period_value=1, period_unit="years", is_active=False)


@pytest.fixture
def hostile_records(employee, outsider, schedule):
    """Records whose stored text is HTML/JS, in two departments, so that list and audit pages
    render stored payloads."""
    return [
        make_record(custodian=employee, schedule=schedule, title=XSS_PAYLOADS[0], location=XSS_PAYLOADS[2],
                    notes=XSS_PAYLOADS[6], customer_reference="<b>ACCT</b>"),
        make_record(custodian=employee, schedule=schedule, title=XSS_PAYLOADS[8], status=Status.DUE),
        make_record(custodian=outsider, schedule=schedule, title=XSS_PAYLOADS[4], location="Care <svg/onload=x>"),
    ]


def _files_under(folder, ignore=()):
    folder = Path(folder)
    if not folder.exists():
        return set()
    found = set()
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part in ignore for part in relative.parts) and not path.name.endswith(
            ("-wal", "-shm", "-journal")
        ):
            found.add(relative)
    return found


@pytest.fixture
def nothing_written_to_disk(settings, tmp_path, monkeypatch):
    """Uploads must never reach the disk. MEDIA_ROOT, the upload temp folder and Python's temp
    folder point at empty folders of this test, which must still be empty at the end; and no new
    file may appear under settings.VAR_DIR (the broker's queue folder and SQLite's journals, which
    other processes of the machine may be writing, are left out)."""
    media, upload_tmp, python_tmp = tmp_path / "media", tmp_path / "upload-tmp", tmp_path / "python-tmp"
    for folder in (media, upload_tmp, python_tmp):
        folder.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_tmp)
    monkeypatch.setattr(tempfile, "tempdir", str(python_tmp))
    var_before = _files_under(settings.VAR_DIR, ignore={"celery"})
    yield
    var_after = _files_under(settings.VAR_DIR, ignore={"celery"})
    assert var_after - var_before == set(), f"new files under VAR_DIR: {sorted(var_after - var_before)}"
    for folder in (media, upload_tmp, python_tmp):
        written = [path for path in folder.iterdir() if not _forkserver_folder(path)]
        assert written == [], f"files written to {folder}: {written}"


def _forkserver_folder(path):
    """multiprocessing's own folder for the forkserver's socket (records.confined), made once per
    process wherever Python's temp folder points then: it holds sockets, never a document."""
    return path.name.startswith("pymp-") and path.is_dir() and all(child.is_socket() for child in path.iterdir())
