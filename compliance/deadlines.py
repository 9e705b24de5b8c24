"""When the CPNI program's filings are due."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .business_days import business_days_between, on_or_after


def certification_due_date(year):
    """The annual 47 CFR 64.2009(e) certification covering calendar year `year` is due on 1 March of
    the next year, or the next business day when that is a weekend or federal holiday (47 CFR 1.4(j))."""
    return on_or_after(datetime.date(year + 1, 3, 1))


@dataclass(frozen=True)
class CertificationDue:
    """The next certification to file: the year it covers, its due date and the time left."""

    year: int
    due: datetime.date
    days_left: int  # negative once overdue
    business_days_left: int

    @property
    def overdue(self):
        return self.days_left < 0

    @property
    def days_overdue(self):
        return max(0, -self.days_left)


def next_certification_due(filed_years, today=None):
    """The certification to file next: last year's until it is filed (overdue after its due date),
    then this year's."""
    today = today or timezone.localdate()
    year = today.year - 1 if today.year - 1 not in filed_years else today.year
    due = certification_due_date(year)
    return CertificationDue(year, due, (due - today).days, business_days_between(today, due))
