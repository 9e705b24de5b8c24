"""Legal holds: placing them on a chosen set of records and releasing them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import Entry, audit_events_record
from .conflicts import StateConflict
from .models import HeldRecord, LegalHold, Record, Status

CHUNK = 1000
MAX_LISTED_REFERENCES = 5000


def _require(actor, permission):
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers place and release legal holds.")


def records_by_references(text):
    """The records named in `text` (references separated by lines, commas or spaces);
    ValidationError naming any reference that does not exist."""
    references = sorted({token.strip().upper() for token in text.replace(",", " ").split() if token.strip()})
    if not references:
        raise ValidationError({"references": "Enter at least one record reference."})
    if len(references) > MAX_LISTED_REFERENCES:
        raise ValidationError({"references": (
            f"List at most {MAX_LISTED_REFERENCES:,} references at once; for more, hold a schedule's, a department's, "
            "a customer's or a search's records."
        )})
    found = set(Record.objects.filter(reference__in=references).values_list("reference", flat=True))
    missing = [r for r in references if r not in found]
    if missing:
        raise ValidationError({"references": f"No such record: {', '.join(missing[:20])}{' …' if len(missing) > 20 else ''}"})
    return Record.objects.filter(reference__in=references)


def active_holds_of(record):
    """The active legal holds on `record`, oldest first."""
    return LegalHold.objects.active().filter(held_records__record_id=record.pk).order_by("pk")


def holds_named(holds):
    """'legal hold #3 (Smith v. Carrier)', or 'legal holds #3 (Smith v. Carrier) and #5 (…)'."""
    names = [f"#{hold.pk} ({hold.matter})" for hold in holds]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"legal hold{'s' if len(names) > 1 else ''} {listed}"


def frozen_message(record, holds):
    """Why `record`, under the active `holds`, cannot be changed."""
    return (f"{record.reference} is under {holds_named(holds)}: it cannot be changed until the "
            f"hold{'s are' if len(holds) > 1 else ' is'} released.")


def refuse_change_while_held(record):
    """A record under an active legal hold is kept exactly as it is: StateConflict naming the
    hold(s). Only the holds' own business goes on (placing and releasing holds, keeping the
    record longer: records.services.record_extend_retention)."""
    holds = list(active_holds_of(record))
    if holds:
        raise StateConflict(frozen_message(record, holds), code="on_hold")


def _destroyed_in(records, listed):
    """(the destroyed records of `records` as the hold keeps them, how many): each one named when
    they were `listed` one by one, a count only for a scope."""
    destroyed = records.filter(status=Status.DESTROYED)
    if not listed:
        return [], destroyed.count()
    named = [
        {
            "reference": record.reference,
            "destroyed_on": record.destruction.destroyed_on.isoformat() if hasattr(record, "destruction") else None,
            "certificate_number": record.destruction.certificate_number if hasattr(record, "destruction") else None,
        }
        for record in destroyed.select_related("destruction").order_by("reference")
    ]
    return named, len(named)


def hold_place(*, actor, matter, reason, records, scope, listed=False):
    """Place a hold on every record of the queryset `records` that is not destroyed. The hold, its
    records and an audit event per record are written in one transaction. The destroyed records
    that matched are left out and the hold says so: each by reference, date destroyed and
    certificate when the records were `listed` one by one, else how many."""
    _require(actor, "records.add_legalhold")
    matter, reason = matter.strip(), reason.strip()
    errors = {}
    if not matter:
        errors["matter"] = "Name the matter the hold is for."
    if not reason:
        errors["reason"] = "Say why the records must be kept."
    if errors:
        raise ValidationError(errors)
    named, count = _destroyed_in(records, listed)
    covered = records.exclude(status=Status.DESTROYED).select_related(None).order_by("pk")
    if not covered.exists():
        left_out = LegalHold(scope=scope[:300], destroyed_left_out=named[:20], destroyed_left_out_count=count)
        raise ValidationError(" ".join([
            *left_out.left_out_notes, "No record that can still be held matches; destroyed records cannot be held."
        ]))
    with transaction.atomic():
        now = timezone.now()
        hold = LegalHold(matter=matter, reason=reason, placed_by=actor, placed_at=now, scope=scope[:300],
                         destroyed_left_out=named, destroyed_left_out_count=count)
        hold._history_user = actor
        hold.save()
        total, last = 0, 0
        while True:
            chunk = list(covered.filter(pk__gt=last).only("pk", "reference", "title", "department_id")[:CHUNK])
            if not chunk:
                break
            HeldRecord.objects.bulk_create(
                HeldRecord(hold=hold, record=r, department_id=r.department_id, added_at=now) for r in chunk
            )
            audit_events_record(
                actor=actor,
                entries=[Entry("record.hold_placed", r, {"hold": hold.pk, "matter": matter}) for r in chunk],
            )
            total += len(chunk)
            last = chunk[-1].pk
        audit_events_record(
            actor=actor,
            entries=[Entry("hold.placed", hold, {
                "matter": matter, "reason": reason, "scope": hold.scope, "records": total,
                "destroyed_left_out": count, "destroyed_named": [item["reference"] for item in named],
            })],
        )
    return hold


def hold_release(*, actor, hold, reason):
    """Release an active hold. Its records stay covered by any other active hold; the others are
    treated normally by the next sweep."""
    _require(actor, "records.change_legalhold")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hold is released."})
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if not locked.is_active:
            raise StateConflict("This hold was already released.")
        locked.released_by, locked.released_at, locked.release_reason = actor, timezone.now(), reason
        locked._history_user = actor
        locked.save(update_fields=["released_by", "released_at", "release_reason"])
        last = 0
        while True:
            chunk = list(locked.records.filter(pk__gt=last).order_by("pk").only("pk", "reference", "title")[:CHUNK])
            if not chunk:
                break
            audit_events_record(
                actor=actor, entries=[Entry("record.hold_released", r, {"hold": locked.pk}) for r in chunk]
            )
            last = chunk[-1].pk
        audit_events_record(actor=actor, entries=[Entry("hold.released", locked, {"reason": reason})])
    return locked
