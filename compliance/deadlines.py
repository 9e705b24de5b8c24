"""When the CPNI program's filings are due."""

import datetime

from .business_days import on_or_after


def certification_due_date(year):
    """The annual 47 CFR 64.2009(e) certification covering calendar year `year` is due on 1 March of
    the next year, or the next business day when that is a weekend or federal holiday (47 CFR 1.4(j))."""
    return on_or_after(datetime.date(year + 1, 3, 1))
