"""Customer approvals and notices (47 CFR 64.2007, 64.2008, 64.2009(a)): the versions of the notice
of CPNI rights, their mailings (with the opt-out waiting period each starts), the two-year re-notice
due from the current notice's last mailing, and the periodic evidence of the approval-status system.
Records managers record and correct (a correction says why); those who read every register read it.
Each service checks the actor's permission, validates everything before it writes, writes in one
transaction with history and records an audit event."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from records.audit import audit_event_record
from records.dates import records_began_on

from .models import ApprovalEvidence, ApprovalNotice, NoticeMailing
from .models.approvals import RENOTICE_YEARS, years_after
from .uploads import kept_path, keep_upload, upload_problem

VIEW = "compliance.view_approvalnotice"
ADD_NOTICE, CHANGE_NOTICE = "compliance.add_approvalnotice", "compliance.change_approvalnotice"
ADD_MAILING, ADD_EVIDENCE = "compliance.add_noticemailing", "compliance.add_approvalevidence"
NOTICE_FIELDS = ("version_label", "text", "effective_on")
MAILING_FIELDS = ("sent_on", "method", "method_detail", "population", "notes")
EVIDENCE_FIELDS = ("as_of", "source", "opt_out_count", "opt_in_count", "none_count", "notes")
COUNTS = ("opt_out_count", "opt_in_count", "none_count")
TEXT_MAX = 50_000
NOTE_MAX = 5000
REASON_MAX = 4000
SNAPSHOTS_FOLDER = "approval-evidence"


def may_list(user):
    return user.has_perm(VIEW)


def _clean(fields, allowed, what):
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise ValidationError({"__all__": f"Not a field of {what}: {', '.join(extra)}."})
    return {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}


def _day_error(day, what, *, future_ok=False):
    if not isinstance(day, date):
        return f"Enter the day {what}."
    if not future_ok and day > timezone.localdate():
        return f"The day {what} cannot be in the future."
    if day < records_began_on():
        return f"The day cannot be before {records_began_on():%Y-%m-%d}, when the company's records began."
    return None


def _whole(value, least):
    return value is not None and not isinstance(value, bool) and isinstance(value, int) and value >= least


def _payload(obj, names):
    values = {name: getattr(obj, name) for name in names}
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in values.items()}


def _reason(reason):
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "Say why it is corrected."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters."})
    return reason


# --------------------------------------------------------------------------- notice versions

def _notice_errors(notice):
    errors = {}
    label = notice.version_label or ""
    if not label.strip():
        errors["version_label"] = "Give the notice's version label."
    elif len(label) > 40:
        errors["version_label"] = "At most 40 characters."
    elif ApprovalNotice.objects.filter(version_label__iexact=label).exclude(pk=notice.pk).exists():
        errors["version_label"] = f"A notice labelled {label} is already recorded: give each version its own label."
    if not (notice.text or "").strip():
        errors["text"] = "Give the text of the notice as customers received it."
    elif len(notice.text) > TEXT_MAX:
        errors["text"] = f"At most {TEXT_MAX} characters."
    problem = _day_error(notice.effective_on, "the notice takes effect", future_ok=True)
    if problem:
        errors["effective_on"] = problem
    if errors:
        raise ValidationError(errors)


def _save_notice(notice, actor, reason=None):
    notice._history_user = actor
    if reason:
        notice._change_reason = reason[:100]
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        raise ValidationError({"version_label": f"A notice labelled {notice.version_label} is already recorded."}) from None


def notice_create(*, actor, fields):
    """Record a version of the notice (records managers)."""
    if not actor.has_perm(ADD_NOTICE):
        raise PermissionDenied("Only records managers record the notices of customers' CPNI rights.")
    notice = ApprovalNotice(recorded_by=actor, recorded_at=timezone.now(), **_clean(fields, NOTICE_FIELDS, "a notice"))
    _notice_errors(notice)
    with transaction.atomic():
        _save_notice(notice, actor)
        audit_event_record(actor=actor, action="approvalnotice.created", obj=notice,
                           payload=_payload(notice, NOTICE_FIELDS))
    return notice


def notice_correct(*, actor, notice, fields, reason):
    """Correct a notice version recorded wrong (records managers), saying why."""
    if not actor.has_perm(CHANGE_NOTICE):
        raise PermissionDenied("Only records managers correct a notice.")
    reason = _reason(reason)
    fields = _clean(fields, NOTICE_FIELDS, "a notice")
    with transaction.atomic():
        locked = ApprovalNotice.objects.select_for_update().get(pk=notice.pk)
        before = _payload(locked, NOTICE_FIELDS)
        for name, value in fields.items():
            setattr(locked, name, value)
        _notice_errors(locked)
        after = _payload(locked, NOTICE_FIELDS)
        changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
        if not changed:
            raise ValidationError({"__all__": "Nothing is changed: a correction changes at least one detail."})
        locked.corrected_at = timezone.now()
        _save_notice(locked, actor, reason)
        audit_event_record(actor=actor, action="approvalnotice.corrected", obj=locked,
                           payload={"reason": reason, "changed": changed})
    return locked


# --------------------------------------------------------------------------- mailings

def _mailing_errors(mailing):
    errors = {}
    problem = _day_error(mailing.sent_on, "the notice was sent")
    if problem:
        errors["sent_on"] = problem
    if mailing.method not in NoticeMailing.Method.values:
        errors["method"] = "Choose how the notice was sent: mail, email, bill insert or other."
    elif mailing.method == NoticeMailing.Method.OTHER and not (mailing.method_detail or "").strip():
        errors["method_detail"] = "Say how the notice was sent."
    elif mailing.method != NoticeMailing.Method.OTHER and (mailing.method_detail or "").strip():
        errors["method_detail"] = "Say how only when the method is other: leave it empty."
    if len(mailing.method_detail or "") > 200:
        errors["method_detail"] = "At most 200 characters."
    if not _whole(mailing.population, 1):
        errors["population"] = "Give the number of customers the notice was sent to, a whole number of at least 1."
    if len(mailing.notes or "") > NOTE_MAX:
        errors["notes"] = f"At most {NOTE_MAX} characters."
    if errors:
        raise ValidationError(errors)


def mailing_record(*, actor, notice, fields):
    """Record a mailing of `notice` (records managers); its waiting period end follows from it."""
    if not actor.has_perm(ADD_MAILING):
        raise PermissionDenied("Only records managers record the mailings of a notice.")
    mailing = NoticeMailing(notice=notice, recorded_by=actor, recorded_at=timezone.now(),
                            **_clean(fields, MAILING_FIELDS, "a mailing"))
    _mailing_errors(mailing)
    with transaction.atomic():
        mailing._history_user = actor
        mailing.save()
        audit_event_record(actor=actor, action="noticemailing.created", obj=notice, payload={
            "mailing": mailing.pk, **_payload(mailing, MAILING_FIELDS),
            "waiting_ends_on": mailing.waiting_ends_on.isoformat()})
    return mailing


# --------------------------------------------------------------------------- the current notice and its re-notice

@dataclass(frozen=True)
class Renotice:
    notice: ApprovalNotice | None
    last_mailed_on: date | None
    due_on: date | None

    @property
    def is_past(self):
        return self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def words(self):
        if self.notice is None:
            return "No notice in effect is recorded."
        if self.due_on is None:
            return f"No mailing of the current notice ({self.notice.version_label}) is recorded."
        late = " — past due" if self.is_past else ""
        return (f"The next notice is due by {self.due_on:%Y-%m-%d}, two years after the last mailing of "
                f"{self.notice.version_label} on {self.last_mailed_on:%Y-%m-%d}{late}.")


def current_notice(on=None):
    """The notice in effect on `on` (today): the latest version effective by then."""
    on = on or timezone.localdate()
    return ApprovalNotice.objects.filter(effective_on__lte=on).order_by("-effective_on", "-id").first()


def renotice(on=None):
    """The next two-year re-notice due (64.2008(d)(2)): two years after the last mailing of the current notice."""
    notice = current_notice(on)
    if notice is None:
        return Renotice(None, None, None)
    last = notice.last_mailed_on()
    return Renotice(notice, last, years_after(last, RENOTICE_YEARS) if last else None)


def notices_with_mailings():
    return ApprovalNotice.objects.select_related("recorded_by").prefetch_related("mailings").annotate(
        last_mailing=Max("mailings__sent_on"))


def mailings_of(year):
    return NoticeMailing.objects.filter(sent_on__gte=date(year, 1, 1), sent_on__lte=date(year, 12, 31))


def evidence_of(year):
    return ApprovalEvidence.objects.filter(as_of__gte=date(year, 1, 1), as_of__lte=date(year, 12, 31))


# --------------------------------------------------------------------------- evidence of the approval-status system

def snapshot_path(evidence):
    return kept_path(SNAPSHOTS_FOLDER, evidence.snapshot_name)


def _keep_snapshot(evidence, data, original_name):
    kept = keep_upload(SNAPSHOTS_FOLDER, evidence.reference, data, original_name, fallback="snapshot")
    evidence.snapshot_name, evidence.snapshot_sha256 = kept.name, kept.sha256
    evidence.snapshot_original_name, evidence.snapshot_size = kept.original_name, kept.size


def _evidence_errors(evidence, snapshot):
    errors = {}
    problem = _day_error(evidence.as_of, "of the figures or snapshot")
    if problem:
        errors["as_of"] = problem
    counts = [getattr(evidence, name) for name in COUNTS]
    for name, value in zip(COUNTS, counts, strict=True):
        if value is not None and not _whole(value, 0):
            errors[name] = "Give a whole number of customers (0 or more)."
    given = [value is not None for value in counts]
    if any(given) and not all(given):
        for name, value in zip(COUNTS, counts, strict=True):
            if value is None:
                errors.setdefault(name, "Give all three counts (opt-out, opt-in and no approval), or none of them.")
    if upload_problem(snapshot, "snapshot"):
        errors["snapshot"] = upload_problem(snapshot, "snapshot")
    if not any(given) and not snapshot and "snapshot" not in errors:
        errors["__all__"] = ("Give the evidence: upload a snapshot of the approval-status system, or the count of "
                             "customers by approval type (opt-out, opt-in, no approval).")
    for name, most in (("source", 200), ("notes", NOTE_MAX)):
        if len(getattr(evidence, name) or "") > most:
            errors[name] = f"At most {most} characters."
    if errors:
        raise ValidationError(errors)


def evidence_record(*, actor, fields, snapshot=None, snapshot_name=""):
    """Record evidence of the approval-status system as of a day (records managers): a snapshot file
    (`snapshot`: its bytes), the counts by approval type, or both."""
    if not actor.has_perm(ADD_EVIDENCE):
        raise PermissionDenied("Only records managers record evidence of the approval-status system.")
    evidence = ApprovalEvidence(recorded_by=actor, recorded_at=timezone.now(),
                                **_clean(fields, EVIDENCE_FIELDS, "the evidence"))
    _evidence_errors(evidence, snapshot)
    with transaction.atomic():
        evidence._history_user = actor
        evidence.save()
        if snapshot:
            _keep_snapshot(evidence, snapshot, snapshot_name)
            evidence.save()
        audit_event_record(actor=actor, action="approvalevidence.created", obj=evidence, payload={
            **_payload(evidence, EVIDENCE_FIELDS), "snapshot_sha256": evidence.snapshot_sha256})
    return evidence


def approval_evidence_sentences(year):
    """True sentences about the year's notices and evidence, for the accompanying statement."""
    mailings = list(mailings_of(year).select_related("notice"))
    evidence = evidence_of(year).count()
    sentences = []
    if mailings:
        count = len(mailings)
        sentences.append(f"The notice of customers' CPNI rights was sent {count} time{'s' if count != 1 else ''} in "
                         f"{year}, to {sum(m.population for m in mailings)} customers in all.")
    else:
        sentences.append(f"No mailing of the notice of customers' CPNI rights is recorded for {year}.")
    sentences.append(f"{evidence} record{'s' if evidence != 1 else ''} of the approval-status system "
                     f"{'are' if evidence != 1 else 'is'} kept for {year}.")
    return sentences
