"""The breach register's services: reporting, determining, the rule's deadlines and refusals (legacy
and 2023), law-enforcement directions, closing, the record kept, who may do what, and bad input
refused with nothing written."""

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from compliance import breach_clock, breaches
from compliance.models import BreachIncident, BreachNotification, CustomerComplaint, LawEnforcementDirection
from records.conflicts import StateConflict
from records.models import AuditEvent, Record
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def at(text):
    """A moment in the carrier's time zone, e.g. at("2026-11-16 10:00")."""
    return timezone.make_aware(datetime.fromisoformat(text))


def written():
    """Everything a breach service could write."""
    return (BreachIncident.objects.count(), BreachNotification.objects.count(), LawEnforcementDirection.objects.count(),
            AuditEvent.objects.count(), BreachIncident.history.count(),
            list(BreachIncident.objects.values_list("status", "reasonably_determined_at", "description")))


@pytest.fixture
def now(time_machine):
    """The clock stands at noon on Saturday 5 December 2026, after every date the tests record."""
    time_machine.move_to("2026-12-05 12:00 -0500", tick=False)


def determined(manager, when="2026-11-16 10:00", **fields):
    return breaches.breach_report(
        actor=manager, fields={"description": "Call records looked up without a customer request",
                               "discovered_at": at("2026-11-13 15:00"), **fields},
        reasonably_determined_at=at(when),
    )


def notify(manager, incident, recipient, when, **extra):
    return breaches.breach_notification_record(actor=manager, incident=incident, recipient=recipient,
                                               notified_at=at(when), method=extra.pop("method", "reporting_facility"),
                                               **extra)


def message_of(error):
    return " ".join(error.value.messages)


# --------------------------------------------------------------------------- reporting and determining

def test_an_employee_reports_a_suspected_breach_and_a_records_manager_determines_it(now, employee, records_manager):
    incident = breaches.breach_report(actor=employee, fields={
        "description": "A caller knew a customer's last bill", "discovered_at": at("2026-11-13 15:00")})
    assert incident.status == BreachIncident.Status.REPORTED and incident.reported_by == employee
    assert breach_clock.incident_clock(incident).duties == []

    incident = breaches.breach_assess(actor=records_manager, incident=incident)
    incident = breaches.breach_determine(actor=records_manager, incident=incident,
                                         reasonably_determined_at=at("2026-11-16 10:00"))
    assert (incident.status, incident.rule) == (BreachIncident.Status.DETERMINED, "legacy")
    assert breach_clock.incident_clock(incident).duty("law_enforcement").due_on == date(2026, 11, 25)
    actions = list(AuditEvent.objects.filter(object_id=str(incident.pk), object_type="compliance.breachincident")
                   .order_by("sequence").values_list("action", "actor"))
    assert actions == [("breach.reported", employee.pk), ("breach.assess", records_manager.pk),
                       ("breach.determine", records_manager.pk)]
    assert [(row.status, row.history_user) for row in incident.history.order_by("history_date", "history_id")] == [
        ("reported", employee), ("assessing", records_manager), ("determined", records_manager)]


def test_an_employee_reports_only_what_they_saw_and_takes_no_other_step(now, employee, records_manager, auditor, officer):
    before = written()
    with pytest.raises(PermissionDenied, match="customers_affected"):
        breaches.breach_report(actor=employee, fields={"description": "x", "discovered_at": at("2026-11-13 15:00"),
                                                       "customers_affected": 3})
    with pytest.raises(PermissionDenied):
        breaches.breach_report(actor=employee, fields={"description": "x", "discovered_at": at("2026-11-13 15:00")},
                               reasonably_determined_at=at("2026-11-16 10:00"))
    for person in (auditor, officer):
        with pytest.raises(PermissionDenied):
            breaches.breach_report(actor=person, fields={"description": "x", "discovered_at": at("2026-11-13 15:00")})
    incident = determined(records_manager)
    before = written()
    for person in (employee, auditor, officer):
        with pytest.raises(PermissionDenied):
            breaches.breach_update(actor=person, incident=incident, fields={"description": "changed"})
        with pytest.raises(PermissionDenied):
            notify(person, incident, "law_enforcement", "2026-11-18 09:00")
        with pytest.raises(PermissionDenied):
            breaches.breach_close(actor=person, incident=incident, note="n")
        with pytest.raises(PermissionDenied):
            breaches.breach_direction_record(actor=person, incident=incident, agency="FBI", form="written",
                                             given_on=date(2026, 11, 20), delay_until=date(2026, 12, 10))
    assert written() == before


@pytest.mark.parametrize("change, field, message", [
    ({"discovered_at": at("2026-11-17 09:00")}, "reasonably_determined_at",
     "The determination cannot be before 2026-11-17 09:00, when the breach was discovered."),
    ({"discovered_at": at("2026-12-24 09:00")}, "discovered_at", "The discovery cannot be in the future"),
    ({"determined": at("2026-12-06 09:00")}, "reasonably_determined_at", "The determination cannot be in the future"),
    ({"description": "  "}, "description", "This field cannot be blank."),
    ({"cpni_categories": ["billing", "passwords"]}, "cpni_categories", "Not a category of CPNI: passwords."),
    ({"occurred_from": date(2026, 11, 10), "occurred_to": date(2026, 11, 1)}, "occurred_to",
     "The breach ends on or after the day it began."),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(now, records_manager, change, field, message):
    fields = {"description": "Call records looked up", "discovered_at": at("2026-11-13 15:00")}
    determined_at = change.pop("determined", at("2026-11-16 10:00"))
    fields.update(change)
    before = written()
    with pytest.raises(ValidationError) as error:
        breaches.breach_report(actor=records_manager, fields=fields, reasonably_determined_at=determined_at)
    assert message in " ".join(error.value.message_dict[field])
    assert written() == before


def test_a_notification_before_the_determination_or_in_the_future_is_refused(now, records_manager):
    reported = breaches.breach_report(actor=records_manager, fields={"description": "d",
                                                                     "discovered_at": at("2026-11-13 15:00")})
    before = written()
    with pytest.raises(ValidationError, match="is not determined a breach yet"):
        notify(records_manager, reported, "law_enforcement", "2026-11-18 09:00")
    incident = determined(records_manager)
    before = written()
    with pytest.raises(ValidationError) as error:
        notify(records_manager, incident, "law_enforcement", "2026-11-16 09:00")
    assert error.value.message_dict["notified_at"] == [
        "The notification cannot be before 2026-11-16 10:00, when the breach was determined."]
    with pytest.raises(ValidationError, match="cannot be in the future"):
        notify(records_manager, incident, "law_enforcement", "2026-12-07 09:00")
    assert written() == before


# --------------------------------------------------------------------------- the legacy rule

def test_legacy_customer_notice_is_refused_in_the_waiting_window_and_allowed_after_it(now, records_manager):
    incident = determined(records_manager)
    before = written()
    with pytest.raises(ValidationError) as error:
        notify(records_manager, incident, "customers", "2026-11-17 09:00", method="mail")
    assert "only after the US Secret Service and the FBI are notified" in message_of(error)
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00", confirmation_number="CRF-1")
    incident.refresh_from_db()
    assert incident.status == BreachIncident.Status.NOTIFIED
    before = written()
    with pytest.raises(ValidationError) as error:
        notify(records_manager, incident, "customers", "2026-11-30 17:00", method="mail")
    assert error.value.message_dict["notified_at"] == [
        "Customers may not be told before 2026-12-01: 7 full business days must pass after the law-enforcement "
        "notification of 2026-11-18 (47 CFR 64.2011(b)(1))."]
    assert written() == before
    notification = notify(records_manager, incident, "customers", "2026-12-01 09:00", method="mail")
    assert notification.pk and not breach_clock.incident_clock(incident).duty("customers").is_open


def test_legacy_urgent_need_after_consulting_the_agency_allows_customer_notice_at_once(now, records_manager):
    incident = determined(records_manager)
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00")
    with pytest.raises(ValidationError) as error:
        breaches.breach_record_urgent_need(actor=records_manager, incident=incident, reason="", agency="",
                                           consulted_at=None)
    assert set(error.value.message_dict) == {"urgent_need", "urgent_need_agency", "urgent_need_consulted_at"}
    incident = breaches.breach_record_urgent_need(actor=records_manager, incident=incident,
                                                  reason="Accounts being drained now", agency="USSS Boston",
                                                  consulted_at=at("2026-11-19 11:00"))
    with pytest.raises(ValidationError, match="not be told before 2026-11-19"):
        notify(records_manager, incident, "customers", "2026-11-18 15:00", method="telephone")
    notify(records_manager, incident, "customers", "2026-11-19 12:00", method="telephone")


def test_a_law_enforcement_direction_and_its_extension_move_the_first_day_customers_may_be_told(now, records_manager):
    incident = determined(records_manager)
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00")
    with pytest.raises(ValidationError) as error:
        breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="written",
                                         given_on=date(2026, 11, 20), delay_until=date(2026, 12, 21))
    assert "up to 30 days (to 2026-12-20 at the latest)" in error.value.message_dict["delay_until"][0]
    first = breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="written",
                                             given_on=date(2026, 11, 20), delay_until=date(2026, 12, 10))
    assert breach_clock.incident_clock(incident).customers_from == date(2026, 12, 11)
    breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="written",
                                     given_on=date(2026, 12, 4), delay_until=date(2027, 1, 8), extends=first)
    clock = breach_clock.incident_clock(incident)
    assert clock.customers_from == date(2027, 1, 9)
    assert clock.customers_wait_reason == "law enforcement directed a delay of customer notice until 2027-01-08"
    with pytest.raises(ValidationError, match="An extension ends after the delay it extends"):
        breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="written",
                                         given_on=date(2026, 12, 4), delay_until=date(2026, 12, 9), extends=first)


def test_an_oral_direction_holds_only_if_confirmed_in_writing_within_the_window(now, records_manager, settings):
    incident = determined(records_manager)
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00")
    oral = breaches.breach_direction_record(actor=records_manager, incident=incident, agency="USSS", form="oral",
                                            given_on=date(2026, 11, 19), delay_until=date(2026, 12, 15))
    # Not confirmed: it lapses after 3 business days (Friday 20, Monday 23, Tuesday 24 November).
    assert breach_clock.holds_until(oral) == date(2026, 11, 24)
    assert breach_clock.incident_clock(incident).customers_from == date(2026, 12, 1)  # the legacy wait, then
    with pytest.raises(ValidationError) as error:
        breaches.breach_direction_confirm(actor=records_manager, direction=oral,
                                          confirmed_in_writing_on=date(2026, 11, 25))
    assert "confirmed in writing within 3 business days, by 2026-11-24" in error.value.message_dict[
        "confirmed_in_writing_on"][0]
    breaches.breach_direction_confirm(actor=records_manager, direction=oral, confirmed_in_writing_on=date(2026, 11, 24))
    assert breach_clock.incident_clock(incident).customers_from == date(2026, 12, 16)
    settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS = 5
    late = breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="oral",
                                            given_on=date(2026, 11, 19), delay_until=date(2026, 12, 15))
    assert breach_clock.holds_until(late) == date(2026, 11, 27)


# --------------------------------------------------------------------------- the 2023 rule

def test_2023_the_fcc_is_notified_too_and_customers_within_30_days(now, records_manager, settings):
    settings.BREACH_RULE = "2023"
    incident = determined(records_manager, customers_affected=900)
    clock = breach_clock.incident_clock(incident)
    assert [(d.key, d.due_on) for d in clock.duties] == [
        ("law_enforcement", date(2026, 11, 25)), ("fcc", date(2026, 11, 25)), ("customers", date(2026, 12, 16))]
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00")
    with pytest.raises(ValidationError, match="after the FCC, the US Secret Service and the FBI are notified"):
        notify(records_manager, incident, "customers", "2026-11-18 10:00", method="email")
    notify(records_manager, incident, "fcc", "2026-11-18 09:30")
    notify(records_manager, incident, "customers", "2026-11-19 10:00", method="email")  # no 7-day wait
    settings.BREACH_RULE = "legacy"
    incident.refresh_from_db()
    assert incident.rule == "2023", "an incident keeps the rule it was determined under"
    assert breach_clock.incident_clock(incident).duty("fcc") is not None


def test_2023_the_customer_cap_is_configurable_and_a_direction_moves_it(now, records_manager, settings):
    settings.BREACH_RULE = "2023"
    settings.BREACH_CUSTOMER_NOTICE_DAYS = 10
    incident = determined(records_manager)
    assert breach_clock.incident_clock(incident).duty("customers").due_on == date(2026, 11, 26)
    breaches.breach_direction_record(actor=records_manager, incident=incident, agency="FBI", form="written",
                                     given_on=date(2026, 11, 20), delay_until=date(2026, 12, 18))
    clock = breach_clock.incident_clock(incident)
    assert clock.duty("customers").due_on == date(2026, 12, 19)


def test_2023_no_harm_reasonably_likely_needs_no_customer_notice_and_a_small_breach_goes_in_the_annual_summary(
    now, records_manager, settings
):
    settings.BREACH_RULE = "2023"
    incident = determined(records_manager, customers_affected=120)
    with pytest.raises(ValidationError, match="Say why"):
        breaches.breach_assess_harm(actor=records_manager, incident=incident, harm_likely=False, reason=" ")
    incident = breaches.breach_assess_harm(actor=records_manager, incident=incident, harm_likely=False,
                                           reason="Encrypted laptop, key kept apart")
    clock = breach_clock.incident_clock(incident)
    customers, fcc = clock.duty("customers"), clock.duty("fcc")
    assert not customers.required and not customers.is_open and customers.due_on is None
    assert fcc.due_on == date(2027, 2, 1) and "annual summary" in fcc.label
    settings.BREACH_ANNUAL_SUMMARY_DUE = (3, 1)
    assert breach_clock.incident_clock(incident).duty("fcc").due_on == date(2027, 3, 1)
    notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00")
    with pytest.raises(ValidationError, match="Still to notify before closing: FCC: annual summary"):
        breaches.breach_close(actor=records_manager, incident=incident, note="Done")
    notify(records_manager, incident, "fcc", "2026-12-04 09:00", method="annual_summary")
    incident = breaches.breach_close(actor=records_manager, incident=incident, note="Reported in the summary")
    assert incident.status == BreachIncident.Status.CLOSED

    larger = determined(records_manager, customers_affected=600)
    breaches.breach_assess_harm(actor=records_manager, incident=larger, harm_likely=False, reason="r")
    assert breach_clock.incident_clock(larger).duty("fcc").due_on == date(2026, 11, 25)


# --------------------------------------------------------------------------- closing and keeping the record

def test_a_closed_incidents_record_and_its_documents_are_kept_2_years_from_its_closure(
    now, records_manager, employee, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    record = make_record(custodian=employee)
    assert record.expiry_date < date(2028, 12, 5)
    incident = determined(records_manager)
    breaches.breach_update(actor=records_manager, incident=incident, fields={}, links={"records": [record.reference]})
    notice = notify(records_manager, incident, "law_enforcement", "2026-11-18 09:00", copy=b"%PDF-1.7 notice",
                    copy_name="crf receipt.pdf")
    with pytest.raises(ValidationError, match="Still to notify before closing: Affected customers"):
        breaches.breach_close(actor=records_manager, incident=incident, note="Done")
    notify(records_manager, incident, "customers", "2026-12-01 09:00", method="mail")
    incident.refresh_from_db()
    incident = breaches.breach_close(actor=records_manager, incident=incident, note="All notified")
    assert breach_clock.retained_until(incident) == date(2028, 12, 5)
    record.refresh_from_db()
    assert record.expiry_date == date(2028, 12, 5)
    assert "kept 2 years from its last notification or closure" in record.extensions.get().reason
    assert breaches.notice_copy_path(notice).read_bytes() == b"%PDF-1.7 notice"
    assert AuditEvent.objects.filter(action="breach.record_kept", payload__retained_until="2028-12-05").exists()
    with pytest.raises(ValidationError, match="kept until 2028-12-05"):
        incident.delete()
    with pytest.raises(StateConflict, match="is closed"):
        breaches.breach_update(actor=records_manager, incident=incident, fields={"description": "rewritten"})
    assert BreachIncident.objects.filter(pk=incident.pk).exists()


def test_a_document_being_destroyed_cannot_be_linked(now, records_manager, employee):
    shredding = make_record(custodian=employee, status="pending_shred")
    incident = determined(records_manager)
    before = written()
    with pytest.raises(ValidationError, match="is being destroyed or destroyed"):
        breaches.breach_update(actor=records_manager, incident=incident, fields={},
                               links={"records": [shredding.reference]})
    with pytest.raises(ValidationError, match="No such record: CPNI-2026-999999"):
        breaches.breach_update(actor=records_manager, incident=incident, fields={}, links={"records": ["CPNI-2026-999999"]})
    assert written() == before and not Record.objects.get(pk=shredding.pk).breach_incidents.exists()


def test_an_incident_found_not_to_be_a_breach_is_closed_with_the_reason(now, records_manager, employee):
    incident = breaches.breach_report(actor=employee, fields={"description": "d", "discovered_at": at("2026-11-13 15:00")})
    with pytest.raises(ValidationError, match="Say why the incident is closed"):
        breaches.breach_close(actor=records_manager, incident=incident, note="")
    incident = breaches.breach_close(actor=records_manager, incident=incident, note="The caller was the customer")
    assert breach_clock.retained_until(incident) == date(2028, 12, 5)
    with pytest.raises(StateConflict):
        breaches.breach_determine(actor=records_manager, incident=incident, reasonably_determined_at=at("2026-11-16 10:00"))


def test_a_complaint_is_assessed_as_a_possible_breach(now, records_manager):
    complaint = CustomerComplaint.objects.create(received_on=date(2026, 11, 2), category="employee_access",
                                                 summary="A clerk read my bill", recorded_by=records_manager)
    incident = breaches.breach_assess_register_entry(actor=records_manager, entry=complaint)
    assert incident.status == BreachIncident.Status.ASSESSING
    assert list(incident.complaints.all()) == [complaint]
    assert incident.discovered_at == at("2026-11-02 09:00")
    assert "customer complaint of 2026-11-02" in incident.description
