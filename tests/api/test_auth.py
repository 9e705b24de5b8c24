"""Who may call the API and how: tokens, signed-in sessions (CSRF-checked), never HTTP Basic;
401 as JSON for everyone else; the site's sign-in and second-factor middleware and the API; the
schema and its interactive page; and the token command."""

import base64
import re
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory

from records.api.authentication import VerifiedSessionAuthentication
from records.models import AuditEvent, Record
from tests.factories import TEST_PASSWORD, ScheduleFactory, make_record

pytestmark = pytest.mark.django_db
RECORDS = "/api/v1/records/"


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["detail"] and body["title"]
    return body


class TestTokens:
    def test_no_token_wrong_token_and_wrong_scheme_are_401_json(self, employee):
        make_record(custodian=employee)
        anonymous = APIClient()
        body = assert_problem(anonymous.get(RECORDS), 401, "not_authenticated")
        assert "marking" not in body
        assert anonymous.get(RECORDS)["WWW-Authenticate"] == "Token"
        assert_problem(anonymous.post(RECORDS, {}, format="json"), 401, "not_authenticated")
        anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
        assert_problem(anonymous.get(RECORDS), 401, "authentication_failed")
        anonymous.credentials(HTTP_AUTHORIZATION="Token")
        assert_problem(anonymous.get(RECORDS), 401, "authentication_failed")

    def test_http_basic_is_never_accepted(self, employee):
        basic = base64.b64encode(f"emma:{TEST_PASSWORD}".encode()).decode()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
        assert_problem(client.get(RECORDS), 401, "not_authenticated")

    def test_an_inactive_users_token_stops_working(self, api, employee):
        client = api(employee)
        answer = client.get(RECORDS)
        assert answer.status_code == 200 and "no-store" in answer["Cache-Control"], "no cache keeps a token's answer"
        employee.is_active = False
        employee.save()
        assert_problem(client.get(RECORDS), 401, "authentication_failed")

    def test_a_token_acts_with_its_users_role_and_department(self, api, employee, outsider):
        make_record(custodian=employee)
        theirs = make_record(custodian=outsider)
        listed = api(outsider).get(RECORDS).json()["results"]
        assert [r["reference"] for r in listed] == [theirs.reference]

    def test_api_urls_never_redirect_to_the_sign_in_page(self):
        client = APIClient()
        for url in (RECORDS, f"{RECORDS}CPNI-2026-000001/", f"{RECORDS}CPNI-2026-000001/validate/",
                    "/api/v1/schedules/", "/api/v1/holds/", "/api/v1/holds/1/release/", "/api/schema/"):
            response = client.post(url) if url.endswith(("validate/", "release/")) else client.get(url)
            assert_problem(response, 401, "not_authenticated")

    def test_unknown_api_urls_and_methods_are_json(self, api, employee):
        client = api(employee)
        assert_problem(client.get("/api/v1/nothing/"), 404, "not_found")
        assert_problem(APIClient().get("/api/v2/records/"), 404, "not_found")
        assert_problem(client.get(f"{RECORDS}a/b/c/"), 404, "not_found")
        assert_problem(Client(enforce_csrf_checks=True).post("/api/v1/nothing/"), 404, "not_found")
        deleted = client.delete(RECORDS)
        assert_problem(deleted, 405, "method_not_allowed")
        assert deleted["Allow"] == "GET, POST, HEAD"
        assert_problem(client.options(RECORDS), 405, "method_not_allowed")
        assert_problem(client.get(RECORDS, HTTP_ACCEPT="text/html"), 406, "not_acceptable")

    def test_responses_are_never_cached(self, api, employee):
        assert api(employee).get(RECORDS)["Cache-Control"] == "no-store"


class TestSessions:
    def test_a_signed_in_browser_reads_with_its_session(self, client, employee):
        make_record(custodian=employee)
        client.force_login(employee)
        response = client.get(RECORDS)
        assert response.status_code == 200 and response.json()["count"] == 1

    def test_a_session_write_needs_the_csrf_token(self, employee):
        ScheduleFactory(code="TOLL")
        browser = Client(enforce_csrf_checks=True)
        assert browser.post("/accounts/login/", {"username": "emma", "password": TEST_PASSWORD}).status_code == 403
        browser.get("/accounts/login/")
        token = browser.cookies["csrftoken"].value
        assert browser.post("/accounts/login/", {"username": "emma", "password": TEST_PASSWORD,
                                                 "csrfmiddlewaretoken": token}).status_code == 302
        body = {"title": "T", "medium": "paper", "department": "billing", "custodian": "emma", "location": "HQ",
                "schedule": "TOLL", "trigger_date": "2026-01-02", "label_verification": "visual",
                "label_confirmed": True, "cpni_categories": ["billing"]}
        refused = browser.post(RECORDS, body, content_type="application/json")
        assert_problem(refused, 403, "permission_denied")
        assert "CSRF" in refused.json()["detail"] and not Record.objects.exists()
        token = browser.cookies["csrftoken"].value  # signing in rotates it
        accepted = browser.post(RECORDS, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert accepted.status_code == 201, accepted.json()

    def test_a_token_request_is_not_held_up_by_the_second_factor(self, api, records_manager, settings):
        """SecondFactorMiddleware acts on the session's user before DRF runs; a token request has
        none, so it passes, and the token (a service account's credential) is what counts."""
        TOTPDevice.objects.create(user=records_manager, name="app", confirmed=True)
        assert api(records_manager).get(RECORDS).status_code == 200
        settings.REQUIRE_SECOND_FACTOR = True
        assert api(records_manager).get(RECORDS).status_code == 200

    def test_a_session_waiting_for_its_second_factor_does_not_reach_the_api(self, client, records_manager, settings):
        TOTPDevice.objects.create(user=records_manager, name="app", confirmed=True)
        client.force_login(records_manager)
        response = client.get(RECORDS)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/verify/")
        settings.REQUIRE_SECOND_FACTOR = True
        TOTPDevice.objects.all().delete()
        response = client.get(RECORDS)
        assert response.status_code == 302 and response["Location"] == "/accounts/second-factor/"

    def test_the_session_authentication_refuses_an_unverified_session_by_itself(self, records_manager):
        """Even without the middleware in front (defence in depth)."""
        from rest_framework.exceptions import AuthenticationFailed
        from rest_framework.request import Request

        TOTPDevice.objects.create(user=records_manager, name="app", confirmed=True)
        django_request = APIRequestFactory().get(RECORDS)
        records_manager.is_verified = lambda: False
        django_request.user = records_manager
        django_request._dont_enforce_csrf_checks = True
        with pytest.raises(AuthenticationFailed):
            VerifiedSessionAuthentication().authenticate(Request(django_request))
        records_manager.is_verified = lambda: True
        assert VerifiedSessionAuthentication().authenticate(Request(django_request))[0] == records_manager
        django_request.user = AnonymousUser()
        assert VerifiedSessionAuthentication().authenticate(Request(django_request)) is None


class TestSchemaAndDocs:
    def test_the_schema_is_for_signed_in_people_and_token_holders(self, api, client, employee, auditor):
        assert_problem(APIClient().get("/api/schema/"), 401, "not_authenticated")
        schema = api(auditor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        assert "/api/v1/records/{reference}/confirm-sanitization/" in paths and "/api/schema/" not in paths
        client.force_login(employee)
        assert client.get("/api/schema/").status_code == 200

    def test_the_docs_page_sends_anonymous_visitors_to_sign_in(self):
        response = Client().get("/api/docs/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_the_docs_page_works_under_the_sites_content_security_policy(self, client, employee):
        client.force_login(employee)
        page = client.get("/api/docs/")
        assert page.status_code == 200
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
        html = page.content.decode()
        assert "CONFIDENTIAL" in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"
        assert "<style" not in html and " style=" not in html, "no inline style"
        assert not re.search(r"(src|href)=\"(https?:)?//", html), "nothing from another host"
        sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html) + re.findall(r"<link[^>]*href=\"([^\"]+)\"", html)
        assert any("swagger-ui-bundle.js" in src for src in sources)
        for src in sources:
            assert src.startswith("/"), src
            if src.startswith("/static/"):
                continue  # served by WhiteNoise / runserver, checked below for the bundle
            script = client.get(src.replace("&amp;", "&"))
            assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
            assert "SwaggerUIBundle" in script.content.decode() and "/api/schema/" in script.content.decode()

    def test_swagger_uis_files_are_served_from_this_site(self):
        from django.contrib.staticfiles import finders

        for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
            assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name
        assert finders.find("records_api/swagger.css")


class TestTokenCommand:
    def run(self, *args):
        out, err = StringIO(), StringIO()
        call_command("create_api_token", *args, stdout=out, stderr=err)
        return out.getvalue().strip(), err.getvalue()

    def test_create_show_and_rotate(self, employee):
        key, _ = self.run("emma")
        assert Token.objects.get(user=employee).key == key and re.fullmatch(r"[0-9a-f]{40}", key)
        shown, note = self.run("emma")
        assert shown == key and "--rotate" in note
        rotated, _ = self.run("emma", "--rotate")
        assert rotated != key and Token.objects.get(user=employee).key == rotated
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get(RECORDS).status_code == 401, "the old token stops working"
        client.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
        assert client.get(RECORDS).status_code == 200

        events = AuditEvent.objects.filter(action__startswith="api.token_").order_by("sequence")
        assert [e.action for e in events] == ["api.token_created", "api.token_rotated"]
        for event in events:
            assert event.object_repr == str(employee) and event.payload["username"] == "emma"
            assert key not in str(event.payload) and rotated not in str(event.payload) and key not in event.hash

    def test_refuses_inactive_and_unknown_users(self, employee):
        employee.is_active = False
        employee.save()
        with pytest.raises(CommandError, match="inactive"):
            self.run("emma")
        with pytest.raises(CommandError, match="no user"):
            self.run("nobody")
        assert not Token.objects.exists() and not AuditEvent.objects.filter(action__startswith="api.").exists()

    def test_tokens_are_not_in_the_administration_pages(self):
        from django.contrib import admin
        from rest_framework.authtoken.models import TokenProxy

        assert not admin.site.is_registered(TokenProxy)
