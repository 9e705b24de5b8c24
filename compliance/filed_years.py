"""Which years are locked by their filed certification. Once a year's certification is filed, what
it reported stays as filed: register entries and destructions dated in that year are read-only,
and no other package is built for it, until an amendment reopens the year."""

from django.core.exceptions import ValidationError

from .models import CertificationAmendment, CertificationFiling


def locked_years():
    """The years whose standing filing is filed and that no open amendment reopened."""
    filed = set(CertificationFiling.objects.filed().values_list("year", flat=True))
    reopened = set(CertificationAmendment.objects.open().values_list("year", flat=True))
    return filed - reopened


def is_locked(year):
    return year in locked_years()


def locked_date_error(value, what="An entry"):
    """The message refusing `value` when it falls in a locked year, or ""."""
    if value is None or not is_locked(value.year):
        return ""
    filing = CertificationFiling.objects.standing().get(year=value.year)
    return (
        f"{what} dated {value:%Y-%m-%d} falls in {value.year}, whose certification was filed on "
        f"{filing.filed_on:%Y-%m-%d}: that year is read-only. To correct it, open an amendment of the "
        f"{value.year} certification first."
    )


def refuse_locked_dates(**dates):
    """Raise one ValidationError naming each field of `dates` ({field: date}) in a locked year."""
    errors = {field: locked_date_error(value, "This entry") for field, value in dates.items()}
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        raise ValidationError(errors)
