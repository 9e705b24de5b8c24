"""How API callers prove who they are: a token (service accounts, `Authorization: Token <key>`)
or the browser's signed-in session. HTTP Basic is never accepted."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from records.middleware import needs_second_factor
from records.second_factor import has_confirmed_device

SECOND_FACTOR_PENDING = "Enter the code from your authenticator app on the sign-in pages first."


class VerifiedSessionAuthentication(SessionAuthentication):
    """The signed-in session, CSRF-checked on unsafe methods (as DRF's), and only once the session
    has passed the second factor where one applies. SecondFactorMiddleware already sends such a
    session to the code page before the API is reached; this keeps the API safe on its own."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        verified = getattr(user, "is_verified", lambda: False)()
        if not verified:
            if has_confirmed_device(user) or (settings.REQUIRE_SECOND_FACTOR and needs_second_factor(user)):
                raise exceptions.AuthenticationFailed(SECOND_FACTOR_PENDING)
        return result
