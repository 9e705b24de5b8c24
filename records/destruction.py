"""Destroying records with proof: paper is shredded by its custodian; electronic media are handed
to Network Operations, received, sanitized and confirmed by its Director; a second person may
countersign. Each step is a lifecycle transition (status, history, audit event with the
custody details) and the destruction itself gets a certificate number."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import lifecycle
from .audit import audit_event_record
from .models import CertificateCounter, Destruction
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
    "performer_phone", "media_make", "media_model", "media_property_number", "media_source",
    "data_backed_up", "backup_location", "post_sanitization_classification",
)


def _next_certificate_number():
    year = timezone.localdate().year
    CertificateCounter.objects.bulk_create([CertificateCounter(year=year)], ignore_conflicts=True)
    counter = CertificateCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"CD-{year}-{counter.last_number:06d}"


def _check_date(destroyed_on, field="destroyed_on"):
    if destroyed_on > timezone.localdate():
        raise ValidationError({field: "The date of destruction cannot be in the future."})


def record_mark_for_shredding(*, actor, record):
    """A due paper record is set aside for shredding (custodian or records manager)."""
    return lifecycle.transition(record, "mark_for_shredding", actor=actor)


def shredding_confirm(*, actor, record, destroyed_on, method, vendor_certificate_number="", witness=None, notes=""):
    """The custodian confirms that the paper was shredded. Creates the destruction with its
    certificate number in the same transaction as the record becoming destroyed: two people
    confirming at once end in exactly one destruction."""
    _check_date(destroyed_on)
    errors = {}
    if method not in Destruction.PaperMethod.values:
        errors["method"] = "Choose how the paper was destroyed."
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
    number read from the medium). Every serial must match its record, or nothing is handed over."""
    errors = []
    for record, serial in handovers:
        expected = normalise_serial(record.media_serial_number)
        if expected and normalise_serial(serial) != expected:
            errors.append(f"{record.reference}: the serial number {serial.strip() or '(none)'} does not match the record's.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return [
            lifecycle.transition(record, "request_handover", actor=actor, payload={"serial_confirmed": serial.strip()})
            for record, serial in handovers
        ]


def media_receive(*, actor, records):
    """Network Operations acknowledges receipt of handed-over media; all or none."""
    with transaction.atomic():
        return [lifecycle.transition(record, "receive_media", actor=actor) for record in records]


def media_destruction_confirm(*, actor, records, destroyed_on, **fields):
    """The Director of Network Operations confirms the sanitization of media in custody, with the
    fields of a NIST SP 800-88 certificate of sanitization; one destruction and certificate per
    medium; all or none."""
    unknown = set(fields) - set(SANITIZATION_FIELDS)
    if unknown:
        raise ValueError(f"Not sanitization fields: {', '.join(sorted(unknown))}")
    _check_date(destroyed_on)
    errors = {}
    if fields.get("method_type") not in Destruction.MethodType.values:
        errors["method_type"] = "Choose clear, purge or destroy."
    if fields.get("method") not in Destruction.MediaMethod.values:
        errors["method"] = "Choose the sanitization method used."
    if fields.get("method") == Destruction.MediaMethod.OTHER and not fields.get("method_details", "").strip():
        errors["method_details"] = "Describe the method."
    if not fields.get("verification_method", "").strip():
        errors["verification_method"] = "Say how the sanitization was verified."
    if not fields.get("verification_result", "").strip():
        errors["verification_result"] = "Record the verification result."
    if fields.get("data_backed_up") and not fields.get("backup_location", "").strip():
        errors["backup_location"] = "Say where the backup is kept."
    if errors:
        raise ValidationError(errors)
    if not records:
        raise ValidationError("Choose at least one medium.")
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
                media_classification="CPNI — CONFIDENTIAL", **fields,
            )
            destructions.append(_issue(destruction, actor))
        return destructions


def destruction_validate(*, actor, destruction):
    """A second person countersigns a destruction as its validator."""
    if not actor.has_perm("records.validate_destruction"):
        raise PermissionDenied("You are not allowed to validate destructions.")
    if actor.pk in (destruction.performed_by_id, destruction.record.custodian_id):
        raise PermissionDenied("The validator must be someone other than the person who destroyed the record and its custodian.")
    with transaction.atomic():
        locked = Destruction.objects.select_for_update().get(pk=destruction.pk)
        if locked.validated_by_id:
            raise ValidationError(f"Already validated by {locked.validated_by}.")
        locked.validated_by, locked.validated_at = actor, timezone.now()
        locked.validator_title, locked.validator_organization = actor.title, settings.COMPANY_NAME
        locked._history_user = actor
        locked.save(update_fields=["validated_by", "validated_at", "validator_title", "validator_organization"])
        audit_event_record(
            actor=actor, action="destruction.validated", obj=locked.record,
            payload={"certificate_number": locked.certificate_number},
        )
    return locked
