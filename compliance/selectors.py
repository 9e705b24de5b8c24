"""Reads of the CPNI program: where each year's certification stands."""

from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from records.models import Record
from compliance.models import CertificationFiling, CertificationPackage

from .deadlines import certification_due_date, next_certification_due


@dataclass(frozen=True)
class CertificationYear:
    year: int
    status: str  # see STATUSES
    due_date: object
    overdue: bool
    packages: list  # the year's packages, newest first
    filing: object  # the standing CertificationFiling, or None


STATUSES = {
    "draft": "The year has not ended, or no final package has been built for it yet.",
    "built": "A final package is ready; the certification is not filed yet.",
    "filed": "Signed and filed on or before its due date.",
    "late": "Signed and filed after its due date.",
}
STATUS_CHOICES = [(name, name) for name in STATUSES]  # the API schema's enum of them


def certification_due(today=None):
    """The certification to file next, with its countdown (compliance.deadlines.CertificationDue):
    last year's until a standing filing covers it, then this year's. The one reading of it, for the
    certification page and the dashboard alike."""
    filed_years = set(CertificationFiling.objects.standing().values_list("year", flat=True))
    return next_certification_due(filed_years, today)


def _status(year, today, packages, filing):
    if filing is not None:
        return "late" if filing.is_late else "filed"
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
    rows = []
    for year in range(today.year, first_year - 1, -1):
        filing, due = filings.get(year), certification_due_date(year)
        rows.append(CertificationYear(
            year=year, status=_status(year, today, packages.get(year, []), filing), due_date=due,
            overdue=filing is None and today > due, packages=packages.get(year, []), filing=filing,
        ))
    return rows
