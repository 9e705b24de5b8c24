"""The year's certification package holds the breach register (breaches.csv) and its figures:
incidents discovered in the year, those determined, and notifications made on time and late."""

import csv
import json
import zipfile
from datetime import datetime

import pytest
from django.utils import timezone

from compliance import breaches
from compliance import package as packaging
from compliance.models import CertificationPackage
from compliance.year_summary import year_summary
from tests.factories import make_company_profile, make_record

pytestmark = pytest.mark.django_db


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


def test_the_years_breaches_are_in_its_package_with_their_deadlines(time_machine, records_manager, officer, employee,
                                                                   settings, tmp_path):
    settings.VAR_DIR = tmp_path
    make_company_profile(signatory=officer)
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    record = make_record(custodian=employee)
    on_time = breaches.breach_report(actor=records_manager, fields={
        "description": "Looked up without a request", "discovered_at": at("2026-11-13 15:00"), "customers_affected": 40,
        "cpni_categories": ["billing"]}, links={"records": [record.reference]},
        reasonably_determined_at=at("2026-11-16 10:00"))
    breaches.breach_notification_record(actor=records_manager, incident=on_time, recipient="law_enforcement",
                                        notified_at=at("2026-11-18 09:00"), method="reporting_facility")
    late = breaches.breach_report(actor=records_manager, fields={
        "description": "Bills sent to the wrong address", "discovered_at": at("2026-12-01 09:00")},
        reasonably_determined_at=at("2026-12-01 12:00"))
    breaches.breach_notification_record(actor=records_manager, incident=late, recipient="law_enforcement",
                                        notified_at=at("2026-12-14 09:00"), method="reporting_facility")
    suspected = breaches.breach_report(actor=employee, fields={"description": "Suspected",
                                                               "discovered_at": at("2026-12-20 09:00")})
    breaches.breach_report(actor=employee, fields={"description": "Next year", "discovered_at": at("2027-01-02 09:00")})

    summary = year_summary(2026)
    assert (summary.breaches_discovered, summary.breaches_determined) == (3, 2)
    assert (summary.breach_notifications_on_time, summary.breach_notifications_late) == (1, 1)

    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        lines = archive.read("breaches.csv").decode().splitlines()
        figures = json.loads(archive.read("summary.json"))
    assert lines[0].startswith("# CONFIDENTIAL — ")
    rows = list(csv.DictReader(lines[1:]))
    assert [row["reference"] for row in rows] == [on_time.reference, late.reference, suspected.reference]
    first, second, reported = rows
    assert (first["law_enforcement_due"], first["law_enforcement_notified_on"], first["late_notifications"]) == (
        "2026-11-25", "2026-11-18", "")
    assert (first["records"], first["cpni_categories"], first["customers_not_before"]) == (
        record.reference, "billing", "2026-12-01")
    assert (second["law_enforcement_due"], second["late_notifications"]) == ("2026-12-10", "law_enforcement")
    assert (reported["status"], reported["law_enforcement_due"]) == ("reported", "")
    assert (figures["breaches_discovered"], figures["breach_notifications_late"]) == (3, 1)
