"""The CSV downloads (audit log, destruction register, record list, hold report): their rows and
columns, the CONFIDENTIAL line, formula-safe cells, the filters of the page they come from, who may
download them, and that they stream: rows read as the download goes, in a number of queries that
does not grow with the rows."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, reset_queries, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records import csv_export, exports, holds, selectors
from records.audit import Entry, audit_event_record, audit_events_record
from records.models import AuditEvent, Medium, Record, Status
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example/","Open")'
READ_ALL = {Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER}


def download(client, name, query=None, args=()):
    """(response, [rows]) of a CSV download, read to its end."""
    response = client.get(reverse(name, args=args), query or {})
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    return response, list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def table(rows, columns):
    """The data rows as dicts, after checking the CONFIDENTIAL line and the columns' line."""
    assert rows[0][0].startswith("CONFIDENTIAL — CPNI Track ") and len(rows[0]) == 1
    assert tuple(rows[1]) == columns
    return [dict(zip(columns, row)) for row in rows[2:]]


def queries_of(client, name, query=None, args=()):
    """The queries of one download, the streaming of its rows included."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=args), query or {})
        b"".join(response.streaming_content)
    return len(queries)


# --------------------------------------------------------------------------- the shared helper

def test_the_download_is_marked_confidential_and_sent_in_pieces(monkeypatch, employee):
    monkeypatch.setattr(csv_export, "FLUSH_AT", 100)
    audit_events_record(actor=None, entries=[Entry("label.checked", None, {"n": n}, "x", FORMULA if n == 3 else str(n))
                                             for n in range(50)])
    export = exports.audit_log_export(AuditEvent.objects.filter(object_type="x").order_by("sequence"))
    response = csv_export.csv_download(export)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="CONFIDENTIAL-audit-log.csv"'
    pieces = list(response.streaming_content)
    assert len(pieces) > 10, "sent a few rows at a time, not in one piece"
    body = b"".join(pieces).decode()
    assert body.startswith("CONFIDENTIAL — CPNI Track audit log. Contains Customer Proprietary Network Information")
    parsed = list(csv.reader(io.StringIO(body)))
    assert parsed[1] == list(exports.column_names(exports.AUDIT_LOG_COLUMNS)) and len(parsed) == 52
    assert [row[6] for row in parsed[2:6]] == ["0", "1", "2", "'" + FORMULA]


AWKWARD = ["", "plain", 'a "quoted", comma', "two\nlines", "cr\rhere", "=1+1", "-2", "'apostrophe", "\tTab",
           "Ünïcødé — ✓", "\\.", " spaced "]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_copy_writes_the_same_bytes_as_python(employee, netops, records_manager, time_machine):
    """Each export, written by PostgreSQL (COPY, the SQL of records.csv_safe) and by Python
    (csv_line), byte for byte: awkward text, empty and missing values, times with and without
    microseconds, dates, labels, numbers."""
    records = []
    for n, text in enumerate(AWKWARD):
        record = make_record(custodian=employee, title=text or "untitled", location=text or "-",
                             status=Status.DESTROYED if n % 3 == 0 else Status.ACTIVE,
                             medium=Medium.SSD if n % 2 else Medium.PAPER, netops=netops if n % 2 else None)
        records.append(record)
    Record.objects.filter(pk=records[1].pk).update(expiry_date=None, created_at=timezone.now().replace(microsecond=0))
    hold = holds.hold_place(actor=records_manager, matter=AWKWARD[2], reason="R", scope="t",
                            records=Record.objects.filter(pk__in=[r.pk for r in records]).exclude(status=Status.DESTROYED))
    time_machine.move_to(timezone.now().replace(microsecond=0), tick=False)  # times without microseconds too
    audit_events_record(actor=None, entries=[Entry("x." + text, None, {"text": text, "n": n, "list": [text, None]}, text, text)
                                             for n, text in enumerate(AWKWARD)])
    for export in (exports.audit_log_export(selectors.audit_log()),
                   exports.record_list_export(selectors.record_list(records_manager, sort="title")),
                   exports.destruction_register_export(selectors.destruction_register(records_manager)),
                   exports.hold_report_export(hold)):
        copied = b"".join(csv_export.CsvStream(export, copy=True))
        written = b"".join(csv_export.CsvStream(export, copy=False))
        assert copied == written, export.description
        assert len(list(csv.reader(io.StringIO(copied.decode())))) > 2 + 3


# --------------------------------------------------------------------------- the audit log

def test_the_audit_log_csv_holds_the_events_the_filtered_page_lists(client, auditor, employee):
    record = make_record(custodian=employee, title="Toll printouts")
    audit_event_record(actor=None, action="record.expire", obj=record)
    audit_event_record(actor=employee, action="settings.changed", payload={"model": FORMULA})
    client.force_login(auditor)
    query = {"action": "record.", "object": record.reference}
    page = client.get(reverse("audit-log"), query).context["page"]
    response, rows = download(client, "audit-log-csv", query)
    assert response["Content-Disposition"] == 'attachment; filename="CONFIDENTIAL-audit-log.csv"'
    events = table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))
    assert [int(e["sequence"]) for e in events] == [event.sequence for event in page] and len(events) == 2
    expired = AuditEvent.objects.get(action="record.expire")
    assert events[0] == {
        "sequence": str(expired.sequence), "occurred_at": expired.occurred_at.isoformat(), "actor": "system",
        "action": "record.expire", "what": "Marked due for destruction", "object_type": "records.record", "object_id": str(record.pk),
        "object": expired.object_repr, "details": "{}", "previous_hash": expired.previous_hash, "hash": expired.hash,
    }
    assert events[1]["action"] == "record.created" and events[1]["actor"] == "emma"
    export = AuditEvent.objects.get(action="export.audit_log")
    assert export.actor == auditor and export.payload == {"filters": query}


def test_the_audit_log_csv_honours_the_actor_and_date_filters_and_leaves_out_bad_ones(client, auditor, employee,
                                                                                     time_machine):
    make_record(custodian=employee)
    time_machine.move_to(timezone.now() + timedelta(days=10))
    audit_event_record(actor=None, action="record.expire", object_type="x", object_id="1")
    client.force_login(auditor)
    today = timezone.localdate()
    _, rows = download(client, "audit-log-csv", {"actor": "EMMA"})
    assert {e["actor"] for e in table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))} == {"emma"}
    _, rows = download(client, "audit-log-csv", {"since": today.isoformat()})
    recent = [e["action"] for e in table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS)) if not e["action"].startswith("export.")]
    assert recent == ["record.expire"], "as on the page: sign-ins folded away unless asked for"
    _, rows = download(client, "audit-log-csv", {"since": today.isoformat(), "sign_ins": "on"})
    recent = [e["action"] for e in table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS)) if not e["action"].startswith("export.")]
    assert recent == ["auth.signed_in", "record.expire"]
    _, rows = download(client, "audit-log-csv", {"action": "record.expire"})
    assert [(e["action"], e["what"]) for e in table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))] == [
        ("record.expire", "Marked due for destruction")], "the action in words beside its code, as on the page"
    _, rows = download(client, "audit-log-csv", {"until": (today - timedelta(days=1)).isoformat()})
    older = table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))
    assert older and "record.expire" not in {e["action"] for e in older}
    _, rows = download(client, "audit-log-csv", {"since": "soon", "sign_ins": "on"})  # as on the page: left out
    assert len(table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))) == AuditEvent.objects.count()  # this export's own event too


def test_the_audit_log_csv_neutralises_formulas(client, auditor, employee):
    audit_event_record(actor=None, action="settings.changed", object_type="x", object_id="@1", object_repr=FORMULA)
    client.force_login(auditor)
    _, rows = download(client, "audit-log-csv", {"action": "settings."})
    (event,) = table(rows, exports.column_names(exports.AUDIT_LOG_COLUMNS))
    assert event["object"] == "'" + FORMULA and event["object_id"] == "'@1"


def test_the_audit_log_page_links_to_its_csv_with_its_filters(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("audit-log"), {"actor": "emma", "action": "record.", "page": "2"}).content.decode()
    assert f'href="{reverse("audit-log-csv")}?actor=emma&amp;action=record."' in page


def test_the_audit_log_csv_makes_as_many_queries_for_30_events_as_for_3000(client, auditor, employee):
    client.force_login(auditor)
    audit_events_record(actor=None, entries=[Entry("label.checked", None, {"n": n}, "x", str(n)) for n in range(30)])
    queries_of(client, "audit-log-csv")
    few = queries_of(client, "audit-log-csv")
    audit_events_record(actor=None, entries=[Entry("label.checked", None, {"n": n}, "x", str(n)) for n in range(3000)])
    assert queries_of(client, "audit-log-csv") == few


# --------------------------------------------------------------------------- the destruction register

@pytest.fixture
def destroyed(employee, netops, records_manager):
    paper = make_record(custodian=employee, status=Status.DESTROYED, title=FORMULA)
    ssd = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
    make_record(custodian=employee, status=Status.PENDING_SHRED)  # not destroyed: not in the register
    return paper, ssd


def test_the_destruction_register_lists_every_destruction_with_method_date_certificate_and_who(client, auditor,
                                                                                                 destroyed):
    paper, ssd = destroyed
    client.force_login(auditor)
    response, rows = download(client, "destruction-register-csv")
    assert response["Content-Disposition"] == 'attachment; filename="CONFIDENTIAL-destruction-register.csv"'
    register = table(rows, exports.column_names(exports.DESTRUCTION_REGISTER_COLUMNS))
    assert [row["reference"] for row in register] == [paper.reference, ssd.reference]
    shredded, sanitized = (record.destruction for record in destroyed)
    assert register[0] == {
        "certificate_number": shredded.certificate_number, "reference": paper.reference, "title": "'" + FORMULA,
        "medium": "Paper", "department": "Billing", "schedule": paper.schedule.code, "kind": "Paper destruction",
        "method_type": "", "method": "Cross-cut shredder", "destroyed_on": shredded.destroyed_on.isoformat(),
        "performed_by": "emma", "witness": "", "vendor_certificate_number": "", "validated_by": "", "validated_at": "",
        "recorded_at": shredded.performed_at.isoformat(),
    }
    assert register[1]["kind"] == "Media sanitization" and register[1]["method_type"] == "Purge"
    assert register[1]["method"] == "Cryptographic erase" and register[1]["performed_by"] == "nate"
    assert register[1]["certificate_number"] == sanitized.certificate_number
    assert AuditEvent.objects.filter(action="export.destruction_register", actor=auditor).exists()


def test_the_destruction_register_is_for_those_who_see_destructions(client, users_by_role, destroyed):
    url = reverse("destruction-register-csv")
    for role, user in users_by_role.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == (200 if role in READ_ALL else 403), role
    client.logout()
    assert client.get(url).status_code == 302
    assert not AuditEvent.objects.filter(action="export.destruction_register", actor=users_by_role[Role.EMPLOYEE]).exists()


def test_a_destruction_register_of_one_department_for_one_who_sees_only_theirs(employee, outsider, netops, destroyed):
    """No role sees destructions without seeing every department today; the selector still scopes."""
    make_record(custodian=outsider, status=Status.DESTROYED)
    everyone = selectors.destruction_register(netops)
    assert everyone.count() == 3
    assert not selectors.destruction_register(employee).exists(), "an employee does not see destructions"


def test_the_destruction_register_makes_as_many_queries_for_2_rows_as_for_8(client, auditor, employee, netops, destroyed):
    client.force_login(auditor)
    queries_of(client, "destruction-register-csv")
    few = queries_of(client, "destruction-register-csv")
    for _ in range(3):
        make_record(custodian=employee, status=Status.DESTROYED)
        make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.USB_DRIVE, netops=netops)
    _, rows = download(client, "destruction-register-csv")
    assert len(rows) == 2 + 8
    assert queries_of(client, "destruction-register-csv") == few


# --------------------------------------------------------------------------- the record list

def test_the_record_list_csv_holds_exactly_the_rows_of_the_filtered_list(client, employee, outsider, records_manager):
    schedule = ScheduleFactory(code="TOLL")
    mine = [make_record(custodian=employee, schedule=schedule, title=f"Toll printouts {n}") for n in range(3)]
    make_record(custodian=employee, schedule=schedule, title="Call detail tapes", medium=Medium.TAPE)
    theirs = make_record(custodian=outsider, schedule=schedule, title="Toll printouts elsewhere")
    holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t", records=Record.objects.filter(pk=mine[1].pk))
    client.force_login(employee)
    query = {"q": "toll printouts", "sort": "-title"}
    listed = [row.reference for row in client.get(reverse("record-list"), query).context["rows"]]
    response, rows = download(client, "record-list-csv", query)
    assert response["Content-Disposition"] == 'attachment; filename="CONFIDENTIAL-records.csv"'
    records = table(rows, exports.column_names(exports.RECORD_LIST_COLUMNS))
    assert [row["reference"] for row in records] == listed == [r.reference for r in reversed(mine)]
    assert theirs.reference not in {row["reference"] for row in records}, "another department's record"
    first = Record.objects.get(pk=mine[2].pk)
    assert records[0] == {
        "reference": first.reference, "title": "Toll printouts 2", "medium": "Paper", "department": "Billing",
        "custodian": "emma", "schedule": "TOLL", "status": "Active", "on_legal_hold": "no",
        "expiry_date": first.expiry_date.isoformat(), "location": "HQ cabinet 3", "logged_at": first.created_at.isoformat(),
    }
    assert records[1]["on_legal_hold"] == "yes"
    export = AuditEvent.objects.get(action="export.record_list")
    assert export.actor == employee and export.payload == {"filters": {"search": "toll printouts", "sort": "-title"}}


def test_the_record_list_csv_honours_every_filter(client, employee, records_manager, netops):
    paper = make_record(custodian=employee)
    tape = make_record(custodian=employee, medium=Medium.TAPE)
    due = make_record(custodian=employee, status=Status.DUE)
    client.force_login(records_manager)
    for query, expected in [({"medium": "tape"}, [tape]), ({"status": "due"}, [due]),
                            ({"department": employee.department_id, "sort": "reference"}, [paper, tape, due]),
                            ({"status": "bogus", "sort": "reference"}, [paper, tape, due])]:
        _, rows = download(client, "record-list-csv", query)
        assert [row["reference"] for row in table(rows, exports.column_names(exports.RECORD_LIST_COLUMNS))] == [r.reference for r in expected], query


def test_the_record_list_csv_neutralises_formulas(client, employee):
    make_record(custodian=employee, title=FORMULA, location="+1 cabinet")
    client.force_login(employee)
    _, rows = download(client, "record-list-csv")
    (record,) = table(rows, exports.column_names(exports.RECORD_LIST_COLUMNS))
    assert record["title"] == "'" + FORMULA and record["location"] == "'+1 cabinet"


def test_the_record_list_csv_is_for_those_who_see_records(client, employee):
    client.force_login(UserFactory(username="nobody", department=employee.department))  # no role
    assert client.get(reverse("record-list-csv")).status_code == 403
    client.logout()
    assert client.get(reverse("record-list-csv")).status_code == 302
    assert not AuditEvent.objects.filter(action="export.record_list").exists()


def test_the_record_list_page_links_to_its_csv_with_its_filters(client, employee):
    client.force_login(employee)
    page = client.get(reverse("record-list"), {"status": "due", "page": "1"}).content.decode()
    assert f'href="{reverse("record-list-csv")}?status=due"' in page
    assert reverse("destruction-register-csv") not in page, "an employee does not see the register"


def test_the_record_list_csv_makes_as_many_queries_for_3_records_as_for_12(client, employee, records_manager):
    client.force_login(records_manager)
    schedule = ScheduleFactory()
    for _ in range(3):
        make_record(custodian=employee, schedule=schedule)
    queries_of(client, "record-list-csv")  # the first reads the filters' choices into the cache
    few = queries_of(client, "record-list-csv")
    for _ in range(9):
        make_record(custodian=employee, schedule=schedule)
    assert queries_of(client, "record-list-csv") == few


# --------------------------------------------------------------------------- the hold report

def test_the_hold_report_streams_its_records_in_as_many_queries_for_2_as_for_10(client, auditor, employee,
                                                                               records_manager):
    covered = [make_record(custodian=employee) for _ in range(2)]
    hold = holds.hold_place(actor=records_manager, matter="Smith v. Carrier", reason="R", scope="t",
                            records=Record.objects.filter(pk__in=[r.pk for r in covered]))
    client.force_login(auditor)
    response, rows = download(client, "hold-report", args=[hold.pk])
    assert response["Content-Disposition"] == f'attachment; filename="CONFIDENTIAL-legal-hold-{hold.pk}.csv"'
    columns = exports.column_names(exports.HOLD_REPORT_COLUMNS)
    assert tuple(rows[0]) == columns and columns[0] == "marking", "the header is the first line"
    report = [dict(zip(columns, row)) for row in rows[1:]]
    assert {row["marking"] for row in report} == {"CONFIDENTIAL"}
    assert [row["reference"] for row in report] == [r.reference for r in covered]
    assert report[0]["matter"] == "Smith v. Carrier" and report[0]["placed_by"] == records_manager.get_full_name()
    assert report[0]["custodian"] == employee.get_full_name()
    assert report[0]["medium"] == "Paper" and report[0]["status"] == "Active" and report[0]["department"] == "Billing"
    assert report[0]["placed_at"] == hold.placed_at.isoformat() and report[0]["released_at"] == ""
    few = queries_of(client, "hold-report", args=[hold.pk])
    more = [make_record(custodian=employee) for _ in range(8)]
    with transaction.atomic():
        from records.models import HeldRecord

        HeldRecord.objects.bulk_create(HeldRecord(hold=hold, record=r, department_id=r.department_id,
                                                  added_at=timezone.now()) for r in more)
    _, rows = download(client, "hold-report", args=[hold.pk])
    assert len(rows) == 1 + 10
    assert queries_of(client, "hold-report", args=[hold.pk]) == few
