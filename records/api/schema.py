"""OpenAPI extensions: how the schema describes the API's own authentication class."""

from drf_spectacular.authentication import SessionScheme


class VerifiedSessionScheme(SessionScheme):
    target_class = "records.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"
