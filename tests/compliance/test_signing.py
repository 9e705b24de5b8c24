"""Only the officer named in the company profile signs the certification, after entering their
password again (and their second factor's code where they have one) and attesting personal knowledge."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent
from compliance.models import CertificationFiling, CertificationPackage, CompanyProfile
from records.roles import Role
from tests.compliance.test_filing import record_filing
from tests.factories import TEST_PASSWORD, UserFactory, company_profile_data, make_company_profile

pytestmark = pytest.mark.django_db
SIGNED = {"signed_on": "2026-02-20", "personal_knowledge": "on", "password": TEST_PASSWORD}


@pytest.fixture
def package(officer, records_manager, frozen_today):
    make_company_profile(signatory=officer)
    return CertificationPackage.objects.create(year=2025, requested_by=records_manager, requested_at=timezone.now(),
                                               state=CertificationPackage.State.READY, sha256="0" * 64)


def nothing_filed(events_before):
    return not CertificationFiling.objects.exists() and AuditEvent.objects.count() == events_before


def test_the_signatory_is_an_active_officer_with_a_title(client, records_manager, officer, employee, frozen_today):
    client.force_login(records_manager)
    form = client.get(reverse("company-profile")).content.decode()
    assert "Oscar Tanaka, President and CEO" in form and "emma" not in form
    data = company_profile_data({"name": "Example Telecom, Inc.", "filer_id": "825123"})
    for signatory in (employee, UserFactory(username="ivy", title="CFO", role=Role.OFFICER, is_active=False)):
        refused = client.post(reverse("company-profile"), {**data, "signatory": signatory.pk})
        assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    untitled = UserFactory(username="una", first_name="Una", last_name="Chen", role=Role.OFFICER)
    refused = client.post(reverse("company-profile"), {**data, "signatory": untitled.pk})
    assert "has no job title; the certification names the signatory" in refused.content.decode()
    assert not CompanyProfile.objects.exists()
    assert client.post(reverse("company-profile"), {**data, "signatory": officer.pk}).status_code == 302
    profile = CompanyProfile.objects.get()
    assert (profile.signatory_name, profile.signatory_title) == ("Oscar Tanaka", "President and CEO")
    assert AuditEvent.objects.get(action="companyprofile.created").payload["signatory"] == str(officer)


def test_no_package_without_a_signing_officer(client, records_manager, officer, frozen_today):
    make_company_profile(signatory=officer)
    officer.is_active = False
    officer.save()
    client.force_login(records_manager)
    refused = client.post(reverse("package-request"), {"year": "2025"})
    assert refused.status_code == 400 and "can no longer sign in and cannot sign the certification" in refused.content.decode()
    assert not CertificationPackage.objects.exists()


def test_another_officer_cannot_sign(client, package):
    other = UserFactory(username="otto", title="CFO", role=Role.OFFICER)
    client.force_login(other)
    page = client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert "Only Oscar Tanaka, the officer named in the" in page and "Sign the 2025 certification" not in page
    events = AuditEvent.objects.count()
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 403
    assert nothing_filed(events)


@pytest.mark.parametrize("change, field, message", [
    ({"password": "wrong password"}, "password", "That is not your password"),
    ({"password": ""}, "password", "That is not your password"),
    ({"personal_knowledge": ""}, "personal_knowledge", "Tick the attestation"),
])
def test_the_signatory_re_enters_their_password_and_attests(client, officer, package, change, field, message):
    client.force_login(officer)
    events = AuditEvent.objects.count()
    refused = client.post(reverse("package-sign", args=[package.pk]), {**SIGNED, **change})
    assert refused.status_code == 400 and message in refused.content.decode()
    failed = AuditEvent.objects.filter(action="certification.reauthentication_failed")
    if field == "password":  # a failed re-authentication is on the record; nothing else is
        assert failed.get().payload == {"failed": ["password"]} and failed.get().actor == officer
        events += 1
    assert nothing_filed(events)
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 302
    event = AuditEvent.objects.get(action="certification.signed")
    assert event.actor == officer and event.payload["reauthenticated"] == "password"
    assert event.payload["personal_knowledge_attested"].startswith("I have personal knowledge")


def test_a_signatory_with_a_second_factor_enters_a_fresh_code(client, officer, package, time_machine):
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)

    def code():
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"

    client.force_login(officer)
    assert client.post(reverse("second-factor-verify"), {"token": code()}).status_code == 302
    page = client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert "Code from your authenticator app" in page
    events = AuditEvent.objects.count()
    device.refresh_from_db()
    reused = client.post(reverse("package-sign", args=[package.pk]), {**SIGNED, "otp_token": code()})
    assert reused.status_code == 400 and "That code is not right" in reused.content.decode(), "a used code is refused"
    assert AuditEvent.objects.get(action="certification.reauthentication_failed").payload == {"failed": ["otp_token"]}
    assert nothing_filed(events + 1)
    time_machine.move_to(timezone.now() + timedelta(seconds=31))
    device.refresh_from_db()
    assert client.post(reverse("package-sign", args=[package.pk]), {**SIGNED, "otp_token": code()}).status_code == 302
    assert AuditEvent.objects.get(action="certification.signed").payload["reauthenticated"] == "password and second factor"


def test_the_officer_withdraws_a_filing_recorded_in_error_within_7_days(client, officer, records_manager, package, time_machine):
    client.force_login(officer)
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 302
    filed = CertificationFiling.objects.get()
    assert record_filing(client, filed).status_code == 302
    assert "Withdraw the filing" in client.get(reverse("package-detail", args=[package.pk])).content.decode()

    for someone in (records_manager, UserFactory(username="otto", title="CFO", role=Role.OFFICER)):
        client.force_login(someone)
        assert client.post(reverse("filing-withdraw", args=[filed.pk]), {"reason": "x"}).status_code == 403
    client.force_login(officer)
    events = AuditEvent.objects.count()
    no_reason = client.post(reverse("filing-withdraw", args=[filed.pk]), {"reason": "  "})
    assert no_reason.status_code == 400 and AuditEvent.objects.count() == events

    refused = client.post(reverse("package-request"), {"year": "2025"})
    assert "locked" in refused.content.decode(), "a filed year is locked"
    ok = client.post(reverse("filing-withdraw", args=[filed.pk]), {"reason": "Recorded against the wrong package"})
    assert ok.status_code == 302
    filed.refresh_from_db()
    assert filed.withdrawn_by == officer and filed.withdrawal_reason == "Recorded against the wrong package"
    event = AuditEvent.objects.get(action="certification.filing_withdrawn")
    assert event.actor == officer and event.payload["reason"] == "Recorded against the wrong package"
    assert "was withdrawn on" in client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert not CertificationFiling.objects.standing().exists(), "the year is open again"
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 302, "and can be filed again"
    assert CertificationFiling.objects.count() == 2 and CertificationFiling.objects.standing().count() == 1

    late = CertificationFiling.objects.standing().get()
    time_machine.move_to(timezone.now() + timedelta(days=8))
    client.force_login(officer)  # the session ended while idle
    page = client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert "Withdraw the filing" not in page
    too_late = client.post(reverse("filing-withdraw", args=[late.pk]), {"reason": "Oops"})
    assert too_late.status_code == 400 and "can be withdrawn within 7 days" in too_late.content.decode()
    assert CertificationFiling.objects.standing().get() == late
