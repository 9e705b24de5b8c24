"""Fuzzing the GET filters of the record list (/records/) and the audit log (/audit/): any query
string gives a page (never a server error), and whatever the query holds is shown HTML-escaped."""

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from records.models import Department, Medium, RetentionSchedule, Status
from records.selectors import RECORD_SORTS
from tests.security.fuzzkit import (
    DATE_TEXT,
    Fuzzers,
    INT_TEXT,
    OMIT,
    assert_no_injection,
    assert_no_server_error,
    assert_shown_escaped,
    choice,
    fk,
    fuzz_settings,
    hostile_text,
    junk,
    signed_in,
)

SORTS = [key for name in RECORD_SORTS for key in (name, f"-{name}")]
OK_STATUSES = {200, 302, 400}


def _query(data, fuzzers):
    params = {}
    for name, strategy in fuzzers.items():
        value = data.draw(st.one_of(st.just(OMIT), strategy), label=name)
        if value is not OMIT:
            params[name] = value
    return params


def _check_echo(response, params, text_fields):
    """Every single-valued text filter is echoed in its input, escaped."""
    for name in text_fields:
        value = params.get(name)
        if isinstance(value, str) and response.status_code == 200:
            assert_shown_escaped(response, value)


def _get(client, path, params):
    response = client.get(path, params)
    assert_no_server_error(response, params)
    assert response.status_code in OK_STATUSES, (response.status_code, params)
    assert_no_injection(response, params)
    return response


@pytest.fixture
def list_clients(employee, records_manager):
    return {"employee": signed_in(employee), "records_manager": signed_in(records_manager)}


@pytest.fixture
def audit_clients(auditor, records_manager):
    return {"auditor": signed_in(auditor), "records_manager": signed_in(records_manager)}


@pytest.fixture
def list_fuzzers(hostile_records, event_schedule):
    references = [r.reference for r in hostile_records]
    return Fuzzers({
        "q": st.one_of(hostile_text(150), st.sampled_from(references), st.sampled_from(references).map(str.lower)),
        "status": choice(Status.values),
        "medium": choice(Medium.values),
        "department": fk(Department.objects.values_list("pk", flat=True)),
        "schedule": fk(RetentionSchedule.objects.values_list("pk", flat=True)),
        "expiry_from": DATE_TEXT,
        "expiry_to": DATE_TEXT,
        "sort": choice(SORTS),
        "page": st.one_of(INT_TEXT, st.sampled_from(["1", "2", "last", "0", "-1", "999999999999"])),
    })


@pytest.mark.django_db
@fuzz_settings(150)
@given(data=st.data())
def test_record_list_filters(data, list_clients, list_fuzzers):
    who = data.draw(st.sampled_from(sorted(list_clients)), label="user")
    params = _query(data, list_fuzzers)
    response = _get(list_clients[who], "/records/", params)
    _check_echo(response, params, ["q"])


@pytest.fixture
def audit_fuzzers(hostile_records):
    return Fuzzers({
        "actor": st.one_of(hostile_text(200), st.sampled_from(["emma", "EMMA", " rita ", "system", "olga"])),
        "action": st.one_of(hostile_text(80), st.sampled_from(["record.", "record.created", "auth.", "%", "_"])),
        "object": st.one_of(
            hostile_text(250), st.sampled_from([r.reference for r in hostile_records] + ["1", "<script"])
        ),
        "since": DATE_TEXT,
        "until": DATE_TEXT,
        "page": INT_TEXT,
    })


@pytest.mark.django_db
@fuzz_settings(150)
@given(data=st.data())
def test_audit_log_filters(data, audit_clients, audit_fuzzers):
    who = data.draw(st.sampled_from(sorted(audit_clients)), label="user")
    params = _query(data, audit_fuzzers)
    response = _get(audit_clients[who], "/audit/", params)
    _check_echo(response, params, ["actor", "action", "object"])


RAW_KEYS = ["q", "status", "medium", "department", "schedule", "expiry_from", "expiry_to", "sort", "page",
            "actor", "action", "object", "since", "until", "", "q[]", "__proto__"]


@pytest.mark.django_db
@fuzz_settings(120)
@given(
    path=st.sampled_from(["/records/", "/audit/"]),
    pairs=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(RAW_KEYS), st.binary(max_size=12).map(urllib.parse.quote_from_bytes)),
            st.one_of(
                st.binary(max_size=200).map(urllib.parse.quote_from_bytes),  # invalid UTF-8 included
                st.sampled_from(["%", "%ZZ", "%C3", "%C3%28", "%ED%A0%80", "%00", "+", "&", "=", "%E2%80%AE"]),
                junk(60).filter(lambda v: isinstance(v, str)).map(lambda v: urllib.parse.quote(v, safe="")),
            ),
        ),
        max_size=8,
    ),
    separator=st.sampled_from(["&", ";", "&&"]),
)
def test_raw_query_strings(path, pairs, separator, list_clients, audit_clients, hostile_records):
    """Query strings as no form would build them: invalid percent-encoding, invalid UTF-8, odd keys."""
    client = audit_clients["auditor"] if path == "/audit/" else list_clients["employee"]
    query = separator.join(f"{key}={value}" for key, value in pairs)
    response = client.get(f"{path}?{query}")
    assert_no_server_error(response, query)
    assert response.status_code in OK_STATUSES
    assert_no_injection(response, query)


PATH_TEMPLATES = [
    "/records/{}/", "/records/{}/edit/", "/records/{}/audit/", "/records/{}/certificate.pdf",
    "/schedules/{}/edit/", "/registers/{}/", "/registers/{}/new/", "/holds/{}/", "/certification/packages/{}/",
]


@pytest.mark.django_db
@fuzz_settings(80)
@given(
    template=st.sampled_from(PATH_TEMPLATES),
    segment=st.one_of(
        hostile_text(100).filter(lambda s: isinstance(s, str)).map(lambda s: urllib.parse.quote(s, safe="")),
        st.binary(min_size=1, max_size=40).map(urllib.parse.quote_from_bytes),
        st.sampled_from(["CPNI-2026-000001", "cpni-2026-000001", "TOLL-BILLING", "complaints", "1", "0", "-1",
                         "99999999999999999999", "..", "%2e%2e", "%00", "%2F", "%C0%AF"]),
    ),
)
def test_path_segments(template, segment, audit_clients, hostile_records):
    """Identifiers in the path (record references, schedule codes, register kinds, ids)."""
    path = template.format(segment)
    response = audit_clients["records_manager"].get(path)
    assert_no_server_error(response, path)
    if response.get("Content-Type", "").startswith("text/html"):
        assert_no_injection(response, path)
