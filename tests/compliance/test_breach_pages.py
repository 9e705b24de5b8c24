"""The breach register's pages: reporting, the incident's steps, the copy of a notice as sent, the
dashboard's countdown, "assess as a possible breach", and the refusals."""

from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compliance import breaches
from compliance.models import BreachIncident, BreachNotification, PretextingObservation
from records.models import AuditEvent

pytestmark = pytest.mark.django_db


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


def page_text(response):
    return " ".join(response.content.decode().split())


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-20 12:00 -0500", tick=False)


def test_an_employee_reports_on_the_page_and_cannot_read_the_register(client, now, employee):
    client.force_login(employee)
    dashboard = page_text(client.get(reverse("dashboard")))
    assert "Report a suspected breach of CPNI" in dashboard and "Open breaches of CPNI" not in dashboard
    refused = client.post(reverse("breach-report"), {"description": "", "discovered_at": "2026-12-01T09:00"})
    assert refused.status_code == 400 and BreachIncident.objects.count() == 0
    assert "Nothing was saved" in page_text(refused)
    response = client.post(reverse("breach-report"), {"description": "A caller knew a customer's bill",
                                                      "discovered_at": "2026-11-19T16:30"}, follow=True)
    incident = BreachIncident.objects.get()
    assert f"the suspected breach is reported as {incident.reference}" in page_text(response)
    assert (incident.status, incident.reported_by) == ("reported", employee)
    assert incident.discovered_at == at("2026-11-19 16:30")
    for name in ("breach-detail", "breach-edit"):
        assert client.get(reverse(name, args=[incident.pk])).status_code == 403
    assert client.post(reverse("breach-step", args=[incident.pk, "determine"]),
                       {"reasonably_determined_at": "2026-11-20T09:00"}).status_code == 403
    assert BreachIncident.objects.get().status == "reported"


def test_the_records_manager_determines_notifies_with_a_copy_and_the_customer_notice_is_refused_with_its_date(
    client, now, records_manager, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    incident = breaches.breach_report(actor=records_manager, fields={"description": "d",
                                                                     "discovered_at": at("2026-11-13 15:00")})
    client.force_login(records_manager)
    step = lambda name, data, **kw: client.post(reverse("breach-step", args=[incident.pk, name]), data, **kw)  # noqa: E731
    refused = step("determine", {"reasonably_determined_at": "2026-11-12T09:00"})
    assert refused.status_code == 400
    assert "cannot be before 2026-11-13 15:00, when the breach was discovered" in page_text(refused)
    assert BreachIncident.objects.get().status == "reported"
    step("determine", {"reasonably_determined_at": "2026-11-16T10:00"})
    detail = page_text(client.get(reverse("breach-detail", args=[incident.pk])))
    assert "Wed 2026-11-25" in detail

    copy = SimpleUploadedFile("crf-receipt.pdf", b"%PDF-1.7 receipt", content_type="application/pdf")
    response = step("notify", {"recipient": "law_enforcement", "notified_at": "2026-11-18T09:00",
                               "method": "reporting_facility", "confirmation_number": "CRF-77", "copy": copy}, follow=True)
    assert "The notification of US Secret Service and FBI" in page_text(response)
    notice = BreachNotification.objects.get()
    assert (tmp_path / "breach-notices" / notice.copy_name).read_bytes() == b"%PDF-1.7 receipt"
    download = client.get(reverse("notice-copy", args=[notice.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.7 receipt"

    events = AuditEvent.objects.count()
    refused = step("notify", {"recipient": "customers", "notified_at": "2026-11-20T09:00", "method": "mail"})
    assert refused.status_code == 400
    assert ("Customers may not be told before 2026-12-01: 7 full business days must pass after the law-enforcement "
            "notification of 2026-11-18") in page_text(refused)
    assert BreachNotification.objects.count() == 1 and AuditEvent.objects.count() == events


def test_the_dashboard_counts_down_to_the_next_deadline_and_shows_it_red_once_past(client, time_machine, records_manager,
                                                                                    auditor, employee):
    time_machine.move_to("2026-11-20 12:00 -0500", tick=False)
    incident = breaches.breach_report(actor=records_manager, fields={"description": "d",
                                                                     "discovered_at": at("2026-11-13 15:00")},
                                      reasonably_determined_at=at("2026-11-16 10:00"))
    for person in (records_manager, auditor):
        client.force_login(person)
        page = page_text(client.get(reverse("dashboard")))
        assert ('<span class="deadline">US Secret Service and FBI, through the central reporting facility: due Wed '
                '2026-11-25 (3 business days left)</span>') in page
    time_machine.move_to("2026-11-27 12:00 -0500", tick=False)
    client.force_login(records_manager)  # a week later: a new session
    page = page_text(client.get(reverse("dashboard")))
    assert ('<span class="deadline-past">US Secret Service and FBI, through the central reporting facility: was due '
            '2026-11-25, 2 days ago — overdue</span>') in page
    assert reverse("breach-detail", args=[incident.pk]) in page
    client.force_login(employee)
    assert "deadline" not in page_text(client.get(reverse("dashboard")))


def test_a_pretexting_entry_is_assessed_as_a_possible_breach(client, now, records_manager, auditor):
    seen = PretextingObservation.objects.create(observed_on=date(2026, 11, 3), method="Caller posed as the customer",
                                                steps_taken="Call-back to the number of record", recorded_by=records_manager)
    client.force_login(auditor)
    assert "Assess as a possible breach" not in page_text(client.get(reverse("register-list", args=["pretexting"])))
    assert client.post(reverse("register-assess-breach", args=["pretexting", seen.pk])).status_code == 403
    client.force_login(records_manager)
    assert "Assess as a possible breach" in page_text(client.get(reverse("register-list", args=["pretexting"])))
    assert "Assess as a possible breach" not in page_text(client.get(reverse("register-list", args=["data-broker-actions"])))
    response = client.post(reverse("register-assess-breach", args=["pretexting", seen.pk]))
    incident = BreachIncident.objects.get()
    assert response["Location"] == reverse("breach-detail", args=[incident.pk])
    assert incident.status == "assessing" and list(incident.pretexting.all()) == [seen]
    assert client.post(reverse("register-assess-breach", args=["data-broker-actions", seen.pk])).status_code == 404


def test_the_edit_page_links_documents_and_refuses_unknown_ones(client, now, records_manager, employee):
    from tests.factories import make_record

    record = make_record(custodian=employee)
    incident = breaches.breach_report(actor=records_manager, fields={"description": "d",
                                                                     "discovered_at": at("2026-11-13 15:00")})
    client.force_login(records_manager)
    data = {"description": "d", "discovered_at": "2026-11-13T15:00", "records": "CPNI-2026-999999"}
    refused = client.post(reverse("breach-edit", args=[incident.pk]), data)
    assert refused.status_code == 400 and "No such record: CPNI-2026-999999" in page_text(refused)
    assert not incident.records.exists()
    data["records"] = record.reference.lower()
    assert client.post(reverse("breach-edit", args=[incident.pk]), data).status_code == 302
    assert list(incident.records.all()) == [record]
