"""A record's audit trail page: its audit events and field-level history, newest first, a page at a
time, in a number of queries that does not grow with the trail. Paged, it shows exactly what the
whole trail merged at once (the audit events and selectors.record_history) shows."""

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records import selectors, services
from records.audit import Entry, audit_events_record
from records.models import LegalMinimum, RecordLegalMinimum
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def _shown(item):
    kind, when, entry = item
    if kind == "event":
        return kind, when, entry.sequence
    return kind, when, entry.who, entry.reason, entry.kind, [(c.field, c.old, c.new) for c in entry.changes]


def whole_trail(record):
    """The trail as the page showed it before it was paged: everything, merged and sorted."""
    return sorted([("event", e.occurred_at, e) for e in selectors.audit_events_for(record)]
                  + [("change", h.when, h) for h in selectors.record_history(record)],
                  key=lambda item: item[1], reverse=True)


@pytest.fixture
def eventful(employee, records_manager):
    """A record edited, given and relieved of legal minimums (with and without a change of the
    record at the same moment), with events of its own between."""
    record = make_record(custodian=employee, title="Toll printouts")
    breach = LegalMinimum.objects.create(code="BREACH", citation="47 CFR 64.2011(d)", title="Breach records",
                                         period_value=2, period_unit="years")
    record = services.record_update(actor=employee, record=record, location="Vault 7")
    audit_events_record(actor=None, entries=[Entry("label.checked", record, {"n": n}) for n in range(4)])
    record = services.record_update(actor=records_manager, record=record, legal_minimums=[breach])
    link = RecordLegalMinimum.objects.get(record=record)
    link._history_user = records_manager
    link.delete()  # the minimum's history alone, no change of the record at that moment
    record = services.record_update(actor=employee, record=record, title="Toll printouts, 2025")
    audit_events_record(actor=None, entries=[Entry("label.checked", record, {"n": n}) for n in range(3)])
    return record


def test_the_pages_together_show_exactly_the_whole_trail(client, auditor, eventful, monkeypatch):
    whole = [_shown(item) for item in whole_trail(eventful)]
    changes = [change for kind, *rest in whole if kind == "change" for change in rest[-1]]
    assert ("legal minimums", "—", "47 CFR 64.2011(d) (2 years)") in changes
    assert ("legal minimums", "47 CFR 64.2011(d) (2 years)", "—") in changes
    kinds = {kind for _, kind, _ in selectors.record_trail(eventful)}
    assert kinds == {selectors.EVENT, selectors.CHANGE, selectors.MINIMUMS_CHANGE}
    monkeypatch.setattr(selectors, "TRAIL_PAGE_SIZE", 3)
    client.force_login(auditor)
    url = reverse("record-audit", args=[eventful.reference])
    paged, number = [], 1
    while True:
        response = client.get(url, {"page": number})
        assert len(response.context["timeline"]) <= 3
        paged += [_shown(item) for item in response.context["timeline"]]
        if not response.context["page"].has_next():
            break
        number += 1
    assert number > 3 and paged == whole


def test_a_record_with_3000_events_is_shown_100_at_a_time_in_as_many_queries_as_one_with_30(
        client, auditor, employee):
    busy, quiet = make_record(custodian=employee), make_record(custodian=employee)
    audit_events_record(actor=None, entries=[Entry("label.checked", busy, {"n": n}) for n in range(3000)])
    audit_events_record(actor=None, entries=[Entry("label.checked", quiet, {"n": n}) for n in range(30)])
    client.force_login(auditor)

    def shown(record, page=1):
        client.get(reverse("record-audit", args=[record.reference]))  # the session's first request may differ
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("record-audit", args=[record.reference]), {"page": page})
        assert response.status_code == 200
        return response, len(queries)

    response, busy_queries = shown(busy)
    timeline = response.context["timeline"]
    assert len(timeline) == selectors.TRAIL_PAGE_SIZE == 100
    assert [item[2].payload["n"] for item in timeline] == list(range(2999, 2899, -1)), "newest first"
    assert response.context["page"].paginator.count == 3000 + 2  # and its creation: an event and a history row
    assert "Page 1 of 31" in response.content.decode()
    _, quiet_queries = shown(quiet)  # a page of events and of field history
    last, last_queries = shown(busy, page=31)
    assert [kind for kind, _, _ in last.context["timeline"]][-2:] == ["event", "change"]  # record.created, then logged
    assert last_queries == quiet_queries
    assert busy_queries < quiet_queries, "a page of events only reads no field history"


def test_the_trail_is_for_those_who_read_the_audit_log_and_see_the_record(client, employee, auditor, outsider):
    record = make_record(custodian=employee)
    url = reverse("record-audit", args=[record.reference])
    client.force_login(employee)
    assert client.get(url).status_code == 403
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    assert client.get(reverse("record-audit", args=["CPNI-1999-000001"])).status_code == 404


# --------------------------------------------------------------------------- the record's page


def _detail(client, record):
    """(the page's context, its queries) of the record's page."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("record-detail", args=[record.reference]))
    assert response.status_code == 200
    return response.context, [q["sql"] for q in queries.captured_queries]


def test_the_record_page_shows_the_latest_events_and_changes_in_as_many_queries_for_3000_events(
        client, auditor, employee, eventful, monkeypatch):
    monkeypatch.setattr(selectors, "DETAIL_LATEST", 5)
    client.force_login(auditor)
    _detail(client, eventful)
    few, few_queries = _detail(client, eventful)
    latest = [_shown(item) for item in whole_trail(eventful)]
    assert [e.sequence for e in few["events"]] == [item[2] for item in latest if item[0] == "event"][:5]
    assert [(h.who, h.reason, [(c.field, c.old, c.new) for c in h.changes]) for h in few["history"]] == [
        (item[2], item[3], item[5]) for item in latest if item[0] == "change"][:5]
    audit_events_record(actor=None, entries=[Entry("label.checked", eventful, {"n": n}) for n in range(3000)])
    record = eventful
    for n in range(12):
        record = services.record_update(actor=employee, record=record, location=f"Vault {n}")
    many, many_queries = _detail(client, record)
    assert len(many_queries) == len(few_queries)
    assert len(many["events"]) == 5 and many["older_events"] and many["older_history"]
    assert [h.changes[0].new for h in many["history"]] == [f"Vault {n}" for n in range(11, 6, -1)]
    assert many["history"][-1].changes[0].old == "Vault 6", "the oldest shown compared with the row before it"
    for sql in many_queries:  # each read of the events or the history is bounded (the chain of custody
        # reads the lifecycle's own steps, one event each)
        if ('"records_auditevent"' in sql and '"action" IN (' not in sql) or '"records_historicalrecord"' in sql:
            assert "LIMIT" in sql or "COUNT(" in sql or "EXISTS" in sql.upper(), sql
    page = client.get(reverse("record-detail", args=[record.reference])).content.decode()
    assert "The latest 5 events." in page and reverse("record-audit", args=[record.reference]) in page
