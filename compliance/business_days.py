"""Business days for the CPNI program's deadlines: Monday to Friday, less US federal holidays
(5 U.S.C. 6103, with the day observed when one falls on a weekend, from the `holidays` package) and
the carrier's own closures (the CARRIER_CLOSURES setting)."""

import datetime

import holidays
from django.conf import settings

# Years are filled in as dates are asked about.
_FEDERAL_HOLIDAYS = holidays.US(observed=True)
ONE_DAY = datetime.timedelta(days=1)


def closure_reason(day):
    """Why `day` is not a business day ("Saturday", "Washington's Birthday", "carrier closure"), or ""."""
    if day.weekday() >= 5:
        return f"{day:%A}"
    if day in _FEDERAL_HOLIDAYS:
        return _FEDERAL_HOLIDAYS.get(day)
    if day in settings.CARRIER_CLOSURES:
        return "carrier closure"
    return ""


def is_business_day(day):
    return not closure_reason(day)


def on_or_after(day):
    """`day` itself when it is a business day, else the next one (47 CFR 1.4(j))."""
    while not is_business_day(day):
        day += ONE_DAY
    return day


def add_business_days(day, count):
    """The `count`-th business day after `day` (which itself does not count)."""
    while count > 0:
        day += ONE_DAY
        if is_business_day(day):
            count -= 1
    return day


def business_days_between(start, end):
    """How many business days follow `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_business_day(day)
    return count


def business_days_before(day, count):
    """The `count`-th business day before `day` (which itself does not count)."""
    while count > 0:
        day -= ONE_DAY
        if is_business_day(day):
            count -= 1
    return day
