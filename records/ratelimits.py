"""Rate limits (django-ratelimit, counting in the "ratelimit" cache): sign-in attempts per client
address, on top of django-axes' lockout of one username from one address; wrong second-factor
codes per person; label checks, imports and package builds per person; API writes per caller.
Each limit is a rate in settings.RATE_LIMITS ("10/m": ten a minute, "5/15m": five in fifteen
minutes). A request over a limit is answered 429 with when to try again: a page
(too_many_requests, through django_ratelimit's middleware) or the API's problem JSON."""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited
from axes.helpers import get_client_ip_address

# What each limit counts, as the 429 names it, and whom it counts per.
LIMITS = {
    "sign_in": ("sign-in attempts from this address", "ip"),
    "second_factor": ("wrong codes", "user"),
    "label_check": ("label checks", "user"),
    "import": ("imports", "user"),
    "package_build": ("package builds", "user"),
    "api_write": ("changes through the API", "user"),
}


class RateLimited(Ratelimited):
    """Ratelimited (a PermissionDenied) that says what was limited and for how long."""

    def __init__(self, name, retry_after):
        self.name, self.retry_after = name, max(int(retry_after), 1)
        super().__init__(
            f"Too many {LIMITS[name][0]}: wait {_duration(self.retry_after)} and try again. Nothing was changed."
        )


def _duration(seconds):
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


def _client(group, request):
    # The address the lockouts key on: behind TRUSTED_PROXY_COUNT proxies the client's own, not the proxy's.
    return get_client_ip_address(request) or ""


def _person(group, request):
    return str(request.user.pk) if request.user.is_authenticated else _client(group, request)


def _usage(request, name, increment):
    return get_usage(
        request, group=f"cpnitrack.{name}", key=_client if LIMITS[name][1] == "ip" else _person,
        rate=settings.RATE_LIMITS[name], increment=increment,
    )


def rate_check(request, name):
    """Count this request against limit `name`; RateLimited once it is over."""
    usage = _usage(request, name, increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(name, usage["time_left"])


def rate_refuse_if_spent(request, name):
    """RateLimited if `name`'s count (of failures, say, counted with rate_count) has reached the
    limit; counts nothing itself."""
    usage = _usage(request, name, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise RateLimited(name, usage["time_left"])


def rate_count(request, name):
    """Count one against limit `name` (a failure, where only failures count)."""
    _usage(request, name, increment=True)


def rate_limited(name, methods=("POST",)):
    """The view counts its `methods` requests against limit `name`, before reading the body."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method in methods:
                rate_check(request, name)
            return view(request, *args, **kwargs)

        return limited

    return decorator


def sign_in_limited(view):
    """A sign-in page refuses every attempt from an address whose failed sign-ins (counted by
    records.signals.audit_failed_sign_in) reached the limit."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST":
            rate_refuse_if_spent(request, "sign_in")
        return view(request, *args, **kwargs)

    return limited


def too_many_requests(request, exception):
    """The page for a request over a limit (RATELIMIT_VIEW)."""
    retry_after = getattr(exception, "retry_after", 60)
    message = str(exception) if isinstance(exception, RateLimited) else "Too many requests: wait a minute and try again."
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
