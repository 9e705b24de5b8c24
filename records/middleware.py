"""Request-wide rules: nothing cached, a cap on request bodies, a clear page when the database is
unreachable or a change conflicts with one made meanwhile, and the second factor."""

import logging
import time

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control

from .conflicts import CONCURRENT_SAVE, RELOAD, StateConflict
from .roles import Role, roles_of
from .views.errors import DATABASE_ERRORS, database_unavailable

log = logging.getLogger(__name__)
# The roles that see every department's records, or destroy media, or sign: they use a second
# factor (mandatory with REQUIRE_SECOND_FACTOR), set up with an enrolment code.
PRIVILEGED = {Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER}


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


def body_limit(request):
    """The largest body ``request`` may have: REQUEST_MAX_BODY_BYTES, and for a view that accepts an
    upload (records.uploads.accepts_upload) its file limit on top. The view's match is kept on the
    request, where SecondFactorMiddleware looks for it, so that one resolve serves both."""
    try:
        request.resolver_match = resolve(request.path_info)
    except Resolver404:
        return settings.REQUEST_MAX_BODY_BYTES
    view = request.resolver_match.func
    upload = getattr(settings, getattr(view, "upload_limit_setting", ""), 0)
    return settings.REQUEST_MAX_BODY_BYTES + upload


class RequestBodyLimitMiddleware:
    """Refuse a request whose body is larger than its view accepts, by its Content-Length, before
    anything reads it (anonymous or signed in; the login page included): 413, nothing read, so
    nothing is kept in memory or on disk. A body sent in chunks without a length is refused (411):
    its size is known only once read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refusal(request, 411, "A request body must state its length (Content-Length).", "length_required")
        limit = body_limit(request)
        request.max_body_bytes = limit  # the upload handler keeps no more
        size = int(length) if length.isdigit() else 0
        if size > limit:
            detail = (f"This request is {size / 2**20:.1f} MB; this page accepts at most {limit / 2**20:.1f} MB. "
                      "Nothing was read or saved.")
            return _refusal(request, 413, detail, "request_too_large")
        return self.get_response(request)


def _refusal(request, status, detail, code):
    if request.path_info.startswith("/api/"):
        from records.api.exceptions import problem

        return JsonResponse(problem(status, detail, code), status=status)
    # A plain page: the request was not read, so no session, user or CSRF token is known.
    body = render_to_string("request_refused.html", {"status": status, "detail": detail})
    return HttpResponse(body, status=status)


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


class ConflictMiddleware:
    """A change a view did not expect to conflict: the object's state changed under the request
    (StateConflict, from a service under its row lock) or a concurrent save broke a unique
    constraint (IntegrityError). 409 with what happened, as the API answers; the transaction was
    rolled back, so nothing was saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, StateConflict):
            message = str(exception)
        elif isinstance(exception, IntegrityError):
            log.warning("Concurrent save refused during %s %s: %s", request.method, request.path, exception)
            message = CONCURRENT_SAVE
        else:
            return None
        return render(request, "409.html", {"message": message, "reload": RELOAD}, status=409)


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
