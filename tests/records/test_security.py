"""Sign-in protection, sessions, the second factor, headers, uploads and database faults."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent, LabelCheck, Record
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


class TestSignIn:
    def test_repeated_failures_lock_the_account_from_that_address(self, client, employee, settings):
        settings.AXES_FAILURE_LIMIT = 3
        for _ in range(3):
            assert sign_in(client, "emma", "wrong password").status_code in (200, 429)
        locked = sign_in(client, "emma")  # even the right password is refused now
        assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
        assert "locked for 15 minutes" in locked.content.decode() and "PT15M" not in locked.content.decode()
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(action="auth.sign_in_failed", object_repr="emma").count() >= 3

    def test_the_lockout_ends_after_the_cool_off(self, client, employee, settings, time_machine):
        settings.AXES_FAILURE_LIMIT = 2
        for _ in range(2):
            sign_in(client, "emma", "wrong")
        assert sign_in(client, "emma").status_code == 429
        time_machine.move_to(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert sign_in(client, "emma").status_code == 302

    def test_behind_a_proxy_a_strangers_failures_do_not_lock_out_the_real_user(self, client, employee, settings):
        from cpnitrack.client_address import client_address_settings

        for name, value in client_address_settings(1).items():  # TRUSTED_PROXY_COUNT=1
            setattr(settings, name, value)
        settings.AXES_FAILURE_LIMIT = 3
        proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy

        def attempt(forwarded_for, password=TEST_PASSWORD):
            return client.post(reverse("login"), {"username": "emma", "password": password},
                               HTTP_X_FORWARDED_FOR=forwarded_for, **proxy)

        for _ in range(3):
            attempt("10.9.9.9", "wrong password")
        assert attempt("10.9.9.9").status_code == 429, "the stranger's own address is locked out"
        # Claiming the real user's address in front of the chain does not move the stranger.
        assert attempt("10.1.2.3, 10.9.9.9").status_code == 429
        assert attempt("10.1.2.3").status_code == 302, "the real user, from her own address, signs in"

    def test_without_a_proxy_the_forwarded_header_is_not_believed(self, client, employee, settings):
        settings.AXES_FAILURE_LIMIT = 3
        for number in range(3):
            client.post(reverse("login"), {"username": "emma", "password": "wrong"}, REMOTE_ADDR="10.9.9.9",
                        HTTP_X_FORWARDED_FOR=f"10.9.9.{10 + number}")
        assert client.post(reverse("login"), {"username": "emma", "password": TEST_PASSWORD}, REMOTE_ADDR="10.9.9.9",
                           HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 429

    def test_a_session_expires_after_inactivity(self, client, employee, settings, time_machine):
        assert sign_in(client, "emma").status_code == 302
        assert client.get(reverse("dashboard")).status_code == 200
        time_machine.move_to(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("dashboard")).status_code == 200, "activity renews the session"
        time_machine.move_to(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_the_session_store_reads_what_djangos_database_store_reads(self, client, employee, settings, time_machine):
        """records.sessions reads a session with a written-out query: the same data as Django's own
        database store for a live session, nothing (and no key) for an expired or unknown one."""
        from django.contrib.sessions.backends.db import SessionStore as DjangosStore

        from records.sessions import SessionStore

        assert sign_in(client, "emma").status_code == 302
        key = client.session.session_key
        live = SessionStore(key).load()
        assert live == DjangosStore(key).load() and live["_auth_user_id"] == str(employee.pk)
        assert SessionStore("n0such5e55ionkey0000000000000000").load() == {}
        time_machine.move_to(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        expired = SessionStore(key)
        assert expired.load() == {} and expired.session_key is None

    def test_reading_pages_renews_the_session_at_most_once_a_minute(self, client, employee, time_machine):
        from django.contrib.sessions.models import Session

        def expiry():
            return Session.objects.get(session_key=client.session.session_key).expire_date

        assert sign_in(client, "emma").status_code == 302
        client.get(reverse("dashboard"))
        renewed = expiry()
        time_machine.move_to(timezone.now() + timedelta(seconds=30))
        client.get(reverse("record-list"))
        assert expiry() == renewed, "no write within the minute"
        time_machine.move_to(timezone.now() + timedelta(seconds=31))
        client.get(reverse("record-list"))
        assert expiry() > renewed

    def test_weak_passwords_are_refused(self, employee):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        for weak in ("password123", "12345678901234", "emma", "short"):
            with pytest.raises(ValidationError):
                validate_password(weak, employee)


class TestSecondFactor:
    def code(self, device, offset=0):
        return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"

    def test_a_records_manager_turns_it_on_and_is_asked_for_a_code_at_sign_in(self, client, records_manager, time_machine):
        from records.second_factor import enrolment_code_issue

        enrolment_code, _ = enrolment_code_issue(actor=None, user=records_manager)
        client.force_login(records_manager)
        page = client.get(reverse("second-factor-setup"))
        assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
        device = TOTPDevice.objects.get(user=records_manager, confirmed=False)
        wrong = client.post(reverse("second-factor-setup"), {"token": "000000" if self.code(device) != "000000" else "111111",
                                                             "enrolment_code": enrolment_code})
        assert "not right" in wrong.content.decode() and not TOTPDevice.objects.filter(confirmed=True).exists()
        time_machine.move_to(timezone.now() + timedelta(seconds=5))  # django-otp throttles right after a failure
        device.refresh_from_db()
        enabled = client.post(reverse("second-factor-setup"), {"token": self.code(device), "enrolment_code": enrolment_code})
        assert enabled.status_code == 302
        assert TOTPDevice.objects.get(user=records_manager).confirmed

        client.logout()
        assert sign_in(client, "rita").status_code == 302
        gated = client.get(reverse("record-list"))
        assert gated.status_code == 302 and gated["Location"].startswith(reverse("second-factor-verify"))
        device.refresh_from_db()
        bad = client.post(reverse("second-factor-verify"), {"token": "12345"})
        assert bad.status_code == 200 and client.get(reverse("record-list")).status_code == 302
        device.refresh_from_db()
        ok = client.post(reverse("second-factor-verify"), {"token": self.code(device, offset=1), "next": "/records/"})
        assert ok.status_code == 302 and ok["Location"] == "/records/"
        assert client.get(reverse("record-list")).status_code == 200
        assert AuditEvent.objects.filter(action="auth.second_factor_verified", actor=records_manager).exists()

    def test_only_privileged_roles_have_it_and_it_can_be_required(self, client, employee, officer, settings):
        client.force_login(employee)
        assert client.get(reverse("second-factor-setup")).status_code == 403
        settings.REQUIRE_SECOND_FACTOR = True
        assert client.get(reverse("dashboard")).status_code == 200, "employees are not required to"
        client.force_login(officer)
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response["Location"] == reverse("second-factor-setup")

    def test_an_open_redirect_through_next_is_refused(self, client, netops):
        client.force_login(netops)
        device = TOTPDevice.objects.create(user=netops, name="app", confirmed=True)
        response = client.post(reverse("second-factor-verify"), {"token": self.code(device), "next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == reverse("dashboard")


@pytest.mark.django_db
@pytest.mark.parametrize("role, home", [
    ("employee", "dashboard"), ("records_manager", "dashboard"), ("netops", "netops-queue"),
    ("auditor", "audit-log"), ("officer", "certification"),
])
def test_each_role_lands_on_its_own_home_after_signing_in(client, request, role, home):
    user = request.getfixturevalue(role)
    signed_in = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse(home) and signed_in.status_code == 200


class TestHeaders:
    def test_every_page_is_served_with_a_strict_policy(self, client, employee):
        client.force_login(employee)
        response = client.get(reverse("dashboard"))
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"

    def test_no_page_has_inline_script_or_another_hosts_resources(self, client, users_by_role):
        import re

        for user in users_by_role.values():
            client.force_login(user)
            for name in ("dashboard", "record-list", "schedule-list"):
                html = client.get(reverse(name)).content.decode()
                assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), name
                assert not re.search(r"(src|href)=\"(https?:)?//", html), name

    def test_check_deploy_is_clean_under_production_settings(self, tmp_path):
        env = {"PATH": "/usr/bin:/bin", "DEBUG": "false", "SECRET_KEY": "k" * 20 + "X9!-abcdefghijklmnopqrstuvwxyz0123456789",
               "ALLOWED_HOSTS": "cpni.example.com", "VAR_DIR": str(tmp_path),
               "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit.pem")}
        from records.signing import key_file_create

        key_file_create(tmp_path / "audit.pem")
        result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                                cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_an_expired_form_gets_the_apps_own_page_marked_confidential(self, employee, settings):
        from django.test import Client

        settings.DEBUG = False
        client = Client(enforce_csrf_checks=True)
        client.force_login(employee)
        response = client.post(reverse("record-create"), {"title": "Toll detail printouts"})
        assert response.status_code == 403
        body = response.content.decode()
        assert "CONFIDENTIAL" in body and "The form could not be accepted" in body and "Nothing was changed" in body
        assert "CSRF" not in body and "Forbidden" not in body

    def test_production_errors_show_no_debug_page(self, client, employee, settings, monkeypatch):
        settings.DEBUG = False
        client.raise_request_exception = False
        client.force_login(employee)
        from records import selectors

        monkeypatch.setattr(selectors, "dashboard_summary", lambda *a, **k: 1 / 0)
        response = client.get(reverse("dashboard"))
        assert response.status_code == 500
        body = response.content.decode()
        assert "Traceback" not in body and "ZeroDivisionError" not in body and "Something went wrong" in body


class TestUploadsAndFaults:
    def test_an_oversized_upload_is_refused_by_its_size_and_never_kept(self, client, employee, settings):
        settings.LABEL_CHECK_MAX_BYTES = 1000
        client.force_login(employee)
        response = client.post(reverse("label-check"), {"document": SimpleUploadedFile("big.txt", b"CONFIDENTIAL " * 500)})
        assert "is 0.0 MB; files up to 0 MB can be read" in response.content.decode()
        assert not LabelCheck.objects.exists()

    def test_uploads_stay_in_memory(self, settings):
        from records.uploads import LimitedMemoryUploadHandler

        assert settings.FILE_UPLOAD_HANDLERS == ["records.uploads.LimitedMemoryUploadHandler"]
        settings.LABEL_CHECK_MAX_BYTES = settings.IMPORT_MAX_BYTES = 10
        handler = LimitedMemoryUploadHandler()
        handler.new_file("document", "x.pdf", "application/pdf", None)
        for chunk in (b"a" * 8, b"b" * 8, b"c" * 8):
            handler.receive_data_chunk(chunk, 0)
        upload = handler.file_complete(24)
        assert upload.size == 24 and len(upload.read()) == 11, "the true size is known; only limit + 1 bytes are kept"

    def test_a_signed_in_person_gets_the_clear_page_when_the_database_is_down(self, client, employee, monkeypatch):
        """The session is read (and the person found) by middleware before any view runs."""
        from django.db.backends import utils

        client.force_login(employee)
        client.raise_request_exception = False

        def database_down(*args, **kwargs):
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

        monkeypatch.setattr(utils.CursorWrapper, "execute", database_down)
        page = client.get(reverse("record-list"))
        assert page.status_code == 503 and page["Retry-After"]
        assert "cannot reach its database" in page.content.decode()
        api = client.get("/api/v1/records/")
        assert api.status_code == 503 and api.json()["code"] == "database_unavailable"
        anonymous = Client(raise_request_exception=False).get(reverse("dashboard"))
        assert anonymous.status_code == 302, "no session to read: sent to sign in as usual"

    def test_the_database_going_away_mid_request_gives_a_clear_page_and_saves_nothing(self, client, employee, monkeypatch):
        from records import services
        from tests.factories import ScheduleFactory

        schedule = ScheduleFactory(code="TOLL")
        client.force_login(employee)
        client.raise_request_exception = False
        real = services.audit_event_record

        def database_lost(**kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(services, "audit_event_record", database_lost)
        before = (Record.objects.count(), AuditEvent.objects.count())
        response = client.post(reverse("record-create"), {
            "title": "Lost in transit", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": "paper",
            "department": employee.department_id, "custodian": employee.pk, "location": "HQ",
            "schedule": schedule.pk, "trigger_date": "2026-01-02", "label_verification": "visual", "label_confirmed": "on",
        })
        assert response.status_code == 503
        assert "cannot reach its database" in response.content.decode() and "Nothing from this request was saved" in response.content.decode()
        assert (Record.objects.count(), AuditEvent.objects.count()) == before
        monkeypatch.setattr(services, "audit_event_record", real)


def test_the_favicon_is_the_apps_own(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("/img/favicon.svg")
    assert (ROOT / "static" / "img" / "favicon.svg").read_text().startswith("<svg")


def test_the_server_error_page_is_marked_confidential():
    assert "<strong>CONFIDENTIAL</strong>" in (ROOT / "templates" / "500.html").read_text()
