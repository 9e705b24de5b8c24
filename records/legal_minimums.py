"""Legal minimums besides the schedules' own (e.g. 47 CFR 64.2011(d) for breach records): the
catalogue records managers keep, and changing one with the expiry of every record that carries it
following, as a schedule change does."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from . import expiry_sql, jobs
from .models import Job, LegalMinimum, Record
from .schedules import (
    ScheduleImpact,
    change_impact,
    create_audited,
    moves_expiries,
    new_expiries,
    recompute_run,
    recomputed,
    sql_impact,
    update_audited,
)

MINIMUM_FIELDS = ("code", "citation", "title", "description", "period_value", "period_unit", "is_active")
# Changing these moves the expiry of every record that carries the minimum.
EXPIRY_FIELDS = ("period_value", "period_unit")


def _require(actor, permission):
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers keep the legal minimums.")


def _records_carrying(minimum):
    return Record.objects.filter(legal_minimum_links__minimum_id=minimum.pk)


def minimum_create(*, actor, **fields):
    """Add a legal minimum to the catalogue (history and audit event written)."""
    _require(actor, "records.add_legalminimum")
    return create_audited(actor=actor, obj=LegalMinimum(**fields), fields=MINIMUM_FIELDS, action="legal_minimum.created")


def minimum_change_impact(minimum, changes, today=None):
    """What saving `changes` to `minimum` would do to the records that carry it, changing nothing."""
    if not moves_expiries(minimum, changes, EXPIRY_FIELDS):
        return ScheduleImpact()
    proposed = LegalMinimum(pk=minimum.pk, **{name: changes.get(name, getattr(minimum, name)) for name in MINIMUM_FIELDS})
    if connection.vendor == "postgresql":
        return sql_impact(expiry_sql.MINIMUM_SCOPE, [minimum.pk], today, minimum=proposed)
    return change_impact(new_expiries(_records_carrying(minimum), minimum=proposed), today)


def minimum_update(*, actor, minimum, today=None, **changes):
    """Save changes to a legal minimum. When its period changes, every record that carries it gets
    its expiry recomputed (with history), and due records whose new expiry lies ahead go back to
    active: at once when they are few, else by a job (impact.job). Returns (minimum, impact)."""
    _require(actor, "records.change_legalminimum")
    return update_audited(
        actor=actor, obj=minimum, changes=changes, fields=MINIMUM_FIELDS, expiry_fields=EXPIRY_FIELDS,
        action="legal_minimum.updated", today=today, kind=Job.Kind.MINIMUM_RECOMPUTE, records_of=_records_carrying,
        count_of=lambda saved: recomputed(_records_carrying(saved)).count(),
        what=lambda saved: f"legal minimum {saved.code}", link=lambda saved: reverse("legal-minimum-list"),
    )


@jobs.job_kind(Job.Kind.MINIMUM_RECOMPUTE)
def minimum_recompute(run):
    return recompute_run(run, Record.objects.filter(legal_minimum_links__minimum_id=run.job.subject_id))
