"""Breaches of CPNI: reporting a suspected breach, keeping the incident, the harm assessment, the
notifications (with a copy of each as sent) and law-enforcement directions, and closing it. Every
status change goes through compliance.breach_lifecycle; every deadline and refusal of a customer
notice comes from compliance.breach_clock. Each service checks the actor's permission, validates
everything before it writes, writes in one transaction with history, and records an audit event."""

import hashlib
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict
from records.dates import past_date_error, records_began_on
from records.models import Record, Status as RecordStatus
from records.queueing import queue_after_commit
from records.services import record_extend_retention

from . import breach_clock, breach_lifecycle
from .models import BreachIncident, BreachNotification, CustomerComplaint, LawEnforcementDirection, PretextingObservation
from .uploads import kept_path, safe_stem, write_whole

IncidentStatus = BreachIncident.Status
NOTICES_FOLDER = "breach-notices"
MANAGE = "compliance.change_breachincident"
# What a person who may only report a suspected breach tells: the rest is the records managers'.
REPORT_FIELDS = ("description", "discovered_at", "circumstances")
DETAIL_FIELDS = (
    "description", "discovered_at", "circumstances", "occurred_from", "occurred_to", "customers_affected",
    "cpni_categories", "other_pii", "encrypted_key_safe", "estimated_loss",
)
LINKS = {"records": Record, "complaints": CustomerComplaint, "pretexting": PretextingObservation}
INITIAL_DELAY_DAYS = 30  # 64.2011(b)(3): an agency's first direction delays notice up to 30 days


def _moment_error(value, what, floor=None, floor_is=""):
    """The message refusing the moment `value` (in the future, or before the floor), or ""."""
    if value is None:
        return ""
    if value > timezone.now():
        return f"{what} cannot be in the future (it is now {timezone.localtime():%Y-%m-%d %H:%M})."
    if floor is not None and value < floor:
        return f"{what} cannot be before {timezone.localtime(floor):%Y-%m-%d %H:%M}, {floor_is}."
    return past_date_error(timezone.localdate(value), what=what)


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value if value is None or isinstance(value, (str, int, bool, list)) else str(value)


def _check_details(incident):
    errors = {}
    message = _moment_error(incident.discovered_at, "The discovery")
    if message:
        errors["discovered_at"] = message
    for field in ("occurred_from", "occurred_to"):
        message = past_date_error(getattr(incident, field), what="That date")
        if message:
            errors[field] = message
    try:
        incident.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)


def _links(values):
    """{link: [objects]} from {link: [ids or record references]}, refusing what cannot be linked."""
    found, errors = {}, {}
    for name, wanted in values.items():
        model = LINKS[name]
        wanted = list(dict.fromkeys(wanted))
        if name == "records":
            objects = {record.reference: record for record in Record.objects.filter(reference__in=wanted)}
        else:
            objects = {obj.pk: obj for obj in model.objects.filter(pk__in=[w for w in wanted if isinstance(w, int)])}
        missing = [str(w) for w in wanted if w not in objects]
        if missing:
            errors[name] = f"No such {'record' if name == 'records' else 'entry'}: {', '.join(missing)}."
        found[name] = [objects[w] for w in wanted if w in objects]
    if errors:
        raise ValidationError(errors)
    return found


def _refuse_unkeepable(incident, records):
    """A document linked to an incident is kept as long as the incident's record: one already being
    destroyed cannot be."""
    linked = set(incident.records.values_list("pk", flat=True)) if incident.pk else set()
    gone = [r.reference for r in records if r.pk not in linked
            and r.status not in (RecordStatus.ACTIVE, RecordStatus.DUE)]
    if gone:
        raise ValidationError({"records": f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} being destroyed or "
                                          "destroyed: a document linked to a breach is kept with its record."})


def _keep_linked_records(actor, incident):
    """Extend every linked active or due document whose expiry falls before the incident's record
    may go (compliance.breach_clock.records_kept_until), through the records' own service."""
    until = breach_clock.records_kept_until(incident)
    for record in incident.records.filter(status__in=[RecordStatus.ACTIVE, RecordStatus.DUE],
                                          expiry_date__lt=until).order_by("pk"):
        record_extend_retention(
            actor=actor, record=record, period_value=(until - record.expiry_date).days, period_unit="days",
            reason=f"{incident.reference}: the record of a breach is kept {breach_clock.RECORD_YEARS} years from its "
                   "last notification or closure (47 CFR 64.2011(d))",
        )


def _open_incident(incident):
    if incident.status == IncidentStatus.CLOSED:
        raise StateConflict(f"{incident.reference} is closed: its record stands as closed.")


def _queue_escalations():
    from compliance.tasks import send_breach_escalations

    send_breach_escalations.delay()


def breach_report(*, actor, fields, links=None, reasonably_determined_at=None):
    """Open an incident in "reported" state. A person who may only report (an employee) gives the
    REPORT_FIELDS; a records manager any DETAIL_FIELDS, links, and the determination, which then
    follows at once. Guarantees: nothing is written unless all of it is valid."""
    manager = actor.has_perm("compliance.add_breachincident")
    if not manager and not actor.has_perm("compliance.report_breachincident"):
        raise PermissionDenied("Your role cannot report a breach.")
    allowed = DETAIL_FIELDS if manager else REPORT_FIELDS
    extra = sorted(set(fields) - set(allowed)) + (["links"] if links and not manager else []) + (
        ["reasonably_determined_at"] if reasonably_determined_at and not manager else [])
    if extra:
        raise PermissionDenied(f"Only records managers record {', '.join(extra)} of a breach.")
    now = timezone.now()
    incident = BreachIncident(reported_by=actor, reported_at=now, status_changed_at=now, **fields)
    incident.description = (incident.description or "").strip()
    _check_details(incident)
    found = _links(links or {})
    _refuse_unkeepable(incident, found.get("records", []))
    if reasonably_determined_at is not None:
        _determination_errors(incident, reasonably_determined_at)
    with transaction.atomic():
        incident._history_user = actor
        incident.save()
        for name, objects in found.items():
            getattr(incident, name).set(objects)
        audit_event_record(actor=actor, action="breach.reported", obj=incident, payload={
            **{name: _plain(getattr(incident, name)) for name in allowed},
            **{name: [str(obj) for obj in objects] for name, objects in found.items()},
        })
        if reasonably_determined_at is not None:
            incident = breach_determine(actor=actor, incident=incident, reasonably_determined_at=reasonably_determined_at)
        elif found.get("records"):
            _keep_linked_records(actor, incident)
        if not manager:
            queue_after_commit(_queue_escalations, what=f"the report of {incident.reference}")
    return incident


def breach_update(*, actor, incident, fields, links=None):
    """Change an open incident's details and links ({"records": [references], "complaints": [ids],
    "pretexting": [ids]}, each the whole list). The determination is made by breach_determine."""
    if not actor.has_perm(MANAGE):
        raise PermissionDenied("Only records managers keep the breach register.")
    _open_incident(incident)
    unknown = sorted(set(fields) - set(DETAIL_FIELDS))
    if unknown:
        raise ValidationError({name: "This cannot be changed here." for name in unknown})
    before = {name: _plain(getattr(incident, name)) for name in fields}
    for name, value in fields.items():
        setattr(incident, name, value)
    _check_details(incident)
    found = _links(links or {})
    _refuse_unkeepable(incident, found.get("records", []))
    changed = {name: [before[name], _plain(getattr(incident, name))] for name in fields
               if before[name] != _plain(getattr(incident, name))}
    with transaction.atomic():
        locked = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        _open_incident(locked)
        for name, objects in found.items():
            old = {str(obj) for obj in getattr(locked, name).all()}
            new = {str(obj) for obj in objects}
            if old != new:
                changed[name] = [sorted(old), sorted(new)]
        if not changed:
            return locked
        for name in fields:
            setattr(locked, name, getattr(incident, name))
        locked._history_user, locked._change_reason = actor, "updated"
        locked.save()
        for name, objects in found.items():
            getattr(locked, name).set(objects)
        audit_event_record(actor=actor, action="breach.updated", obj=locked, payload=changed)
        if "records" in found:
            _keep_linked_records(actor, locked)
    return locked


def _determination_errors(incident, reasonably_determined_at):
    message = _moment_error(reasonably_determined_at, "The determination", incident.discovered_at,
                            "when the breach was discovered") if reasonably_determined_at else (
        "Enter when the breach was reasonably determined.")
    if message:
        raise ValidationError({"reasonably_determined_at": message})


def breach_assess(*, actor, incident):
    """Start assessing a reported incident."""
    return breach_lifecycle.transition(incident, "assess", actor=actor)


def breach_determine(*, actor, incident, reasonably_determined_at):
    """Record when the breach was reasonably determined: the clock starts, under the rule in force
    (BREACH_RULE), which the incident keeps. Records managers and officers are told by email."""
    incident = BreachIncident.objects.get(pk=incident.pk)
    breach_lifecycle.check_transition(incident, "determine", actor=actor)
    _determination_errors(incident, reasonably_determined_at)
    rule = settings.BREACH_RULE
    determined_on = timezone.localdate(reasonably_determined_at)
    with transaction.atomic():
        incident = breach_lifecycle.transition(
            incident, "determine", actor=actor,
            changes={"reasonably_determined_at": reasonably_determined_at, "rule": rule},
            payload={"reasonably_determined_at": reasonably_determined_at.isoformat(), "rule": rule,
                     "law_enforcement_due": breach_clock.law_enforcement_due(determined_on).isoformat()},
        )
        _keep_linked_records(actor, incident)
        queue_after_commit(_queue_escalations, what=f"the escalation of {incident.reference}")
    return incident


def breach_assess_harm(*, actor, incident, harm_likely, reason):
    """Record whether harm to customers is reasonably likely, who decided, when and why."""
    if not actor.has_perm(MANAGE):
        raise PermissionDenied("Only records managers assess a breach.")
    _open_incident(incident)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"harm_reason": "Say why harm to customers is or is not reasonably likely."})
    if harm_likely not in (True, False):
        raise ValidationError({"harm_likely": "Say whether harm to customers is reasonably likely."})
    with transaction.atomic():
        locked = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        _open_incident(locked)
        if locked.notifications.filter(recipient=BreachNotification.Recipient.CUSTOMERS).exists() and not harm_likely:
            raise StateConflict("Customers were already notified: the assessment no longer decides whether they are.")
        locked.harm_likely, locked.harm_reason = harm_likely, reason
        locked.harm_assessed_by, locked.harm_assessed_at = actor, timezone.now()
        locked._history_user, locked._change_reason = actor, "harm assessed"
        locked.save()
        audit_event_record(actor=actor, action="breach.harm_assessed", obj=locked,
                           payload={"harm_likely": harm_likely, "reason": reason})
    return locked


def breach_record_urgent_need(*, actor, incident, reason, agency, consulted_at):
    """Legacy rule: the carrier's extraordinarily urgent need to tell customers sooner, recorded
    after consulting the investigating agency; customers may then be told at once."""
    if not actor.has_perm(MANAGE):
        raise PermissionDenied("Only records managers handle breach incidents.")
    _open_incident(incident)
    if breach_clock.rule_of(incident) != BreachIncident.Rule.LEGACY:
        raise ValidationError("Under the 2023 rule customers are told without unreasonable delay: there is no waiting "
                              "period to shorten.")
    if incident.reasonably_determined_at is None:
        raise StateConflict(f"{incident.reference} is not determined yet.")
    errors = {}
    reason, agency = (reason or "").strip(), (agency or "").strip()
    if not reason:
        errors["urgent_need"] = "Say why customers must be told sooner (the immediate and irreparable harm avoided)."
    if not agency:
        errors["urgent_need_agency"] = "Name the agency consulted first."
    message = _moment_error(consulted_at, "The consultation", incident.reasonably_determined_at,
                            "when the breach was determined") if consulted_at else "Enter when the agency was consulted."
    if message:
        errors["urgent_need_consulted_at"] = message
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        locked.urgent_need, locked.urgent_need_agency, locked.urgent_need_consulted_at = reason, agency, consulted_at
        locked.urgent_need_recorded_by = actor
        locked._history_user, locked._change_reason = actor, "urgent need recorded"
        locked.save()
        audit_event_record(actor=actor, action="breach.urgent_need_recorded", obj=locked,
                           payload={"reason": reason, "agency": agency, "consulted_at": consulted_at.isoformat()})
    return locked


def notice_copy_path(notification):
    return kept_path(NOTICES_FOLDER, notification.copy_name)


def _keep_copy(notification, data, original_name):
    """Write the copy whole; return its name and SHA-256."""
    name = f"{notification.incident.reference}-{notification.pk}-{safe_stem(original_name, 'notice')}"
    write_whole(NOTICES_FOLDER, name, data)
    return name, hashlib.sha256(data).hexdigest()


def breach_notification_record(*, actor, incident, recipient, notified_at, method, confirmation_number="",
                               notes="", copy=None, copy_name=""):
    """Record a notification made for a determined incident, with the copy as sent (`copy`: its
    bytes, kept under VAR_DIR). A customer notice the rule does not allow yet is refused, saying why
    and from when it is. The first notification moves the incident to "notified"."""
    if not actor.has_perm("compliance.add_breachnotification"):
        raise PermissionDenied("Only records managers record breach notifications.")
    _open_incident(incident)
    if incident.reasonably_determined_at is None:
        raise ValidationError({"notified_at": f"{incident.reference} is not determined a breach yet: determine it "
                                              "first (its clock starts then)."})
    errors = {}
    if recipient not in BreachNotification.Recipient.values:
        errors["recipient"] = "Choose who was notified."
    if method not in BreachNotification.Method.values:
        errors["method"] = "Choose how they were notified."
    message = _moment_error(notified_at, "The notification", incident.reasonably_determined_at,
                            "when the breach was determined") if notified_at else "Enter when they were notified."
    if message:
        errors["notified_at"] = message
    if copy and len(copy) > settings.BREACH_NOTICE_MAX_BYTES:
        errors["copy"] = f"The copy is over {settings.BREACH_NOTICE_MAX_BYTES // (1024 * 1024)} MB."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        _open_incident(locked)
        clock = breach_clock.incident_clock(locked)
        if recipient == BreachNotification.Recipient.CUSTOMERS:
            refusal = breach_clock.customer_notice_refusal(clock, timezone.localdate(notified_at))
            if refusal:
                raise ValidationError({"notified_at": refusal})
        duty = clock.duty(recipient)
        notification = BreachNotification(
            incident=locked, recipient=recipient, notified_at=notified_at, method=method,
            confirmation_number=(confirmation_number or "").strip(), notes=(notes or "").strip(), sent_by=actor,
            recorded_at=timezone.now(),
        )
        notification.full_clean()
        notification._history_user = actor
        notification.save()
        if copy:
            notification.copy_name, notification.copy_sha256 = _keep_copy(notification, copy, copy_name)
            notification.copy_original_name, notification.copy_size = (copy_name or "")[:200], len(copy)
            notification.save(update_fields=["copy_name", "copy_sha256", "copy_original_name", "copy_size"])
        on = timezone.localdate(notified_at)
        audit_event_record(actor=actor, action="breach.notification_recorded", obj=locked, payload={
            "notification": notification.pk, "recipient": recipient, "notified_at": notified_at.isoformat(),
            "method": method, "confirmation_number": notification.confirmation_number,
            "copy_sha256": notification.copy_sha256, "due_on": _plain(duty and duty.due_on and duty.due_on.isoformat()),
            "late": bool(duty and duty.due_on and on > duty.due_on),
        })
        if locked.status == IncidentStatus.DETERMINED:
            locked = breach_lifecycle.transition(locked, "notify", actor=actor,
                                                 payload={"first_notification": notification.pk})
        _keep_linked_records(actor, locked)
    return notification


def breach_direction_record(*, actor, incident, agency, form, given_on, delay_until, extends=None,
                            confirmed_in_writing_on=None, notes=""):
    """Record a law-enforcement direction to delay customer notice, or its extension (`extends`: the
    direction it extends). A first direction delays notice up to 30 days; an oral one holds only if
    confirmed in writing within BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS business days."""
    if not actor.has_perm("compliance.add_lawenforcementdirection"):
        raise PermissionDenied("Only records managers record law-enforcement directions.")
    _open_incident(incident)
    if incident.reasonably_determined_at is None:
        raise ValidationError(f"{incident.reference} is not determined a breach yet: determine it first.")
    agency, errors = (agency or "").strip(), {}
    if not agency:
        errors["agency"] = "Name the agency that gave the direction."
    if form not in LawEnforcementDirection.Form.values:
        errors["form"] = "Say whether the direction was given in writing or orally."
    message = past_date_error(given_on, floor=timezone.localdate(incident.reasonably_determined_at),
                              floor_is="the day the breach was determined", what="The direction's date") if given_on \
        else "Enter the day the direction was given."
    if message:
        errors["given_on"] = message
    if extends is not None and extends.incident_id != incident.pk:
        errors["extends"] = "That direction is about another incident."
    if not errors and delay_until is None:
        errors["delay_until"] = "Enter the last day customers may not be told."
    elif not errors:
        if extends is None and delay_until > given_on + timedelta(days=INITIAL_DELAY_DAYS):
            errors["delay_until"] = (f"A first direction delays customer notice up to {INITIAL_DELAY_DAYS} days (to "
                                     f"{given_on + timedelta(days=INITIAL_DELAY_DAYS):%Y-%m-%d} at the latest); record "
                                     "a longer delay as an extension of it.")
        elif extends is not None and delay_until <= extends.delay_until:
            errors["delay_until"] = f"An extension ends after the delay it extends ({extends.delay_until:%Y-%m-%d})."
        elif delay_until < given_on:
            errors["delay_until"] = "The delay ends on or after the day it was directed."
    errors.update(_confirmation_errors(form, given_on, confirmed_in_writing_on))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = BreachIncident.objects.select_for_update().get(pk=incident.pk)
        _open_incident(locked)
        direction = LawEnforcementDirection(
            incident=locked, agency=agency, form=form, given_on=given_on, delay_until=delay_until, extends=extends,
            confirmed_in_writing_on=confirmed_in_writing_on, notes=(notes or "").strip(), recorded_by=actor,
            recorded_at=timezone.now(),
        )
        direction.full_clean()
        direction._history_user = actor
        direction.save()
        audit_event_record(actor=actor, action="breach.direction_recorded", obj=locked, payload={
            "direction": direction.pk, "agency": agency, "form": form, "given_on": given_on.isoformat(),
            "delay_until": delay_until.isoformat(), "extends": extends.pk if extends else None,
            "confirmed_in_writing_on": _plain(confirmed_in_writing_on and confirmed_in_writing_on.isoformat()),
        })
    return direction


def _confirmation_errors(form, given_on, confirmed_on):
    if confirmed_on is None or given_on is None:
        return {}
    if form != LawEnforcementDirection.Form.ORAL:
        return {"confirmed_in_writing_on": "Only an oral direction is confirmed in writing."}
    by = breach_clock.add_business_days(given_on, settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS)
    message = past_date_error(confirmed_on, floor=given_on, floor_is="the day the direction was given",
                              what="The written confirmation")
    if not message and confirmed_on > by:
        message = (f"An oral direction must be confirmed in writing within "
                   f"{settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS} business days, by {by:%Y-%m-%d}: record the "
                   "written direction received later as a new direction.")
    return {"confirmed_in_writing_on": message} if message else {}


def breach_direction_confirm(*, actor, direction, confirmed_in_writing_on):
    """Record that an oral direction was confirmed in writing (within the rule's window)."""
    if not actor.has_perm("compliance.add_lawenforcementdirection"):
        raise PermissionDenied("Only records managers record law-enforcement directions.")
    _open_incident(direction.incident)
    if direction.confirmed_in_writing_on is not None:
        raise StateConflict(f"That direction was confirmed in writing on {direction.confirmed_in_writing_on:%Y-%m-%d}.")
    errors = _confirmation_errors(direction.form, direction.given_on, confirmed_in_writing_on) if confirmed_in_writing_on \
        else {"confirmed_in_writing_on": "Enter the day the written confirmation was received."}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = LawEnforcementDirection.objects.select_for_update().get(pk=direction.pk)
        locked.confirmed_in_writing_on = confirmed_in_writing_on
        locked._history_user, locked._change_reason = actor, "confirmed in writing"
        locked.save()
        audit_event_record(actor=actor, action="breach.direction_confirmed", obj=locked.incident, payload={
            "direction": locked.pk, "confirmed_in_writing_on": confirmed_in_writing_on.isoformat()})
    return locked


def breach_close(*, actor, incident, note):
    """Close an incident: one found not to be a breach (reported or assessing, saying why), or a
    notified one whose every notification the rule asks for was made. Its record and the documents
    linked to it are kept RECORD_YEARS from then (or from its last notification)."""
    incident = BreachIncident.objects.get(pk=incident.pk)
    if not actor.has_perm(breach_lifecycle.TRANSITIONS["close"].permission):
        raise PermissionDenied("Only records managers handle breach incidents.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"closure_note": "Say why the incident is closed (for one that was not a breach, why not)."})
    if incident.status in (IncidentStatus.DETERMINED, IncidentStatus.NOTIFIED):
        still_open = [duty.label for duty in breach_clock.incident_clock(incident).duties if duty.is_open]
        if still_open:
            raise ValidationError(f"Still to notify before closing: {'; '.join(still_open)}.")
    breach_lifecycle.check_transition(incident, "close", actor=actor)
    with transaction.atomic():
        incident = breach_lifecycle.transition(incident, "close", actor=actor,
                                               changes={"closed_at": timezone.now(), "closure_note": note},
                                               payload={"note": note}, reason="closed")
        _keep_linked_records(actor, incident)
        audit_event_record(actor=actor, action="breach.record_kept", obj=incident, payload={
            "retained_until": breach_clock.retained_until(incident).isoformat()})
    return incident


def breach_assess_register_entry(*, actor, entry):
    """Open an incident, being assessed, about a customer complaint or a pretexting observation,
    linked to it ("assess as a possible breach")."""
    if not actor.has_perm("compliance.add_breachincident"):
        raise PermissionDenied("Only records managers open breach incidents.")
    if isinstance(entry, CustomerComplaint):
        link, day = "complaints", entry.received_on
        description = f"Possible breach of CPNI: customer complaint of {entry.received_on:%Y-%m-%d} " \
                      f"({entry.category_label}). {entry.summary}"
    elif isinstance(entry, PretextingObservation):
        link, day = "pretexting", entry.observed_on
        description = f"Possible breach of CPNI: pretexting observed {entry.observed_on:%Y-%m-%d}. {entry.method}"
    else:
        raise ValidationError("Only a complaint or a pretexting observation is assessed as a possible breach.")
    discovered_at = timezone.make_aware(datetime.combine(max(day, records_began_on()), time(9, 0)))
    discovered_at = min(discovered_at, timezone.now())
    with transaction.atomic():
        incident = breach_report(actor=actor, fields={"description": description, "discovered_at": discovered_at},
                                 links={link: [entry.pk]})
        incident = breach_assess(actor=actor, incident=incident)
    return incident
