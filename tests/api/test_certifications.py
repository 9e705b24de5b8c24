"""GET /api/v1/certifications/: where each year's certification stands, for those who prepare,
sign or verify it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from records.models import Record
from compliance.models import CertificationFiling, CertificationPackage
from records.roles import Role
from tests.factories import make_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/certifications/"


def package(year, requested_by, draft=False, state=CertificationPackage.State.READY):
    return CertificationPackage.objects.create(year=year, draft=draft, state=state, requested_by=requested_by,
                                               requested_at=timezone.now(), finished_at=timezone.now(), sha256="a" * 64)


def test_one_entry_a_year_from_the_first_with_records(api, employee, records_manager, officer, time_machine):
    time_machine.move_to(datetime(2023, 6, 1, 12, tzinfo=ZoneInfo("America/New_York")))
    make_record(custodian=employee)
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("America/New_York")))
    filed_late = package(2023, records_manager)
    CertificationFiling.objects.create(year=2023, package=filed_late, signed_by=officer, signed_on=date(2024, 3, 4),
                                       filed_on=date(2024, 3, 4), recorded_at=timezone.now())
    on_time = package(2024, records_manager)
    CertificationFiling.objects.create(year=2024, package=on_time, signed_by=officer, signed_on=date(2025, 2, 20),
                                       filed_on=date(2025, 2, 21), recorded_at=timezone.now())
    final_2025 = package(2025, records_manager)
    package(2025, records_manager, draft=True)
    draft_2026 = package(2026, records_manager, draft=True)

    response = api(records_manager).get(URL)
    assert response.status_code == 200
    assert response.json()["marking"] == "CONFIDENTIAL"
    years = {entry["year"]: entry for entry in response.json()["results"]}
    assert list(years) == [2026, 2025, 2024, 2023]
    assert years[2026] | {"packages": None} == {
        "year": 2026, "status": "draft", "due_date": "2027-03-01", "overdue": False, "packages": None,
        "signed_on": None, "signed_by": None, "filed_on": None, "filed_package": None}
    assert [p["id"] for p in years[2026]["packages"]] == [draft_2026.pk] and years[2026]["packages"][0]["draft"]
    assert (years[2025]["status"], years[2025]["due_date"], years[2025]["overdue"]) == ("built", "2026-03-02", True)
    assert final_2025.pk in [p["id"] for p in years[2025]["packages"]]
    assert (years[2024]["status"], years[2024]["filed_on"], years[2024]["signed_by"]) == ("filed", "2025-02-21", "oscar")
    assert (years[2023]["status"], years[2023]["due_date"]) == ("late", "2024-03-01")


def test_an_ended_year_with_only_a_draft_is_still_a_draft(api, records_manager, frozen_today):
    package(2025, records_manager, draft=True)
    years = {entry["year"]: entry for entry in api(records_manager).get(URL).json()["results"]}
    assert years[2025]["status"] == "draft" and not Record.objects.exists()


def test_only_records_managers_officers_and_auditors_follow_it(api_by_role, client):
    allowed = {Role.RECORDS_MANAGER, Role.OFFICER, Role.AUDITOR}
    for role, caller in api_by_role.items():
        assert caller.get(URL).status_code == (200 if role in allowed else 403), role
        assert caller.post(URL, {}, format="json").status_code in (403, 405)
    assert client.get(URL).status_code == 401
