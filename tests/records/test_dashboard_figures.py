"""The dashboard's "needs attention" figures: each number links to the record list of exactly the
records it counts, and an employee's are of their own department."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from records import holds
from records.models import Medium, Record, Status
from tests.factories import make_record


def _figures(client, user):
    client.force_login(user)
    return {figure.words: figure for figure in client.get(reverse("dashboard")).context["attention"]}


def _listed(client, url):
    return client.get(url).context["page"].paginator.count


def _in_status_for(record, days):
    Record.objects.filter(pk=record.pk).update(status_changed_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def late_work(employee, outsider, records_manager, netops, settings):
    """Of each kind, one record past the line and one short of it; and one of another department."""
    settings.RETENTION_ESCALATION_DAYS = 14
    settings.NETOPS_CUSTODY_ALERT_DAYS = [30, 60]
    long_ago = timezone.localdate() - timedelta(days=3 * 365)
    past_expiry = make_record(custodian=employee, trigger_date=long_ago)  # the sweep has not run yet
    make_record(custodian=outsider, trigger_date=long_ago)
    make_record(custodian=employee)
    late, recent, held = (make_record(custodian=employee, status=Status.DUE) for _ in range(3))
    _in_status_for(late, 20), _in_status_for(recent, 3), _in_status_for(held, 40)
    holds.hold_place(actor=records_manager, matter="Smith v. Carrier", reason="Litigation",
                     records=Record.objects.filter(pk=held.pk))
    media = [make_record(custodian=employee, medium=Medium.USB_DRIVE, status=Status.IN_NETOPS_CUSTODY, netops=netops)
             for _ in range(3)]
    for medium, days in zip(media, (65, 45, 5)):
        _in_status_for(medium, days)
    return past_expiry


def test_each_figure_counts_what_its_list_shows(client, records_manager, late_work):
    figures = _figures(client, records_manager)
    expected = {
        "active records are past expiry, waiting for the sweep": 2,
        "record due for more than 14 days, not destroyed": 1,  # not the recent one, nor the held one
        "media in Network Operations custody for more than 30 days": 2,
        "medium in Network Operations custody for more than 60 days": 1,
        "records with CPNI have no label check": 0,
        "record on hold": 1,
    }
    for words, count in expected.items():
        assert figures[words].count == count, words
        assert _listed(client, figures[words].url) == count, words
        assert figures[words].warning == bool(count) or words == "record on hold"
    for words in ("active records expire in the next 30 days", "active records expire in the next 90 days"):
        assert _listed(client, figures[words].url) == figures[words].count, words


def test_the_page_links_every_number_to_its_list(client, records_manager, late_work):
    client.force_login(records_manager)
    page = client.get(reverse("dashboard")).content.decode()
    cards = re.findall(r'<li class="card[^"]*"><a href="([^"]+)"><span class="number">(\d+)</span>', page)
    assert len(cards) == len(_figures(client, records_manager))
    late = next(url for url, _ in cards if "status=due" in url)
    assert "status_before=" in late and "on_hold=no" in late


def test_an_employee_sees_her_own_departments_figures(client, employee, late_work):
    figures = _figures(client, employee)
    words = "active record is past expiry, waiting for the sweep"
    assert figures[words].count == 1 and _listed(client, figures[words].url) == 1
    assert "due records in your custody" in figures  # an employee holds records


def test_a_day_that_is_not_a_date_is_reported_on_the_list_and_left_out(client, records_manager, late_work):
    client.force_login(records_manager)
    response = client.get(reverse("record-list"), {"status_before": "last week", "status": "due"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert response.context["page"].paginator.count == 3  # the status filter still applies


def _late(client, user):
    """The figure of the records due for more than 14 days, not destroyed (its words agree with its count)."""
    return next(figure for words, figure in _figures(client, user).items() if "due for more than 14 days" in words)


def test_a_hold_being_placed_keeps_its_late_records_out_of_the_figure_before_and_after_its_job(
        client, records_manager, late_work, monkeypatch):
    """While a hold's job has still to link its records the figure reads the records themselves
    (the hold's scope holds them); once linked, the tallies less the holds' rows give the same."""
    from records import jobs

    late = Record.objects.get(status=Status.DUE, status_changed_at__lt=timezone.now() - timedelta(days=15),
                              held_by__isnull=True)
    monkeypatch.setattr(holds, "INLINE_MAX", 0)
    selection, scope = holds.selection_of("references", actor=records_manager, references=late.reference)
    hold = holds.hold_place(actor=records_manager, matter="Jones v. Carrier", reason="Litigation",
                            selection=selection, scope=scope)
    hold.refresh_from_db()
    assert hold.is_being_placed
    assert _late(client, records_manager).count == 0
    jobs.job_run(hold.job.pk)
    assert _late(client, records_manager).count == 0
    figure = _figures(client, records_manager)["records on hold"]
    assert figure.count == _listed(client, figure.url) == 2


def test_a_held_late_record_kept_longer_leaves_the_figure_and_its_list_alike(
        client, records_manager, late_work):
    from records import services

    held = Record.objects.get(held_by__isnull=False, status=Status.DUE)
    services.record_extend_retention(actor=records_manager, record=held, period_value=5, period_unit="years",
                                     reason="Litigation expected")
    assert Record.objects.get(pk=held.pk).status == Status.ACTIVE
    figure = _late(client, records_manager)
    assert figure.count == _listed(client, figure.url) == 1


def test_the_line_is_the_local_midnight_not_the_utc_day(client, records_manager, employee, settings):
    """A record that became due in the hours between the UTC day's start and the carrier's midnight
    is counted; one that became due just after that midnight is not."""
    from datetime import datetime, time

    settings.RETENTION_ESCALATION_DAYS = 14
    midnight = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=14), time.min))
    before, after = (make_record(custodian=employee, status=Status.DUE) for _ in range(2))
    Record.objects.filter(pk=before.pk).update(status_changed_at=midnight - timedelta(hours=1))
    Record.objects.filter(pk=after.pk).update(status_changed_at=midnight + timedelta(hours=1))
    figure = _late(client, records_manager)
    assert figure.count == _listed(client, figure.url) == 1
