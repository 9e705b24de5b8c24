"""The annual certification is recalled to records managers and officers from 15 January, weekly,
then daily in the last 7 days, each reminder once, until the year is filed."""

from datetime import date

import pytest
from django.core import mail
from django.utils import timezone

from compliance import tasks
from compliance.reminders import reminder_dates
from records.models import Notification
from compliance.models import CertificationFiling, CertificationPackage

pytestmark = pytest.mark.django_db


def test_the_2025_certification_is_recalled_weekly_from_15_january_then_daily():
    # Due Monday 2 March 2026 (1 March was a Sunday): daily from 24 February.
    assert reminder_dates(2025) == [
        date(2026, 1, 15), date(2026, 1, 22), date(2026, 1, 29), date(2026, 2, 5), date(2026, 2, 12), date(2026, 2, 19),
        date(2026, 2, 24), date(2026, 2, 25), date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1),
        date(2026, 3, 2),
    ]


def run_on(time_machine, day):
    time_machine.move_to(f"{day} 08:00 -0500")
    mail.outbox.clear()
    tasks.send_certification_reminders()
    return sorted((message.to[0], message.subject) for message in mail.outbox)


def test_each_reminder_goes_once_to_every_records_manager_and_officer(
    time_machine, records_manager, officer, employee, auditor, netops
):
    for number, user in enumerate([records_manager, officer, employee, auditor, netops]):
        user.email = f"person{number}@example.com"
        user.save()
    assert run_on(time_machine, "2026-01-14") == []
    first = run_on(time_machine, "2026-01-15")
    assert first == sorted([(records_manager.email, "The 2025 CPNI certification is due Monday 2 March 2026 (46 days left)"),
                            (officer.email, "The 2025 CPNI certification is due Monday 2 March 2026 (46 days left)")])
    body = mail.outbox[0].body
    assert "covering calendar year 2025" in body and "46 days from today, 30 business days" in body
    assert run_on(time_machine, "2026-01-15") == [], "a second run the same day sends nothing"
    assert run_on(time_machine, "2026-01-16") == [], "no reminder between the weekly ones"
    assert len(run_on(time_machine, "2026-01-23")) == 2, "a missed weekly run is caught up the next day, once"
    assert run_on(time_machine, "2026-01-24") == []
    assert [subject for _, subject in run_on(time_machine, "2026-03-02")] == [
        "The 2025 CPNI certification is due Monday 2 March 2026 — today"] * 2
    assert run_on(time_machine, "2026-03-03") == []
    assert Notification.objects.filter(kind=Notification.Kind.CERTIFICATION_REMINDER, recipient=employee).count() == 0


def test_no_reminder_once_the_year_is_filed(time_machine, records_manager, officer):
    package = CertificationPackage.objects.create(year=2025, requested_by=records_manager, requested_at=timezone.now(),
                                                  state=CertificationPackage.State.READY)
    CertificationFiling.objects.create(year=2025, package=package, signed_by=officer, signed_on=date(2026, 2, 20),
                                       filed_on=date(2026, 2, 20), recorded_at=timezone.now())
    assert run_on(time_machine, "2026-02-26") == []


@pytest.mark.parametrize("today, filed, text", [
    ("2026-11-23", [2025], "The 2026 certification is due Monday 1 March 2027</strong>: 98 days from today (65 business days)."),
    ("2026-02-27", [], "The 2025 certification is due Monday 2 March 2026</strong>: 3 days from today (1 business day)."),
    ("2026-03-02", [], "The 2025 certification is due Monday 2 March 2026</strong>: today."),
    ("2026-03-05", [], "The 2025 certification is overdue:</strong> it was due Monday 2 March 2026, 3 days ago."),
])
def test_the_certification_page_counts_down_to_the_next_due_date(
    client, time_machine, records_manager, officer, today, filed, text
):
    from django.urls import reverse

    for year in filed:
        package = CertificationPackage.objects.create(year=year, requested_by=records_manager,
                                                      requested_at=timezone.now(), state=CertificationPackage.State.READY)
        CertificationFiling.objects.create(year=year, package=package, signed_by=officer, signed_on=date(2026, 3, 3),
                                           filed_on=date(2026, 3, 3), recorded_at=timezone.now())
    time_machine.move_to(f"{today} 12:00 -0500")
    client.force_login(officer)
    page = " ".join(client.get(reverse("certification")).content.decode().split())
    assert text in page
    if filed:
        assert "2026-03-03 <strong>late</strong>" in page


def test_the_dashboards_of_those_who_prepare_or_sign_it_count_down_too(client, time_machine, records_manager, officer, employee, auditor):
    from django.urls import reverse

    time_machine.move_to("2026-11-23 12:00 -0500")
    due = "The 2025 certification is overdue:</strong> it was due Monday 2 March 2026"
    for user, shown in ((records_manager, True), (officer, True), (employee, False), (auditor, False)):
        client.force_login(user)
        page = " ".join(client.get(reverse("dashboard")).content.decode().split())
        assert (due in page) is shown, user


def test_the_certification_page_and_the_dashboard_read_the_same_next_due_from_the_standing_filings(
    client, time_machine, records_manager, officer
):
    from django.urls import reverse

    from compliance.selectors import certification_due

    time_machine.move_to("2026-11-23 12:00 -0500")
    package = CertificationPackage.objects.create(year=2025, requested_by=records_manager, requested_at=timezone.now(),
                                                  state=CertificationPackage.State.READY)
    filing = CertificationFiling.objects.create(year=2025, package=package, signed_by=officer, signed_on=date(2026, 2, 20),
                                                filed_on=date(2026, 2, 20), recorded_at=timezone.now())
    assert certification_due().year == 2026
    filing.withdrawn_at = timezone.now()
    filing.save()
    assert certification_due().year == 2025
    client.force_login(records_manager)
    overdue = "The 2025 certification is overdue:</strong> it was due Monday 2 March 2026"
    for name in ("certification", "dashboard"):
        assert overdue in " ".join(client.get(reverse(name)).content.decode().split()), name
