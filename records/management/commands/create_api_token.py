"""Give a service account (or a person) its REST API token: `Authorization: Token <key>`.

    python manage.py create_api_token USERNAME            # creates it, or shows the existing one
    python manage.py create_api_token USERNAME --rotate   # replaces it (the old one stops working)

The token acts with the user's role and department, like the user signed in (but without the
sign-in's second factor: keep it as secret as a password). Creating and rotating are audit events
("api.token_created" / "api.token_rotated"); the token itself is never written to the audit log."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from records.audit import audit_event_record


def _operator():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. some containers)
        return ""


class Command(BaseCommand):
    help = "Create (or show, or with --rotate replace) the REST API token of an active user."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token acts as (their role and department apply).")
        parser.add_argument("--rotate", action="store_true", help="Replace the existing token with a new one.")

    def handle(self, *args, username, rotate, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive and cannot have an API token.")
        with transaction.atomic():
            existing = Token.objects.select_for_update().filter(user=user).first()
            if existing is not None and not rotate:
                self.stdout.write(existing.key)
                self.stderr.write(f"{username} already has this token; --rotate replaces it.")
                return
            if existing is not None:
                existing.delete()
            token = Token.objects.create(user=user)
            action = "api.token_rotated" if existing is not None else "api.token_created"
            audit_event_record(
                actor=None, action=action, obj=user,
                payload={"username": user.get_username(), "via": "manage.py create_api_token", "operator": _operator()},
            )
        self.stdout.write(token.key)
        self.stderr.write(
            f"{'Rotated' if existing is not None else 'New'} API token of {username}: send it as "
            "'Authorization: Token <key>'. Keep it as secret as a password."
        )
