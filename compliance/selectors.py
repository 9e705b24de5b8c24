"""Reads of the CPNI program: where each year's certification stands, and the open breaches."""

from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from records.models import Record
from compliance.models import BreachIncident, CertificationAmendment, CertificationFiling, CertificationPackage

from .breach_clock import incident_clock
from .business_days import business_days_between
from .deadlines import certification_due_date, next_certification_due


@dataclass(frozen=True)
class CertificationYear:
    year: int
    status: str  # see STATUSES
    due_date: object
    overdue: bool
    packages: list  # the year's packages, newest first
    filing: object  # the standing CertificationFiling (signed, perhaps filed), or None
    open_amendment: object  # the CertificationAmendment reopening the year, or None

    @property
    def amended_certification_needed(self):
        return self.open_amendment is not None


STATUSES = {
    "draft": "The year has not ended, or no final package has been built for it yet.",
    "built": "A final package is ready; the certification is not signed yet.",
    "signed": "Signed by the officer; not yet recorded as filed in ECFS.",
    "filed": "Signed and filed on or before its due date.",
    "late": "Signed and filed after its due date.",
    "amending": "Filed, then reopened by an amendment: an amended certification is needed.",
    "amended": "An amended certification was filed.",
}
STATUS_CHOICES = [(name, name) for name in STATUSES]  # the API schema's enum of them


def certification_due(today=None):
    """The certification to file next, with its countdown (compliance.deadlines.CertificationDue):
    last year's until it is filed, then this year's. The one reading of it, for the certification
    page and the dashboard alike."""
    return next_certification_due(set(CertificationFiling.objects.filed().values_list("year", flat=True)), today)


def _status(year, today, packages, filing, open_amendment, amended_filings):
    if open_amendment is not None:
        return "amending"
    if filing is not None and filing.is_filed:
        if filing.pk in amended_filings:
            return "amended"
        return "late" if filing.is_late else "filed"
    if filing is not None:
        return "signed"
    final = any(p.state == CertificationPackage.State.READY and not p.draft for p in packages)
    return "built" if year < today.year and final else "draft"


def certification_years(today=None):
    """Every calendar year from the first with records (or a package) to the current one, newest first."""
    today = today or timezone.localdate()
    first_logged = Record.objects.aggregate(first=Min("created_at"))["first"]
    first_package = CertificationPackage.objects.aggregate(first=Min("year"))["first"]
    first_year = min(
        timezone.localtime(first_logged).year if first_logged else today.year, first_package or today.year, today.year
    )
    packages = {}
    for package in CertificationPackage.objects.filter(year__gte=first_year).order_by("-requested_at", "-pk"):
        packages.setdefault(package.year, []).append(package)
    filings = {f.year: f for f in CertificationFiling.objects.standing().select_related("signed_by")}
    open_amendments = {a.year: a for a in CertificationAmendment.objects.open()}
    amended_filings = set(CertificationAmendment.objects.filter(filing__isnull=False).values_list("filing_id", flat=True))
    rows = []
    for year in range(today.year, first_year - 1, -1):
        filing, due, amendment = filings.get(year), certification_due_date(year), open_amendments.get(year)
        rows.append(CertificationYear(
            year=year, status=_status(year, today, packages.get(year, []), filing, amendment, amended_filings),
            due_date=due, overdue=(filing is None or not filing.is_filed) and today > due,
            packages=packages.get(year, []), filing=filing, open_amendment=amendment,
        ))
    return rows


@dataclass(frozen=True)
class OpenBreach:
    """An open breach incident with its clock, for the dashboard and the breach register."""

    incident: object
    clock: object
    today: object

    @property
    def next_deadline(self):
        return self.clock.next_deadline

    @property
    def overdue(self):
        deadline = self.next_deadline
        return deadline is not None and deadline.overdue(self.today)

    @property
    def business_days_left(self):
        deadline = self.next_deadline
        return business_days_between(self.today, deadline.due_on) if deadline else None

    @property
    def days_overdue(self):
        deadline = self.next_deadline
        return (self.today - deadline.due_on).days if deadline else 0


def breaches_with_clocks(incidents, today=None):
    today = today or timezone.localdate()
    incidents = incidents.select_related("reported_by").prefetch_related("notifications", "directions")
    return [OpenBreach(incident, incident_clock(incident), today) for incident in incidents]


def open_breaches_for(user, today=None):
    """The open incidents, most urgent first (those with a deadline by its date, then the others),
    for those who may read the breach register (else None)."""
    if not user.has_perm("compliance.view_breachincident"):
        return None
    rows = breaches_with_clocks(BreachIncident.objects.exclude(status=BreachIncident.Status.CLOSED), today)
    return sorted(rows, key=lambda row: (row.next_deadline is None,
                                         row.next_deadline.due_on if row.next_deadline else row.incident.discovered_at.date(),
                                         row.incident.pk))
