"""Writes of the records domain. Every function takes the acting user, checks permission on the
server, validates, changes the database atomically and leaves history and an audit event."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import holds, labels, lifecycle
from .audit import audit_event_record
from .models import (
    CpniCategory,
    LabelCheck,
    LabelVerification,
    Medium,
    Record,
    ReferenceCounter,
    RetentionExtension,
    RetentionSchedule,
)
from .retention import expiry_date_for, record_expiry
from .roles import sees_all_departments

# The fields a person sets on a record; everything else is derived or set by the lifecycle.
RECORD_INPUT_FIELDS = (
    "title",
    "contains_cpni",
    "cpni_categories",
    "medium",
    "media_serial_number",
    "department",
    "custodian",
    "location",
    "customer_reference",
    "schedule",
    "trigger_date",
    "notes",
)
# Changing these changes how long the record is kept: only while it is active.
RETENTION_FIELDS = ("schedule", "trigger_date")


def _require_permission(actor, permission, message):
    if not actor.has_perm(permission):
        raise PermissionDenied(message)


def _require_department_access(actor, department):
    if not sees_all_departments(actor) and (department is None or department.pk != actor.department_id):
        raise PermissionDenied("You can only work with records of your own department.")


def validate_record_values(values):
    """Check a record's input fields together; raise ValidationError naming each bad field."""
    errors = {}
    medium = values["medium"]
    schedule = values["schedule"]
    department = values["department"]
    custodian = values["custodian"]
    trigger_date = values["trigger_date"]
    serial = (values.get("media_serial_number") or "").strip()

    if trigger_date and trigger_date > timezone.localdate():
        errors["trigger_date"] = "The trigger date cannot be in the future."
    if schedule is not None:
        if not schedule.is_active:
            errors["schedule"] = f"Schedule {schedule.code} is retired; choose a current schedule."
        elif not schedule.applies_to(medium):
            media = ", ".join(Medium(m).label.lower() for m in schedule.applicable_media)
            errors["schedule"] = f"Schedule {schedule.code} does not apply to {Medium(medium).label.lower()} (only to {media})."
        elif schedule.trigger == RetentionSchedule.Trigger.CREATION and not trigger_date:
            errors["trigger_date"] = "This schedule counts from the record's creation date: enter that date."
    if medium in Medium.removable() and not serial:
        errors["media_serial_number"] = f"A {Medium(medium).label.lower()} needs its serial number."
    if medium == Medium.PAPER and serial:
        errors["media_serial_number"] = "Paper records have no media serial number; leave it empty."
    if custodian is not None and department is not None:
        if not custodian.is_active:
            errors["custodian"] = f"{custodian} can no longer sign in and cannot be a custodian."
        elif custodian.department_id != department.pk:
            errors["custodian"] = f"{custodian} is not a member of {department}."
    categories = values.get("cpni_categories") or []
    unknown = set(categories) - set(CpniCategory.values)
    if unknown:
        errors["cpni_categories"] = f"Unknown CPNI categories: {', '.join(sorted(unknown))}."
    elif values["contains_cpni"] and not categories:
        errors["cpni_categories"] = "Choose the kinds of CPNI the record holds."
    if errors:
        raise ValidationError(errors)


def label_document_check(*, actor, file_name, data):
    """Read a document for its CONFIDENTIAL marking and record the outcome (the fingerprint, not
    the file). The LabelCheck is saved whatever the outcome: failed checks count too."""
    _require_permission(actor, "records.add_labelcheck", "You are not allowed to check documents.")
    result = labels.check_document(file_name, data)
    with transaction.atomic():
        check = LabelCheck.objects.create(
            file_name=file_name[:255],
            size=result.size,
            sha256=result.sha256,
            kind=result.kind,
            outcome=result.outcome.value,
            reason=result.reason[:300],
            checked_by=actor,
            checked_at=timezone.now(),
        )
        audit_event_record(
            actor=actor,
            action="label.checked",
            obj=check,
            payload={"sha256": check.sha256, "outcome": check.outcome, "size": check.size},
        )
    return check


def label_document_stamp(*, actor, file_name, data):
    """A copy of the document stamped CONFIDENTIAL (labels.StampError if it cannot be stamped).
    The copy is returned, never stored; the request is audited by the original's fingerprint."""
    _require_permission(actor, "records.add_labelcheck", "You are not allowed to check documents.")
    stamped = labels.stamp_document(file_name, data)
    audit_event_record(
        actor=actor,
        action="label.stamped_copy",
        object_type="document",
        object_id=hashlib.sha256(data).hexdigest(),
        object_repr=file_name[:200],
        payload={"size": len(data), "stamped_name": stamped.file_name},
    )
    return stamped


def _label_attestation(*, actor, contains_cpni, verification, visually_confirmed, document, already_attested):
    """Decide the label attestation for a save. Returns None when the existing attestation stands
    (or none is needed), else the (verification, LabelCheck-or-None) to record. Raises
    ValidationError when a record with CPNI would be saved unlabelled."""
    if not contains_cpni or (already_attested and not verification):
        return None
    if verification == LabelVerification.VISUAL:
        if not visually_confirmed:
            raise ValidationError(
                {"label_confirmed": "Confirm that you saw the CONFIDENTIAL marking on the record."}
            )
        return LabelVerification.VISUAL, None
    if verification == LabelVerification.FILE_CHECK:
        if document is None:
            raise ValidationError({"label_document": "Choose the document to check for its CONFIDENTIAL marking."})
        file_name, data = document
        check = label_document_check(actor=actor, file_name=file_name, data=data)
        if check.outcome != LabelCheck.Outcome.LABELLED:
            hint = (
                " Mark the document CONFIDENTIAL, or download a stamped copy, and upload it again."
                if check.outcome == LabelCheck.Outcome.NOT_LABELLED
                else ""
            )
            raise ValidationError({"label_document": f"{file_name}: {check.reason}{hint}"})
        return LabelVerification.FILE_CHECK, check
    raise ValidationError(
        {"label_verification": "A record that contains CPNI needs a CONFIDENTIAL label attestation."}
    )


def _apply_attestation(record, attestation, actor):
    verification, check = attestation
    record.label_verification = verification
    record.label_check = check
    record.label_attested_by = actor
    record.label_attested_at = timezone.now()


def _link_label_check(check, record, actor):
    if check is not None:
        check.record = record
        check._history_user = actor
        check.save(update_fields=["record"])


def reserve_references(count):
    """The next `count` references of the current year, e.g. CPNI-2026-000123. The counter row is
    locked until the caller's transaction ends, so concurrent creations never share a number."""
    year = timezone.localdate().year
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [f"CPNI-{year}-{number:06d}" for number in range(first, counter.last_number + 1)]


def _audit_values(record, field_names):
    values = {}
    for name in field_names:
        value = getattr(record, name)
        values[name] = str(value) if hasattr(value, "_meta") else value
    return values


def record_create(
    *,
    actor,
    title,
    medium,
    department,
    custodian,
    location,
    schedule,
    trigger_date=None,
    customer_reference="",
    contains_cpni=True,
    cpni_categories=(),
    media_serial_number="",
    notes="",
    label_verification="",
    label_confirmed=False,
    label_document=None,
):
    """Log a new record. Guarantees: the actor may create records in that department; the values
    are consistent; a record with CPNI carries a label attestation; the reference is unique; the
    expiry date is derived from the schedule; history and an audit event are written."""
    _require_permission(actor, "records.add_record", "You are not allowed to log records.")
    _require_department_access(actor, department)
    values = {
        "title": title.strip(),
        "contains_cpni": contains_cpni,
        "cpni_categories": list(cpni_categories),
        "medium": medium,
        "media_serial_number": media_serial_number.strip(),
        "department": department,
        "custodian": custodian,
        "location": location.strip(),
        "customer_reference": customer_reference.strip(),
        "schedule": schedule,
        "trigger_date": trigger_date,
        "notes": notes,
    }
    validate_record_values(values)
    attestation = _label_attestation(
        actor=actor,
        contains_cpni=contains_cpni,
        verification=label_verification,
        visually_confirmed=label_confirmed,
        document=label_document,
        already_attested=False,
    )
    with transaction.atomic():
        record = Record(**values, created_by=actor, expiry_date=expiry_date_for(schedule, trigger_date))
        if attestation:
            _apply_attestation(record, attestation, actor)
        record.reference = reserve_references(1)[0]
        record.full_clean()
        record._history_user = actor
        record._change_reason = "created"
        record.save()
        if attestation:
            _link_label_check(attestation[1], record, actor)
        audit_event_record(
            actor=actor,
            action="record.created",
            obj=record,
            payload=_audit_values(record, RECORD_INPUT_FIELDS + ("expiry_date", "status", "label_verification")),
        )
    return record


def record_update(
    *, actor, record, label_verification="", label_confirmed=False, label_document=None, **changes
):
    """Edit a record's input fields. Guarantees as record_create; besides, a destroyed record is
    never edited, retention fields change only while the record is active, and nothing is written
    when nothing changed. Returns the (re-read) record."""
    _require_permission(actor, "records.change_record", "You are not allowed to edit records.")
    unknown = set(changes) - set(RECORD_INPUT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _require_department_access(actor, record.department)
    holds.refuse_change_while_held(record)
    if "department" in changes:
        _require_department_access(actor, changes["department"])
    if not lifecycle.is_editable(record):
        raise ValidationError("A destroyed record cannot be changed.")

    for text_field in ("title", "location", "media_serial_number", "customer_reference"):
        if text_field in changes:
            changes[text_field] = changes[text_field].strip()
    if "cpni_categories" in changes:
        changes["cpni_categories"] = list(changes["cpni_categories"])
    changed = {name: value for name, value in changes.items() if getattr(record, name) != value}
    retention_changed = [name for name in RETENTION_FIELDS if name in changed]
    if retention_changed and record.status != lifecycle.Status.ACTIVE:
        raise ValidationError(
            {name: "Retention can only be changed while the record is active." for name in retention_changed}
        )
    values = {name: changes.get(name, getattr(record, name)) for name in RECORD_INPUT_FIELDS}
    validate_record_values(values)
    attestation = _label_attestation(
        actor=actor,
        contains_cpni=values["contains_cpni"],
        verification=label_verification,
        visually_confirmed=label_confirmed,
        document=label_document,
        already_attested=record.label_attested_at is not None,
    )
    if not changed and not attestation:
        return record

    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if not lifecycle.is_editable(locked):
            raise ValidationError("A destroyed record cannot be changed.")
        before = _audit_values(locked, list(changed) + ["expiry_date", "label_verification"])
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.expiry_date = record_expiry(locked)
        if attestation:
            _apply_attestation(locked, attestation, actor)
        locked.full_clean()
        locked._history_user = actor
        locked._change_reason = "edited"
        locked.save()
        if attestation:
            _link_label_check(attestation[1], locked, actor)
        after = _audit_values(locked, before)
        audit_event_record(
            actor=actor,
            action="record.updated",
            obj=locked,
            payload={name: [before[name], after[name]] for name in before if before[name] != after[name]},
        )
    return locked


def record_extend_retention(*, actor, record, period_value, period_unit, reason):
    """Keep one record longer by a period, for a stated reason. The expiry stays derived (schedule,
    trigger date, extensions); a due record whose new expiry lies ahead goes back to active."""
    _require_permission(actor, "records.extend_retention", "Only records managers extend retention.")
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why the record must be kept longer."
    if not period_value or period_value <= 0:
        errors["period_value"] = "Extend by at least one day, month or year."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.status not in (lifecycle.Status.ACTIVE, lifecycle.Status.DUE):
            raise ValidationError("Only active or due records can be kept longer; this one is being destroyed.")
        extension = RetentionExtension(
            record=locked, period_value=period_value, period_unit=period_unit, reason=reason,
            extended_by=actor, extended_at=timezone.now(),
        )
        extension.full_clean()
        extension._history_user = actor
        extension.save()
        old_expiry = locked.expiry_date
        try:
            locked.expiry_date = record_expiry(locked)
        except (OverflowError, ValueError):
            raise ValidationError({"period_value": "That would keep the record past the year 9999."}) from None
        locked._history_user = actor
        locked._change_reason = f"retention extended: {reason}"[:100]
        locked.save(update_fields=["expiry_date", "updated_at"])
        audit_event_record(
            actor=actor,
            action="record.retention_extended",
            obj=locked,
            payload={"by": [period_value, period_unit], "reason": reason, "expiry": [old_expiry, locked.expiry_date]},
        )
        if locked.status == lifecycle.Status.DUE and (locked.expiry_date is None or locked.expiry_date > timezone.localdate()):
            locked = lifecycle.transition(locked, "extend_retention", actor=actor, reason=reason)
    return locked
