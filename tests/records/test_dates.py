"""Dates that become evidence: never in the future, never before the company's records began, and
a certification signed and filed only after the year it covers."""

from datetime import date

import pytest
from django.urls import reverse

from records.dates import DEFAULT_RECORDS_BEGAN_ON, past_date_error, records_began_on
from tests.factories import TEST_PASSWORD, company_profile_data, make_company_profile
from records.models import AuditEvent
from compliance.models import CertificationFiling, CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation

pytestmark = pytest.mark.django_db

REGISTERS = [
    ("complaints", CustomerComplaint, "received_on",
     {"category": "online_access", "summary": "Account takeover via reset", "resolution": ""}),
    ("data-broker-actions", DataBrokerAction, "taken_on", {"forum": "court", "description": "Suit against a data broker"}),
    ("pretexting", PretextingObservation, "observed_on", {"method": "Caller posed as the account holder", "steps_taken": "Callback"}),
]


def test_a_date_lies_between_the_day_records_began_and_today(frozen_today):
    assert past_date_error(date(2026, 11, 23)) == ""
    assert past_date_error(DEFAULT_RECORDS_BEGAN_ON) == ""
    assert past_date_error(date(2026, 11, 24)) == "The date cannot be in the future (today is 2026-11-23)."
    assert past_date_error(date(1800, 1, 1)) == "The date cannot be before 1990-01-01, when the company's records began."


def test_the_records_manager_sets_the_day_records_began(client, records_manager, officer, frozen_today):
    client.force_login(records_manager)
    profile = company_profile_data({"name": "Example Telecom, Inc.", "filer_id": "825123"}, signatory=officer.pk)
    future = client.post(reverse("company-profile"), {**profile, "records_began_on": "2027-01-01"})
    assert future.status_code == 200 and "cannot begin in the future" in future.content.decode()
    assert not CompanyProfile.objects.exists() and records_began_on() == DEFAULT_RECORDS_BEGAN_ON
    assert client.post(reverse("company-profile"), {**profile, "records_began_on": "2004-07-01"}).status_code == 302
    assert records_began_on() == date(2004, 7, 1)
    assert "before 2004-07-01, when the company's records began" in past_date_error(date(2004, 6, 30))


@pytest.mark.parametrize("kind, model, date_field, values", REGISTERS)
@pytest.mark.parametrize("bad, message", [("1800-01-01", "cannot be before 1990-01-01"), ("2026-11-24", "cannot be in the future")])
def test_a_register_entry_with_an_impossible_date_is_refused_and_nothing_is_written(
    client, records_manager, frozen_today, kind, model, date_field, values, bad, message
):
    client.force_login(records_manager)
    events = AuditEvent.objects.count()
    refused = client.post(reverse("register-create", args=[kind]), {**values, date_field: bad})
    assert refused.status_code == 200 and message in refused.content.decode()
    assert not model.objects.exists() and not model.history.exists() and AuditEvent.objects.count() == events
    assert client.post(reverse("register-create", args=[kind]), {**values, date_field: "2026-11-23"}).status_code == 302
    assert model.objects.get().__dict__[date_field] == date(2026, 11, 23)


def test_a_complaint_is_resolved_after_it_was_received(client, records_manager, frozen_today):
    client.force_login(records_manager)
    data = {"received_on": "2026-03-02", "category": "online_access", "summary": "Account takeover", "resolution": "Reset"}
    refused = client.post(reverse("register-create", args=["complaints"]), {**data, "resolved_on": "2026-03-01"})
    assert refused.status_code == 200 and "resolved on or after the day it was received" in refused.content.decode()
    future = client.post(reverse("register-create", args=["complaints"]), {**data, "resolved_on": "2026-12-01"})
    assert future.status_code == 200 and "cannot be in the future" in future.content.decode()
    assert not CustomerComplaint.objects.exists()


@pytest.fixture
def ready_package(records_manager, officer):
    from django.utils import timezone

    from compliance.models import CertificationPackage

    make_company_profile(signatory=officer)

    def make(year):
        return CertificationPackage.objects.create(year=year, requested_by=records_manager, requested_at=timezone.now(),
                                                   state=CertificationPackage.State.READY, sha256="0" * 64)
    return make


@pytest.mark.parametrize("year, signed_on, message", [
    (2026, "2026-11-20", "cannot be before 2027-01-01, the first day after the year 2026"),
    (2025, "1800-01-01", "cannot be before 2026-01-01, the first day after the year 2025"),
    (2025, "2025-12-31", "cannot be before 2026-01-01"),
    (2025, "2026-12-01", "The signing date cannot be in the future"),
])
def test_a_signature_dated_before_the_year_ended_or_in_the_future_is_refused(
    client, officer, ready_package, frozen_today, year, signed_on, message
):
    package = ready_package(year)
    client.force_login(officer)
    events = AuditEvent.objects.count()
    refused = client.post(reverse("package-sign", args=[package.pk]),
                          {"signed_on": signed_on, "personal_knowledge": "on", "password": TEST_PASSWORD})
    assert refused.status_code == 400 and message in refused.content.decode()
    assert not CertificationFiling.objects.exists() and AuditEvent.objects.count() == events


def test_a_complaint_of_another_kind_describes_its_category(client, records_manager, frozen_today):
    client.force_login(records_manager)
    form = client.get(reverse("register-create", args=["complaints"])).content.decode()
    assert "Enter no CPNI here" in form
    data = {"received_on": "2026-03-02", "category": "other", "summary": "Bill sent to a former address"}
    refused = client.post(reverse("register-create", args=["complaints"]), data)
    assert refused.status_code == 200 and "Describe the category" in refused.content.decode()
    stray = client.post(reverse("register-create", args=["complaints"]),
                        {**data, "category": "online_access", "other_category": "Mail"})
    assert stray.status_code == 200 and "Only a complaint filed under “Other”" in stray.content.decode()
    assert not CustomerComplaint.objects.exists()
    saved = client.post(reverse("register-create", args=["complaints"]), {**data, "other_category": "Mail misdirected"})
    assert saved.status_code == 302
    assert "Other: Mail misdirected" in client.get(reverse("register-list", args=["complaints"])).content.decode()
