"""Records under a legal hold through the API: said so on every record (`on_hold`, `active_holds`),
filtered by `on_hold`, never changed (409 naming the hold, nothing written), and a hold on
destroyed records says which it could not hold."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from records import holds
from records.models import AuditEvent, LegalHold, Record, Status
from tests.factories import ScheduleFactory, make_record

pytestmark = pytest.mark.django_db
RECORDS, HOLDS = "/api/v1/records/", "/api/v1/holds/"


def hold(actor, *records, matter="Smith v. Carrier"):
    return holds.hold_place(actor=actor, matter=matter, reason="Litigation hold", scope="listed records",
                            records=Record.objects.filter(pk__in=[r.pk for r in records]), listed=True)


def test_a_record_says_it_is_on_hold_and_by_which_holds(api, employee, records_manager):
    record = make_record(custodian=employee)
    first, second = hold(records_manager, record), hold(records_manager, record, matter="FCC inquiry 26-17")
    holds.hold_release(actor=records_manager, hold=second, reason="Closed")
    body = api(employee).get(f"{RECORDS}{record.reference}/").json()
    assert body["on_hold"] is True
    assert [(h["id"], h["matter"]) for h in body["active_holds"]] == [(first.pk, "Smith v. Carrier")]
    holds.hold_release(actor=records_manager, hold=first, reason="Settled")
    body = api(employee).get(f"{RECORDS}{record.reference}/").json()
    assert body["on_hold"] is False and body["active_holds"] == []


def test_the_list_says_it_per_record_in_a_fixed_number_of_queries(api, employee, records_manager):
    client = api(employee)
    records = [make_record(custodian=employee, title=f"R{i}") for i in range(6)]
    hold(records_manager, records[0])
    client.get(RECORDS)
    with CaptureQueriesContext(connection) as few:
        client.get(RECORDS)
    hold(records_manager, *records[1:4], matter="FCC inquiry 26-17")
    with CaptureQueriesContext(connection) as more:
        results = client.get(RECORDS).json()["results"]
    assert len(more) == len(few)
    held = {r["reference"]: [h["matter"] for h in r["active_holds"]] for r in results if r["on_hold"]}
    assert held == {records[0].reference: ["Smith v. Carrier"],
                    **{r.reference: ["FCC inquiry 26-17"] for r in records[1:4]}}


@pytest.mark.parametrize(("value", "shown"), [("true", {"held"}), ("false", {"free"}), (None, {"held", "free"})])
def test_the_on_hold_filter(api, employee, records_manager, value, shown):
    records = {"held": make_record(custodian=employee), "free": make_record(custodian=employee)}
    hold(records_manager, records["held"])
    response = api(employee).get(RECORDS, {} if value is None else {"on_hold": value})
    references = {r["reference"] for r in response.json()["results"]}
    assert references == {records[name].reference for name in shown}


def test_a_bad_on_hold_filter_is_a_400_naming_it(api, employee):
    response = api(employee).get(RECORDS, {"on_hold": "maybe"})
    assert response.status_code == 400 and "on_hold" in response.json()["errors"]


@pytest.mark.parametrize("change", [{"title": "Renamed"}, {"custodian": "colin"}, {"location": "Basement"}, {}])
def test_a_held_record_is_never_changed_409_naming_the_hold(api, employee, colleague, records_manager, change):
    record = make_record(custodian=employee, status=Status.DUE)
    placed = hold(records_manager, record)
    client = api(employee)
    before = Record.history.count(), AuditEvent.objects.count()
    response = client.patch(f"{RECORDS}{record.reference}/", change, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["detail"] == (
        f"{record.reference} is under legal hold #{placed.pk} (Smith v. Carrier): it cannot be changed until the hold "
        "is released."
    )
    assert response.json()["code"] == "state_conflict"
    assert (Record.history.count(), AuditEvent.objects.count()) == before
    after = Record.objects.get(pk=record.pk)
    assert (after.title, after.custodian_id, after.location) == (record.title, employee.pk, record.location)


def test_once_released_the_record_can_be_changed(api, employee, records_manager):
    record = make_record(custodian=employee)
    holds.hold_release(actor=records_manager, hold=hold(records_manager, record), reason="Settled")
    response = api(employee).patch(f"{RECORDS}{record.reference}/", {"location": "Basement"}, format="json")
    assert response.status_code == 200 and response.json()["location"] == "Basement"


def test_a_hold_naming_destroyed_records_says_which_it_could_not_hold(api, employee, records_manager):
    kept = make_record(custodian=employee)
    gone = make_record(custodian=employee, status=Status.DESTROYED)
    response = api(records_manager).post(HOLDS, {
        "matter": "Smith v. Carrier", "reason": "Litigation", "references": [kept.reference, gone.reference],
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    destroyed_on, certificate = gone.destruction.destroyed_on.isoformat(), gone.destruction.certificate_number
    assert body["record_count"] == 1 and body["destroyed_left_out_count"] == 1
    assert body["destroyed_left_out"] == [
        {"reference": gone.reference, "destroyed_on": destroyed_on, "certificate_number": certificate}
    ]
    assert body["left_out_notes"] == [f"{gone.reference} was destroyed on {destroyed_on} (certificate {certificate}): not held."]
    assert api(records_manager).get(f"{HOLDS}{body['id']}/").json()["left_out_notes"] == body["left_out_notes"]


def test_a_scope_hold_counts_the_destroyed_records_it_left_out(api, employee, records_manager):
    toll = ScheduleFactory(code="TOLL")
    make_record(custodian=employee, schedule=toll)
    make_record(custodian=employee, schedule=toll, status=Status.DESTROYED)
    response = api(records_manager).post(HOLDS, {"matter": "M", "reason": "R", "schedule": "TOLL"}, format="json")
    body = response.json()
    assert response.status_code == 201 and body["record_count"] == 1
    assert body["destroyed_left_out"] == [] and body["destroyed_left_out_count"] == 1
    assert body["left_out_notes"] == ["1 destroyed record in schedule TOLL was left out: a destroyed record cannot be held."]


def test_a_hold_on_destroyed_records_only_is_a_400_naming_them_and_writes_nothing(api, employee, records_manager):
    gone = make_record(custodian=employee, status=Status.DESTROYED)
    events = AuditEvent.objects.count()
    response = api(records_manager).post(HOLDS, {"matter": "M", "reason": "R", "references": [gone.reference]},
                                         format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{gone.reference} was destroyed on ")
    assert gone.destruction.certificate_number in response.json()["detail"]
    assert not LegalHold.objects.exists() and AuditEvent.objects.count() == events


def test_the_schema_documents_holds_on_records():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    record = schema["components"]["schemas"]["Record"]["properties"]
    assert record["on_hold"]["readOnly"] and "legal hold" in record["on_hold"]["description"]
    assert record["active_holds"]["readOnly"] and record["active_holds"]["items"]["$ref"].endswith("/HoldReference")
    listing = schema["paths"][RECORDS]["get"]
    on_hold = next(p for p in listing["parameters"] if p["name"] == "on_hold")
    assert on_hold["schema"]["type"] == "boolean" and "legal hold" in on_hold["description"]
    patch = schema["paths"]["/api/v1/records/{reference}/"]["patch"]
    assert "under an active legal hold (409" in patch["description"]
    hold_fields = schema["components"]["schemas"]["Hold"]["properties"]
    assert {"destroyed_left_out", "destroyed_left_out_count", "left_out_notes"} <= set(hold_fields)
