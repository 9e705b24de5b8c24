"""Business days and the certification's due date, against tables worked out from a calendar."""

import os
import subprocess
import sys
from datetime import date

import pytest

from compliance.business_days import add_business_days, business_days_between, closure_reason, is_business_day, on_or_after
from compliance.deadlines import certification_due_date

# The certification covering year Y is due 1 March Y+1, rolled to the next business day (47 CFR 1.4(j)).
DUE_DATES = [
    (2020, "2021-03-01"),  # 1 March 2021: Monday
    (2021, "2022-03-01"),  # Tuesday
    (2022, "2023-03-01"),  # Wednesday
    (2023, "2024-03-01"),  # Friday
    (2024, "2025-03-03"),  # Saturday
    (2025, "2026-03-02"),  # Sunday
    (2026, "2027-03-01"),  # Monday
    (2027, "2028-03-01"),  # Wednesday
    (2028, "2029-03-01"),  # Thursday
    (2029, "2030-03-01"),  # Friday
    (2030, "2031-03-03"),  # Saturday
    (2031, "2032-03-01"),  # Monday
    (2032, "2033-03-01"),  # Tuesday
    (2033, "2034-03-01"),  # Wednesday
    (2034, "2035-03-01"),  # Thursday
    (2035, "2036-03-03"),  # Saturday
]


@pytest.mark.parametrize("year, due", DUE_DATES)
def test_the_certification_is_due_on_1_march_or_the_next_business_day(year, due):
    assert certification_due_date(year) == date.fromisoformat(due)


@pytest.mark.parametrize("day, reason", [
    (date(2026, 11, 26), "Thanksgiving Day"),
    (date(2026, 7, 3), "Independence Day (observed)"),  # 4 July 2026 is a Saturday
    (date(2027, 12, 31), "New Year's Day (observed)"),  # 1 January 2028 is a Saturday
    (date(2026, 2, 16), "Washington's Birthday"),
    (date(2026, 11, 28), "Saturday"),
    (date(2026, 11, 27), ""),
])
def test_weekends_and_federal_holidays_with_their_observed_days_are_not_business_days(day, reason):
    assert closure_reason(day) == reason and is_business_day(day) is (reason == "")


def test_counting_business_days_skips_weekends_holidays_and_the_carriers_closures(settings):
    wednesday = date(2026, 11, 25)  # the day before Thanksgiving
    assert add_business_days(wednesday, 1) == date(2026, 11, 27)
    assert add_business_days(wednesday, 7) == date(2026, 12, 7)
    assert business_days_between(wednesday, date(2026, 12, 7)) == 7
    assert on_or_after(date(2026, 11, 26)) == date(2026, 11, 27)
    settings.CARRIER_CLOSURES = [date(2026, 11, 27)]
    assert closure_reason(date(2026, 11, 27)) == "carrier closure"
    assert add_business_days(wednesday, 1) == date(2026, 11, 30)


def test_a_malformed_closure_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='cpnitrack.settings'; django.setup()"],
        env={**os.environ, "CARRIER_CLOSURES": "2026-13-01"}, capture_output=True, text=True,
    )
    assert result.returncode != 0 and "CARRIER_CLOSURES: give dates as YYYY-MM-DD" in result.stderr
