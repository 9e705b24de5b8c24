from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .audit import audit_event_record
from .roles import sync_role_groups


@receiver(post_migrate)
def apply_role_permissions(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "records":
        sync_role_groups()


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_event_record(actor=user, action="auth.signed_in", obj=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The attempted username is kept (never the password) so repeated guessing shows in the log.
    username = str(credentials.get("username", ""))[:150]
    audit_event_record(actor=None, action="auth.sign_in_failed", object_type="username", object_repr=username)
