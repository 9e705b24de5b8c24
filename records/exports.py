"""What each CSV download of the records app holds: its columns and its rows, read as plain values
in one query (records.csv_export streams them). Dates are ISO 8601, times ISO 8601 in UTC, people
by username (as the audit log names them), choices by their labels."""

from django.db.models import TextField
from django.db.models.functions import Cast

from records.csv_export import CHUNK_SIZE
from records.models import Destruction, HeldRecord, Medium, Status, an_active_hold

MEDIUM_LABELS, STATUS_LABELS = dict(Medium.choices), dict(Status.choices)


def _iso(value):
    return value.isoformat() if value is not None else ""


AUDIT_LOG_COLUMNS = ("sequence", "occurred_at", "actor", "action", "object_type", "object_id", "object", "details",
                     "previous_hash", "hash")


def audit_log_rows(events):
    """`events` (a queryset of audit events, in its order) as AUDIT_LOG_COLUMNS. The details are
    the event's payload as the database keeps it (JSON)."""
    rows = events.annotate(details=Cast("payload", TextField())).values_list(
        "sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr", "details",
        "previous_hash", "hash",
    )
    for sequence, occurred_at, *rest in rows.iterator(chunk_size=CHUNK_SIZE):
        yield (sequence, occurred_at.isoformat(), *rest)


DESTRUCTION_REGISTER_COLUMNS = (
    "certificate_number", "reference", "title", "medium", "department", "schedule", "kind", "method_type", "method",
    "destroyed_on", "performed_by", "witness", "vendor_certificate_number", "validated_by", "validated_at",
    "recorded_at",
)
_KIND_LABELS = dict(Destruction.Kind.choices)
_METHOD_TYPE_LABELS = dict(Destruction.MethodType.choices)
_METHOD_LABELS = {Destruction.Kind.SHREDDING: dict(Destruction.PaperMethod.choices),
                  Destruction.Kind.SANITIZATION: dict(Destruction.MediaMethod.choices)}


def destruction_register_rows(destructions):
    """`destructions` (a queryset, in its order) as DESTRUCTION_REGISTER_COLUMNS: the method as
    Destruction.method_label names it, who performed and confirmed it, and who countersigned."""
    rows = destructions.values_list(
        "certificate_number", "record__reference", "record__title", "record__medium", "record__department__name",
        "record__schedule__code", "kind", "method_type", "method", "destroyed_on", "performed_by__username",
        "witness__username", "vendor_certificate_number", "validated_by__username", "validated_at", "performed_at",
    )
    for (number, reference, title, medium, department, schedule, kind, method_type, method, destroyed_on, performer,
         witness, vendor_number, validator, validated_at, performed_at) in rows.iterator(chunk_size=CHUNK_SIZE):
        yield (
            number, reference, title, MEDIUM_LABELS.get(medium, medium), department, schedule,
            _KIND_LABELS.get(kind, kind), _METHOD_TYPE_LABELS.get(method_type, method_type),
            _METHOD_LABELS.get(kind, {}).get(method, method), _iso(destroyed_on), performer, witness or "",
            vendor_number, validator or "", _iso(validated_at), _iso(performed_at),
        )


RECORD_LIST_COLUMNS = ("reference", "title", "medium", "department", "custodian", "schedule", "status",
                       "on_legal_hold", "expiry_date", "location", "logged_at")


def record_list_rows(records):
    """`records` (the record list's queryset, in its order) as RECORD_LIST_COLUMNS; whether each
    is under an active legal hold is looked up in the same query, as on the list page."""
    rows = records.annotate(hold=an_active_hold()).values_list(
        "reference", "title", "medium", "department__name", "custodian__username", "schedule__code", "status", "hold",
        "expiry_date", "location", "created_at",
    )
    for (reference, title, medium, department, custodian, schedule, status, hold, expiry_date, location,
         created_at) in rows.iterator(chunk_size=CHUNK_SIZE):
        yield (reference, title, MEDIUM_LABELS.get(medium, medium), department, custodian, schedule,
               STATUS_LABELS.get(status, status), "yes" if hold else "no", _iso(expiry_date), location,
               created_at.isoformat())


HOLD_REPORT_COLUMNS = ("hold", "matter", "placed_at", "placed_by", "released_at", "released_by", "reference", "title",
                       "medium", "department", "custodian", "status", "expiry_date", "added_at")


def hold_report_rows(hold):
    """The records `hold` covers, by record id, as HOLD_REPORT_COLUMNS: the hold's own columns
    (read with it, before) on every row, so that each row reads on its own."""
    about_hold = (hold.pk, hold.matter, _iso(hold.placed_at), hold.placed_by.get_username(), _iso(hold.released_at),
                  hold.released_by.get_username() if hold.released_by_id else "")
    rows = HeldRecord.objects.filter(hold=hold).order_by("record_id").values_list(
        "record__reference", "record__title", "record__medium", "record__department__name", "record__custodian__username",
        "record__status", "record__expiry_date", "added_at",
    )
    for reference, title, medium, department, custodian, status, expiry_date, added_at in rows.iterator(chunk_size=CHUNK_SIZE):
        yield (*about_hold, reference, title, MEDIUM_LABELS.get(medium, medium), department, custodian,
               STATUS_LABELS.get(status, status), _iso(expiry_date), added_at.isoformat())
