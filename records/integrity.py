"""Facts already in the database that break a rule CPNI Track enforces on new input (rules added
after the data was written, or data written around the application). Reported, never repaired
here: each finding says how a records manager corrects it through the audited pages.
`python manage.py check_integrity` prints them and exits non-zero when there is any."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from .dates import records_began_on
from .models.certification import signatory_problem
from .models import CertificationFiling, CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation, Record

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
    for filing in CertificationFiling.objects.standing().order_by("year"):
        year_ended = datetime.date(filing.year + 1, 1, 1)
        if filing.signed_on < year_ended or filing.filed_on < filing.signed_on:
            yield Finding(
                "filing-date", f"the {filing.year} certification",
                f"signed on {filing.signed_on:%Y-%m-%d} and filed on {filing.filed_on:%Y-%m-%d}: a year's certification is "
                f"signed after the year ended ({year_ended:%Y-%m-%d}) and filed after it is signed.",
                "the officer checks the dates against the filing's ECFS confirmation; a filed year is not changed in place.",
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
