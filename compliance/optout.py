"""Opt-out failures (47 CFR 64.2009(f)): recording an instance where the opt-out mechanisms did not
work properly, its deadline (the letter to the FCC is due within five business days), the copy of
the notice given to customers, the letter sent and the closing, what the letter still lacks, and
the year's evidence for the accompanying statement. Every status change goes through
compliance.optout_lifecycle; each service checks the actor's permission, validates everything
before it writes, writes in one transaction with history and records an audit event."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict
from records.dates import past_date_error
from records.queueing import queue_after_commit

from . import optout_lifecycle
from .business_days import add_business_days
from .models import CompanyProfile, OptOutFailure
from .uploads import keep_upload, kept_path

Status = OptOutFailure.Status
MANAGE = optout_lifecycle.MANAGE
NOTICES_FOLDER = "optout-notices"
LETTER_BUSINESS_DAYS = 5  # 64.2009(f): written notice within five business days
FIELDS = ("detected_at", "mechanisms", "problem", "remedy", "remedy_on", "state_notified", "state_commissions",
          "state_action", "contact")
# What may still be recorded once the letter has gone: the remedy carried out, the states' response.
AFTER_LETTER = ("remedy_on", "state_notified", "state_commissions", "state_action")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def deadline(failure):
    """The last day the letter to the FCC is on time: the fifth business day after the day of detection."""
    return add_business_days(timezone.localdate(failure.detected_at), LETTER_BUSINESS_DAYS)


def as_sent(failure):
    """The failure as it stood when the letter was recorded as sent (itself before then)."""
    if not failure.letter_sent_at:
        return failure
    sent = failure.history.filter(status=Status.LETTER_SENT).order_by("history_date", "history_id").first()
    return sent.instance if sent else failure


def letter_sent_on(failure):
    return timezone.localdate(failure.letter_sent_at) if failure.letter_sent_at else None


def is_late(failure, today=None):
    """True when the letter went out after the deadline, or has not gone out and the deadline has passed."""
    sent = letter_sent_on(failure)
    return (sent or today or timezone.localdate()) > deadline(failure)


def retained_until(failure):
    """The day from which the record may be deleted: one year after it was closed; None while it is not closed."""
    if failure.closed_at is None:
        return None
    closed = timezone.localdate(failure.closed_at)
    try:
        return closed.replace(year=closed.year + 1)
    except ValueError:  # 29 February
        return closed.replace(year=closed.year + 1, day=28) + datetime.timedelta(days=1)


def default_contact():
    """The company profile's signatory as the letter's contact, or "" when there is none."""
    profile = CompanyProfile.objects.select_related("signatory").filter(pk=1).first()
    if profile is None or profile.signatory is None:
        return ""
    person = profile.signatory
    lines = [profile.signatory_name, person.title, profile.company_names[0] if profile.company_names else "", person.email]
    return "\n".join(line for line in lines if line)


def letter_missing(failure):
    """What the letter the rule asks for still lacks, in the rule's order ([] when it is complete)."""
    from .company import company_name

    missing = []
    if not (company_name() or "").strip():
        missing.append("the carrier's name (the company profile)")
    if not failure.mechanisms.strip():
        missing.append("a description of the opt-out mechanism(s) used")
    if not failure.problem.strip():
        missing.append("the problem(s) experienced")
    if not failure.remedy.strip():
        missing.append("the remedy proposed")
    if failure.remedy_on is None:
        missing.append("when the remedy will be or was implemented")
    if failure.state_notified is None:
        missing.append("whether the relevant state commission(s) have been notified")
    elif failure.state_notified and not failure.state_commissions.strip():
        missing.append("which state commission(s) were notified")
    elif failure.state_notified and not failure.state_action.strip():
        missing.append("whether the state commission(s) have taken any action")
    if not failure.notice_name:
        missing.append("a copy of the notice provided to customers")
    if not failure.contact.strip():
        missing.append("contact information")
    return missing


def _errors(failure):
    errors = {}
    if failure.detected_at is None:
        errors["detected_at"] = "Enter when the failure was detected."
    else:
        message = past_date_error(timezone.localdate(failure.detected_at), what="The detection")
        if failure.detected_at > timezone.now() and not message:
            message = "The detection cannot be in the future."
        if message:
            errors["detected_at"] = message
    for name, what in (("mechanisms", "Describe the opt-out mechanism(s) used."),
                       ("problem", "Describe the problem(s) experienced.")):
        if not getattr(failure, name).strip():
            errors[name] = what
    if failure.remedy_on and failure.detected_at and failure.remedy_on < timezone.localdate(failure.detected_at):
        errors["remedy_on"] = "A remedy is implemented on or after the day the failure was detected."
    if failure.state_notified is not True and failure.state_commissions.strip():
        errors["state_notified"] = "Say the state commission(s) were notified, or leave which ones empty."
    if errors:
        raise ValidationError(errors)


def notice_path(failure):
    return kept_path(NOTICES_FOLDER, failure.notice_name)


def _keep_notice(failure, data, original_name):
    """Keep the copy whole; set its name, size and SHA-256."""
    kept = keep_upload(NOTICES_FOLDER, failure.reference, data, original_name, fallback="notice")
    failure.notice_name, failure.notice_sha256 = kept.name, kept.sha256
    failure.notice_original_name, failure.notice_size = kept.original_name, kept.size


def _notice_error(notice):
    if notice is not None and len(notice) > settings.BREACH_NOTICE_MAX_BYTES:
        return {"notice": f"The copy is over {settings.BREACH_NOTICE_MAX_BYTES // (1024 * 1024)} MB."}
    if notice is not None and not notice:
        return {"notice": "The copy is empty."}
    return {}


def _queue_escalations():
    from compliance.tasks import send_breach_escalations

    send_breach_escalations.delay()


def _clean_fields(fields):
    extra = sorted(set(fields) - set(FIELDS))
    if extra:
        raise ValidationError({"__all__": f"Not a field of an opt-out failure: {', '.join(extra)}."})
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def _payload(failure):
    values = {name: getattr(failure, name) for name in FIELDS}
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in values.items()}


def optout_record(*, actor, fields, notice=None, notice_name=""):
    """Record a detected failure ("open"), with the copy of the customer notice when there is one
    (`notice`: its bytes). The contact defaults to the company profile's signatory. Nothing is
    written unless all of it is valid; the records managers and officers are told."""
    if not actor.has_perm("compliance.add_optoutfailure"):
        raise PermissionDenied("Only records managers record opt-out failures.")
    now = timezone.now()
    failure = OptOutFailure(recorded_by=actor, recorded_at=now, status_changed_at=now, **_clean_fields(fields))
    failure.contact = failure.contact or default_contact()
    errors = _notice_error(notice)
    try:
        _errors(failure)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        failure._history_user = actor
        failure.save()
        if notice:
            _keep_notice(failure, notice, notice_name)
            failure.save(update_fields=["notice_name", "notice_sha256", "notice_original_name", "notice_size"])
        audit_event_record(actor=actor, action="optout.recorded", obj=failure, payload={
            **_payload(failure), "notice_sha256": failure.notice_sha256, "deadline": deadline(failure).isoformat(),
        })
        queue_after_commit(_queue_escalations, what=f"the escalations of {failure.reference}")
    return failure


def optout_update(*, actor, failure, fields, notice=None, notice_name=""):
    """Change a failure's details (not once it is closed); a new copy of the notice replaces the old,
    which stays on disk and in the history."""
    if not actor.has_perm(MANAGE):
        raise PermissionDenied("Only records managers keep the opt-out failures register.")
    fields = _clean_fields(fields)
    errors = _notice_error(notice)
    with transaction.atomic():
        locked = OptOutFailure.objects.select_for_update().get(pk=failure.pk)
        if locked.status == Status.CLOSED:
            raise StateConflict(f"{locked.reference} is closed: its record stands as closed.")
        if locked.status == Status.LETTER_SENT:
            for name in sorted(set(fields) - set(AFTER_LETTER)):
                if fields[name] != getattr(locked, name):
                    errors[name] = "The letter has been sent: what it said stands (the remedy's date and the state " \
                                   "commissions' action can still be recorded)."
            if notice:
                errors["notice"] = "The letter has been sent with the copy kept: it stands."
        before = _payload(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        try:
            _errors(locked)
        except ValidationError as error:
            errors = {**error.message_dict, **errors}
        if errors:
            raise ValidationError(errors)
        if notice:
            _keep_notice(locked, notice, notice_name)
        locked._history_user = actor
        locked.save()
        after = _payload(locked)
        audit_event_record(actor=actor, action="optout.updated", obj=locked, payload={
            "changed": {name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]},
            **({"notice_sha256": locked.notice_sha256} if notice else {}),
        })
    return locked


def optout_letter_record(*, actor, failure, sent_at, method, reference=""):
    """Record the letter to the FCC as sent: when, how (ECFS, email, mail) and its reference (the
    ECFS confirmation is required). Refused while the letter lacks an element the rule asks for."""
    optout_lifecycle.check_transition(failure, "send_letter", actor=actor)
    reference = (reference or "").strip()
    errors = {}
    if method not in OptOutFailure.LetterMethod.values:
        errors["method"] = "Choose how the letter was sent."
    elif method == OptOutFailure.LetterMethod.ECFS and not reference:
        errors["reference"] = "Enter the ECFS confirmation number."
    if sent_at is None:
        errors["sent_at"] = "Enter when the letter was sent."
    elif sent_at < failure.detected_at:
        errors["sent_at"] = "The letter is sent on or after the failure was detected."
    elif sent_at > timezone.now():
        errors["sent_at"] = "The letter cannot be sent in the future."
    missing = letter_missing(failure)
    if missing:
        errors["__all__"] = f"The letter lacks {'; '.join(missing)}: complete the record first."
    if errors:
        raise ValidationError(errors)
    late = timezone.localdate(sent_at) > deadline(failure)
    return optout_lifecycle.transition(
        failure, "send_letter", actor=actor,
        changes={"letter_sent_at": sent_at, "letter_method": method, "letter_reference": reference[:200]},
        payload={"sent_at": sent_at.isoformat(), "method": method, "reference": reference,
                 "deadline": deadline(failure).isoformat(), "late": late},
    )


def optout_close(*, actor, failure):
    """Close a failure whose letter has been sent: its remedy has to be implemented by today."""
    optout_lifecycle.check_transition(failure, "close", actor=actor)
    if failure.remedy_on is None or failure.remedy_on > timezone.localdate():
        raise ValidationError({"remedy_on": "The remedy is not implemented yet: enter the day it was implemented "
                                            "(today or earlier) before closing."})
    return optout_lifecycle.transition(failure, "close", actor=actor, changes={"closed_at": timezone.now()})


def failures_detected_in(year):
    from .year_summary import in_year

    return OptOutFailure.objects.filter(in_year("detected_at", year))


def optout_evidence(year):
    """True sentences about the year's opt-out failures, for the accompanying statement."""
    failures = list(failures_detected_in(year).order_by("detected_at", "pk"))
    if not failures:
        return [f"In {year} no opt-out failure was detected."]
    count = len(failures)
    detected = f"In {year} {count} instance{'s' if count != 1 else ''} where the opt-out mechanisms did not work " \
               f"properly {'were' if count != 1 else 'was'} detected"
    on_time = [f for f in failures if f.letter_sent_at and not is_late(f)]
    late = [f for f in failures if f.letter_sent_at and is_late(f)]
    unsent = [f for f in failures if not f.letter_sent_at]
    if len(on_time) == count:
        each = "it" if count == 1 else "each"
        return [f"{detected}; the FCC was notified by letter within five business days of {each}."]
    sentences = [f"{detected}."]
    if on_time:
        sentences.append(f"The FCC was notified by letter within five business days of {len(on_time)} of them.")
    if late:
        sentences.append(f"The FCC was notified by letter after five business days of {len(late)} of them.")
    if unsent:
        sentences.append(f"No letter to the FCC is recorded yet for {len(unsent)} of them.")
    return sentences


def open_failures_for(user, today=None):
    """For those who read the register (else None): the failures whose letter has not been sent,
    soonest deadline first, as dicts of failure, due_on, business_days_left and overdue."""
    from .business_days import business_days_between

    if not user.has_perm("compliance.view_optoutfailure"):
        return None
    today = today or timezone.localdate()
    rows = []
    for failure in OptOutFailure.objects.filter(status=Status.OPEN):
        due = deadline(failure)
        rows.append({"failure": failure, "due_on": due, "overdue": today > due,
                     "business_days_left": business_days_between(today, due)})
    return sorted(rows, key=lambda row: (row["due_on"], row["failure"].pk))

