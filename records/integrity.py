"""Facts already in the database that break a rule CPNI Track enforces on new input (rules added
after the data was written, or data written around the application). Reported, never repaired
here: each finding says how a records manager corrects it through the audited pages.
`python manage.py check_integrity` prints them and exits non-zero when there is any."""

import datetime
import itertools
from dataclasses import dataclass

from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from . import sanitization
from .dates import records_began_on
from .destruction import paper_methods
from compliance.models import signatory_problem
from .serials import serial_holders, serial_key
from .lifecycle import TRANSITIONS
from records.models import AuditEvent, Destruction, HeldRecord, Record, Status
from compliance.models import CertificationFiling, CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation

CHECKS = []


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    problem: str
    fix: str

    def __str__(self):
        return f"[{self.rule}] {self.subject}: {self.problem} Fix: {self.fix}"


def check(function):
    CHECKS.append(function)
    return function


def findings():
    """Every finding of every check, check by check."""
    for each in CHECKS:
        yield from each()


def _outside(field, floor, today):
    return Q(**{f"{field}__lt": floor}) | Q(**{f"{field}__gt": today})


@check
def trigger_dates_out_of_range():
    floor, today = records_began_on(), timezone.localdate()
    for reference, trigger_date in (
        Record.objects.filter(_outside("trigger_date", floor, today)).values_list("reference", "trigger_date").order_by("pk")
    ):
        yield Finding(
            "trigger-date", reference,
            f"its trigger date {trigger_date:%Y-%m-%d} is not between {floor:%Y-%m-%d} and today.",
            "a records manager edits the record's trigger date (while it is active) or corrects it.",
        )


@check
def register_dates_out_of_range():
    floor, today = records_began_on(), timezone.localdate()
    registers = (
        (CustomerComplaint, ("received_on", "resolved_on"), "complaint"),
        (DataBrokerAction, ("taken_on",), "data-broker action"),
        (PretextingObservation, ("observed_on",), "pretexting observation"),
    )
    for model, fields, name in registers:
        for field in fields:
            for pk, value in model.objects.filter(_outside(field, floor, today)).values_list("pk", field).order_by("pk"):
                yield Finding(
                    "register-date", f"{name} #{pk}",
                    f"its {field.replace('_', ' ')} {value:%Y-%m-%d} is not between {floor:%Y-%m-%d} and today.",
                    "a records manager edits the entry on its register page.",
                )
    for pk, received, resolved in CustomerComplaint.objects.filter(resolved_on__lt=F("received_on")).values_list(
        "pk", "received_on", "resolved_on"
    ):
        yield Finding(
            "register-date", f"complaint #{pk}", f"resolved on {resolved:%Y-%m-%d}, before it was received on {received:%Y-%m-%d}.",
            "a records manager edits the entry on its register page.",
        )


@check
def filings_dated_before_their_year_ended():
    for filing in CertificationFiling.objects.filed().order_by("year"):
        year_ended = datetime.date(filing.year + 1, 1, 1)
        if filing.signed_on < year_ended or filing.filed_on < filing.signed_on:
            yield Finding(
                "filing-date", f"the {filing.year} certification",
                f"signed on {filing.signed_on:%Y-%m-%d} and filed on {filing.filed_on:%Y-%m-%d}: a year's certification is "
                f"signed after the year ended ({year_ended:%Y-%m-%d}) and filed after it is signed.",
                "the officer checks the dates against the filing's ECFS confirmation and opens an amendment to correct them.",
            )


@check
def signatory_is_not_a_signing_officer():
    profile = CompanyProfile.objects.select_related("signatory").first()
    if profile is None:
        return
    problem = signatory_problem(profile.signatory) if profile.signatory else "no officer is named as the signatory."
    if problem:
        yield Finding("signatory", "the company profile", problem,
                      "a records manager chooses the signing officer in the company profile.")
    for company in profile.companies.all():
        if not company.filer_id_is_well_formed:
            yield Finding("filer-id", "the company profile",
                          f"the Form 499 Filer ID {company.filer_id!r} of {company.name} is not six digits.",
                          "a records manager corrects it in the company profile.")


def _entered(status):
    """When the destruction's record last entered `status`, from the record's history."""
    return Subquery(
        Record.history.filter(id=OuterRef("record_id"), status=status).order_by("-history_date", "-history_id")
        .values(at=Coalesce("status_changed_at", "history_date"))[:1]
    )


DESTRUCTION_FIX = "a destroyed record is never changed: keep this finding with the year's certification papers for the auditors."


@check
def destructions_that_state_something_impossible():
    floor, today, allowed_paper = records_began_on(), timezone.localdate(), set(paper_methods())
    destructions = (
        Destruction.objects.annotate(due_at=_entered(Status.DUE), received_at=_entered(Status.IN_NETOPS_CUSTODY))
        .values_list("certificate_number", "record__reference", "record__medium", "kind", "destroyed_on", "method_type",
                     "method", "destination", "tool_name", "tool_version", "due_at", "received_at")
        .order_by("pk")
    )
    for (number, reference, medium, kind, destroyed_on, method_type, method, destination, tool, version, due_at,
         received_at) in destructions.iterator(chunk_size=2000):
        subject, problems = f"{number} ({reference})", []
        if not floor <= destroyed_on <= today:
            problems.append(f"destroyed on {destroyed_on:%Y-%m-%d}, not between {floor:%Y-%m-%d} and today")
        if kind == Destruction.Kind.SHREDDING:
            if due_at and destroyed_on < timezone.localdate(due_at):
                problems.append(f"shredded on {destroyed_on:%Y-%m-%d}, before it became due on {timezone.localdate(due_at):%Y-%m-%d}")
            if method not in allowed_paper:
                problems.append(f"destroyed by {method}, which the company's procedure no longer allows for paper")
        else:
            if received_at and destroyed_on < timezone.localdate(received_at):
                problems.append(
                    f"sanitized on {destroyed_on:%Y-%m-%d}, before Network Operations received it on "
                    f"{timezone.localdate(received_at):%Y-%m-%d}"
                )
            problems.extend(sanitization.problems(medium, method_type, method, destination).values())
            if method_type in sanitization.NEEDS_TOOL and not (tool.strip() and version.strip()):
                problems.append("a Clear or Purge without the tool and its version")
        for problem in problems:
            yield Finding("destruction", subject, problem[0].upper() + problem[1:].rstrip(".") + ".", DESTRUCTION_FIX)


@check
def expiry_dates_not_derived_from_the_rules():
    from .schedules import new_expiries

    stale = (row for row in new_expiries(Record.objects.all()) if row[2] != row[3])
    while batch := list(itertools.islice(stale, 500)):
        references = dict(Record.objects.filter(pk__in=[row[0] for row in batch]).values_list("pk", "reference"))
        for pk, _, old, new, _ in batch:
            yield Finding(
                "expiry", references[pk],
                f"its expiry date is {old or 'none'}, but its schedule, legal minimums and extensions give {new}.",
                "it is recomputed when a records manager next changes its schedule or legal minimums (previewed, "
                "then confirmed); until then the sweep goes by the stored date.",
            )


@check
def serial_numbers_shared_by_records_not_destroyed():
    unkeyed = (
        Record.objects.exclude(status=Status.DESTROYED).exclude(media_serial_number="").filter(media_serial_key__isnull=True)
        .values_list("reference", "media_serial_number").order_by("pk")
    )
    for reference, serial in unkeyed.iterator(chunk_size=500):
        other = serial_holders([serial_key(serial)]).get(serial_key(serial))
        problem = (
            f"its serial number {serial} is also that of {other.reference}: serial numbers are unique until destruction."
            if other else f"its serial number {serial} is not keyed for uniqueness (it was a duplicate when serial "
            "numbers became unique)."
        )
        yield Finding(
            "serial", reference, problem,
            "a records manager corrects the serial number of one of them (“Correct the record's identity” on its page, "
            "with a reason); a correction with only a reason keys a number no other record holds.",
        )


@check
def attestations_imported_without_their_provenance():
    imported = Record.history.filter(id=OuterRef("pk"), history_type="+", history_change_reason="imported")
    for reference, verification in (
        Record.objects.filter(contains_cpni=True, label_import__isnull=True).filter(Exists(imported))
        .values_list("reference", "label_verification").order_by("pk")
    ):
        kind = "a file check with no file" if verification == "file_check" else "a visual check"
        yield Finding(
            "attestation", reference,
            f"its label attestation ({kind}) was imported before imports kept their provenance: it reads as if the "
            "named person attested it in CPNI Track.",
            "the custodian or a records manager attests the CONFIDENTIAL label again on the record's page.",
        )


@check
def holds_out_of_step_with_their_records():
    drifted = (
        HeldRecord.objects.filter(hold__released_at__isnull=True).exclude(department_id=F("record__department_id"))
        .values_list("hold_id", "record__reference").order_by("pk")
    )
    for hold_id, reference in drifted.iterator(chunk_size=500):
        yield Finding(
            "hold", f"hold #{hold_id}", f"{reference} is counted under another department than the record's.",
            "a records manager releases the hold and places it again on the same records.",
        )
    destroyed = (
        HeldRecord.objects.filter(hold__released_at__isnull=True, record__status=Status.DESTROYED)
        .values_list("hold_id", "record__reference").order_by("pk")
    )
    for hold_id, reference in destroyed.iterator(chunk_size=500):
        yield Finding(
            "hold", f"hold #{hold_id}", f"{reference} was destroyed while the hold was active.",
            "a destroyed record is never changed: keep this finding with the hold's papers for counsel and the auditors.",
        )


def _from_the_trail(outer_record, key, certificate=None, **event_filter):
    """The text at payload `key` of the record's latest audit event matching `event_filter` (and,
    with `certificate`, naming the outer row's certificate number)."""
    events = AuditEvent.objects.filter(
        object_type="records.record", object_id=Cast(OuterRef(outer_record), CharField()), **event_filter
    )
    if certificate:
        events = events.annotate(certificate=KeyTextTransform("certificate_number", "payload")).filter(
            certificate=OuterRef(certificate)
        )
    return Subquery(events.order_by("-sequence").annotate(value=KeyTextTransform(key, "payload")).values("value")[:1])


@check
def state_out_of_step_with_the_audit_trail():
    """Rows changed around the application: a record whose status is not where its last recorded
    transition took it, a destruction whose method or date is not what was recorded when it was
    confirmed. The audit trail is hash-chained and anchored; the rows are not."""
    transitions = [f"record.{name}" for name in TRANSITIONS]
    records = (
        Record.objects.annotate(trail_status=_from_the_trail("pk", "to", action__in=transitions))
        .filter(trail_status__isnull=False).exclude(status=F("trail_status"))
        .values_list("reference", "status", "trail_status").order_by("pk")
    )
    for reference, status, trail_status in records.iterator(chunk_size=500):
        yield Finding(
            "trail", reference,
            f"its status is {Status(status).label}, but the audit trail's last transition left it {Status(trail_status).label}.",
            "the row was changed outside CPNI Track: restore it from the audit trail and find who changed it.",
        )
    latest_history = Record.history.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    out_of_history = (
        Record.objects.annotate(history_status=Subquery(latest_history.values("status")[:1]))
        .filter(history_status__isnull=False).exclude(status=F("history_status"))
        .values_list("reference", "status", "history_status").order_by("pk")
    )
    for reference, status, history_status in out_of_history.iterator(chunk_size=500):
        yield Finding(
            "trail", reference,
            f"its status is {Status(status).label}, but its newest history row says {Status(history_status).label}.",
            "the row or its history was changed outside CPNI Track: compare both with the audit trail.",
        )
    changed_method = Q(trail_method__isnull=False) & ~Q(method=F("trail_method"))
    changed_day = Q(trail_destroyed_on__isnull=False) & ~Q(destroyed_on_text=F("trail_destroyed_on"))
    destructions = (
        Destruction.objects.annotate(
            trail_method=_from_the_trail("record_id", "method", certificate="certificate_number",
                                         action="destruction.certificate_issued"),
            trail_destroyed_on=_from_the_trail("record_id", "destroyed_on", action__in=transitions,
                                               payload__has_key="destroyed_on"),
            destroyed_on_text=Cast("destroyed_on", CharField()),
        )
        .filter(changed_method | changed_day)
        .values_list("certificate_number", "method", "trail_method", "destroyed_on_text", "trail_destroyed_on")
        .order_by("pk")
    )
    for number, method, trail_method, destroyed_on, trail_destroyed_on in destructions.iterator(chunk_size=500):
        yield Finding(
            "trail", f"certificate {number}",
            f"it says {method} on {destroyed_on}, but the audit trail recorded {trail_method or method} on "
            f"{trail_destroyed_on or destroyed_on}.",
            "the row was changed outside CPNI Track: restore it from the audit trail and find who changed it.",
        )
