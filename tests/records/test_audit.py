"""The audit log: a hash chain nobody can quietly rewrite."""

import hashlib
import json
from datetime import date
from datetime import timezone as dt_timezone

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from records.anchors import audit_anchor_write
from records.audit import (
    GENESIS_HASH, INSERTED_WITH_HEAD, Entry, audit_event_record, audit_events_record, event_hash, verify_chain,
)
from records.models import AuditChainHead, AuditEvent


@pytest.fixture
def chain(employee):
    """Six events, as the application writes them."""
    return [audit_event_record(actor=employee if n % 2 else None, action=f"test.event{n}", payload={"n": n}) for n in range(6)]


AUDIT_TABLES = ("records_auditevent", "records_auditchainhead")


def tamper(sql, *params):
    """Change the tables behind the application's back, as a database superuser could: on
    PostgreSQL that means switching their protecting triggers off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the table
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_events_form_a_hash_chain_that_verifies(chain):
    previous = GENESIS_HASH
    for event in AuditEvent.objects.order_by("sequence"):
        assert event.previous_hash == previous
        assert event.hash == event_hash(
            previous_hash=previous, sequence=event.sequence, occurred_at=event.occurred_at, actor_id=event.actor_id,
            actor_name=event.actor_name, action=event.action, object_type=event.object_type,
            object_id=event.object_id, object_repr=event.object_repr, payload=event.payload,
        )
        previous = event.hash
    report = verify_chain(chunk_size=4)
    assert report.ok and report.checked == AuditEvent.objects.count()


@pytest.mark.django_db
class TestTamperingIsDetected:
    def test_an_edited_event(self, chain):
        tamper("UPDATE records_auditevent SET payload = %s WHERE sequence = %s", '{"n": 99}', chain[2].sequence)
        report = verify_chain(chunk_size=4)
        assert not report.ok and report.broken_at == chain[2].sequence and "altered" in report.problem

    def test_an_edited_actor(self, chain):
        tamper("UPDATE records_auditevent SET actor_name = 'someone' WHERE sequence = %s", chain[1].sequence)
        assert verify_chain().broken_at == chain[1].sequence

    def test_a_deleted_event(self, chain):
        tamper("DELETE FROM records_auditevent WHERE sequence = %s", chain[3].sequence)
        report = verify_chain()
        assert not report.ok and report.broken_at == chain[4].sequence and "missing" in report.problem

    def test_a_deleted_last_event(self, chain):
        tamper("DELETE FROM records_auditevent WHERE sequence = %s", chain[-1].sequence)
        report = verify_chain()
        assert not report.ok and "head" in report.problem

    def test_an_inserted_event_that_does_not_link(self, chain):
        last = chain[-1]
        tamper(
            "INSERT INTO records_auditevent (sequence, occurred_at, actor_name, action, object_type, object_id, "
            "object_repr, payload, previous_hash, hash) VALUES (%s, %s, 'mallory', 'record.created', '', '', '', '{}', %s, %s)",
            last.sequence + 1, last.occurred_at, "f" * 64, "e" * 64,
        )
        report = verify_chain()
        assert not report.ok and report.broken_at == last.sequence + 1

    def test_a_well_forged_event_appended_without_the_head(self, chain):
        last = chain[-1]
        forged = event_hash(previous_hash=last.hash, sequence=last.sequence + 1, occurred_at=last.occurred_at,
                            actor_id=None, actor_name="mallory", action="record.created", object_type="", object_id="",
                            object_repr="", payload={})
        tamper(
            "INSERT INTO records_auditevent (sequence, occurred_at, actor_name, action, object_type, object_id, "
            "object_repr, payload, previous_hash, hash) VALUES (%s, %s, 'mallory', 'record.created', '', '', '', '{}', %s, %s)",
            last.sequence + 1, last.occurred_at, last.hash, forged,
        )
        report = verify_chain()
        assert not report.ok and "head" in report.problem

    def test_reordered_events(self, chain):
        a, b = chain[1].sequence, chain[2].sequence
        tamper("UPDATE records_auditevent SET sequence = 999999 WHERE sequence = %s", a)
        tamper("UPDATE records_auditevent SET sequence = %s WHERE sequence = %s", a, b)
        tamper("UPDATE records_auditevent SET sequence = %s WHERE sequence = 999999", b)
        report = verify_chain()
        assert not report.ok and report.broken_at == a

    def test_the_command_reports_the_first_broken_link_and_fails(self, chain, capsys):
        events = AuditEvent.objects.count()
        call_command("verify_audit", "--no-progress", "--full")
        assert f"{events} events verified" in capsys.readouterr().out
        tamper("UPDATE records_auditevent SET action = 'record.nothing' WHERE sequence = %s", chain[4].sequence)
        with pytest.raises(CommandError, match=f"event #{chain[4].sequence} was altered") as excinfo:
            call_command("verify_audit", "--no-progress", "--full")
        assert excinfo.value.returncode == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_rejects_update_and_delete_of_audit_events(chain):
    for statement in ("UPDATE records_auditevent SET action = 'x'", "DELETE FROM records_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=chain[0].sequence).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=chain[0].sequence).delete()
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_truncate_and_setting_the_head_back(chain):
    """The cut that passed unnoticed: TRUNCATE, re-insert all but the last events, set the head back."""
    refused = [
        "TRUNCATE records_auditevent CASCADE",
        "TRUNCATE records_auditchainhead",
        "DELETE FROM records_auditchainhead",
        f"UPDATE records_auditchainhead SET last_sequence = {chain[-2].sequence}, last_hash = '{chain[-2].hash}'",
        "UPDATE records_auditchainhead SET last_hash = 'f'",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the chain's own deferred checks done: TRUNCATE may run
    for statement in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (chain[-1].sequence, chain[-1].hash)
    assert AuditEvent.objects.count() == len(chain) and verify_chain().ok


@pytest.mark.django_db
class TestRewritesWithoutTheKeyAreDetected:
    def test_an_edited_object_description_or_actor_id(self, chain, records_manager):
        tamper("UPDATE records_auditevent SET object_repr = 'CPNI-2026-000999' WHERE sequence = %s", chain[2].sequence)
        report = verify_chain()
        assert not report.ok and report.broken_at == chain[2].sequence and "altered" in report.problem
        tamper("UPDATE records_auditevent SET object_repr = '' WHERE sequence = %s", chain[2].sequence)
        assert verify_chain().ok
        tamper("UPDATE records_auditevent SET actor_id = %s WHERE sequence = %s", records_manager.pk, chain[1].sequence)
        report = verify_chain()
        assert not report.ok and report.broken_at == chain[1].sequence and "altered" in report.problem

    def test_a_rewrite_recomputed_with_the_applications_own_event_hash(self, chain):
        """Change an event and recompute every later hash and the head, as a superuser with the
        source code could: the head's signature no longer matches."""
        rewrite_from(chain[2].sequence, payload={"n": 99})
        report = verify_chain()
        assert not report.ok and "not signed with this installation's key" in report.problem

    def test_a_rewrite_behind_a_signed_checkpoint(self, chain):
        audit_anchor_write()
        audit_event_record(actor=None, action="test.after", payload={})
        rewrite_from(chain[2].sequence, payload={"n": 99})
        report = verify_chain()
        assert not report.ok and report.broken_at == chain[-1].sequence
        assert "rewritten and their hashes recomputed" in report.problem


def rewrite_from(sequence, **changes):
    """Rewrite event `sequence` and recompute the chain after it, and the head, with event_hash."""
    events = list(AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"))
    previous = events[0].previous_hash
    for event in events:
        for name, value in (changes if event.sequence == sequence else {}).items():
            setattr(event, name, value)
        event.previous_hash = previous
        event.hash = previous = event_hash(
            previous_hash=previous, sequence=event.sequence, occurred_at=event.occurred_at, actor_id=event.actor_id,
            actor_name=event.actor_name, action=event.action, object_type=event.object_type,
            object_id=event.object_id, object_repr=event.object_repr, payload=event.payload,
        )
        tamper("UPDATE records_auditevent SET payload = %s, previous_hash = %s, hash = %s WHERE sequence = %s",
               json.dumps(event.payload), event.previous_hash, event.hash, event.sequence)
    tamper("UPDATE records_auditchainhead SET last_hash = %s", previous)


AWKWARD_TEXT = "tab\there, newline\nthere, back\\slash, quote ' \" , non-ASCII Zürich ☎ \\N"


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, INSERTED_WITH_HEAD + 1])
def test_a_batch_of_events_round_trips_exactly_and_verifies(employee, size):
    """On PostgreSQL a few events go in with one INSERT, more with COPY: text that COPY's format
    escapes (tabs, newlines, backslashes, its NULL marker) and JSON payloads come back exactly as
    they were hashed either way."""
    chain_before = audit_events_record(actor=None, entries=[Entry("test.before", object_type="thing", object_id="0")])
    entries = [
        Entry("test.batch", object_type="thing", object_id=str(n), object_repr=AWKWARD_TEXT + str(n),
              payload={"n": n, "text": AWKWARD_TEXT, "list": [1, "two", None], "when": date(2026, 11, 23), "nested": {"ok": True}})
        for n in range(size)
    ]
    events = audit_events_record(actor=employee, entries=entries)
    assert [e.sequence for e in events] == list(range(chain_before[0].sequence + 1, chain_before[0].sequence + size + 1))
    stored = list(AuditEvent.objects.filter(action="test.batch").order_by("sequence"))
    assert len(stored) == size
    for event, row in zip(events, stored, strict=True):
        for name in ("sequence", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id",
                     "object_repr", "payload", "previous_hash", "hash"):
            assert getattr(row, name) == getattr(event, name), name
    assert stored[0].payload["when"] == "2026-11-23" and stored[0].object_repr.endswith("\\N0")
    assert AuditChainHead.objects.get().last_hash == stored[-1].hash
    report = verify_chain(chunk_size=2)
    assert report.ok and report.checked == AuditEvent.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("size, statements", [(1, ["SELECT", "WITH"]), (INSERTED_WITH_HEAD, ["SELECT", "WITH"]),
                                              (INSERTED_WITH_HEAD + 1, ["SELECT", "COPY", "UPDATE"])])
def test_on_postgresql_events_go_in_with_the_head_in_one_statement_or_by_copy(employee, monkeypatch, size, statements):
    """After the head is read and locked, a few events and the head's move are one statement; a
    larger batch goes in with COPY, then the head is updated."""
    def no_insert(*args, **kwargs):
        raise AssertionError("bulk_create used on PostgreSQL")

    audit_event_record(actor=None, action="test.first")  # the chain's head row made
    monkeypatch.setattr(AuditEvent.objects, "bulk_create", no_insert)
    with CaptureQueriesContext(connection) as queries:
        events = audit_events_record(actor=employee, entries=[Entry("test.appended", object_type="thing", object_id=str(n))
                                                              for n in range(size)])
    assert [query["sql"].split()[0] for query in queries.captured_queries] == statements
    assert AuditEvent.objects.filter(action="test.appended").count() == size
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (events[-1].sequence, events[-1].hash)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_failed_append_is_a_database_error_and_leaves_nothing_behind(employee):
    """An append that collides (here: a head set back by hand, so the next sequence is taken) raises
    Django's IntegrityError, COPY or not, and its transaction leaves no event and no moved head."""
    audit_events_record(actor=None, entries=[Entry("test.first", object_type="thing", object_id=str(n)) for n in range(3)])
    tamper("UPDATE records_auditchainhead SET last_sequence = 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        audit_events_record(actor=employee, entries=[Entry("test.second", object_type="thing", object_id="x")])
    assert not AuditEvent.objects.filter(action="test.second").exists()
    assert AuditChainHead.objects.get().last_sequence == 1


@pytest.mark.django_db(transaction=True)
def test_an_append_inside_a_change_takes_no_savepoint_and_a_failed_one_undoes_the_change(employee, department):
    """The events join the transaction of the change they describe without a savepoint of their
    own (two round trips saved on every audited request); if the append fails, the change is
    rolled back with it."""
    audit_event_record(actor=None, action="test.first")  # the chain's head row made
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        department.name = "Renamed"
        department.save()
        audit_event_record(actor=employee, action="test.renamed", obj=department)
    assert not [q["sql"] for q in queries if "SAVEPOINT" in q["sql"]]
    assert AuditEvent.objects.filter(action="test.renamed").exists()

    tamper("UPDATE records_auditchainhead SET last_sequence = 1")  # the next sequence is taken
    with pytest.raises(IntegrityError), transaction.atomic():
        department.name = "Renamed again"
        department.save()
        audit_event_record(actor=employee, action="test.renamed", obj=department)
    department.refresh_from_db()
    assert department.name == "Renamed"


def reference_event_hash(*, previous_hash, sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
                         object_repr, payload):
    """The chain's definition, spelled out with json.dumps: records.audit.event_hash must agree."""
    content = json.dumps(
        {"sequence": sequence, "occurred_at": occurred_at.isoformat(), "actor": actor_name, "actor_id": actor_id,
         "action": action, "object_type": object_type, "object_id": str(object_id), "object_repr": object_repr,
         "payload": payload},
        sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder,
    )
    return hashlib.sha256((previous_hash + content).encode()).hexdigest()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(
    sequence=st.integers(min_value=1, max_value=2**62), actor_name=st.text(max_size=20), action=st.text(max_size=20),
    object_id=st.text(max_size=20) | st.integers(), payload=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5),
    occurred_at=st.datetimes(timezones=st.just(dt_timezone.utc)), actor_id=st.none() | st.integers(min_value=1),
    object_repr=st.text(max_size=200),
)
def test_event_hash_is_the_canonical_json_definition(sequence, actor_name, action, object_id, payload, occurred_at,
                                                     actor_id, object_repr):
    """event_hash, which the batch writer and verify_chain both use, is the documented definition."""
    values = dict(previous_hash="ab" * 32, sequence=sequence, occurred_at=occurred_at, actor_id=actor_id,
                  actor_name=actor_name, action=action, object_type="records.record", object_id=object_id,
                  object_repr=object_repr, payload=payload)
    expected = reference_event_hash(**values)
    assert event_hash(**values) == expected


@settings(max_examples=200, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=8), JSON_VALUES | st.integers(min_value=2**64), max_size=6))
def test_payloads_are_read_back_as_json_reads_them(payload):
    """The verification reads payloads with json's scanner alone: the same values as json.loads
    (integers past 64 bits included), so the same canonical text; trailing text is refused."""
    from records.audit import _PAYLOAD_JSON, _payload_loads

    for text in (json.dumps(payload), json.dumps(payload, ensure_ascii=False)):
        assert _payload_loads(text) == json.loads(text)
        assert _PAYLOAD_JSON(_payload_loads(text)) == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    with pytest.raises(ValueError):
        _payload_loads(json.dumps(payload) + " x")


# Characters orjson and ASCII's backslashreplace write otherwise than json (U+0080-U+00FF, U+007F,
# beyond U+FFFF), and numbers orjson writes or reads otherwise (large floats, integers past 64 bits).
RARE_VALUES = {"accent": "Zürich café", "delete": "\x7f", "emoji": "call ☎ 📞", "float": 1e20, "big": 2**70,
               "tiny": 5e-324, "escape": "a \\x41 \\U0001 b"}


@pytest.mark.django_db
def test_payloads_the_quick_route_writes_otherwise_still_verify_and_still_break(employee):
    from records.audit import _PAYLOAD_JSON, _digest, _hash_quickly, _payload_loads

    for name, value in RARE_VALUES.items():
        audit_event_record(actor=employee, action="test.rare", object_id=name, payload={name: value, "list": [value]})
    fields = ("ab" * 32, 7, "2026-12-05T10:15:30+00:00", None, "system", "test.rare", "thing", "1", "")
    texts = [json.dumps(payload) for payload in AuditEvent.objects.filter(action="test.rare").values_list("payload", flat=True)]
    assert any(_hash_quickly(*fields, text)[1] != _digest(*fields, _PAYLOAD_JSON(_payload_loads(text))) for text in texts)
    assert verify_chain(chunk_size=3).ok
    event = AuditEvent.objects.get(action="test.rare", object_id="accent")
    tamper("UPDATE records_auditevent SET payload = %s WHERE id = %s", json.dumps({"accent": "Zurich", "list": ["Zurich"]}),
           event.pk)
    report = verify_chain()
    assert not report.ok and report.broken_at == event.sequence and "no longer matches its hash" in report.problem


# What events hold: ASCII (bar U+007F) and characters beyond U+00FF in the plane most text is in.
COMMON_TEXT = st.text(st.characters(exclude_categories=["Cs"], max_codepoint=0xFFFF).filter(lambda c: not "\x7f" <= c <= "\xff"))
COMMON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | COMMON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(COMMON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(payload=st.dictionaries(COMMON_TEXT, COMMON_VALUES, max_size=6), text=COMMON_TEXT,
       actor_id=st.none() | st.integers(min_value=1, max_value=2**62), sequence=st.integers(min_value=1, max_value=2**62))
def test_the_quick_route_gives_jsons_hash_for_the_characters_events_hold(payload, text, actor_id, sequence):
    """Text in ASCII and beyond U+00FF (the em dashes of titles and schedules), integers and nesting:
    the quick route gives the hash of json's own canonical text, so the verification seldom needs json."""
    from records.audit import _PAYLOAD_JSON, _digest, _hash_quickly, _payload_loads

    fields = ("ab" * 32, sequence, "2026-12-05T10:15:30.250000+00:00", actor_id, text, "record.created", "records.record",
              text, text)
    for body in (json.dumps(payload), json.dumps(payload, ensure_ascii=False)):
        quick_payload, quick_hash = _hash_quickly(*fields, body)
        assert quick_payload == payload
        assert quick_hash == _digest(*fields, _PAYLOAD_JSON(_payload_loads(body)))
