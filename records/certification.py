"""The annual 47 CFR 64.2009(e) CPNI certification: the year's figures, the accompanying statement
of procedures (generated from the live configuration), the certification PDF, and the package an
officer files and an outside auditor checks on their own: a ZIP with the certification PDF (internal,
CONFIDENTIAL), the public filing for ECFS (records.public_filing), the registers, the year's audit
events and a stand-alone verifier.

These are plain functions over stored data; none checks permissions (the callers do). A year is
the calendar year in settings.TIME_ZONE (year_bounds).
"""

import hashlib
import json
import contextlib
import os
import re
import tempfile
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from . import sanitization
from .audit import GENESIS_HASH, audit_event_record
from .certificates import _format, _render_pdf
from .destruction import SHREDDING_METHODS, paper_methods
from .labels import MARKING
from .models import (
    AuditEvent,
    CertificationFiling,
    CertificationPackage,
    CompanyProfile,
    CustomerComplaint,
    DataBrokerAction,
    Destruction,
    LabelCheck,
    LabelVerification,
    LegalHold,
    LegalMinimum,
    Medium,
    PretextingObservation,
    Record,
    RetentionSchedule,
    Status,
)
from .roles import Role
from .wording import join_words
from .ziparchive import ZipWriter

TEMPLATE = "records/certification_pdf.html"
DRAFT_MARK = "DRAFT — year not ended"
PACKAGE_FOLDER = "packages"
#: Rows read from the database at a time while exporting: memory stays bounded by this.
CHUNK_SIZE = 2000
#: On PostgreSQL the audit events stream out one range of this many sequence numbers per
#: statement: the connection is busy while a statement streams, and progress is saved between the
#: ranges.
COPY_SEQUENCES = 100_000

EVENT_FIELDS = (
    "sequence", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr", "payload",
    "previous_hash", "hash",
)
DESTRUCTION_FIELDS = (
    "certificate_number", "record_reference", "title", "medium", "schedule", "kind", "method_type", "method",
    "destroyed_on", "performed_by", "witness", "validated_by", "validated_at",
)
COMPLAINT_FIELDS = (
    "id", "received_on", "category", "category_label", "summary", "resolution", "resolved_on", "recorded_by",
)
BROKER_FIELDS = ("id", "taken_on", "forum", "forum_label", "description", "outcome", "recorded_by")
PRETEXTING_FIELDS = ("id", "observed_on", "method", "steps_taken", "recorded_by")

NO_BROKER_ACTIONS = (
    "The company has not taken any actions (proceedings instituted or petitions filed by a company at "
    "either state commissions, the court system, or at the Commission against data brokers) against data "
    "brokers in the past year."
)
NO_COMPLAINTS = (
    "The company has not received any customer complaints in the past year concerning the unauthorized "
    "release of CPNI."
)
NO_PRETEXTING = (
    "The company has not observed any methods used by pretexters to attempt to access CPNI in the past year."
)


# --------------------------------------------------------------------------- the year

def year_bounds(year):
    """(start, end): midnight of Jan 1 of `year` and of `year + 1` in settings.TIME_ZONE, as aware
    datetimes. A moment belongs to the year when start <= moment < end."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _during(field, start, end):
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _on_days_of(field, year):
    return _during(field, date(year, 1, 1), date(year + 1, 1, 1))


def _in_year(field, year):
    return _during(field, *year_bounds(year))


@dataclass(frozen=True)
class YearSummary:
    """The year's figures. Counts by code (medium, destruction method) list the codes that occur,
    in their choices' order; complaints list all three FCC categories, zero or not."""

    year: int
    period_start: str
    period_end: str
    records_logged: int
    records_destroyed: int
    destroyed_by_medium: dict
    destroyed_by_method: dict
    records_due_at_year_end: int
    records_overdue_at_year_end: int
    overdue_after_days: int
    holds_placed: int
    holds_released: int
    holds_active_at_year_end: int
    label_checks_passed: int
    label_checks_failed: int
    label_checks_unreadable: int
    complaints_by_category: dict
    data_broker_actions: int
    pretexting_observations: int

    @property
    def complaints_total(self):
        return sum(self.complaints_by_category.values())

    def as_dict(self):
        return {**asdict(self), "complaints_total": self.complaints_total}


def year_summary(year):
    """The figures of calendar `year`, each a set-based query (no rows are loaded). Records due and
    overdue are counted as they stood at the year's end, from the records' history, not from their
    status today."""
    start, end = year_bounds(year)
    destroyed = Destruction.objects.filter(_on_days_of("destroyed_on", year))
    escalation_days = settings.RETENTION_ESCALATION_DAYS
    due_at_end = _records_as_of(end).filter(status=Status.DUE).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(status_changed_at__lte=end - timedelta(days=escalation_days)))
    )
    label_checks = _count_by(LabelCheck.objects.filter(_in_year("checked_at", year)), "outcome")
    complaints = _count_by(CustomerComplaint.objects.filter(_on_days_of("received_on", year)), "category")
    return YearSummary(
        year=year,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        records_logged=Record.objects.filter(_in_year("created_at", year)).count(),
        records_destroyed=destroyed.count(),
        destroyed_by_medium=_in_choice_order(_count_by(destroyed, "record__medium"), Medium.values),
        destroyed_by_method=_in_choice_order(
            _count_by(destroyed, "method"), Destruction.PaperMethod.values + Destruction.MediaMethod.values
        ),
        records_due_at_year_end=due_at_end["due"],
        records_overdue_at_year_end=due_at_end["overdue"],
        overdue_after_days=escalation_days,
        holds_placed=LegalHold.objects.filter(_in_year("placed_at", year)).count(),
        holds_released=LegalHold.objects.filter(_in_year("released_at", year)).count(),
        holds_active_at_year_end=LegalHold.objects.filter(placed_at__lt=end)
        .filter(Q(released_at__isnull=True) | Q(released_at__gte=end))
        .count(),
        label_checks_passed=label_checks.get(LabelCheck.Outcome.LABELLED, 0),
        label_checks_failed=label_checks.get(LabelCheck.Outcome.NOT_LABELLED, 0),
        label_checks_unreadable=label_checks.get(LabelCheck.Outcome.UNREADABLE, 0),
        complaints_by_category={category: complaints.get(category, 0) for category in CustomerComplaint.Category.values},
        data_broker_actions=DataBrokerAction.objects.filter(_on_days_of("taken_on", year)).count(),
        pretexting_observations=PretextingObservation.objects.filter(_on_days_of("observed_on", year)).count(),
    )


def _records_as_of(moment):
    """Every record as its history last showed it before `moment`: Record.history.as_of, but with
    `moment` itself excluded (a year ends just before midnight) and ties on history_date broken
    by history_id so that no record counts twice. Records deleted by then are left out."""
    history = Record.history.filter(history_date__lt=moment)
    later = history.filter(id=OuterRef("id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return history.exclude(Exists(later)).exclude(history_type="-")


def _count_by(queryset, field):
    # order_by() drops the models' default ordering, which would otherwise join the GROUP BY.
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk")))


def _in_choice_order(counts, order):
    ranked = sorted(counts, key=lambda code: (order.index(code) if code in order else len(order), code))
    return {code: counts[code] for code in ranked}


# --------------------------------------------------------------------------- the statement

def procedures_statement():
    """The accompanying statement of the certification, as paragraphs: how the company's
    procedures ensure compliance with 47 CFR 64.2001 et seq., generated from the live
    configuration (active retention schedules, the roles' permissions, the choices of methods and
    the escalation period), so that it never describes a procedure the system does not enforce."""
    return [
        f"{_company_name()} has established the operating procedures described below to protect the "
        "confidentiality of Customer Proprietary Network Information (CPNI), as required by Section 222 of "
        "the Communications Act of 1934 and 47 C.F.R. § 64.2001 et seq. They apply to all of its personnel "
        "and are enforced by CPNI Track, the company's system of record for every document and medium that "
        "contains CPNI.",
        _label_paragraph(),
        "Company records including CPNI shall be destroyed when no longer required. Each record is kept under "
        "a retention schedule and under any further legal minimum that applies to it: CPNI Track derives the "
        "record's expiry date from its trigger date as the latest of the end of its schedule's period, of its "
        "schedule's legal minimum and of each further legal minimum recorded for it, and, when that date has "
        "passed, marks the record due for destruction, unless a legal hold covers it. No record is destroyed "
        "before the longest legal minimum period that applies to it. Records still due more than "
        f"{settings.RETENTION_ESCALATION_DAYS} days after becoming due are escalated to the records managers. "
        + _schedules_intro(),
        *[_schedule_paragraph(schedule) for schedule in RetentionSchedule.objects.filter(is_active=True).order_by("code")],
        _legal_minimums_paragraph(),
        _paper_paragraph(),
        "Electronic media shall be given to the Director, Network Operations for destruction. The custodian "
        "hands the medium over, confirming its serial number; "
        f"{_holders('records.confirm_media_destruction')} acknowledges its receipt and sanitizes it following "
        f"NIST SP 800-88 ({_choice_list(Destruction.MethodType, 'or')}, by {_sanitization_methods()}, as its "
        "Appendix A allows for each kind of medium), verifies the result and records it, and CPNI Track issues a "
        "certificate of sanitization with the details NIST SP 800-88 asks for. Media that leave the company are "
        "purged or destroyed, never only cleared, and their certificate awaits validation until a second person "
        "countersigns it. The custodian of a medium may not receive or sanitize it. A destruction may be "
        "countersigned as its validator by "
        f"{_holders('records.validate_destruction')}, who must be neither the person who destroyed the record "
        "nor its custodian.",
        f"Legal holds are placed by {_holders('records.add_legalhold')} on the records a matter, investigation "
        "or request concerns. A record under an active legal hold never becomes due, and nothing can be done to "
        "it until every hold covering it is released; a hold is released only with a stated reason.",
        "Every action on a record, retention schedule, legal hold or destruction is written to an append-only "
        "audit log. Each entry carries the SHA-256 hash of the entry before it, so that an entry changed, "
        "removed or inserted afterwards breaks the chain. The chain is verified from its first entry to its "
        "head, and the year's entries accompany this certification with a program that recomputes them.",
        "Each person signs in to CPNI Track individually and acts in one of these roles: "
        f"{join_words([_quoted(role.label) for role in Role])}. Employees see and handle only the records of their own "
        f"department; {_holders('records.view_all_departments', plural=True)} see the records of every "
        "department. CPNI Track checks every action against the person's role before it is taken.",
    ]


def _paper_paragraph():
    """What the procedure says of paper, with exactly the methods CPNI Track accepts."""
    methods = paper_methods()
    verb = "shredded" if set(methods) <= SHREDDING_METHODS else "destroyed"
    return (
        f"Paper records must be {verb}, by {join_words([method.label.lower() for method in methods], 'or')}; CPNI "
        "Track accepts no other method. The record's custodian confirms the destruction in CPNI Track with the "
        "method used and the date, which can be neither before the record became due nor in the future, and "
        "CPNI Track issues a certificate of destruction under a unique certificate number."
    )


def _sanitization_methods():
    in_use = {method for _, method, _ in sanitization.allowed(())}
    return join_words([label.lower() for _, label in sanitization.choices(Destruction.MediaMethod, in_use)], "or")


def _label_paragraph():
    ways = " or ".join(f"a {label[0].lower()}{label[1:]}" for label in LabelVerification.labels)
    return (
        f"Employees must include “{MARKING}” on all documents that include CPNI. CPNI Track accepts a record "
        f"that contains CPNI only with an attestation that it carries that marking, given by {ways}. A file "
        "check reads the electronic document itself and refuses it when the marking is missing; only the "
        "file's fingerprint (SHA-256) and the outcome are kept, never the document. Records brought in from an "
        "earlier inventory carry only a visual check, declared by the records manager who imported them on behalf "
        "of the named person, who could hold the record, with the day that person attested it."
    )


def _schedules_intro():
    if not RetentionSchedule.objects.filter(is_active=True).exists():
        return "No retention schedule is active."
    return "The retention schedules in force are:"


def _schedule_paragraph(schedule):
    if schedule.trigger == RetentionSchedule.Trigger.EVENT:
        start = schedule.trigger_event or "the event the schedule names"
    else:
        start = "the record's creation date"
    media = f" (for {', '.join(label.lower() for label in schedule.applicable_media_labels)})"
    parts = [f"{schedule.code} — {schedule.title}{media if schedule.applicable_media else ''}: "
             f"kept {schedule.period_display} from {start}"]
    if schedule.legal_minimum_display:
        citation = f" ({schedule.legal_citation})" if schedule.legal_citation else ""
        parts.append(f"legal minimum {schedule.legal_minimum_display}{citation}")
    elif schedule.legal_citation:
        parts.append(f"under {schedule.legal_citation}")
    else:
        parts.append("no legal minimum")
    if schedule.default_disposition == RetentionSchedule.Disposition.REVIEW:
        parts.append("reviewed before destruction")
    return "; ".join(parts) + "."


def _legal_minimums_paragraph():
    minimums = LegalMinimum.objects.filter(is_active=True).order_by("citation")
    if not minimums:
        return "No further legal minimum is recorded beside the schedules' own."
    listed = join_words([f"{m.citation} ({m.title[0].lower()}{m.title[1:]}): {m.period_display}" for m in minimums], "and")
    return f"The further legal minimums a record may fall under, each counted from its trigger date, are {listed}."


def _holders(permission, plural=False):
    """Who holds `permission` now, by role in the roles' order: 'a person in the “Records manager”
    role', 'people in the “Auditor” or “Officer (signatory)” roles'."""
    app_label, codename = permission.split(".")
    names = set(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).values_list("name", flat=True)
    )
    labels = [_quoted(role.label) for role in Role if role.value in names]
    if not labels:
        return "no one"
    who = "people" if plural else "a person"
    return f"{who} in the {join_words(labels, 'or')} role{'s' if len(labels) > 1 else ''}"


def _quoted(label):
    # Quoted, because a role such as "Director, Network Operations" has a comma of its own.
    return f"“{label}”"


def _choice_list(choices, conjunction="and"):
    return join_words([label.lower() for label in choices.labels], conjunction)


# --------------------------------------------------------------------------- the PDF

def company_profile():
    """The certification's heading; CompanyProfile.DoesNotExist, saying what to do, when there is none."""
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise CompanyProfile.DoesNotExist(
            "The company profile (company names, Form 499 Filer ID, signatory) must be filled in first."
        )
    return profile


def _company_name():
    profile = CompanyProfile.objects.filter(pk=1).first()
    names = profile.company_names.splitlines() if profile else []
    return names[0].strip() if names else settings.COMPANY_NAME


def certification_pdf(year, draft=False):
    """The annual certification for `year` as PDF bytes (Letter, CONFIDENTIAL on every page), with
    the accompanying statement and an appendix of the year's figures.

    Byte-for-byte reproducible from the stored data, as the certificates of records.certificates:
    nothing depends on the clock or the request; the PDF's creation date is when the filing was
    recorded (none while the year is not filed); no URL is fetched. Raises
    CompanyProfile.DoesNotExist when the company profile has not been filled in."""
    return _certification_pdf(year, year_summary(year), draft)


def _certification_pdf(year, summary, draft=False):
    return _render_pdf(render_to_string(TEMPLATE, _pdf_context(year, summary, draft)))


def _pdf_context(year, summary, draft=False):
    filing = standing_filing(year)
    return {
        **heading_context(year, filing, draft),
        "page_footer": f'"CPNI Certification {year}{" " + DRAFT_MARK if draft else ""}"',
        "title": f"Annual 47 C.F.R. § 64.2009(e) CPNI Certification for {year}",
        "date_filed": _long_date(filing.filed_on) if filing else "Not yet filed",
        "statement": procedures_statement(),
        "broker_actions": broker_action_rows(year),
        "no_broker_actions": NO_BROKER_ACTIONS,
        "complaints": complaint_counts(summary),
        "complaints_total": summary.complaints_total,
        "no_complaints": NO_COMPLAINTS,
        "pretexting": pretexting_rows(year),
        "no_pretexting": NO_PRETEXTING,
        "appendix": _appendix_rows(summary, draft),
        "time_zone": settings.TIME_ZONE,
    }


def complaint_counts(summary):
    """(category's label, count) of the year's complaints, every category, zero or not."""
    return [(CustomerComplaint.Category(code).label, count) for code, count in summary.complaints_by_category.items()]


def standing_filing(year):
    """The year's filing not withdrawn, or None."""
    return CertificationFiling.objects.standing().filter(year=year).first()


def heading_context(year, filing, draft=False):
    """What every PDF of the year's certification says of the company and its signatory, and its
    metadata: the creation date is when `filing` was recorded (none while the year is not filed)."""
    profile = company_profile()
    zone = ZoneInfo(settings.TIME_ZONE)
    return {
        "year": year,
        "draft": DRAFT_MARK if draft else "",
        "created_w3c": filing.recorded_at.astimezone(zone).isoformat(timespec="seconds") if filing else "",
        "company_names": [name.strip() for name in profile.company_names.splitlines() if name.strip()],
        "filer_id": profile.filer_id_display,
        "signatory_name": profile.signatory_name,
        "signatory_title": profile.signatory_title,
    }


def broker_action_rows(year):
    """The year's actions against data brokers, oldest first, as the PDFs list them."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        {"date": _format(action.taken_on, zone), "forum": action.get_forum_display(),
         "description": action.description, "outcome": action.outcome}
        for action in DataBrokerAction.objects.filter(_on_days_of("taken_on", year)).order_by("taken_on", "pk")
    ]


def pretexting_rows(year):
    """The year's pretexting observations, oldest first, as the PDFs list them."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        {"date": _format(seen.observed_on, zone), "method": seen.method, "steps": seen.steps_taken}
        for seen in PretextingObservation.objects.filter(_on_days_of("observed_on", year)).order_by("observed_on", "pk")
    ]


def _long_date(value):
    """'March 3, 2008', as in the filings."""
    return f"{value:%B} {value.day}, {value.year}"


def _appendix_rows(summary, draft=False):
    """(label, value, is a breakdown of the row above) for the appendix table; in a draft the year-end
    figures are projections from today."""
    methods = {**dict(Destruction.PaperMethod.choices), **dict(Destruction.MediaMethod.choices)}
    media = dict(Medium.choices)
    year_end = "at year end (projection: the year has not ended)" if draft else "at year end"
    return [
        ("Records logged", summary.records_logged, False),
        ("Records destroyed", summary.records_destroyed, False),
        *[(f"by medium: {media.get(code, code)}", count, True) for code, count in summary.destroyed_by_medium.items()],
        *[(f"by method: {methods.get(code, code)}", count, True) for code, count in summary.destroyed_by_method.items()],
        (f"Records due for destruction {year_end}", summary.records_due_at_year_end, False),
        (f"of which due for more than {summary.overdue_after_days} days", summary.records_overdue_at_year_end, True),
        ("Legal holds placed", summary.holds_placed, False),
        ("Legal holds released", summary.holds_released, False),
        (f"Legal holds active {year_end}", summary.holds_active_at_year_end, False),
        ("CONFIDENTIAL label checks: marking found", summary.label_checks_passed, False),
        ("CONFIDENTIAL label checks: marking missing", summary.label_checks_failed, False),
        ("CONFIDENTIAL label checks: document could not be read", summary.label_checks_unreadable, False),
        ("Customer complaints about unauthorized release of CPNI", summary.complaints_total, False),
        *[(CustomerComplaint.Category(code).label, count, True) for code, count in summary.complaints_by_category.items()],
        ("Actions taken against data brokers", summary.data_broker_actions, False),
        ("Pretexting methods observed", summary.pretexting_observations, False),
    ]


# --------------------------------------------------------------------------- the package

def package_path(package):
    """Where the package's ZIP is kept: VAR_DIR/packages, under a name marked CONFIDENTIAL."""
    draft = "-DRAFT" if package.draft else ""
    return settings.VAR_DIR / PACKAGE_FOLDER / f"CONFIDENTIAL-cpni-certification-{package.year}{draft}-{package.pk}.zip"


@dataclass(frozen=True)
class _AuditSnapshot:
    """The chain's head when the build starts, and the year's events up to that head."""

    head_sequence: int
    head_hash: str
    event_count: int
    first_sequence: int | None
    last_sequence: int | None


def _audit_snapshot(year):
    head_sequence, head_hash = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first() or (
        0, GENESIS_HASH,
    )
    # COUNT(*), not of a column outside auditevent_occurred_seq_idx: an index-only scan.
    figures = AuditEvent.objects.filter(_in_year("occurred_at", year), sequence__lte=head_sequence).aggregate(
        count=Count("*"), first=Min("sequence"), last=Max("sequence")
    )
    return _AuditSnapshot(head_sequence, head_hash, figures["count"], figures["first"], figures["last"])


class _Progress:
    """Reports progress to the caller and keeps it on the package, once per whole percent."""

    def __init__(self, package, callback):
        self.package, self.callback, self.last = package, callback, None

    def __call__(self, percent, step):
        percent = max(0, min(100, int(percent)))
        if (percent, step) == self.last:
            return
        self.last = (percent, step)
        self.package.progress, self.package.step = percent, step[:120]
        CertificationPackage.objects.filter(pk=self.package.pk).update(progress=percent, step=step[:120])
        if self.callback:
            self.callback(percent, step)


def build_package(package, progress=None):
    """Build the ZIP of `package.year` at package_path(package) and mark the package READY with the
    file's name, SHA-256 and size, the chain head's hash and the year's event count, recording the
    audit event certification.package_built. `progress(percent, step)` is called as it goes.

    Guarantees: the file appears whole or not at all (written to a temporary file in the same
    folder, synced, then renamed over the old one), so building again replaces a previous build
    cleanly; memory stays constant however many events the year has (every table is streamed,
    deflated, into the ZIP or into an unnamed spool file beside it that is copied in: on
    PostgreSQL through COPY, a range of COPY_SEQUENCES events at a time, elsewhere in keyset
    chunks of CHUNK_SIZE rows; the folder briefly holds about twice the package's size); the
    events exported are exactly the year's events up to the chain head read when the build starts. On failure the package is
    marked FAILED with the error, no temporary file is left behind, and the error is raised again."""
    report = _Progress(package, progress)
    path = package_path(package)
    path.parent.mkdir(parents=True, exist_ok=True)
    package.state, package.error, package.finished_at = CertificationPackage.State.BUILDING, "", None
    package.save(update_fields=["state", "error", "finished_at"])
    report(0, "Starting")
    for leftover in path.parent.glob(f".{path.name}.*.part"):  # from a build that was killed
        leftover.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw:
            out = _Digesting(raw)
            snapshot = _write_package(out, package, report)
            raw.flush()
            os.fsync(raw.fileno())
        digest, size = out.digest.hexdigest(), out.size
        os.replace(temporary, path)
    except Exception as error:
        if os.path.exists(temporary):
            os.remove(temporary)
        package.state, package.error = CertificationPackage.State.FAILED, f"{type(error).__name__}: {error}"
        package.finished_at = timezone.now()
        package.save(update_fields=["state", "error", "finished_at"])
        raise
    # Reported before the package is saved READY, so a callback that stores its own progress
    # cannot overwrite the final state.
    report(100, "Ready")
    with transaction.atomic():
        package.file_name, package.sha256, package.size = path.name, digest, size
        package.chain_head_hash, package.event_count = snapshot.head_hash, snapshot.event_count
        package.state, package.progress, package.step = CertificationPackage.State.READY, 100, "Ready"
        package.finished_at = timezone.now()
        package.save()
        audit_event_record(
            actor=package.requested_by,
            action="certification.package_built",
            obj=package,
            payload={"year": package.year, "sha256": digest, "event_count": snapshot.event_count},
        )
    return package


def _write_package(out, package, report):
    """Write every file of the package into the ZIP on `out`, the manifest last; return the audit
    snapshot the events were taken from.

    The files before the verifier are written aside, each into a spool (an unnamed temporary file
    in the packages folder), and attached in order once all are done. So on PostgreSQL, outside a
    transaction, the summary, the certification and the registers are made on a connection of
    their own, and the events' JSON Lines on another, while this one streams the events' CSV: the
    documents are ready by the time the events are."""
    year = package.year
    company_profile()  # before anything else: the certification needs it
    files = {}  # name -> {"sha256", "size"}, filled as each file is closed
    # Entries carry the request's time, not the build's, so that the same data makes the same ZIP.
    stamp = package.requested_at.astimezone(ZoneInfo(settings.TIME_ZONE)).timetuple()[:6]
    folder = package_path(package).parent
    alongside = _through_copy() and not connection.in_atomic_block
    spools, spools_lock = contextlib.ExitStack(), threading.Lock()
    with ZipWriter(out) as archive, spools:
        def spooled(name):
            with spools_lock:
                spool = spools.enter_context(tempfile.TemporaryFile(dir=folder))
            return _ZipEntry(archive.open(name, stamp, spool=spool), name, files)

        def the_years_documents(report):
            from . import public_filing  # which builds on this module

            report(2, "Summarising the year")
            summary = year_summary(year)
            with spooled("summary.json") as summary_out:
                summary_out.write(
                    _json_document({"year": year, "draft": package.draft, **summary.as_dict()},
                                   f"CPNI certification summary {year}")
                )
            report(5, "Rendering the certification")
            with spooled("certification.pdf") as pdf:
                pdf.write_bytes(_certification_pdf(year, summary, package.draft))
            with spooled(public_filing.FILE_NAME) as public:
                public.write_bytes(public_filing.public_filing_pdf(year, package.draft, summary))
            report(10, "Exporting the registers")
            registers = []
            for name, writer in (
                ("destruction-register.csv", _write_destructions),
                ("complaints.csv", _write_complaints),
                ("data-broker-actions.csv", _write_broker_actions),
                ("pretexting.csv", _write_pretexting),
            ):
                with spooled(name) as register:
                    writer(register, year)
                registers.append(register)
            return [summary_out, pdf, public], registers

        # Two threads on connections of their own: the documents, and the events' JSON Lines.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="package-alongside") as beside:
            if alongside:  # its progress is not reported: the events' is
                documents = beside.submit(_on_its_own_connection, the_years_documents, lambda *_: None)
            snapshot = _audit_snapshot(year)  # the chain's head as the build starts
            if not alongside:
                made = the_years_documents(report)
            report(15, "Exporting the audit events")

            def events_progress(share):
                if alongside and documents.done() and documents.exception():
                    raise documents.exception()  # no use exporting the rest of the events
                report(15 + 80 * share, "Exporting the audit events")

            with spooled("audit-events.csv") as csv_out, spooled("audit-events.jsonl") as jsonl:
                _write_events(csv_out, jsonl, year, snapshot, events_progress, beside if alongside else None)
            report(95, "Assembling the package")
            front, registers = documents.result() if alongside else made
        for spooled_entry in [*front, csv_out, jsonl, *registers]:
            archive.attach(spooled_entry.stream)
        with _ZipEntry(archive.open("verify_package.py", stamp), "verify_package.py", files) as verifier:
            verifier.write(VERIFY_SCRIPT)
        report(99, "Writing the manifest")
        manifest = _manifest(package, snapshot, {entry.name: files[entry.name] for entry in archive.entries})
        with _ZipEntry(archive.open("manifest.json", stamp), "manifest.json", files) as manifest_out:
            manifest_out.write(_json_document(manifest, f"CPNI certification package manifest {year}"))
    return snapshot


def _on_its_own_connection(work, *args):
    """work(*args) in this thread on a database connection of its own, closed afterwards. Its
    statements run beside the events' on PostgreSQL, so without parallel workers, which would only
    take processor time from those."""
    try:
        if _through_copy():
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        return work(*args)
    finally:
        connection.close()


class _ZipEntry:
    """One file streamed into the ZIP (deflated, ZIP64: records.ziparchive), its SHA-256 and size
    taken on the way and recorded in `files` when it is closed. Text is written as UTF-8 and bytes
    as they are, gathered into blocks of BLOCK_BYTES; each block is hashed, deflated and written by
    the entry's own thread while the next rows are read and formatted (hashlib and ISA-L let go of
    the GIL as they work). At most BLOCKS_AHEAD blocks wait for that thread, so memory stays
    bounded however large the file."""

    BLOCK_BYTES = 1 << 20
    TEXT_CHARS = 1 << 16
    BLOCKS_AHEAD = 4

    def __init__(self, stream, name, files):
        self.stream, self.name, self.files = stream, name, files
        self.digest, self.size = hashlib.sha256(), 0
        self.text, self.text_chars, self.block = [], 0, bytearray()
        self.writer, self.writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip-entry"), deque()

    def write(self, text):
        self.text.append(text)
        self.text_chars += len(text)
        if self.text_chars >= self.TEXT_CHARS:
            self._encode_text()

    def write_bytes(self, data):
        if self.text:
            self._encode_text()
        self.block += data
        if len(self.block) >= self.BLOCK_BYTES:
            self._hand_over()

    def _encode_text(self):
        self.block += "".join(self.text).encode()
        self.text, self.text_chars = [], 0
        if len(self.block) >= self.BLOCK_BYTES:
            self._hand_over()

    def _hand_over(self):
        block, self.block = self.block, bytearray()
        self.size += len(block)
        while len(self.writes) >= self.BLOCKS_AHEAD:
            self.writes.popleft().result()  # raises what the thread raised
        self.writes.append(self.writer.submit(self._consume, block))

    def _consume(self, block):
        self.digest.update(block)
        self.stream.write(block)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self._encode_text()
                self._hand_over()
                while self.writes:
                    self.writes.popleft().result()
        finally:
            self.writer.shutdown(wait=True, cancel_futures=True)
        self.stream.__exit__(exc_type, exc, traceback)
        if exc_type is None:
            self.files[self.name] = {"sha256": self.digest.hexdigest(), "size": self.size}


def _json_document(content, description):
    document = {"marking": MARKING, "notice": _notice(description), **content}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _notice(description):
    return f"{MARKING} — {description}. Contains Customer Proprietary Network Information (47 U.S.C. 222)"


def _csv_header(out, description, header):
    """The first two lines of an exported CSV: the CONFIDENTIAL notice, then the columns' names."""
    out.write(f"# {_notice(description)}\n")
    out.write(_csv_line(header))


def _chunked(queryset, key):
    """The rows of `queryset` (a .values() queryset) in `key` order, CHUNK_SIZE at a time, each
    chunk asked for after the last key seen (keyset pagination): memory stays constant and, unlike
    a server-side cursor, nothing is held open between chunks."""
    queryset = queryset.order_by(key)
    last = None
    while True:
        chunk = list((queryset if last is None else queryset.filter(**{f"{key}__gt": last}))[:CHUNK_SIZE])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][key]


def _year_events(year, snapshot, share_done):
    """The year's audit events up to the snapshot's head, in sequence order, in the exported form:
    occurred_at in UTC ISO 8601 exactly as records.audit.event_hash hashed it, the payload's keys
    in jsonb's order (_jsonb_ordered)."""
    if not snapshot.event_count:
        return
    events = AuditEvent.objects.filter(
        _in_year("occurred_at", year), sequence__gte=snapshot.first_sequence, sequence__lte=snapshot.last_sequence
    ).values("sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr",
             "payload", "previous_hash", "hash")
    for done, event in enumerate(_chunked(events, "sequence"), start=1):
        yield {
            "sequence": event["sequence"],
            "occurred_at": event["occurred_at"].astimezone(dt_timezone.utc).isoformat(),
            "actor": event["actor_name"],
            "action": event["action"],
            "object_type": event["object_type"],
            "object_id": event["object_id"],
            "object_repr": event["object_repr"],
            "payload": _jsonb_ordered(event["payload"]),
            "previous_hash": event["previous_hash"],
            "hash": event["hash"],
        }
        if done % CHUNK_SIZE == 0:
            share_done(done / snapshot.event_count)


# The audit events and the destruction register are exported in the same bytes on every
# database: on PostgreSQL the database writes them itself (COPY), elsewhere Python writes what
# PostgreSQL would. So every CSV of the package is PostgreSQL's CSV (a value is quoted, its quotes
# doubled, when it is empty or holds a comma, a quote or a line break; lines end with LF), and a
# payload is written as jsonb prints it: keys ordered shortest first, then by their UTF-8 bytes,
# separators ", " and ": ", non-ASCII as is. A JSON Lines event is json.dumps of the event with
# its fields in EVENT_FIELDS order. (A float that Python writes with an exponent, such as 1e-05,
# jsonb writes without one: the generic path would then differ in those characters only.)

_CSV_QUOTED = re.compile(r'[,"\r\n]')


def _csv_line(values):
    return ",".join(
        f'"{value.replace(chr(34), chr(34) * 2)}"' if not value or _CSV_QUOTED.search(value) else value
        for value in values
    ) + "\n"


def _jsonb_ordered(value):
    """`value` with the keys of its objects, at every depth, in the order jsonb keeps them."""
    if isinstance(value, dict):
        return {key: _jsonb_ordered(value[key]) for key in sorted(value, key=lambda key: (len(key.encode()), key.encode()))}
    if isinstance(value, list):
        return [_jsonb_ordered(item) for item in value]
    return value


# On PostgreSQL the database writes both files of the events, by two statements over the same
# rows; on two connections they run side by side. occurred_at is written as datetime.isoformat()
# writes it in UTC (microseconds only when there are some).
_EVENTS_CSV_COPY = """
COPY (
  SELECT sequence,
    replace(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), '.000000+', '+'),
    actor_name, action, object_type, object_id, object_repr, payload::text,
    previous_hash, hash
  FROM records_auditevent
  WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND sequence >= %(low)s AND sequence < %(high)s
  ORDER BY sequence
) TO STDOUT WITH (FORMAT csv)
"""
# The JSON Lines come a block of JSONL_BLOCK sequence numbers per row: COPY sends a message per
# line, and reading a million of them took psycopg 2 s of Python against 0.5 s in blocks. Each line
# is built with || rather than concat(), which looks up each argument's output function on every
# row (a third slower); every column is NOT NULL.
JSONL_BLOCK = 1000
_EVENTS_JSONL = """
SELECT (
  SELECT convert_to(string_agg(line, '' ORDER BY sequence), 'UTF8')
  FROM (
    SELECT sequence,
      '{"sequence": ' || sequence || ', "occurred_at": "'
      || replace(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), '.000000+', '+')
      || '", "actor": ' || to_json(actor_name)::text || ', "action": ' || to_json(action)::text
      || ', "object_type": ' || to_json(object_type)::text || ', "object_id": ' || to_json(object_id)::text
      || ', "object_repr": ' || to_json(object_repr)::text || ', "payload": ' || payload::text
      || ', "previous_hash": ' || to_json(previous_hash)::text || ', "hash": ' || to_json(hash)::text
      || E'}\\n' AS line
    FROM records_auditevent
    WHERE occurred_at >= %(start)s AND occurred_at < %(end)s
      AND sequence >= block_start AND sequence < least(block_start + %(block)s, %(high)s)
  ) AS lines
)
FROM generate_series(%(low)s::bigint, %(high)s::bigint - 1, %(block)s::bigint) AS block_start
"""


@contextlib.contextmanager
def _copy(statement, params):
    """psycopg's COPY of `statement` on this thread's connection, in its transaction if any. Through
    the psycopg cursor itself: Django's cursor, when it logs queries (DEBUG), takes no parameters
    for copy()."""
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        yield copy


def _through_copy():
    """Whether the events stream out through PostgreSQL's COPY."""
    return connection.vendor == "postgresql"


def _write_events(csv_out, jsonl_out, year, snapshot, share_done, beside=None):
    """The year's audit events up to the snapshot's head, in sequence order, as CSV into `csv_out`
    and as JSON Lines into `jsonl_out`. On PostgreSQL with `beside`, an executor whose threads
    take database connections of their own, the JSON Lines are written on one of those while the
    CSV is written here."""
    _csv_header(csv_out, f"CPNI Track audit events {year}", EVENT_FIELDS)
    header = {
        "marking": MARKING, "notice": _notice(f"CPNI Track audit events {year}"), "year": year,
        "fields": list(EVENT_FIELDS),
    }
    jsonl_out.write(json.dumps(header, ensure_ascii=False) + "\n")
    if _through_copy():
        _copy_events(csv_out, jsonl_out, year, snapshot, share_done, beside)
        return
    for event in _year_events(year, snapshot, share_done):
        jsonl_out.write(json.dumps(event, ensure_ascii=False) + "\n")
        event["sequence"], event["payload"] = str(event["sequence"]), json.dumps(event["payload"], ensure_ascii=False)
        csv_out.write(_csv_line([event[field] for field in EVENT_FIELDS]))


def _copy_events(csv_out, jsonl_out, year, snapshot, share_done, beside):
    """_write_events on PostgreSQL: the CSV through _EVENTS_CSV_COPY and the JSON Lines through
    _EVENTS_JSONL, a range of COPY_SEQUENCES sequence numbers per statement. With `beside`
    the two run at once on two connections (PostgreSQL renders each on its own processor core);
    without it, one after the other in the caller's transaction. The progress is the slower's."""
    if not snapshot.event_count:
        return
    start, end = year_bounds(year)
    first, last = snapshot.first_sequence, snapshot.last_sequence
    stop = threading.Event()

    def stream(pieces, out, done):
        for low in range(first, last + 1, COPY_SEQUENCES):
            if stop.is_set():
                return
            high = min(low + COPY_SEQUENCES, last + 1)
            for piece in pieces({"start": start, "end": end, "low": low, "high": high}):
                out.write_bytes(piece)
            done((high - first) / (last + 1 - first))

    if beside is None:
        stream(_csv_rows, csv_out, lambda share: share_done(share / 2))
        stream(_jsonl_blocks, jsonl_out, lambda share: share_done((1 + share) / 2))
        return
    lines_share = [0.0]
    lines = beside.submit(
        _on_its_own_connection, stream, _jsonl_blocks, jsonl_out, lambda share: lines_share.__setitem__(0, share)
    )

    def csv_done(share):
        if lines.done() and lines.exception():
            raise lines.exception()
        share_done(min(share, lines_share[0]))

    try:
        stream(_csv_rows, csv_out, csv_done)
    except BaseException:
        stop.set()  # and wait for the other thread, which writes into jsonl_out, to let go of it
        wait([lines])
        raise
    lines.result()


def _csv_rows(params):
    """The CSV rows of the events in params' range, one per event, as COPY sends them."""
    with _copy(_EVENTS_CSV_COPY, params) as copy:
        yield from copy


def _jsonl_blocks(params):
    """The JSON Lines of the events in params' range, JSONL_BLOCK sequence numbers' worth at a time."""
    with connection.cursor() as cursor:
        for (block,) in cursor.cursor.stream(_EVENTS_JSONL, {**params, "block": JSONL_BLOCK}, binary=True):
            if block is not None:  # None: none of the block's sequence numbers is of the year
                yield block


# The destruction register on PostgreSQL, in one statement: a hash join over the records rather
# than one look-up per destruction. validated_at as _iso writes it.
_DESTRUCTIONS_COPY = """
COPY (
  SELECT destruction.certificate_number, destroyed.reference, destroyed.title, destroyed.medium, schedule.code,
    destruction.kind, destruction.method_type, destruction.method, to_char(destruction.destroyed_on, 'YYYY-MM-DD'),
    performer.username, coalesce(witness.username, ''), coalesce(validator.username, ''),
    coalesce(replace(to_char(destruction.validated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                     '.000000+', '+'), '')
  FROM records_destruction AS destruction
    JOIN records_record AS destroyed ON destroyed.id = destruction.record_id
    JOIN records_retentionschedule AS schedule ON schedule.id = destroyed.schedule_id
    JOIN records_user AS performer ON performer.id = destruction.performed_by_id
    LEFT JOIN records_user AS witness ON witness.id = destruction.witness_id
    LEFT JOIN records_user AS validator ON validator.id = destruction.validated_by_id
  WHERE destruction.destroyed_on >= %(first)s AND destruction.destroyed_on < %(next)s
  ORDER BY destruction.id
) TO STDOUT WITH (FORMAT csv)
"""


def _write_destructions(out, year):
    _csv_header(out, f"CPNI Track destruction register {year}", DESTRUCTION_FIELDS)
    if _through_copy():
        with _copy(_DESTRUCTIONS_COPY, {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)}) as copy:
            for row in copy:
                out.write_bytes(row)
        return
    rows = Destruction.objects.filter(_on_days_of("destroyed_on", year)).values(
        "pk", "certificate_number", "record__reference", "record__title", "record__medium", "record__schedule__code",
        "kind", "method_type", "method", "destroyed_on", "performed_by__username", "witness__username",
        "validated_by__username", "validated_at",
    )
    for row in _chunked(rows, "pk"):
        out.write(_csv_line([
            row["certificate_number"], row["record__reference"], row["record__title"], row["record__medium"],
            row["record__schedule__code"], row["kind"], row["method_type"], row["method"],
            row["destroyed_on"].isoformat(), row["performed_by__username"], row["witness__username"] or "",
            row["validated_by__username"] or "", _iso(row["validated_at"]),
        ]))


def _write_complaints(out, year):
    _csv_header(out, f"CPNI Track customer complaints {year}", COMPLAINT_FIELDS)
    rows = CustomerComplaint.objects.filter(_on_days_of("received_on", year)).values(
        "pk", "received_on", "category", "other_category", "summary", "resolution", "resolved_on", "recorded_by__username"
    )
    for row in _chunked(rows, "pk"):
        label = CustomerComplaint(category=row["category"], other_category=row["other_category"]).category_label
        out.write(_csv_line([
            str(row["pk"]), row["received_on"].isoformat(), row["category"], label,
            row["summary"], row["resolution"], _iso(row["resolved_on"]), row["recorded_by__username"],
        ]))


def _write_broker_actions(out, year):
    _csv_header(out, f"CPNI Track actions against data brokers {year}", BROKER_FIELDS)
    labels = dict(DataBrokerAction.Forum.choices)
    rows = DataBrokerAction.objects.filter(_on_days_of("taken_on", year)).values(
        "pk", "taken_on", "forum", "description", "outcome", "recorded_by__username"
    )
    for row in _chunked(rows, "pk"):
        out.write(_csv_line([
            str(row["pk"]), row["taken_on"].isoformat(), row["forum"], labels.get(row["forum"], ""),
            row["description"], row["outcome"], row["recorded_by__username"],
        ]))


def _write_pretexting(out, year):
    _csv_header(out, f"CPNI Track pretexting observations {year}", PRETEXTING_FIELDS)
    rows = PretextingObservation.objects.filter(_on_days_of("observed_on", year)).values(
        "pk", "observed_on", "method", "steps_taken", "recorded_by__username"
    )
    for row in _chunked(rows, "pk"):
        out.write(_csv_line([
            str(row["pk"]), row["observed_on"].isoformat(), row["method"], row["steps_taken"],
            row["recorded_by__username"],
        ]))


def _iso(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat()
    return value.isoformat()


def _manifest(package, snapshot, files):
    last_hash = ""
    if snapshot.last_sequence is not None:
        last_hash = AuditEvent.objects.values_list("hash", flat=True).get(sequence=snapshot.last_sequence)
    return {
        "year": package.year,
        "company": "; ".join(name.strip() for name in company_profile().company_names.splitlines() if name.strip()),
        "package_id": package.pk,
        "requested_at": package.requested_at.astimezone(dt_timezone.utc).isoformat(),
        "event_count": snapshot.event_count,
        "first_sequence": snapshot.first_sequence,
        "last_sequence": snapshot.last_sequence,
        "last_hash": last_hash,
        "chain_head_sequence": snapshot.head_sequence,
        "chain_head_hash": snapshot.head_hash,
        "hash_rule": (
            "hash = SHA-256(previous_hash + canonical JSON of sequence, occurred_at, actor, action, "
            "object_type, object_id, payload; keys sorted, separators ',' and ':', non-ASCII escaped)"
        ),
        "files": files,
    }


class _Digesting:
    """A binary file whose writes are hashed (SHA-256) and counted on their way in: the ZIP is
    written strictly in order, so this is the digest of the whole file."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        return self.file.write(data)


# The auditor's verifier, shipped in every package: a standard-library script kept as a real module
# beside this one. Its event_hash must stay the same computation as records.audit.event_hash: the
# tests run it against events exported from the database.
VERIFY_SCRIPT = (Path(__file__).with_name("package_verifier.py")).read_text(encoding="utf-8")
