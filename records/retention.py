"""How long a record is kept. The expiry date is always derived here, never typed in."""

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


def expiry_date_for(schedule, trigger_date, extensions=()):
    """The first day the record may be destroyed: trigger date plus the schedule's period, never
    before the legal minimum has run, plus any retention extensions ((value, unit) pairs, in the
    order they were decided). None while the trigger event has not happened."""
    if trigger_date is None:
        return None
    expiry = add_period(trigger_date, schedule.period_value, schedule.period_unit)
    if schedule.legal_minimum_value:
        floor = add_period(trigger_date, schedule.legal_minimum_value, schedule.legal_minimum_unit)
        expiry = max(expiry, floor)
    for value, unit in extensions:
        expiry = add_period(expiry, value, unit)
    return expiry


def record_expiry(record, schedule=None):
    """The record's expiry under `schedule` (default: its own), with its extensions."""
    extensions = [(e.period_value, e.period_unit) for e in record.extensions.all()]
    return expiry_date_for(schedule or record.schedule, record.trigger_date, extensions)
