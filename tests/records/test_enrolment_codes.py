"""Setting up a second factor takes a one-time enrolment code a records manager issued: the
password alone does not enrol an authenticator."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent, EnrolmentCode
from records.roles import Role
from records.second_factor import enrolment_code_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_manager(db):
    return UserFactory(username="ruth", role=Role.RECORDS_MANAGER)


def code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def enrol(client, user, enrolment_code):
    """Open the setup page as `user` and send the app's current code with `enrolment_code`."""
    client.force_login(user)
    client.get(reverse("second-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(reverse("second-factor-setup"), {"token": code(device), "enrolment_code": enrolment_code})


def test_a_records_manager_issues_a_code_on_a_page_shown_once_and_audited(client, records_manager, netops):
    client.force_login(records_manager)
    page = client.get(reverse("enrolment-codes"))
    assert page.status_code == 200 and "nate" in page.content.decode()
    issued = client.post(reverse("enrolment-codes"), {"user": netops.pk})
    text = issued.content.decode()
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    shown = text.split("<code>")[1].split("</code>")[0]
    assert len(shown) == 11 and shown[5] == "-"
    stored = EnrolmentCode.objects.get()
    assert stored.user == netops and stored.issued_by == records_manager and shown.replace("-", "") not in stored.code_hash
    assert stored.expires_at - stored.issued_at == timedelta(hours=24)
    event = AuditEvent.objects.get(action="auth.enrolment_code_issued")
    assert event.actor == records_manager and event.object_id == str(netops.pk) and shown not in str(event.payload)
    assert shown not in client.get(reverse("enrolment-codes")).content.decode()


def test_the_password_alone_does_not_enrol(client, netops):
    client.force_login(netops)
    client.get(reverse("second-factor-setup"))
    device = TOTPDevice.objects.get(user=netops, confirmed=False)
    refused = client.post(reverse("second-factor-setup"), {"token": code(device)})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    guessed = client.post(reverse("second-factor-setup"), {"token": code(device), "enrolment_code": "ABCDE-FGHJK"})
    assert guessed.status_code == 200 and "ask a records manager" in guessed.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert AuditEvent.objects.filter(action="auth.second_factor_failed", actor=netops).count() == 1


def test_the_code_enrols_once_and_is_audited(client, records_manager, netops, officer):
    enrolment_code, _ = enrolment_code_issue(actor=records_manager, user=netops)
    assert enrol(client, netops, enrolment_code.lower().replace("-", " ")).status_code == 302
    assert TOTPDevice.objects.get(user=netops).confirmed and EnrolmentCode.objects.get().used_at is not None
    enabled = AuditEvent.objects.get(action="auth.second_factor_enabled")
    assert enabled.actor == netops and enabled.payload == {"enrolment_code_issued_by": records_manager.pk}
    # used up: turned off and on again, or by someone else, it does not work again
    TOTPDevice.objects.filter(user=netops).delete()
    again = enrol(client, netops, enrolment_code)
    assert again.status_code == 200 and "was used already" in again.content.decode()
    assert enrol(client, officer, enrolment_code).status_code == 200
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_code_expires(client, records_manager, netops, time_machine, settings):
    settings.SECOND_FACTOR_ENROLMENT_CODE_HOURS = 2
    enrolment_code, _ = enrolment_code_issue(actor=records_manager, user=netops)
    time_machine.move_to(timezone.now() + timedelta(hours=2, seconds=1))
    expired = enrol(client, netops, enrolment_code)
    assert expired.status_code == 200 and "has expired" in expired.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_new_code_replaces_the_last(client, records_manager, netops):
    first, _ = enrolment_code_issue(actor=records_manager, user=netops)
    second, _ = enrolment_code_issue(actor=records_manager, user=netops)
    assert enrol(client, netops, first).status_code == 200
    assert enrol(client, netops, second).status_code == 302


def test_who_issues_codes_to_whom(client, records_manager, second_manager, employee, auditor, officer):
    with pytest.raises(PermissionDenied, match="Another records manager"):
        enrolment_code_issue(actor=records_manager, user=records_manager)
    with pytest.raises(PermissionDenied):
        enrolment_code_issue(actor=officer, user=auditor)
    with pytest.raises(ValidationError):
        enrolment_code_issue(actor=records_manager, user=employee)
    enrolment_code_issue(actor=second_manager, user=records_manager)
    enrolment_code_issue(actor=records_manager, user=auditor)
    client.force_login(officer)
    assert client.post(reverse("enrolment-codes"), {"user": auditor.pk}).status_code == 403
    client.force_login(records_manager)
    page = client.get(reverse("enrolment-codes")).content.decode()
    assert "ann" in page and f'value="{employee.pk}"' not in page and f'value="{records_manager.pk}"' not in page
    assert client.post(reverse("enrolment-codes"), {"user": employee.pk}).status_code == 400


def test_an_employee_has_no_second_factor_to_enrol(client, employee):
    client.force_login(employee)
    assert client.get(reverse("second-factor-setup")).status_code == 403


def test_the_first_records_manager_gets_a_code_from_the_command_line(records_manager, capsys):
    call_command("issue_enrolment_code", "rita")
    out = capsys.readouterr().out
    assert out.startswith("Enrolment code for rita: ")
    event = AuditEvent.objects.get(action="auth.enrolment_code_issued")
    assert event.actor is None and event.object_id == str(records_manager.pk)
