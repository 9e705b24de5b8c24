"""Writes of the records domain. Every function takes the acting user, checks permission on the
server, validates, changes the database atomically and leaves history and an audit event."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from . import budgets, confined, holds, labels, lifecycle, sweep
from .conflicts import StateConflict
from .audit import audit_event_record
from .dates import past_date_error
from .models import (
    CpniCategory,
    LabelCheck,
    LabelVerification,
    Medium,
    Record,
    RecordLegalMinimum,
    ReferenceCounter,
    RetentionExtension,
    RetentionSchedule,
)
from .retention import expiry_date_for, record_expiry
from .roles import CUSTODY_PERMISSION, sees_all_departments
from .serials import check_serial_free, normalise_serial, serial_key, unique_serial
from .wording import with_article

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
# What identifies a record in the chain of custody: frozen once it has left active, then only
# corrected by a records manager (record_correct).
IDENTITY_FIELDS = ("medium", "media_serial_number", "department", "custodian")
IDENTITY_LABELS = {
    "medium": "The medium", "media_serial_number": "The serial number", "department": "The department",
    "custodian": "The custodian",
}


def _require_permission(actor, permission, message):
    if not actor.has_perm(permission):
        raise PermissionDenied(message)


def _require_department_access(actor, department):
    if not sees_all_departments(actor) and (department is None or department.pk != actor.department_id):
        raise PermissionDenied("You can only work with records of your own department.")


def _holds_records(person):
    """Whether `person` is in a role whose people hold records (the import's people carry it,
    read for all of them at once: selectors.in_custody_role)."""
    annotated = getattr(person, "in_custody_role", None)
    return person.has_perm(CUSTODY_PERMISSION) if annotated is None else annotated


def validate_record_values(values, *, floor=None):
    """Check a record's input fields together; raise ValidationError naming each bad field.
    `floor`: the day the company's records began, when the caller has read it already."""
    errors = {}
    medium = values.get("medium")
    schedule = values.get("schedule")
    department = values.get("department")
    custodian = values.get("custodian")
    trigger_date = values.get("trigger_date")
    serial = (values.get("media_serial_number") or "").strip()

    trigger_error = past_date_error(trigger_date, floor=floor, what="The trigger date")
    if trigger_error:
        errors["trigger_date"] = trigger_error
    if schedule is not None:
        if not schedule.is_active:
            errors["schedule"] = f"Schedule {schedule.code} is retired; choose a current schedule."
        elif medium in Medium.values and not schedule.applies_to(medium):
            media = ", ".join(Medium.in_words(m) for m in schedule.applicable_media)
            errors["schedule"] = f"Schedule {schedule.code} does not apply to {Medium.in_words(medium)} (only to {media})."
        elif schedule.trigger == RetentionSchedule.Trigger.CREATION and not trigger_date:
            errors["trigger_date"] = "This schedule counts from the record's creation date: enter that date."
    if medium in Medium.removable() and not serial:
        errors["media_serial_number"] = f"{capfirst(with_article(Medium.in_words(medium)))} needs its serial number."
    if medium == Medium.PAPER and serial:
        errors["media_serial_number"] = "Paper records have no media serial number; leave it empty."
    elif len(serial) > (longest := Record._meta.get_field("media_serial_number").max_length):
        errors["media_serial_number"] = f"A serial number has at most {longest} characters (in capitals, without spaces)."
    if custodian is not None and department is not None:
        if not custodian.is_active:
            errors["custodian"] = f"{custodian} can no longer sign in and cannot be a custodian."
        elif custodian.department_id != department.pk:
            errors["custodian"] = f"{custodian} is not a member of {department}."
        elif not _holds_records(custodian):
            errors["custodian"] = f"{custodian} is in a role that holds no records and cannot be a custodian."
    categories = values.get("cpni_categories") or []
    unknown = set(categories) - set(CpniCategory.values)
    if unknown:
        errors["cpni_categories"] = f"Unknown CPNI categories: {', '.join(sorted(unknown))}."
    elif values.get("contains_cpni") and not categories:
        errors["cpni_categories"] = "Choose the kinds of CPNI the record holds."
    if errors:
        raise ValidationError(errors)


def _checked_together(*checks):
    """Run every check (a callable that raises ValidationError) and raise one ValidationError with
    all their errors, so that a person sees everything wrong with a submission at once; else
    return the last check's result."""
    errors, result = {}, None
    for check in checks:
        try:
            result = check()
        except ValidationError as error:
            for field, field_errors in error.update_error_dict({}).items():
                errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)
    return result


def _refuse(field, message):
    if message:
        raise ValidationError({field: message})


def _custodian_training_bar(custodian):
    """With TRAINING_BARS_OVERDUE, a person whose CPNI training is overdue is not made a custodian."""
    from compliance.training import training_bar

    return training_bar(custodian, "be made a record's custodian")


def _read_document(function, file_name, data):
    """``function`` (check or stamp) on the document in a child process within the document budget
    (DOCUMENT_MAX_* settings); a document over it is a ValidationError naming the limit."""
    budget = budgets.document_budget()
    try:
        return confined.run(function, file_name, data, budget, budget=budget)
    except budgets.OverBudget as error:
        raise ValidationError(str(error), code="over_budget") from None


def label_document_check(*, actor, file_name, data):
    """Read a document for its CONFIDENTIAL marking and record the outcome (the fingerprint, not
    the file). The LabelCheck is saved whatever the outcome: failed checks count too. A document
    over its reading budget is refused with a ValidationError, and nothing is saved."""
    _require_permission(actor, "records.add_labelcheck", "You are not allowed to check documents.")
    result = _read_document(labels.check_document, file_name, data)
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


def label_document_read(*, file_name, data):
    """Read a document for its CONFIDENTIAL marking without recording anything (a LabelCheckResult;
    ValidationError over the reading budget)."""
    return _read_document(labels.check_document, file_name, data)


def label_document_stamp(*, actor, file_name, data):
    """A copy of the document stamped CONFIDENTIAL (labels.StampError if it cannot be stamped, a
    ValidationError if it is over its reading budget). The copy is returned, never stored; the
    request is audited by the original's fingerprint."""
    _require_permission(actor, "records.add_labelcheck", "You are not allowed to check documents.")
    stamped = _read_document(labels.stamp_document, file_name, data)
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
    ValidationError when a record with CPNI would be saved unlabelled. A document attached is
    read whatever method was chosen, and a failed or unreadable check refuses the save: no
    attestation, visual or standing, overrides it (the LabelCheck is kept, as every check is)."""
    if not contains_cpni:
        return None
    errors, check = {}, None
    if document is not None:
        file_name, data = document
        try:
            check = label_document_check(actor=actor, file_name=file_name, data=data)
        except ValidationError as error:  # over its reading budget: not read, nothing kept
            raise ValidationError({"label_document": f"{file_name}: {' '.join(error.messages)}"}) from None
        if check.outcome != LabelCheck.Outcome.LABELLED:
            hint = (
                " Mark the document CONFIDENTIAL, or download a stamped copy, and upload it again."
                if check.outcome == LabelCheck.Outcome.NOT_LABELLED
                else ""
            )
            if verification != LabelVerification.FILE_CHECK:
                hint += " A failed file check is not overridden by a visual check: attach a marked document, or none."
            errors["label_document"] = ValidationError(f"{file_name}: {check.reason}{hint}", code=check.outcome)
    errors.update(label_attestation_errors(
        contains_cpni=contains_cpni, verification=verification, visually_confirmed=visually_confirmed,
        has_document=document is not None, already_attested=already_attested,
    ))
    if errors:
        raise ValidationError(errors)
    if not verification:
        return None
    return verification, check


def label_attestation_errors(*, contains_cpni, verification, visually_confirmed, has_document, already_attested):
    """{field: message} for what is wrong with a label attestation before any document is read."""
    errors = {}
    if not contains_cpni:
        return errors
    if verification == LabelVerification.VISUAL and not visually_confirmed:
        errors["label_confirmed"] = "Confirm that you saw the CONFIDENTIAL marking on the record."
    if verification == LabelVerification.FILE_CHECK and not has_document:
        errors["label_document"] = "Choose the document to check for its CONFIDENTIAL marking."
    if verification and verification not in LabelVerification.values:
        errors["label_verification"] = "Say how the CONFIDENTIAL label was verified: visual or file check."
    elif not verification and not already_attested:
        errors["label_verification"] = "A record that contains CPNI needs a CONFIDENTIAL label attestation."
    return errors


def _apply_attestation(record, attestation, actor):
    verification, check = attestation
    record.label_verification = verification
    record.label_check = check
    record.label_attested_by = actor
    record.label_attested_at = timezone.now()
    record.label_import = None  # attested by the actor in CPNI Track, no longer as an import declared it


def _link_label_check(check, record, actor):
    if check is not None:
        check.record = record
        check._history_user = actor
        check.save(update_fields=["record"])


def _legal_minimums_error(wanted, carried=()):
    """The message refusing `wanted` as a record's additional legal minimums, or "": a retired
    minimum is not newly applied to a record (one the record carries already stays)."""
    carried = {minimum.pk for minimum in carried}
    retired = [minimum.citation for minimum in wanted if not minimum.is_active and minimum.pk not in carried]
    if retired:
        return f"Retired legal minimum{'s' if len(retired) > 1 else ''} {', '.join(retired)}: choose a current one."
    return ""


def _citations(minimums):
    return sorted(minimum.citation for minimum in minimums)


def _save_legal_minimums(record, wanted, *, actor, when, reason):
    """Make `record` carry exactly the minimums `wanted`. Each one added or removed is kept in
    history with the record's own change (same user, moment and reason)."""
    current = {link.minimum_id: link for link in record.legal_minimum_links.all()}
    wanted = {minimum.pk: minimum for minimum in wanted}
    added = [RecordLegalMinimum(record=record, minimum=minimum, added_by=actor, added_at=when)
             for pk, minimum in wanted.items() if pk not in current]
    removed = [link for pk, link in current.items() if pk not in wanted]
    for link in added + removed:
        link._history_user, link._history_date, link._change_reason = actor, when, reason
    for link in added:
        link.save()
    for link in removed:
        link.delete()


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
    legal_minimums=(),
):
    """Log a new record. Guarantees: the actor may create records in that department; the values
    are consistent; a record with CPNI carries a label attestation; the reference is unique; the
    expiry date is derived from the schedule and the additional legal minimums (the latest of
    them); history and an audit event are written."""
    _require_permission(actor, "records.add_record", "You are not allowed to log records.")
    _require_department_access(actor, department)
    values = {
        "title": title.strip(),
        "contains_cpni": contains_cpni,
        "cpni_categories": list(cpni_categories),
        "medium": medium,
        "media_serial_number": normalise_serial(media_serial_number),
        "department": department,
        "custodian": custodian,
        "location": location.strip(),
        "customer_reference": customer_reference.strip(),
        "schedule": schedule,
        "trigger_date": trigger_date,
        "notes": notes,
    }
    legal_minimums = list(dict.fromkeys(legal_minimums))
    attestation = _checked_together(
        lambda: validate_record_values(values),
        lambda: _refuse("custodian", _custodian_training_bar(custodian)),
        lambda: _refuse("legal_minimums", _legal_minimums_error(legal_minimums)),
        lambda: _label_attestation(
            actor=actor,
            contains_cpni=contains_cpni,
            verification=label_verification,
            visually_confirmed=label_confirmed,
            document=label_document,
            already_attested=False,
        ),
    )
    check_serial_free(values["media_serial_number"])
    with transaction.atomic():
        expiry = expiry_date_for(schedule, trigger_date, minimums=legal_minimums)
        record = Record(**values, created_by=actor, expiry_date=expiry)
        if attestation:
            _apply_attestation(record, attestation, actor)
        record.reference = reserve_references(1)[0]
        record.full_clean()
        record._history_user = actor
        record._change_reason = "created"
        record._history_date = when = timezone.now()
        with unique_serial(record.media_serial_number):
            record.save()
        del record._history_date  # a later save of this instance is a later change
        _save_legal_minimums(record, legal_minimums, actor=actor, when=when, reason="created")
        if attestation:
            _link_label_check(attestation[1], record, actor)
        audit_event_record(
            actor=actor,
            action="record.created",
            obj=record,
            payload={
                **_audit_values(record, RECORD_INPUT_FIELDS + ("expiry_date", "status", "label_verification")),
                "legal_minimums": _citations(legal_minimums),
            },
        )
        _due_at_once(record, "logged")
    return record


def _due_at_once(record, done):
    """A record just logged or edited whose expiry has already come becomes due now (not at the
    next sweep), by the system, in the caller's transaction; `record` is updated."""
    if record.expiry_date is None:
        return
    if sweep.expire_now([record], reason=f"{done} past its expiry ({record.expiry_date:%Y-%m-%d}): due at once"):
        record.refresh_from_db(fields=["status", "status_changed_at", "updated_at"])


def record_update(
    *, actor, record, label_verification="", label_confirmed=False, label_document=None, legal_minimums=None,
    **changes
):
    """Edit a record's input fields, and its additional legal minimums (`legal_minimums`, None to
    leave them). Guarantees as record_create; besides, a destroyed record is never edited,
    retention (schedule, trigger date, legal minimums) changes only while the record is active,
    and nothing is written when nothing changed. Returns the (re-read) record."""
    _require_permission(actor, "records.change_record", "You are not allowed to edit records.")
    unknown = set(changes) - set(RECORD_INPUT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _require_department_access(actor, record.department)
    holds.refuse_change_while_held(record)
    if "department" in changes:
        _require_department_access(actor, changes["department"])
    if not lifecycle.is_editable(record):
        raise StateConflict("A destroyed record cannot be changed.")

    for text_field in ("title", "location", "customer_reference"):
        if text_field in changes:
            changes[text_field] = changes[text_field].strip()
    if "media_serial_number" in changes:
        changes["media_serial_number"] = normalise_serial(changes["media_serial_number"])
    if "cpni_categories" in changes:
        changes["cpni_categories"] = list(changes["cpni_categories"])
    changed = _changed(record, changes)
    carried = list(record.legal_minimums.all()) if legal_minimums is not None else []
    minimums_changed = legal_minimums is not None and {m.pk for m in legal_minimums} != {m.pk for m in carried}
    _refuse_frozen_changes(record, {**changed, "legal_minimums": legal_minimums} if minimums_changed else changed)
    values = {name: changed.get(name, getattr(record, name)) for name in RECORD_INPUT_FIELDS}
    attestation = _checked_together(
        lambda: validate_record_values(values),
        lambda: _refuse("custodian", "custodian" in changed and _custodian_training_bar(changed["custodian"])),
        lambda: _refuse("legal_minimums", minimums_changed and _legal_minimums_error(legal_minimums, carried)),
        lambda: _label_attestation(
            actor=actor,
            contains_cpni=values["contains_cpni"],
            verification=label_verification,
            visually_confirmed=label_confirmed,
            document=label_document,
            already_attested=record.label_attested_at is not None,
        ),
    )
    check_serial_free(values["media_serial_number"], record=record)
    if not changed and not attestation and not minimums_changed:
        return record

    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if not lifecycle.is_editable(locked):
            raise StateConflict("A destroyed record cannot be changed.")
        holds.refuse_change_while_held(locked)  # again under the lock: a hold placed meanwhile wins
        before = _audit_values(locked, list(changed) + ["expiry_date", "label_verification"])
        when = timezone.now()
        if minimums_changed:
            before["legal_minimums"] = _citations(locked.legal_minimums.all())
            _save_legal_minimums(locked, legal_minimums, actor=actor, when=when, reason="edited")
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.expiry_date = record_expiry(locked)
        if attestation:
            _apply_attestation(locked, attestation, actor)
        locked.full_clean()
        locked._history_user = actor
        locked._change_reason = "edited"
        locked._history_date = when
        with unique_serial(locked.media_serial_number, record=locked):
            locked.save()
        del locked._history_date
        if attestation:
            _link_label_check(attestation[1], locked, actor)
        after = _audit_values(locked, [name for name in before if name != "legal_minimums"])
        if minimums_changed:
            after["legal_minimums"] = _citations(locked.legal_minimums.all())
        audit_event_record(
            actor=actor,
            action="record.updated",
            obj=locked,
            payload={name: [before[name], after[name]] for name in before if before[name] != after[name]},
        )
        _due_at_once(locked, "edited")
    return locked


def _changed(record, changes):
    """Those of `changes` that change something. A serial number counts as changed only in its
    normal form: one stored before serials were normalised may come back as the form shows it."""
    changed = {name: value for name, value in changes.items() if getattr(record, name) != value}
    if "media_serial_number" in changed and serial_key(changed["media_serial_number"]) == serial_key(record.media_serial_number):
        del changed["media_serial_number"]
    return changed


def _refuse_frozen_changes(record, changed):
    """Retention changes only while the record is active; its identity neither, once it has left
    active (a records manager corrects it with record_correct)."""
    if record.status == lifecycle.Status.ACTIVE:
        return
    errors = {
        name: "Retention can only be changed while the record is active."
        for name in (*RETENTION_FIELDS, "legal_minimums") if name in changed
    }
    status = record.get_status_display().lower()
    for name in IDENTITY_FIELDS:
        if name in changed:
            errors[name] = (
                f"{IDENTITY_LABELS[name]} is frozen: {record.reference} has left active ({status}). "
                "Only a records manager can correct it, with a reason."
            )
    if errors:
        raise ValidationError(errors)


def record_correct(*, actor, record, reason, **changes):
    """A records manager corrects what identifies a record (IDENTITY_FIELDS) once it has left
    active (an active record is edited), never once destroyed or while held, for a stated reason.
    The new values are checked as on logging, the serial number stays unique, and the correction
    leaves history (with the reason) and the audit event "record.corrected" (before, after,
    reason), which the chain of custody shows. A record whose serial key is out of step (a
    duplicate from before serials were unique) may be corrected without a change: it then takes
    its key, if no other record holds it."""
    _require_permission(actor, "records.correct_record", "Only records managers correct a record's identity.")
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not correctable: {', '.join(sorted(unknown))}")
    if "media_serial_number" in changes:
        changes["media_serial_number"] = normalise_serial(changes["media_serial_number"])
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is corrected: the reason is kept with the correction."})
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if not lifecycle.is_editable(locked):
            raise StateConflict(f"{locked.reference} is destroyed: its record and certificate stand as issued.")
        if locked.status == lifecycle.Status.ACTIVE:
            raise StateConflict(
                f"{locked.reference} is active: edit it instead; corrections are for records that have left active."
            )
        if lifecycle.is_on_hold(locked):
            raise StateConflict(
                f"{locked.reference} is under a legal hold: nothing about it may change until released."
            )
        changed = _changed(locked, changes)
        if not changed and locked.media_serial_key == serial_key(locked.media_serial_number):
            raise ValidationError("Nothing to correct: the medium, serial number, department and custodian are as given.")
        values = {name: changed.get(name, getattr(locked, name)) for name in RECORD_INPUT_FIELDS}
        _validate_correction(values, changed)
        if "custodian" in changed:
            _refuse("custodian", _custodian_training_bar(changed["custodian"]))
        check_serial_free(values["media_serial_number"], record=locked)
        before = _audit_values(locked, IDENTITY_FIELDS)
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked._history_user = actor
        locked._change_reason = f"corrected: {reason}"[:100]
        with unique_serial(locked.media_serial_number, record=locked):
            locked.save()
        audit_event_record(
            actor=actor,
            action="record.corrected",
            obj=locked,
            payload={"before": before, "after": _audit_values(locked, IDENTITY_FIELDS), "reason": reason},
        )
    return locked


def _validate_correction(values, changed):
    """validate_record_values, for what the correction changes and the rules that tie those fields
    to others (a medium to its serial number and schedule, a department to its custodian): a
    schedule retired or a trigger date entered long ago does not stand in the way of a correction."""
    relevant = set(changed)
    if "medium" in changed:
        relevant |= {"media_serial_number", "schedule"}
    if "department" in changed:
        relevant.add("custodian")
    try:
        validate_record_values(values)
    except ValidationError as error:
        errors = {name: messages for name, messages in error.message_dict.items() if name in relevant}
        if errors:
            raise ValidationError(errors) from None


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
            raise StateConflict("Only active or due records can be kept longer; this one is being destroyed.")
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
