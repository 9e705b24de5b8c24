from django.contrib.auth import get_user_model
from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .audit import audit_event_record
from .ratelimits import rate_count
from .roles import sync_role_groups
from .selectors import FILTER_CHOICES_CACHE_KEY


@receiver(post_migrate)
def apply_role_permissions(sender, app_config=None, **kwargs):
    # After the last app's post_migrate (sent only to apps with models): the roles hold
    # permissions of several apps (records, compliance, django_celery_beat), each created by its
    # own app's post_migrate.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is not None and app_config is with_models[-1]:
        sync_role_groups()


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_event_record(actor=user, action="auth.signed_in", obj=user)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        audit_event_record(actor=user, action="auth.signed_out", obj=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The attempted username is kept (never the password) so repeated guessing shows in the log.
    username = str(credentials.get("username", ""))[:150]
    audit_event_record(actor=None, action="auth.sign_in_failed", object_type="username", object_repr=username)
    if request is not None:
        rate_count(request, "sign_in")


# Configuration people change in the administration pages: each change is an audit event.
# Changes without a signed-in person behind them (beat recording a run, migrations, commands)
# are not settings changes and are left out.
SETTINGS_MODELS = ("django_celery_beat.PeriodicTask", "django_celery_beat.CrontabSchedule",
                   "django_celery_beat.IntervalSchedule", "records.Department", "auth.Group")


def _person_behind_the_request():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _audit_settings_change(instance, change):
    actor = _person_behind_the_request()
    if actor is not None:
        audit_event_record(
            actor=actor, action="settings.changed", obj=instance,
            payload={"model": instance._meta.label, "change": change},
        )


@receiver(post_save)
def audit_settings_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and sender._meta.label in SETTINGS_MODELS:
        _audit_settings_change(instance, "created" if created else "changed")


@receiver(post_delete)
def audit_settings_deleted(sender, instance, **kwargs):
    if sender._meta.label in SETTINGS_MODELS:
        _audit_settings_change(instance, "deleted")


@receiver(m2m_changed, sender=get_user_model().groups.through)
def audit_role_change(sender, instance, action, pk_set, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        actor = _person_behind_the_request()
        if actor is not None:
            audit_event_record(
                actor=actor, action="settings.roles_changed", obj=instance,
                payload={"change": action.removeprefix("post_"), "groups": sorted(pk_set or [])},
            )


@receiver([post_save, post_delete], sender="records.Department")
@receiver([post_save, post_delete], sender="records.RetentionSchedule")
def forget_list_filter_choices(sender, **kwargs):
    # After the commit too: a view between the save and the commit may have cached the old lists.
    cache.delete(FILTER_CHOICES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(FILTER_CHOICES_CACHE_KEY))
