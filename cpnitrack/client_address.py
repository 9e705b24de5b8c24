"""Which address a request comes from, for the lockouts of django-axes (through django-ipware).

Behind TRUSTED_PROXY_COUNT reverse proxies, each adding the address it was reached from to
X-Forwarded-For, the client is the entry that many places from the right of that header; entries
further left were written by the client itself and are ignored, so a client cannot pass for
another. With no proxy the header is not read at all."""

from django.core.exceptions import ImproperlyConfigured


def client_address_settings(trusted_proxy_count):
    """The django-axes and django-ipware settings for `trusted_proxy_count` proxies in front."""
    if trusted_proxy_count < 0:
        raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the application: 0 or more.")
    if not trusted_proxy_count:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"], "AXES_IPWARE_PROXY_COUNT": None,
                "IPWARE_STRICT": False}
    return {
        # The last proxy is the peer (REMOTE_ADDR); the others are the rightmost entries of the header.
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "AXES_IPWARE_PROXY_COUNT": trusted_proxy_count - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # Count from the right: entries a client put in front of the chain do not move the client.
        "IPWARE_STRICT": False,
    }
