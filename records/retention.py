"""How long a record is kept. The expiry date is always derived here, never typed in."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from .models import PeriodUnit


def add_period(start, value, unit):
    if unit == PeriodUnit.DAYS:
        return start + relativedelta(days=value)
    if unit == PeriodUnit.MONTHS:
        return start + relativedelta(months=value)
    if unit == PeriodUnit.YEARS:
        return start + relativedelta(years=value)
    raise ValueError(f"Unknown period unit: {unit!r}")


@dataclass(frozen=True)
class Term:
    """One period a record must be kept for, and the day it has run."""

    what: str
    citation: str
    period: str
    ends_on: date
    additional: bool  # a legal minimum the record carries besides its schedule


def retention_terms(schedule, trigger_date, minimums=()):
    """Every period the record must be kept for, counted from the trigger date: the schedule's
    period, the schedule's legal minimum, and each additional legal minimum (objects with
    period_value, period_unit, citation and title). Empty while the trigger event has not happened."""
    if trigger_date is None:
        return []
    terms = [Term(f"Schedule {schedule.code}", "", schedule.period_display,
                  add_period(trigger_date, schedule.period_value, schedule.period_unit), False)]
    if schedule.legal_minimum_value:
        terms.append(Term(f"Legal minimum of schedule {schedule.code}", schedule.legal_citation,
                          schedule.legal_minimum_display,
                          add_period(trigger_date, schedule.legal_minimum_value, schedule.legal_minimum_unit), False))
    for minimum in minimums:
        terms.append(Term(minimum.title, minimum.citation, minimum.period_display,
                          add_period(trigger_date, minimum.period_value, minimum.period_unit), True))
    return terms


def expiry_date_for(schedule, trigger_date, extensions=(), minimums=()):
    """The first day the record may be destroyed: the latest of the trigger date plus the
    schedule's period, plus the schedule's legal minimum and plus each additional legal minimum
    the record carries (`minimums`), then any retention extensions ((value, unit) pairs, in the
    order they were decided) added. None while the trigger event has not happened."""
    terms = retention_terms(schedule, trigger_date, minimums)
    if not terms:
        return None
    expiry = max(term.ends_on for term in terms)
    for value, unit in extensions:
        expiry = add_period(expiry, value, unit)
    return expiry


def record_expiry(record, schedule=None):
    """The record's expiry under `schedule` (default: its own), with its additional legal
    minimums and its extensions, as saved."""
    extensions = [(e.period_value, e.period_unit) for e in record.extensions.all()]
    return expiry_date_for(schedule or record.schedule, record.trigger_date, extensions, record.legal_minimums.all())


def governing_terms(record, minimums):
    """[(term, governs)] for the record's page: each of its terms (with `minimums`, its additional
    legal minimums), and whether it sets the expiry (the latest; several when they end together)."""
    terms = retention_terms(record.schedule, record.trigger_date, minimums)
    last = max((term.ends_on for term in terms), default=None)
    return [(term, term.ends_on == last) for term in terms]
