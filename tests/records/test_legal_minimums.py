"""Further legal minimums: a record falls under its schedule's period and legal minimum and under
any further legal minimum it carries, and expires when the longest has run. Everywhere the expiry
is derived (logging, editing, extending, a schedule change, a minimum's change, the import) counts
them; the record's page lists them and says which one governs; their history is kept."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from records import imports, legal_minimums, minimum_lowering, schedules, selectors, services
from records.models import AuditEvent, LegalMinimum, Record, RecordLegalMinimum, RetentionSchedule, Status
from records.retention import expiry_date_for
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

TRIGGER = date(2025, 1, 1)
SCHEDULE_END = date(2026, 7, 1)  # 18 months
BREACH_END = date(2027, 1, 1)  # 2 years


@pytest.fixture
def toll(db):
    return ScheduleFactory(code="TOLL", period_value=18, period_unit="months", legal_minimum_value=18,
                           legal_minimum_unit="months", legal_citation="47 CFR 42.6")


@pytest.fixture
def breach(db):
    return LegalMinimum.objects.create(code="BREACH-RECORDS", citation="47 CFR 64.2011(d)", title="Records of CPNI breaches",
                                       period_value=2, period_unit="years")


@pytest.fixture
def retired(db):
    return LegalMinimum.objects.create(code="OLD-RULE", citation="47 CFR 99.1", title="A repealed rule", period_value=5,
                                       period_unit="years", is_active=False)


def written():
    """Everything logging or editing a record, or keeping the minimums, writes."""
    return {
        "records": Record.objects.count(), "record history": Record.history.count(),
        "minimums carried": RecordLegalMinimum.objects.count(), "their history": RecordLegalMinimum.history.count(),
        "minimums": LegalMinimum.objects.count(), "minimum history": LegalMinimum.history.count(),
        "audit events": AuditEvent.objects.count(),
        "expiries": sorted(Record.objects.values_list("pk", "expiry_date", "status")),
    }


def record_with(employee, toll, minimums=(), **overrides):
    return make_record(custodian=employee, schedule=toll, trigger_date=TRIGGER, legal_minimums=minimums, **overrides)


# --------------------------------------------------------------------------- the rule itself

def test_the_expiry_is_the_latest_of_the_schedule_and_every_minimum(breach):
    schedule = RetentionSchedule(code="TOLL", period_value=18, period_unit="months")
    short = LegalMinimum(citation="47 CFR 1.1", title="Short", period_value=6, period_unit="months")
    assert expiry_date_for(schedule, TRIGGER) == SCHEDULE_END
    assert expiry_date_for(schedule, TRIGGER, minimums=[short]) == SCHEDULE_END, "a minimum is a floor, not a ceiling"
    assert expiry_date_for(schedule, TRIGGER, minimums=[short, breach]) == BREACH_END
    assert expiry_date_for(schedule, TRIGGER, [(6, "months")], [breach]) == date(2027, 7, 1), "extensions come after"
    assert expiry_date_for(schedule, None, minimums=[breach]) is None


# --------------------------------------------------------------------------- records carrying minimums

def test_a_record_logged_with_a_minimum_is_kept_until_it_has_run(employee, toll, breach):
    record = record_with(employee, toll, [breach, breach])
    assert record.expiry_date == BREACH_END and list(record.legal_minimums.all()) == [breach]
    link = RecordLegalMinimum.history.get(record_id=record.pk)
    assert link.history_user == employee and link.history_type == "+"
    created = AuditEvent.objects.get(action="record.created", object_id=str(record.pk))
    assert created.payload["legal_minimums"] == ["47 CFR 64.2011(d)"]


def test_adding_and_removing_a_minimum_moves_the_expiry_and_shows_in_the_history(employee, records_manager, toll, breach):
    record = record_with(employee, toll)
    assert record.expiry_date == SCHEDULE_END
    record = services.record_update(actor=records_manager, record=record, legal_minimums=[breach])
    assert record.expiry_date == BREACH_END
    added = selectors.record_history(record)[0]
    assert added.who == str(records_manager)
    assert {(c.field, c.old, c.new) for c in added.changes} == {
        ("legal minimums", "—", "47 CFR 64.2011(d) (2 years)"), ("expiry date", "2026-07-01", "2027-01-01")}
    event = AuditEvent.objects.filter(action="record.updated").latest("sequence")
    assert event.payload["legal_minimums"] == [[], ["47 CFR 64.2011(d)"]]

    record = services.record_update(actor=records_manager, record=record, legal_minimums=[])
    assert record.expiry_date == SCHEDULE_END and not record.legal_minimums.exists()
    expired, removed = selectors.record_history(record)[:2]
    assert ("legal minimums", "47 CFR 64.2011(d) (2 years)", "—") in {(c.field, c.old, c.new) for c in removed.changes}
    assert record.status == "due" and ("status", "Active", "Due for destruction") in {
        (c.field, c.old, c.new) for c in expired.changes}, "past its expiry once more: due at once"
    assert RecordLegalMinimum.history.filter(record_id=record.pk, history_type="-").get().history_user == records_manager


def test_a_retired_minimum_is_not_newly_applied_but_stays_where_it_is(employee, records_manager, toll, breach, retired):
    before = written()
    with pytest.raises(ValidationError) as excinfo:
        record_with(employee, toll, [retired])
    assert "47 CFR 99.1" in excinfo.value.message_dict["legal_minimums"][0]
    assert written() == before

    record = record_with(employee, toll, [breach])
    legal_minimums.minimum_update(actor=records_manager, minimum=breach, is_active=False)
    breach.refresh_from_db()
    record = services.record_update(actor=employee, record=record, title="Renamed", legal_minimums=[breach])
    assert record.title == "Renamed" and list(record.legal_minimums.all()) == [breach]
    assert record.expiry_date == BREACH_END, "a retired minimum still counts for the records that carry it"


def test_minimums_change_only_while_the_record_is_active(employee, toll, breach):
    record = record_with(employee, toll, status=Status.DUE)
    before = written()
    with pytest.raises(ValidationError) as excinfo:
        services.record_update(actor=employee, record=record, legal_minimums=[breach])
    assert excinfo.value.message_dict == {"legal_minimums": ["Retention can only be changed while the record is active."]}
    assert written() == before


def test_a_schedule_change_keeps_counting_the_minimums(employee, records_manager, toll, breach):
    plain = record_with(employee, toll)
    carrying = record_with(employee, toll, [breach])
    changes = {"period_value": 12, "legal_minimum_value": 12}
    impact = schedules.schedule_change_impact(toll, changes)
    assert impact.records_moved == 1, "the record under the breach minimum keeps its expiry"
    # Lowering the schedule's legal minimum: asked by one records manager, approved by another.
    lowering = minimum_lowering.minimum_lowering_request(actor=records_manager, schedule=toll, changes=changes, reason="R")
    _, saved = minimum_lowering.minimum_lowering_decide(
        actor=UserFactory(username="rob", role=Role.RECORDS_MANAGER), lowering=lowering, approve=True)
    assert saved.records_moved == 1
    assert Record.objects.get(pk=plain.pk).expiry_date == date(2026, 1, 1)
    assert Record.objects.get(pk=carrying.pk).expiry_date == BREACH_END


def test_an_extension_is_added_to_the_latest_minimum(employee, records_manager, toll, breach):
    record = record_with(employee, toll, [breach])
    record = services.record_extend_retention(actor=records_manager, record=record, period_value=6, period_unit="months",
                                              reason="Billing dispute")
    assert record.expiry_date == date(2027, 7, 1)


# --------------------------------------------------------------------------- keeping the catalogue

def test_a_new_period_moves_every_record_that_carries_the_minimum(employee, records_manager, toll, breach):
    carrying = record_with(employee, toll, [breach])  # 2027-01-01
    plain = record_with(employee, toll)  # 2026-07-01, untouched
    due = make_record(custodian=employee, schedule=toll, trigger_date=date(2024, 1, 1), legal_minimums=[breach],
                      status=Status.DUE)  # 2026-01-01, past
    before = written()
    impact = legal_minimums.minimum_change_impact(breach, {"period_value": 3})
    assert (impact.records_moved, impact.return_to_active, impact.become_due) == (2, 1, 0)
    assert written() == before, "the preview changes nothing"

    saved, done = legal_minimums.minimum_update(actor=records_manager, minimum=breach, period_value=3)
    assert saved.period_value == 3 and (done.records_moved, done.return_to_active) == (2, 1)
    assert Record.objects.get(pk=carrying.pk).expiry_date == date(2028, 1, 1)
    assert Record.objects.get(pk=plain.pk).expiry_date == SCHEDULE_END
    due.refresh_from_db()
    assert due.status == Status.ACTIVE and due.expiry_date == date(2027, 1, 1)
    latest = Record.objects.get(pk=carrying.pk).history.latest()
    assert latest.history_user == records_manager and latest.history_change_reason == "legal minimum BREACH-RECORDS changed"
    event = AuditEvent.objects.get(action="legal_minimum.updated")
    assert event.payload["changes"] == {"period_value": [2, 3]} and event.payload["records_moved"] == 2


def test_a_new_title_moves_nothing(employee, records_manager, toll, breach):
    record_with(employee, toll, [breach])
    before = Record.history.count()
    _, impact = legal_minimums.minimum_update(actor=records_manager, minimum=breach, title="Breach records")
    assert impact.records_moved == 0 and Record.history.count() == before


@pytest.mark.parametrize("role", ["employee", "netops", "auditor", "officer"])
def test_only_records_managers_keep_the_minimums(request, role, breach):
    actor = request.getfixturevalue(role)
    before = written()
    with pytest.raises(PermissionDenied):
        legal_minimums.minimum_create(actor=actor, code="X", citation="47 CFR 1.1", title="X", period_value=1)
    with pytest.raises(PermissionDenied):
        legal_minimums.minimum_update(actor=actor, minimum=breach, period_value=1)
    assert written() == before


# --------------------------------------------------------------------------- the web pages

def minimum_form(**overrides):
    data = {"code": "TAX", "citation": "26 CFR 1.6001-1", "title": "Tax records", "period_value": "7",
            "period_unit": "years", "is_active": "on"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("overrides, field, message", [
    ({"period_value": "0"}, "period_value", "at least 1"),
    ({"period_value": "101"}, "period_value", "At most 100 years"),
    ({"citation": "47 CFR 1; 2"}, "citation", "cannot contain a semicolon"),
    ({"code": "BREACH-RECORDS"}, "code", "already exists"),
    ({"citation": ""}, "citation", "required"),
])
def test_a_bad_minimum_is_refused_on_the_page(client, records_manager, breach, overrides, field, message):
    client.force_login(records_manager)
    before = written()
    response = client.post(reverse("legal-minimum-create"), minimum_form(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert written() == before


def test_the_pages_add_a_minimum_then_preview_and_confirm_a_new_period(client, employee, records_manager, toll, breach):
    carrying = record_with(employee, toll, [breach])
    client.force_login(records_manager)
    assert client.post(reverse("legal-minimum-create"), minimum_form()).status_code == 302
    listing = client.get(reverse("legal-minimum-list")).content.decode()
    assert "26 CFR 1.6001-1" in listing and "47 CFR 64.2011(d)" in listing
    assert AuditEvent.objects.filter(action="legal_minimum.created").count() == 1

    url = reverse("legal-minimum-edit", args=["BREACH-RECORDS"])
    changed = minimum_form(code="BREACH-RECORDS", citation="47 CFR 64.2011(d)", title="Breach records", period_value="3")
    before = written()
    preview = client.post(url, changed)
    assert preview.status_code == 200 and preview.context["impact"].records_moved == 1
    assert "Confirm and save" in preview.content.decode()
    assert written() == before
    assert client.post(url, {**changed, "confirm": "1"}).status_code == 302
    assert Record.objects.get(pk=carrying.pk).expiry_date == date(2028, 1, 1)


def test_the_record_form_takes_minimums_and_the_page_says_which_governs(client, employee, toll, breach):
    from tests.records.test_views import form_data

    client.force_login(employee)
    response = client.post(reverse("record-create"), form_data(employee, toll, trigger_date="2025-01-01",
                                                               legal_minimums=[breach.pk]))
    assert response.status_code == 302
    record = Record.objects.get()
    assert record.expiry_date == BREACH_END
    page = client.get(record.get_absolute_url()).content.decode()
    assert "47 CFR 64.2011(d) — Records of CPNI breaches (2 years)" in page
    assert "set by Records of CPNI breaches (47 CFR 64.2011(d))" in page
    governs = page.split("Records of CPNI breaches <span")[1].split("</tr>")[0]
    assert "Governs the expiry" in governs and "2027-01-01" in governs
    schedule_row = page.split("<td>Schedule TOLL</td>")[1].split("</tr>")[0]
    assert "Governs" not in schedule_row and "2026-07-01" in schedule_row
    assert "<td>Legal minimums</td><td>—</td><td>47 CFR 64.2011(d) (2 years)</td>" in page


def test_the_record_form_refuses_a_retired_minimum(client, employee, toll, retired):
    from tests.records.test_views import form_data

    client.force_login(employee)
    before = written()
    response = client.post(reverse("record-create"), form_data(employee, toll, legal_minimums=[retired.pk]))
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["legal_minimums"])
    assert written() == before


def test_the_edit_form_leaves_the_minimums_of_a_due_record(client, employee, toll, breach):
    from tests.records.test_views import form_data

    record = record_with(employee, toll, status=Status.DUE)
    client.force_login(employee)
    page = client.get(reverse("record-edit", args=[record.reference])).content.decode()
    assert "Retention can only be changed while the record is active." in page
    before = written()
    client.post(reverse("record-edit", args=[record.reference]),
                form_data(employee, toll, title=record.title, cpni_categories=["billing"], trigger_date="2025-01-01",
                          legal_minimums=[breach.pk], label_verification=None, label_confirmed=None))
    assert written() == before


# --------------------------------------------------------------------------- the API

@pytest.fixture
def api():
    from tests.api.conftest import token_client

    return token_client

RECORDS = "/api/v1/records/"


def api_record(**overrides):
    from tests.api.test_records import new_record

    return new_record(trigger_date="2025-01-01", **overrides)


def test_the_api_logs_a_record_with_minimums_and_shows_its_terms(api, employee, toll, breach):
    response = api(employee).post(RECORDS, api_record(legal_minimums=["BREACH-RECORDS"]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["expiry_date"] == "2027-01-01"
    assert [m["citation"] for m in body["legal_minimums"]] == ["47 CFR 64.2011(d)"]
    governing = [t for t in body["retention_terms"] if t["governs"]]
    assert governing == [{"what": "Records of CPNI breaches", "citation": "47 CFR 64.2011(d)", "period": "2 years",
                          "ends_on": "2027-01-01", "additional": True, "governs": True}]
    listed = api(employee).get("/api/v1/legal-minimums/").json()
    assert listed["marking"] == "CONFIDENTIAL" and [m["code"] for m in listed["results"]] == ["BREACH-RECORDS"]


def test_the_api_refuses_unknown_and_retired_minimums(api, employee, toll, retired):
    client = api(employee)
    before = written()
    unknown = client.post(RECORDS, api_record(legal_minimums=["NO-SUCH"]), format="json")
    assert unknown.status_code == 400 and "does not exist" in unknown.json()["errors"]["legal_minimums.0"][0]
    refused = client.post(RECORDS, api_record(legal_minimums=["OLD-RULE"]), format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["legal_minimums"] == ["Retired legal minimum 47 CFR 99.1: choose a current one."]
    assert written() == before


def test_the_api_changes_minimums_only_while_the_record_is_active(api, employee, toll, breach):
    active = record_with(employee, toll)
    due = record_with(employee, toll, status=Status.DUE)
    client = api(employee)
    before = written()
    refused = client.patch(f"{RECORDS}{due.reference}/", {"legal_minimums": ["BREACH-RECORDS"]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["legal_minimums"] == ["Retention can only be changed while the record is active."]
    assert written() == before
    changed = client.patch(f"{RECORDS}{active.reference}/", {"legal_minimums": ["BREACH-RECORDS"]}, format="json")
    assert changed.status_code == 200 and changed.json()["expiry_date"] == "2027-01-01"


# --------------------------------------------------------------------------- the import

def sheet_row(**overrides):
    from tests.records.test_imports import row

    return row(schedule="TOLL", trigger_date="2025-01-01", **overrides)


def test_the_import_takes_minimums_by_code_or_citation(employee, records_manager, toll, breach):
    from tests.records.test_imports import csv_bytes, job_of

    rows = [sheet_row(legal_minimums="BREACH-RECORDS; 47 cfr 64.2011(d)"), sheet_row(title="Without")]
    sheet = imports.read_sheet("inventory.csv", csv_bytes(rows))
    assert not imports.validate_sheet(sheet)
    imports.write_records(actor=records_manager, sheet=sheet, job=job_of(records_manager))
    carrying, plain = Record.objects.order_by("reference")
    assert list(carrying.legal_minimums.all()) == [breach] and not plain.legal_minimums.exists()
    assert Record.objects.get(pk=carrying.pk).expiry_date == BREACH_END
    assert Record.objects.get(pk=plain.pk).expiry_date == SCHEDULE_END
    link = RecordLegalMinimum.history.get(record_id=carrying.pk)
    assert link.history_user == records_manager and link.history_change_reason == "imported"
    assert ("legal minimums", "—", "47 CFR 64.2011(d) (2 years)") in {
        (c.field, c.old, c.new) for c in selectors.record_history(carrying)[0].changes}


def test_the_import_names_unknown_and_retired_minimums_and_writes_nothing(tmp_path, employee, records_manager, toll,
                                                                           breach, retired, capsys):
    from tests.records.test_imports import csv_bytes

    rows = [sheet_row(), sheet_row(legal_minimums="BREACH-RECORDS; 47 CFR 12.3"), sheet_row(legal_minimums="OLD-RULE")]
    errors = imports.validate_sheet(imports.read_sheet("inventory.csv", csv_bytes(rows)))
    assert [(e.row, e.column, e.message) for e in errors] == [
        (3, "legal_minimums", "No legal minimum '47 CFR 12.3' (give its code or citation)."),
        (4, "legal_minimums", "Legal minimum 47 CFR 99.1 is retired; choose a current one."),
    ]
    sheet = tmp_path / "inventory.csv"
    sheet.write_bytes(csv_bytes(rows))
    before = written()
    with pytest.raises(CommandError, match="2 errors in 3 rows"):
        call_command("import_records", str(sheet), "--as", "rita")
    assert "row 4, legal_minimums: Legal minimum 47 CFR 99.1 is retired" in capsys.readouterr().out
    assert written() == before
