"""The registers of the year as CSV files of the package: the destruction register (on PostgreSQL in
one COPY statement), customer complaints, actions against data brokers, pretexting observed and
the breaches of CPNI discovered in the year, with their deadlines and notifications."""

from datetime import date

from compliance.exports import chunked, csv_header
from compliance.breach_clock import incident_clock, retained_until
from compliance.models import BreachIncident, CustomerComplaint, DataBrokerAction, PretextingObservation
from compliance.year_summary import in_year, on_days_of
from records.csv_safe import copy_out, csv_cell_sql, csv_line, iso, iso_date_sql, iso_datetime_sql, through_copy
from records.models import Destruction

DESTRUCTION_FIELDS = (
    "certificate_number", "record_reference", "title", "medium", "schedule", "kind", "method_type", "method",
    "destroyed_on", "performed_by", "witness", "validated_by", "validated_at",
)
COMPLAINT_FIELDS = (
    "id", "received_on", "category", "category_label", "summary", "resolution", "resolved_on", "recorded_by",
)
BROKER_FIELDS = ("id", "taken_on", "forum", "forum_label", "description", "outcome", "recorded_by")
PRETEXTING_FIELDS = ("id", "observed_on", "method", "steps_taken", "recorded_by")
BREACH_FIELDS = (
    "reference", "status", "rule", "discovered_at", "reasonably_determined_at", "description", "circumstances",
    "occurred_from", "occurred_to", "customers_affected", "cpni_categories", "other_pii", "encrypted_key_safe",
    "estimated_loss", "harm_likely", "harm_reason", "law_enforcement_due", "law_enforcement_notified_on", "fcc_due",
    "fcc_notified_on", "customers_due", "customers_not_before", "customers_notified_on", "late_notifications",
    "directions", "closed_at", "retained_until", "records", "complaints", "pretexting", "reported_by",
)


# The destruction register on PostgreSQL, in one statement: a hash join over the records rather
# than one look-up per destruction. validated_at as iso writes it.
_DESTRUCTIONS_COPY = f"""
COPY (
  SELECT {csv_cell_sql("destruction.certificate_number")}, {csv_cell_sql("destroyed.reference")},
    {csv_cell_sql("destroyed.title")}, {csv_cell_sql("destroyed.medium")}, {csv_cell_sql("schedule.code")},
    {csv_cell_sql("destruction.kind")}, {csv_cell_sql("destruction.method_type")}, {csv_cell_sql("destruction.method")},
    {iso_date_sql("destruction.destroyed_on")}, {csv_cell_sql("performer.username")},
    {csv_cell_sql("coalesce(witness.username, '')")}, {csv_cell_sql("coalesce(validator.username, '')")},
    coalesce({iso_datetime_sql("destruction.validated_at")}, '')
  FROM records_destruction AS destruction
    JOIN records_record AS destroyed ON destroyed.id = destruction.record_id
    JOIN records_retentionschedule AS schedule ON schedule.id = destroyed.schedule_id
    JOIN records_user AS performer ON performer.id = destruction.performed_by_id
    LEFT JOIN records_user AS witness ON witness.id = destruction.witness_id
    LEFT JOIN records_user AS validator ON validator.id = destruction.validated_by_id
  WHERE destruction.destroyed_on >= %(first)s AND destruction.destroyed_on < %(next)s
  ORDER BY destruction.id
) TO STDOUT WITH (FORMAT csv)
"""  # nosec B608: the project's own column expressions (records.csv_safe); values as parameters


def write_destructions(out, year):
    csv_header(out, f"CPNI Track destruction register {year}", DESTRUCTION_FIELDS)
    if through_copy():
        with copy_out(_DESTRUCTIONS_COPY, {"first": date(year, 1, 1), "next": date(year + 1, 1, 1)}) as copy:
            for row in copy:
                out.write_bytes(row)
        return
    rows = Destruction.objects.filter(on_days_of("destroyed_on", year)).values(
        "pk", "certificate_number", "record__reference", "record__title", "record__medium", "record__schedule__code",
        "kind", "method_type", "method", "destroyed_on", "performed_by__username", "witness__username",
        "validated_by__username", "validated_at",
    )
    for row in chunked(rows, "pk"):
        out.write(csv_line([
            row["certificate_number"], row["record__reference"], row["record__title"], row["record__medium"],
            row["record__schedule__code"], row["kind"], row["method_type"], row["method"],
            row["destroyed_on"].isoformat(), row["performed_by__username"], row["witness__username"] or "",
            row["validated_by__username"] or "", iso(row["validated_at"]),
        ]))


def write_complaints(out, year):
    csv_header(out, f"CPNI Track customer complaints {year}", COMPLAINT_FIELDS)
    rows = CustomerComplaint.objects.filter(on_days_of("received_on", year)).values(
        "pk", "received_on", "category", "other_category", "summary", "resolution", "resolved_on", "recorded_by__username"
    )
    for row in chunked(rows, "pk"):
        label = CustomerComplaint(category=row["category"], other_category=row["other_category"]).category_label
        out.write(csv_line([
            str(row["pk"]), row["received_on"].isoformat(), row["category"], label,
            row["summary"], row["resolution"], iso(row["resolved_on"]), row["recorded_by__username"],
        ]))


def write_broker_actions(out, year):
    csv_header(out, f"CPNI Track actions against data brokers {year}", BROKER_FIELDS)
    labels = dict(DataBrokerAction.Forum.choices)
    rows = DataBrokerAction.objects.filter(on_days_of("taken_on", year)).values(
        "pk", "taken_on", "forum", "description", "outcome", "recorded_by__username"
    )
    for row in chunked(rows, "pk"):
        out.write(csv_line([
            str(row["pk"]), row["taken_on"].isoformat(), row["forum"], labels.get(row["forum"], ""),
            row["description"], row["outcome"], row["recorded_by__username"],
        ]))


def write_pretexting(out, year):
    csv_header(out, f"CPNI Track pretexting observations {year}", PRETEXTING_FIELDS)
    rows = PretextingObservation.objects.filter(on_days_of("observed_on", year)).values(
        "pk", "observed_on", "method", "steps_taken", "recorded_by__username"
    )
    for row in chunked(rows, "pk"):
        out.write(csv_line([
            str(row["pk"]), row["observed_on"].isoformat(), row["method"], row["steps_taken"],
            row["recorded_by__username"],
        ]))


def _duty_cells(clock, key):
    duty = clock.duty(key)
    if duty is None:
        return ["", ""]
    due = "not required" if not duty.required else iso(duty.due_on)
    return [due, iso(duty.done_on)]


def write_breaches(out, year):
    """The breach register of `year`: every incident discovered in it (in settings.TIME_ZONE)."""
    csv_header(out, f"CPNI Track breaches of CPNI {year}", BREACH_FIELDS)
    incidents = (BreachIncident.objects.filter(in_year("discovered_at", year)).select_related("reported_by")
                 .prefetch_related("notifications", "directions", "records", "complaints", "pretexting")
                 .order_by("discovered_at", "pk"))
    for incident in incidents.iterator(chunk_size=500):
        clock = incident_clock(incident)
        late = [duty.key for duty in clock.duties if duty.late]
        customers = clock.duty("customers")
        harm = "" if incident.harm_likely is None else ("likely" if incident.harm_likely else "not likely")
        out.write(csv_line([
            incident.reference, incident.status, incident.rule, iso(incident.discovered_at),
            iso(incident.reasonably_determined_at), incident.description, incident.circumstances,
            iso(incident.occurred_from), iso(incident.occurred_to),
            "" if incident.customers_affected is None else str(incident.customers_affected),
            " ".join(incident.cpni_categories), incident.other_pii, "yes" if incident.encrypted_key_safe else "no",
            "" if incident.estimated_loss is None else str(incident.estimated_loss), harm, incident.harm_reason,
            *_duty_cells(clock, "law_enforcement"), *_duty_cells(clock, "fcc"),
            _duty_cells(clock, "customers")[0], iso(customers.not_before) if customers else "",
            _duty_cells(clock, "customers")[1], " ".join(late),
            "; ".join(f"{d.agency} {d.given_on:%Y-%m-%d} until {d.delay_until:%Y-%m-%d}" for d in incident.directions.all()),
            iso(incident.closed_at), iso(retained_until(incident)),
            " ".join(r.reference for r in incident.records.all()),
            " ".join(str(c.pk) for c in incident.complaints.all()),
            " ".join(str(p.pk) for p in incident.pretexting.all()), incident.reported_by.username,
        ]))
