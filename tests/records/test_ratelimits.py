"""Rate limits: past a limit the request is answered 429 with what was limited and when to try
again (a page, or the API's problem JSON), never 403 or 500, and nothing is done."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent, ImportJob, LabelCheck, LegalHold
from compliance.models import CertificationPackage
from tests.api.conftest import token_client
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS}
    return settings.RATE_LIMITS


def assert_too_many(response, what, within=15 * 60):
    """429 naming what was limited, and a Retry-After within the limit's period (in seconds)."""
    assert response.status_code == 429, response.status_code
    assert f"Too many {what}" in response.content.decode() and "Nothing was changed" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= within


def code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def test_the_limits_are_settings(settings):
    assert set(settings.RATE_LIMITS) == {"sign_in", "second_factor", "label_check", "import", "package_build", "api_write"}


class TestSignIn:
    def test_failed_sign_ins_from_one_address_are_limited_whatever_the_usernames(self, client, limits, employee):
        limits["sign_in"] = "3/15m"
        for username in ("alice", "bob", "carol"):
            assert client.post(reverse("login"), {"username": username, "password": "guess"}).status_code == 200
        refused = client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD})
        assert_too_many(refused, "sign-in attempts")
        assert not AuditEvent.objects.filter(action="auth.signed_in").exists()
        other = client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.7")
        assert other.status_code == 302

    def test_behind_a_proxy_the_limit_counts_each_client_not_the_proxy(self, client, limits, employee, settings):
        from cpnitrack.client_address import client_address_settings

        for name, value in client_address_settings(1).items():  # TRUSTED_PROXY_COUNT=1
            setattr(settings, name, value)
        limits["sign_in"] = "3/15m"
        proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy
        for username in ("alice", "bob", "carol"):
            client.post(reverse("login"), {"username": username, "password": "guess"}, HTTP_X_FORWARDED_FOR="10.9.9.9", **proxy)
        stranger = client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD},
                               HTTP_X_FORWARDED_FOR="10.9.9.9", **proxy)
        assert_too_many(stranger, "sign-in attempts")
        real_user = client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD},
                                HTTP_X_FORWARDED_FOR="10.1.2.3", **proxy)
        assert real_user.status_code == 302, "another client behind the same proxy is not limited"

    def test_successful_sign_ins_do_not_count(self, client, limits, employee):
        limits["sign_in"] = "1/15m"
        for _ in range(3):
            assert client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD}).status_code == 302
            client.logout()

    def test_the_admin_sign_in_is_limited_too(self, client, limits):
        limits["sign_in"] = "1/15m"
        client.post(reverse("admin:login"), {"username": "x", "password": "y"})
        assert_too_many(client.post(reverse("admin:login"), {"username": "x", "password": "y"}), "sign-in attempts")


class TestSecondFactor:
    def test_wrong_codes_are_audited_and_limited(self, client, limits, netops):
        limits["second_factor"] = "2/15m"
        device = TOTPDevice.objects.create(user=netops, name="app", confirmed=True)
        client.force_login(netops)
        for _ in range(2):
            wrong = client.post(reverse("second-factor-verify"), {"token": "000000"})
            assert wrong.status_code == 200 and "not right" in wrong.content.decode()
        assert AuditEvent.objects.filter(action="auth.second_factor_failed", actor=netops).count() == 2
        refused = client.post(reverse("second-factor-verify"), {"token": code(device)})
        assert_too_many(refused, "wrong codes")
        assert not AuditEvent.objects.filter(action="auth.second_factor_verified").exists()
        assert client.get(reverse("dashboard")).status_code == 302  # still owes its code

    def test_wrong_codes_when_turning_it_on_are_audited_and_limited(self, client, limits, records_manager):
        from records.second_factor import enrolment_code_issue

        limits["second_factor"] = "1/15m"
        enrolment_code, _ = enrolment_code_issue(actor=None, user=records_manager)
        client.force_login(records_manager)
        client.get(reverse("second-factor-setup"))
        wrong = client.post(reverse("second-factor-setup"), {"token": "000000", "enrolment_code": enrolment_code})
        assert wrong.status_code == 200
        assert AuditEvent.objects.filter(action="auth.second_factor_failed", actor=records_manager).count() == 1
        device = TOTPDevice.objects.get(user=records_manager)
        right = {"token": code(device), "enrolment_code": enrolment_code}
        assert_too_many(client.post(reverse("second-factor-setup"), right), "wrong codes")
        assert not TOTPDevice.objects.filter(confirmed=True).exists()


@pytest.mark.parametrize("name,url,what,role_fixture,model", [
    ("label_check", "label-check", "label checks", "employee", LabelCheck),
    ("import", "import-list", "imports", "records_manager", ImportJob),
    ("package_build", "package-request", "package builds", "records_manager", CertificationPackage),
])
def test_uploads_and_builds_are_limited_per_person(request, client, limits, name, url, what, role_fixture, model):
    limits[name] = "1/h"
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    first = client.post(reverse(url), {})
    assert first.status_code in (200, 400)
    before = model.objects.count()
    assert_too_many(client.post(reverse(url), {}), what, within=3600)
    assert model.objects.count() == before
    assert client.get(reverse("dashboard")).status_code == 200  # reading is not limited


def test_the_api_answers_429_json(limits, records_manager, employee):
    from records.models import Record
    from tests.factories import make_record

    limits["api_write"] = "1/m"
    record = make_record(custodian=employee)
    api = token_client(records_manager)
    body = {"matter": "M", "reason": "R", "scope": "s", "references": [record.reference]}
    api.post("/api/v1/holds/", body, format="json")
    holds_before = LegalHold.objects.count()
    refused = api.post("/api/v1/holds/", body, format="json")
    assert refused.status_code == 429 and refused["Content-Type"].startswith("application/")
    problem = refused.json()
    assert problem["code"] == "rate_limited" and problem["status"] == 429 and "Too many changes" in problem["detail"]
    assert int(refused["Retry-After"]) == problem["retry_after"] > 0
    assert LegalHold.objects.count() == holds_before and Record.objects.count() == 1
    assert api.get("/api/v1/holds/").status_code == 200
