"""Which dates CPNI Track accepts as facts: none in the future (in the carrier's time zone) and none
before the company's records began (the company profile's `records_began_on`, which a records
manager sets; 1990-01-01 until then). Every date that ends up in evidence is checked here."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

DEFAULT_RECORDS_BEGAN_ON = datetime.date(1990, 1, 1)


def records_began_on():
    """The earliest date a fact in CPNI Track may carry."""
    from compliance.models import CompanyProfile

    began = CompanyProfile.objects.values_list("records_began_on", flat=True).first()
    return began or DEFAULT_RECORDS_BEGAN_ON


def past_date_error(value, *, floor=None, floor_is="when the company's records began", what="The date"):
    """The message that refuses `value`, or "" when it lies between the floor (default: the day the
    company's records began; `floor_is` says what the floor is) and today, both included."""
    if value is None:
        return ""
    today = timezone.localdate()
    if value > today:
        return f"{what} cannot be in the future (today is {today:%Y-%m-%d})."
    if floor is None:
        floor, floor_is = records_began_on(), "when the company's records began"
    if value < floor:
        return f"{what} cannot be before {floor:%Y-%m-%d}, {floor_is}."
    return ""


def check_past_dates(**dates):
    """Raise one ValidationError naming every field of `dates` ({field: date}) that
    past_date_error refuses."""
    floor = records_began_on()
    errors = {field: past_date_error(value, floor=floor) for field, value in dates.items()}
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        raise ValidationError(errors)
