"""Legal holds and retention schedules through the API with tokens, the schedule change preview
and its confirmation included."""

from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import AuditEvent, LegalHold, Record, RetentionSchedule, Status
from tests.factories import ScheduleFactory, make_record

pytestmark = pytest.mark.django_db
HOLDS, SCHEDULES = "/api/v1/holds/", "/api/v1/schedules/"


class TestHolds:
    def test_a_hold_on_listed_records_and_its_release(self, api, employee, records_manager, auditor):
        first, second = make_record(custodian=employee), make_record(custodian=employee, status=Status.DUE)
        destroyed = make_record(custodian=employee, status=Status.DESTROYED)
        client = api(records_manager)
        placed = client.post(HOLDS, {"matter": "Smith v. Carrier", "reason": "Litigation hold",
                                     "references": [first.reference, second.reference.lower(), destroyed.reference]},
                             format="json")
        assert placed.status_code == 201, placed.json()
        hold = placed.json()
        assert hold["marking"] == "CONFIDENTIAL" and hold["is_active"] and hold["record_count"] == 2
        assert hold["placed_by"] == "rita" and hold["scope"] == "listed records"
        assert placed["Location"] == f"{HOLDS}{hold['id']}/"
        held = api(employee).get("/api/v1/records/", {"hold": hold["id"]}).json()["results"]
        assert {r["reference"] for r in held} == {first.reference, second.reference}
        assert all(r["on_hold"] for r in held)

        reader = api(auditor)
        assert reader.get(f"{HOLDS}{hold['id']}/").json()["matter"] == "Smith v. Carrier"
        assert [h["id"] for h in reader.get(HOLDS).json()["results"]] == [hold["id"]]

        no_reason = client.post(f"{HOLDS}{hold['id']}/release/", {"reason": " "}, format="json")
        assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
        released = client.post(f"{HOLDS}{hold['id']}/release/", {"reason": "Settled"}, format="json")
        assert released.status_code == 200 and not released.json()["is_active"]
        assert released.json()["released_by"] == "rita" and released.json()["release_reason"] == "Settled"
        again = client.post(f"{HOLDS}{hold['id']}/release/", {"reason": "Settled"}, format="json")
        assert again.status_code == 409
        assert AuditEvent.objects.filter(action="hold.released").count() == 1

    def test_holds_by_schedule_department_and_customer(self, api, employee, outsider, records_manager):
        toll = ScheduleFactory(code="TOLL")
        on_toll = make_record(custodian=employee, schedule=toll)
        care = make_record(custodian=outsider)
        customer = make_record(custodian=employee, customer_reference="ACC-1")
        client = api(records_manager)
        for scope, expected in (({"schedule": "TOLL"}, {on_toll}), ({"department": "customer-care"}, {care}),
                                ({"customer_reference": " ACC-1 "}, {customer})):
            response = client.post(HOLDS, {"matter": "M", "reason": "R", **scope}, format="json")
            assert response.status_code == 201, (scope, response.json())
            hold = LegalHold.objects.get(pk=response.json()["id"])
            assert set(hold.records.all()) == expected, scope

    def test_a_hold_needs_exactly_one_scope_that_matches(self, api, employee, records_manager):
        make_record(custodian=employee)
        client = api(records_manager)
        for body in ({}, {"references": ["CPNI-2026-000001"], "schedule": "X"}, {"references": []},
                     {"references": ["CPNI-2099-000404"]}, {"customer_reference": "NOBODY"}, {"schedule": "NOPE"}):
            response = client.post(HOLDS, {"matter": "M", "reason": "R", **body}, format="json")
            assert response.status_code == 400, body
        assert not LegalHold.objects.exists()

    def test_unknown_holds_are_not_found(self, api, records_manager):
        client = api(records_manager)
        for hold_id in ("999", "abc", "0", "9" * 30):
            assert client.get(f"{HOLDS}{hold_id}/").status_code == 404, hold_id
            assert client.post(f"{HOLDS}{hold_id}/release/", {"reason": "r"}, format="json").status_code == 404


class TestSchedules:
    def test_list_create_and_read(self, api, records_manager, employee):
        ScheduleFactory(code="B-SCHED")
        client = api(records_manager)
        created = client.post(SCHEDULES, {
            "code": "A-SCHED", "title": "Call detail records", "period_value": 2, "period_unit": "years",
            "legal_minimum_value": 18, "legal_minimum_unit": "months", "legal_citation": "47 CFR 42.6",
            "applicable_media": ["paper", "ssd", "paper"],
        }, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["applicable_media"] == ["paper", "ssd"] and created["Location"] == f"{SCHEDULES}A-SCHED/"
        assert AuditEvent.objects.filter(action="schedule.created").exists()
        listed = api(employee).get(SCHEDULES).json()
        assert listed["marking"] == "CONFIDENTIAL" and [s["code"] for s in listed["results"]] == ["A-SCHED", "B-SCHED"]
        assert api(employee).get(f"{SCHEDULES}A-SCHED/").json()["legal_minimum_unit"] == "months"
        duplicate = client.post(SCHEDULES, {"code": "A-SCHED", "title": "Again", "period_value": 1}, format="json")
        assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
        event = client.post(SCHEDULES, {"code": "EVT", "title": "E", "period_value": 1, "trigger": "event"},
                            format="json")
        assert event.status_code == 400 and "trigger_event" in event.json()["errors"]
        assert api(employee).get(f"{SCHEDULES}NO-SUCH/").status_code == 404

    def test_a_change_that_moves_expiry_dates_needs_confirmation(self, api, employee, records_manager):
        toll = ScheduleFactory(code="TOLL", period_value=18, period_unit="months")
        old = make_record(custodian=employee, schedule=toll, trigger_date=timezone.localdate() - timedelta(days=400))
        client = api(records_manager)
        before = (AuditEvent.objects.count(), Record.objects.get(pk=old.pk).expiry_date)

        preview = client.patch(f"{SCHEDULES}TOLL/", {"period_value": 12}, format="json")
        assert preview.status_code == 409 and preview.json()["code"] == "confirmation_required"
        assert preview.json()["impact"] == {"records_moved": 1, "become_due": 1, "return_to_active": 0,
                                            "in_destruction": 0}
        assert (AuditEvent.objects.count(), Record.objects.get(pk=old.pk).expiry_date) == before
        assert RetentionSchedule.objects.get(pk=toll.pk).period_value == 18

        applied = client.patch(f"{SCHEDULES}TOLL/", {"period_value": 12, "confirm": True}, format="json")
        assert applied.status_code == 200, applied.json()
        assert applied.json()["period_value"] == 12 and applied.json()["impact"]["records_moved"] == 1
        assert Record.objects.get(pk=old.pk).expiry_date < before[1]
        assert AuditEvent.objects.filter(action="schedule.updated").count() == 1

    def test_lowering_the_legal_minimum_is_refused_without_a_second_records_manager(self, api, employee, records_manager):
        ScheduleFactory(code="TOLL", period_value=6, period_unit="months", legal_minimum_value=18,
                        legal_minimum_unit="months")
        refused = api(records_manager).patch(f"{SCHEDULES}TOLL/", {"legal_minimum_value": 6, "confirm": True},
                                             format="json")
        assert refused.status_code == 400 and "a second records manager approves it" in str(refused.json())
        assert RetentionSchedule.objects.get(code="TOLL").legal_minimum_value == 18

    def test_other_changes_apply_at_once(self, api, employee, records_manager):
        toll = ScheduleFactory(code="TOLL")
        make_record(custodian=employee, schedule=toll)
        response = api(records_manager).patch(f"{SCHEDULES}TOLL/", {"title": "Toll statements"}, format="json")
        assert response.status_code == 200 and response.json()["impact"]["records_moved"] == 0
        assert RetentionSchedule.objects.get(pk=toll.pk).title == "Toll statements"
        same = api(records_manager).patch(f"{SCHEDULES}TOLL/", {"period_value": toll.period_value}, format="json")
        assert same.status_code == 200, "an unchanged period moves nothing and needs no confirmation"

    def test_employees_read_schedules_but_never_change_them(self, api, employee):
        toll = ScheduleFactory(code="TOLL")
        assert api(employee).get(f"{SCHEDULES}TOLL/").status_code == 200
        refused = api(employee).patch(f"{SCHEDULES}TOLL/", {"title": "Mine", "confirm": True}, format="json")
        assert refused.status_code == 403
        created = api(employee).post(SCHEDULES, {"code": "X", "title": "X", "period_value": 1}, format="json")
        assert created.status_code == 403
        assert RetentionSchedule.objects.get(pk=toll.pk).title == toll.title and RetentionSchedule.objects.count() == 1
