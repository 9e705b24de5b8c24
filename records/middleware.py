"""Request-wide rules: nothing cached, a clear page when the database is unreachable, and the
second factor."""

import logging
import time

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.urls import reverse

from .roles import Role, roles_of
from .views.errors import DATABASE_ERRORS, database_unavailable

log = logging.getLogger(__name__)
PRIVILEGED = {Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.OFFICER}


class RejectNulInPathMiddleware:
    """A NUL character can be in no reference, code or id, and PostgreSQL refuses it in any text:
    a path that carries one (%00) is answered 400 before it reaches a view or a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return HttpResponseBadRequest("Bad request: the address contains a NUL character.")
        return self.get_response(request)


class NoStoreMiddleware:
    """No browser or proxy keeps what the application answers: its pages, PDFs, CSV and ZIP
    downloads and API responses are CONFIDENTIAL, and a shared computer's back button or cache
    must not show them after sign-out. (Static files are served before this, and cached.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response


class DatabaseUnavailableMiddleware:
    """The database went away mid-request: say so plainly (503). The request's transaction never
    committed, so nothing from it was saved, and nothing confirmed earlier is lost. (An error
    raised in middleware rather than a view gets the same answer from records.views.errors.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            log.error("Database unavailable during %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None


class SessionRenewalMiddleware:
    """An idle session ends SESSION_COOKIE_AGE after its last renewal. Renewing writes the session
    row, so a session is renewed at most once a minute rather than on every page: the idle
    timeout then holds to within that minute, and reading a page writes nothing."""

    RENEW_AFTER_SECONDS = 60
    KEY = "renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A failed request renews nothing (and, with the database gone, could not read the session).
        if response.status_code < 500 and session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.RENEW_AFTER_SECONDS:
                session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response


def needs_second_factor(user):
    return bool(roles_of(user) & PRIVILEGED)


class SecondFactorMiddleware:
    """A signed-in person with a confirmed TOTP device must enter a code before anything else;
    with REQUIRE_SECOND_FACTOR on, a privileged person without one must set one up first."""

    EXEMPT = ("second-factor-verify", "second-factor-setup", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._exempt(request):
            from .second_factor import has_confirmed_device

            if has_confirmed_device(user):
                return redirect(f"{reverse('second-factor-verify')}?next={request.get_full_path()}")
            if settings.REQUIRE_SECOND_FACTOR and needs_second_factor(user):
                return redirect("second-factor-setup")
        return self.get_response(request)

    def _exempt(self, request):
        match = request.resolver_match
        if match is None:
            from django.urls import resolve
            from django.urls.exceptions import Resolver404

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return True
        return match.url_name in self.EXEMPT or match.url_name == "healthz"
