"""What each CSV export of the records app holds: its columns and its rows (records.csv_export writes
them). Dates are ISO 8601, times ISO 8601 in UTC, people by username (as the audit log names them;
the hold report, read by counsel, by full name), choices by their labels (looked up by the database,
in the query)."""

from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.db.models.lookups import IsNull

from records.audit_words import ACTION_WORDS
from records.csv_export import DATE, NUMBER, TIME, Column, Export
from records.labels import MARKING
from records.models import Destruction, HeldRecord, Medium, Status, an_active_hold


def labelled(field, choices, **alongside):
    """`field`'s label from `choices` ((value, label) pairs), or its value when it has none.
    `alongside`: other fields the label depends on (the same for every choice)."""
    return Case(*[When(**{field: value, **alongside}, then=Value(str(label))) for value, label in choices],
                default=Cast(field, TextField()), output_field=TextField())


def full_name(person):
    """The full name of the user at lookup `person` (e.g. "hold__placed_by"), their username if
    they have none; empty for nobody."""
    return Coalesce(NullIf(Trim(Concat(f"{person}__first_name", Value(" "), f"{person}__last_name",
                                       output_field=TextField())), Value("")),
                    f"{person}__username", output_field=TextField())


AUDIT_LOG_COLUMNS = (
    Column("sequence", "sequence", NUMBER),
    Column("occurred_at", "occurred_at", TIME),
    Column("actor", "actor_name"),
    Column("action", "action"),
    # The action in words, as the audit log page shows it (its code when it has none).
    Column("what", labelled("action", ACTION_WORDS.items())),
    Column("object_type", "object_type"),
    Column("object_id", "object_id"),
    Column("object", "object_repr"),
    # The event's payload as the database keeps it (JSON).
    Column("details", Cast("payload", TextField())),
    Column("previous_hash", "previous_hash"),
    Column("hash", "hash"),
)


def audit_log_export(events):
    """`events` (a queryset of audit events, in its order)."""
    return Export("audit log", "audit-log.csv", AUDIT_LOG_COLUMNS, events)


_METHOD_LABELS = {Destruction.Kind.SHREDDING: Destruction.PaperMethod.choices,
                  Destruction.Kind.SANITIZATION: Destruction.MediaMethod.choices}

DESTRUCTION_REGISTER_COLUMNS = (
    Column("certificate_number", "certificate_number"),
    Column("reference", "record__reference"),
    Column("title", "record__title"),
    Column("medium", labelled("record__medium", Medium.choices)),
    Column("department", "record__department__name"),
    Column("schedule", "record__schedule__code"),
    Column("kind", labelled("kind", Destruction.Kind.choices)),
    Column("method_type", labelled("method_type", Destruction.MethodType.choices)),
    # The method as Destruction.method_label names it: its label among its kind's methods.
    Column("method", Case(*[When(kind=kind, method=value, then=Value(str(label)))
                            for kind, choices in _METHOD_LABELS.items() for value, label in choices],
                          default="method", output_field=TextField())),
    Column("destroyed_on", "destroyed_on", DATE),
    Column("performed_by", "performed_by__username"),
    Column("witness", "witness__username"),
    Column("vendor_certificate_number", "vendor_certificate_number"),
    Column("validated_by", "validated_by__username"),
    Column("validated_at", "validated_at", TIME),
    Column("recorded_at", "performed_at", TIME),
)


def destruction_register_export(destructions):
    """`destructions` (a queryset, in its order): who performed and confirmed each, who countersigned."""
    return Export("destruction register", "destruction-register.csv", DESTRUCTION_REGISTER_COLUMNS, destructions)


RECORD_LIST_COLUMNS = (
    Column("reference", "reference"),
    Column("title", "title"),
    Column("medium", labelled("medium", Medium.choices)),
    Column("department", "department__name"),
    Column("custodian", "custodian__username"),
    Column("schedule", "schedule__code"),
    Column("status", labelled("status", Status.choices)),
    # Whether the record is under an active legal hold, looked up in the same query as on the list page.
    Column("on_legal_hold", Case(When(IsNull(an_active_hold(), False), then=Value("yes")), default=Value("no"),
                                 output_field=TextField())),
    Column("expiry_date", "expiry_date", DATE),
    Column("location", "location"),
    Column("logged_at", "created_at", TIME),
)


def record_list_export(records):
    """`records` (the record list's queryset, in its order)."""
    return Export("record list", "records.csv", RECORD_LIST_COLUMNS, records)


HOLD_REPORT_COLUMNS = (
    # The marking and the hold's own columns on every row, so that each row reads on its own and
    # the header is the first line.
    Column("marking", Value(MARKING, output_field=TextField())),
    Column("hold", "hold_id", NUMBER),
    Column("matter", "hold__matter"),
    Column("placed_at", "hold__placed_at", TIME),
    Column("placed_by", full_name("hold__placed_by")),
    Column("released_at", "hold__released_at", TIME),
    Column("released_by", full_name("hold__released_by")),
    Column("reference", "record__reference"),
    Column("title", "record__title"),
    Column("medium", labelled("record__medium", Medium.choices)),
    Column("department", "record__department__name"),
    Column("custodian", full_name("record__custodian")),
    Column("status", labelled("record__status", Status.choices)),
    Column("expiry_date", "record__expiry_date", DATE),
    Column("added_at", "added_at", TIME),
)


def hold_report_export(hold):
    """The records `hold` covers, by record id; people by full name."""
    return Export(f"legal hold report (hold #{hold.pk})", f"legal-hold-{hold.pk}.csv", HOLD_REPORT_COLUMNS,
                  HeldRecord.objects.filter(hold=hold).order_by("record_id"), marking_line=False)


def column_names(columns):
    return tuple(column.name for column in columns)
