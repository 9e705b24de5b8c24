"""The registers that feed the annual certification: complaints, data-broker actions, pretexting
observations and the company profile. Kept by records managers; every save is audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from records.audit import audit_event_record


def _plain(value):
    """A field's value as the audit event keeps it: a related object by its name."""
    return str(value) if hasattr(value, "_meta") else value


def register_save(*, actor, instance, fields):
    """Create or update a register entry with the given field values. Guarantees: the actor holds
    the model's add/change permission; the entry is valid; history and an audit event with the
    changed values are written."""
    meta = instance._meta
    creating = instance._state.adding
    permission = f"{meta.app_label}.{'add' if creating else 'change'}_{meta.model_name}"
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers keep the certification registers.")
    before = {} if creating else {name: _plain(getattr(instance, name)) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    if creating and hasattr(instance, "recorded_by_id"):
        instance.recorded_by = actor
    instance.full_clean()
    changed = {
        name: [before.get(name), _plain(value)] for name, value in fields.items() if before.get(name) != _plain(value)
    }
    if not creating and not changed:
        return instance
    with transaction.atomic():
        instance._history_user = actor
        instance.save()
        audit_event_record(
            actor=actor, action=f"{meta.model_name}.{'created' if creating else 'updated'}", obj=instance,
            payload={name: values[1] if creating else values for name, values in changed.items()},
        )
    return instance
