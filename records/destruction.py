"""Destroying records with proof: paper is shredded by its custodian; electronic media are handed
to Network Operations, received, sanitized and confirmed by its Director; a second person may
countersign. Each step is a lifecycle transition (status, history, audit event with the
custody details) and the destruction itself gets a certificate number."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import lifecycle, sanitization
from .conflicts import StateConflict
from .audit import audit_event_record
from compliance.filed_years import locked_date_error

from .dates import past_date_error
from .models import CertificateCounter, Destruction, Medium, Record, Status, Transmittal, TransmittalItem
from .wording import join_words
from .serials import normalise_serial

# The audit actions that make up a record's chain of custody, in the order they happen.
CUSTODY_ACTIONS = {
    "record.mark_for_shredding": "Marked for shredding",
    "record.confirm_shredding": "Shredded",
    "record.request_handover": "Handed over to Network Operations",
    "record.receive_media": "Received by Network Operations",
    "record.confirm_media_destruction": "Sanitized / destroyed",
    "destruction.validated": "Validated",
    "record.corrected": "Identity corrected",
}
SANITIZATION_FIELDS = (
    "method_type", "method", "method_details", "tool_name", "tool_version", "verification_method",
    "verification_result", "destination", "destination_details", "notes", "performer_location",
    "performer_phone", "media_source", "data_backed_up", "backup_location", "post_sanitization_classification",
)
# What identifies each medium of a batch on its certificate: given per medium, never one value for all.
PER_MEDIUM_FIELDS = ("media_make", "media_model", "media_property_number")


# Paper methods that shred: when the company allows only these, its statement says paper is shredded.
SHREDDING_METHODS = frozenset({Destruction.PaperMethod.CROSS_CUT, Destruction.PaperMethod.VENDOR})


def paper_methods():
    """The paper destruction methods the company's procedure allows (settings.PAPER_DESTRUCTION_METHODS),
    in Destruction.PaperMethod's order."""
    allowed = set(settings.PAPER_DESTRUCTION_METHODS)
    return [method for method in Destruction.PaperMethod if method in allowed]


def check_paper_methods_setting():
    """Stop start-up (records.apps) unless PAPER_DESTRUCTION_METHODS names known paper methods only."""
    configured = settings.PAPER_DESTRUCTION_METHODS
    unknown = [method for method in configured if method not in Destruction.PaperMethod.values]
    if unknown or not configured:
        raise ImproperlyConfigured(
            f"PAPER_DESTRUCTION_METHODS must name one or more of {', '.join(Destruction.PaperMethod.values)} "
            f"(comma-separated); unknown: {', '.join(unknown) or '(none given)'}."
        )


def _next_certificate_number():
    year = timezone.localdate().year
    CertificateCounter.objects.bulk_create([CertificateCounter(year=year)], ignore_conflicts=True)
    counter = CertificateCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"CD-{year}-{counter.last_number:06d}"


def became_due_on(record):
    """The day (in the carrier's time zone) `record` last became due, from its history; None when its
    history never shows it due."""
    row = (
        Record.history.filter(id=record.pk, status=Status.DUE)
        .order_by("-history_date", "-history_id")
        .values_list("status_changed_at", "history_date")
        .first()
    )
    return None if row is None else timezone.localdate(row[0] or row[1])


def _received_on(records):
    """{record pk: the day Network Operations received it} for the records of `records` in its custody."""
    rows = Record.objects.filter(pk__in=[record.pk for record in records], status=Status.IN_NETOPS_CUSTODY)
    return {pk: timezone.localdate(at) for pk, at in rows.values_list("pk", "status_changed_at") if at}


def _date_error(value, earliest, *, what, since):
    """The message refusing `value` as `what` ("The date destroyed"), or "" when it lies between the
    day the company's records began and today and is not before any record's own earliest day
    (`earliest`: {reference: date}, the day the record `since`)."""
    if value is None:
        return f"{what} is required."
    message = past_date_error(value, what=what) or locked_date_error(value, what)
    if message:
        return message
    early = {reference: day for reference, day in earliest.items() if value < day}
    if len(early) == 1:
        [(reference, day)] = early.items()
        return f"{what} cannot be before {day:%Y-%m-%d}, the day {reference} {since}."
    if early:
        listed = ", ".join(f"{reference} on {day:%Y-%m-%d}" for reference, day in early.items())
        return f"{what} cannot be before the day each medium {since}: {listed}."
    return ""


def _paper_method_error(method, allowed):
    procedure = join_words([choice.label.lower() for choice in allowed], "or")
    if method in Destruction.PaperMethod.values:
        return (f"The method {Destruction.PaperMethod(method).label} is not allowed: the company's procedure "
                f"destroys paper by {procedure} only.")
    return f"Choose how the paper was destroyed: {procedure}."


def record_mark_for_shredding(*, actor, record):
    """A due paper record is set aside for shredding (custodian or records manager)."""
    return lifecycle.transition(record, "mark_for_shredding", actor=actor)


def shredding_confirm(*, actor, record, destroyed_on, method, vendor_certificate_number="", witness=None, notes=""):
    """The custodian confirms that the paper was shredded, on a day between the day the record became
    due (a vendor's certificate may come after the shredding, but paper is not destroyed before it
    is due) and today, by a method the company allows. Creates the destruction with its certificate
    number in the same transaction as the record becoming destroyed: two people confirming at once
    end in exactly one destruction."""
    errors = {}
    due_on = became_due_on(record)
    date_error = _date_error(destroyed_on, {record.reference: due_on} if due_on else {},
                             what="The date destroyed", since="became due")
    if date_error:
        errors["destroyed_on"] = date_error
    allowed = paper_methods()
    if method not in allowed:
        errors["method"] = _paper_method_error(method, allowed)
    if method == Destruction.PaperMethod.VENDOR and not vendor_certificate_number.strip():
        errors["vendor_certificate_number"] = "Enter the shredding vendor's certificate number."
    if witness is not None and witness.pk == actor.pk:
        errors["witness"] = "A witness is someone other than you."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = lifecycle.transition(
            record, "confirm_shredding", actor=actor,
            payload={"method": method, "destroyed_on": destroyed_on, "witness": witness.get_username() if witness else ""},
        )
        destruction = Destruction(
            record=record, certificate_number=_next_certificate_number(), kind=Destruction.Kind.SHREDDING,
            method=method, destroyed_on=destroyed_on, performed_by=actor, performed_at=timezone.now(),
            performer_title=actor.title, performer_organization=settings.COMPANY_NAME, witness=witness,
            vendor_certificate_number=vendor_certificate_number.strip(), notes=notes,
        )
        return _issue(destruction, actor)


def _issue(destruction, actor):
    destruction.full_clean()
    destruction._history_user = actor
    destruction.save()
    audit_event_record(
        actor=actor, action="destruction.certificate_issued", obj=destruction.record,
        payload={"certificate_number": destruction.certificate_number, "kind": destruction.kind, "method": destruction.method},
    )
    return destruction


def media_hand_over(*, actor, handovers):
    """Hand electronic media over to Network Operations: `handovers` is a list of (record, serial
    number read from the medium). Every serial must match its record, or nothing is handed over.
    Returns the transmittal (hand-over receipt) listing them; its `records` are the records moved."""
    _refuse_wrong_serials(handovers)
    with transaction.atomic():
        transmittal = Transmittal(handed_over_by=actor, handed_over_at=timezone.now())
        transmittal._history_user = actor
        transmittal.save()
        transmittal.records = [
            lifecycle.transition(record, "request_handover", actor=actor,
                                 payload={"serial_confirmed": serial.strip(), "transmittal": transmittal.number})
            for record, serial in handovers
        ]
        for record, serial in handovers:
            item = TransmittalItem(transmittal=transmittal, record=record, serial_handed_over=serial.strip())
            item._history_user = actor
            item.save()
    return transmittal


def media_receive(*, actor, receipts):
    """Network Operations acknowledges receipt of handed-over media: `receipts` is a list of
    (record, serial number read off the medium on receipt), each checked against the record like at
    hand-over, and noted on the medium's transmittal; all or none."""
    _refuse_untrained(actor)
    _refuse_wrong_serials(receipts)
    now = timezone.now()
    with transaction.atomic():
        received = []
        for record, serial in receipts:
            received.append(lifecycle.transition(record, "receive_media", actor=actor,
                                                 payload={"serial_confirmed": serial.strip()} if serial.strip() else None))
            for item in TransmittalItem.objects.filter(record=record, received_at__isnull=True):
                item.received_by, item.received_at, item.serial_received = actor, now, serial.strip()
                item._history_user = actor
                item.save()
        return received


def _refuse_untrained(actor):
    """With TRAINING_BARS_OVERDUE, a person whose CPNI training is overdue takes no Network Operations step."""
    from compliance.training import training_bar

    message = training_bar(actor, "receive or destroy media for Network Operations")
    if message:
        raise ValidationError(message)


def _refuse_wrong_serials(pairs):
    errors = []
    for record, serial in pairs:
        expected = normalise_serial(record.media_serial_number)
        if expected and normalise_serial(serial) != expected:
            errors.append(f"{record.reference}: the serial number {serial.strip() or '(none)'} does not match the record's.")
    if errors:
        raise ValidationError(errors)


def media_destruction_confirm(*, actor, records, destroyed_on, media=None, **fields):
    """The Director of Network Operations confirms the sanitization of media in custody, with the
    fields of a NIST SP 800-88 certificate of sanitization; `media` gives each medium's own make,
    model and property number ({record pk: {field: value}} of PER_MEDIUM_FIELDS). The method type,
    method and destination must be a combination records.sanitization allows for every medium, and
    the date lie between the day each medium was received and today. One destruction and
    certificate per medium; all or none."""
    unknown = set(fields) - set(SANITIZATION_FIELDS)
    unknown |= {name for values in (media or {}).values() for name in values} - set(PER_MEDIUM_FIELDS)
    if unknown:
        raise ValueError(f"Not sanitization fields: {', '.join(sorted(unknown))}")
    _refuse_untrained(actor)
    if not records:
        raise ValidationError("Choose at least one medium.")
    errors = _sanitization_errors(records, destroyed_on, fields)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        destructions = []
        for record in records:
            record = lifecycle.transition(
                record, "confirm_media_destruction", actor=actor,
                payload={"method_type": fields["method_type"], "method": fields["method"], "destroyed_on": destroyed_on},
            )
            destruction = Destruction(
                record=record, certificate_number=_next_certificate_number(), kind=Destruction.Kind.SANITIZATION,
                destroyed_on=destroyed_on, performed_by=actor, performed_at=timezone.now(),
                performer_title=actor.title, performer_organization=settings.COMPANY_NAME,
                media_classification="CPNI — CONFIDENTIAL", **fields, **(media or {}).get(record.pk, {}),
            )
            destructions.append(_issue(destruction, actor))
        return destructions


def _sanitization_errors(records, destroyed_on, fields):
    received = _received_on(records)
    errors = {}
    date_error = _date_error(
        destroyed_on, {record.reference: received[record.pk] for record in records if record.pk in received},
        what="The date sanitized", since="was received by Network Operations",
    )
    if date_error:
        errors["destroyed_on"] = date_error
    method_type, method, destination = (fields.get(name) for name in ("method_type", "method", "destination"))
    if method_type not in Destruction.MethodType.values:
        errors["method_type"] = "Choose clear, purge or destroy."
    if method not in Destruction.MediaMethod.values:
        errors["method"] = "Choose the sanitization method used."
    if destination not in Destruction.Destination.values:
        errors["destination"] = "Choose where the medium goes."
    if not errors.keys() & {"method_type", "method", "destination"}:
        errors.update(_table_errors(records, method_type, method, destination))
    if method_type in sanitization.NEEDS_TOOL:
        rule = f"{Destruction.MethodType(method_type).label} needs the tool, its version and a verification (NIST SP 800-88)."
        if not fields.get("tool_name", "").strip():
            errors["tool_name"] = f"Name the tool used: {rule}"
        if not fields.get("tool_version", "").strip():
            errors["tool_version"] = f"Give the tool's version: {rule}"
    if not fields.get("verification_method", "").strip():
        errors["verification_method"] = "Say how the sanitization was verified."
    if not fields.get("verification_result", "").strip():
        errors["verification_result"] = "Record the verification result."
    if destination == Destruction.Destination.OTHER and not fields.get("destination_details", "").strip():
        errors["destination_details"] = "Say where the medium goes: the destination is Other."
    if fields.get("data_backed_up") and not fields.get("backup_location", "").strip():
        errors["backup_location"] = "Say where the backup is kept."
    return errors


def _table_errors(records, method_type, method, destination):
    """What records.sanitization refuses of the combination, per field, naming the media of each
    kind it refuses."""
    by_medium = {}
    for record in records:
        by_medium.setdefault(record.medium, []).append(record.reference)
    errors = {}
    for medium, references in by_medium.items():
        what = f"{Medium(medium).label} {', '.join(references)}"
        for field, message in sanitization.problems(medium, method_type, method, destination, what=what).items():
            errors[field] = f"{errors[field]} {message}" if field in errors else message
    return errors


def destruction_validate(*, actor, destruction):
    """A second person countersigns a destruction as its validator."""
    if not actor.has_perm("records.validate_destruction"):
        raise PermissionDenied("You are not allowed to validate destructions.")
    if actor.pk in (destruction.performed_by_id, destruction.record.custodian_id):
        raise PermissionDenied("The validator must be someone other than the person who destroyed the record and its custodian.")
    with transaction.atomic():
        locked = Destruction.objects.select_for_update().get(pk=destruction.pk)
        if locked.validated_by_id:
            raise StateConflict(f"Already validated by {locked.validated_by}.")
        locked.validated_by, locked.validated_at = actor, timezone.now()
        locked.validator_title, locked.validator_organization = actor.title, settings.COMPANY_NAME
        locked._history_user = actor
        locked.save(update_fields=["validated_by", "validated_at", "validator_title", "validator_organization"])
        audit_event_record(
            actor=actor, action="destruction.validated", obj=locked.record,
            payload={"certificate_number": locked.certificate_number},
        )
    return locked
