"""Media serial numbers: one normal form, used to store new serial numbers, to compare the number
read off a medium at hand-over with the record's, and as the key that the database keeps unique
among records not yet destroyed (Record.media_serial_key, which Record.save derives)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def normalise_serial(value):
    """'  wx 41-a ' -> 'WX41-A': no whitespace anywhere, upper case."""
    return "".join((value or "").split()).upper()


def serial_key(value):
    """The uniqueness key of a serial number; None (never unique-checked) when there is none."""
    return normalise_serial(value) or None


def serial_holders(keys):
    """{key: the record not yet destroyed holding it} for the serial keys `keys`."""
    from .models import Record, Status  # the model derives its key with this module's functions

    keys = [key for key in keys if key]
    return {
        record.media_serial_key: record
        for record in Record.objects.filter(media_serial_key__in=keys)
        .exclude(status=Status.DESTROYED)
        .only("id", "reference", "media_serial_key")
    }


# {other}: the record holding the number, as "reference (URL)" or, on a page, a link.
DUPLICATE_SERIAL = (
    "The serial number {serial} is already that of {other}, which has not been destroyed: serial numbers are "
    "unique (ignoring case and spaces). Check the number on the medium, or have a records manager correct the "
    "other record."
)


def duplicate_serial_message(serial, other):
    return DUPLICATE_SERIAL.format(serial=serial, other=f"{other.reference} ({other.get_absolute_url()})")


class DuplicateSerial(ValidationError):
    """The serial number is another record's; `other` is that record (the form links to it)."""

    def __init__(self, serial, other):
        self.serial, self.other = serial, other
        super().__init__({"media_serial_number": duplicate_serial_message(serial, other)})


def check_serial_free(serial, *, record=None):
    """Raise DuplicateSerial when a record not yet destroyed, other than `record`, holds `serial`."""
    other = serial_holders([serial_key(serial)]).get(serial_key(serial))
    if other is not None and (record is None or other.pk != record.pk):
        raise DuplicateSerial(normalise_serial(serial), other)


@contextmanager
def unique_serial(serial, *, record=None):
    """Around the save of a record with `serial`: a record saved meanwhile with the same serial
    (the database's constraint refuses the second) ends in DuplicateSerial, as checked before."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        check_serial_free(serial, record=record)
        raise
