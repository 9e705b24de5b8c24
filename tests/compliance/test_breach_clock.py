"""The breach clock's 7 business days, for every determination day of 2026 and 2027, against a table
made here without the code under test: the federal holidays written out by hand (5 U.S.C. 6103,
with the day observed when one falls on a weekend) and a plain counter."""

from datetime import date, timedelta

import pytest

from compliance.breach_clock import law_enforcement_due, legacy_wait_over_on

# Written from the calendar, not from the holidays package.
FEDERAL_HOLIDAYS = {
    date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
    date(2026, 7, 3),  # Independence Day, a Saturday, observed on the Friday
    date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    date(2027, 1, 1), date(2027, 1, 18), date(2027, 2, 15), date(2027, 5, 31),
    date(2027, 6, 18),  # Juneteenth, a Saturday, observed on the Friday
    date(2027, 7, 5),  # Independence Day, a Sunday, observed on the Monday
    date(2027, 9, 6), date(2027, 10, 11), date(2027, 11, 11), date(2027, 11, 25),
    date(2027, 12, 24),  # Christmas, a Saturday, observed on the Friday
    date(2027, 12, 31),  # New Year's Day 2028, a Saturday, observed on the Friday before
    date(2028, 1, 17),
}


def seventh_business_day_after(day, closures=()):
    counted = 0
    while counted < 7:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in FEDERAL_HOLIDAYS and day not in closures:
            counted += 1
    return day


def every_day(first, last):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_law_enforcement_is_due_7_business_days_after_each_determination_day_of_two_years():
    wrong = [(day, law_enforcement_due(day), seventh_business_day_after(day))
             for day in every_day(date(2026, 1, 1), date(2027, 12, 31))
             if law_enforcement_due(day) != seventh_business_day_after(day)]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("determined, due", [
    (date(2026, 12, 23), date(2027, 1, 5)),  # over Christmas and New Year's Day
    (date(2026, 11, 23), date(2026, 12, 3)),  # over Thanksgiving (the Friday after is a business day)
    (date(2026, 6, 30), date(2026, 7, 10)),  # Independence Day observed on Friday 3 July
    (date(2027, 12, 22), date(2028, 1, 4)),  # Christmas and New Year's Day both observed on Fridays
    (date(2026, 11, 21), date(2026, 12, 2)),  # determined on a Saturday: Monday is the first day counted
])
def test_deadlines_over_holidays(determined, due):
    assert law_enforcement_due(determined) == due == seventh_business_day_after(determined)


def test_the_carriers_own_closures_are_not_business_days(settings):
    settings.CARRIER_CLOSURES = [date(2026, 11, 27)]
    assert law_enforcement_due(date(2026, 11, 23)) == date(2026, 12, 4) == seventh_business_day_after(
        date(2026, 11, 23), closures={date(2026, 11, 27)})


def test_under_the_legacy_rule_customers_wait_7_full_business_days_after_law_enforcement():
    # Notified Wednesday 18 November 2026: the 7th full business day after is Monday 30 November.
    assert legacy_wait_over_on(date(2026, 11, 18)) == date(2026, 12, 1)
    assert legacy_wait_over_on(date(2026, 11, 18)) == seventh_business_day_after(date(2026, 11, 18)) + timedelta(days=1)
