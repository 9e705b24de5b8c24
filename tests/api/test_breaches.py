"""/api/v1/breaches/: the register through the API, with every deadline as an ISO date, the rule's
refusals as problems naming the field, and nothing written by a refused request."""

import pytest

from compliance.models import BreachIncident, BreachNotification
from records.models import AuditEvent

pytestmark = pytest.mark.django_db

BREACH = {
    "description": "A clerk's account looked up call records without a customer request",
    "discovered_at": "2026-11-13T15:00:00-05:00",
    "reasonably_determined_at": "2026-11-16T10:00:00-05:00",
    "customers_affected": 40,
    "cpni_categories": ["billing", "destination"],
}


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-12-05 12:00 -0500", tick=False)


def written():
    return BreachIncident.objects.count(), BreachNotification.objects.count(), AuditEvent.objects.count()


def test_a_records_manager_opens_a_determined_breach_and_reads_its_deadlines(api, now, records_manager, auditor):
    response = api(records_manager).post("/api/v1/breaches/", BREACH, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["marking"] == "CONFIDENTIAL" and body["status"] == "determined" and body["rule"] == "legacy"
    assert body["law_enforcement_due"] == "2026-11-25" and body["next_deadline"] == "2026-11-25"
    assert body["fcc_due"] is None and body["customers_due"] is None and body["customers_not_before"] is None
    assert response["Location"] == f"/api/v1/breaches/{body['id']}/"
    read = api(auditor).get(f"/api/v1/breaches/{body['id']}/").json()
    assert read["reference"] == f"BR-{body['id']:05d}" and [d["key"] for d in read["duties"]] == ["law_enforcement", "customers"]
    page = api(auditor).get("/api/v1/breaches/").json()
    assert page["marking"] == "CONFIDENTIAL" and [row["id"] for row in page["results"]] == [body["id"]]


@pytest.mark.parametrize("change, field, message", [
    ({"reasonably_determined_at": "2026-11-12T10:00:00-05:00"}, "reasonably_determined_at",
     "The determination cannot be before 2026-11-13 15:00, when the breach was discovered."),
    ({"discovered_at": "2026-12-24T10:00:00-05:00"}, "discovered_at", "The discovery cannot be in the future"),
    ({"discovered_at": "2026-11-13T15:00:00"}, "discovered_at", "Give the date-time with its offset"),
    ({"cpni_categories": ["passwords"]}, "cpni_categories.0", '"passwords" is not a valid choice.'),
    ({"customers_affected": "40"}, "customers_affected", "A valid integer is required."),
    ({"records": ["CPNI-2026-999999"]}, "records", "No such record: CPNI-2026-999999."),
])
def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(api, now, records_manager, change, field,
                                                                        message):
    before = written()
    response = api(records_manager).post("/api/v1/breaches/", {**BREACH, **change}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert written() == before


def test_notifications_and_directions_as_nested_actions(api, now, records_manager):
    client = api(records_manager)
    breach = client.post("/api/v1/breaches/", BREACH, format="json").json()
    url = f"/api/v1/breaches/{breach['id']}/"
    notified = client.post(f"{url}notifications/", {"recipient": "law_enforcement", "notified_at": "2026-11-18T09:00:00-05:00",
                                                    "method": "reporting_facility", "confirmation_number": "CRF-1"},
                           format="json")
    assert notified.status_code == 201 and notified.json()["status"] == "notified"
    assert notified.json()["customers_not_before"] == "2026-12-01"
    before = written()
    refused = client.post(f"{url}notifications/", {"recipient": "customers", "notified_at": "2026-11-30T09:00:00-05:00",
                                                   "method": "mail"}, format="json")
    assert refused.status_code == 400 and written() == before
    assert refused.json()["errors"]["notified_at"] == [
        "Customers may not be told before 2026-12-01: 7 full business days must pass after the law-enforcement "
        "notification of 2026-11-18 (47 CFR 64.2011(b)(1))."]

    direction = client.post(f"{url}directions/", {"agency": "FBI", "form": "written", "given_on": "2026-11-20",
                                                  "delay_until": "2026-12-10"}, format="json")
    assert direction.status_code == 201 and direction.json()["customers_not_before"] == "2026-12-11"
    first = direction.json()["directions"][0]["id"]
    extended = client.post(f"{url}directions/", {"agency": "FBI", "form": "written", "given_on": "2026-12-04",
                                                 "delay_until": "2027-01-08", "extends": first}, format="json")
    assert extended.json()["customers_not_before"] == "2027-01-09"
    oral = client.post(f"{url}directions/", {"agency": "USSS", "form": "oral", "given_on": "2026-12-04",
                                             "delay_until": "2026-12-20"}, format="json").json()["directions"][-1]
    late = client.post(f"{url}directions/", {"confirms": oral["id"], "confirmed_in_writing_on": "2026-12-05"},
                       format="json")
    assert late.status_code == 201 and late.json()["directions"][-1]["confirmed_in_writing_on"] == "2026-12-05"
    assert client.post(f"{url}directions/", {"confirms": 999999, "confirmed_in_writing_on": "2026-12-05"},
                       format="json").status_code == 400


def test_patch_assesses_harm_and_closes_or_says_what_is_still_open(api, now, records_manager, settings):
    settings.BREACH_RULE = "2023"
    client = api(records_manager)
    breach = client.post("/api/v1/breaches/", {**BREACH, "customers_affected": 120}, format="json").json()
    url = f"/api/v1/breaches/{breach['id']}/"
    assert breach["fcc_due"] == "2026-11-25" and breach["customers_due"] == "2026-12-16"
    harmless = client.patch(url, {"harm_likely": False, "harm_reason": "Encrypted, key kept apart"}, format="json").json()
    assert harmless["fcc_due"] == "2027-02-01" and harmless["customers_due"] is None
    refused = client.patch(url, {"status": "closed", "closure_note": "Done"}, format="json")
    assert refused.status_code == 400 and "Still to notify before closing" in refused.json()["detail"]
    for recipient, method in (("law_enforcement", "reporting_facility"), ("fcc", "annual_summary")):
        client.post(f"{url}notifications/", {"recipient": recipient, "notified_at": "2026-11-18T09:00:00-05:00",
                                             "method": method}, format="json")
    closed = client.patch(url, {"status": "closed", "closure_note": "In the annual summary"}, format="json").json()
    assert closed["status"] == "closed" and closed["retained_until"] == "2028-12-05"
    again = client.patch(url, {"description": "Rewritten"}, format="json")
    assert again.status_code == 409 and "is closed" in again.json()["detail"]


def test_a_patch_refused_halfway_writes_nothing(api, now, records_manager):
    client = api(records_manager)
    reported = client.post("/api/v1/breaches/", {key: BREACH[key] for key in ("description", "discovered_at")},
                           format="json").json()
    before = written()
    response = client.patch(f"/api/v1/breaches/{reported['id']}/", {
        "description": "Rewritten", "reasonably_determined_at": "2026-11-01T10:00:00-05:00"}, format="json")
    assert response.status_code == 400 and written() == before
    assert BreachIncident.objects.get().description == BREACH["description"]


def test_the_schema_documents_the_breach_api(api, records_manager):
    schema = api(records_manager).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {"/api/v1/breaches/", "/api/v1/breaches/{breach_id}/", "/api/v1/breaches/{breach_id}/notifications/",
            "/api/v1/breaches/{breach_id}/directions/"} <= set(schema["paths"])
    fields = schema["components"]["schemas"]["Breach"]["properties"]
    assert fields["law_enforcement_due"]["format"] == "date" and fields["customers_due"]["format"] == "date"
