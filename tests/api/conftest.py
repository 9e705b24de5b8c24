"""API test helpers: a client per user, authenticated by that user's token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(user):
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    """api(user) -> a client that sends `user`'s API token with every request."""
    return token_client


@pytest.fixture
def api_by_role(users_by_role):
    return {role: token_client(user) for role, user in users_by_role.items()}
