"""Verifying the audit chain as a job: in full from the first event, or incrementally from the last
verified checkpoint, resumable after a killed worker, started only by those who may verify."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from records import audit, jobs, verification
from records.audit import audit_event_record
from records.models import AuditChainHead, AuditEvent, Job
from tests.records.test_audit import tamper

pytestmark = pytest.mark.django_db


def events(n, start=0):
    return [audit_event_record(actor=None, action=f"test.event{start + k}", payload={"n": start + k}) for k in range(n)]


def verify(actor, mode):
    """Start a verification as the page does and run it as the worker does."""
    job = verification.chain_verify_start(actor=actor, mode=mode, queue=False)
    return jobs.job_run(job.pk)


def outcome(job):
    return AuditEvent.objects.get(action="audit.verified", object_type="records.job", object_id=str(job.pk))


@pytest.fixture
def checkpointed(auditor):
    """Ten events verified in full (the checkpoint), then five more."""
    events(10)
    full = verify(auditor, verification.FULL)
    assert full.result["ok"] and full.result["from_genesis"]
    after = events(5, start=10)
    return {"full": full, "through": full.result["through_sequence"], "after": after}


def test_a_full_verification_records_a_signed_checkpoint_of_what_it_verified(auditor):
    events(10)
    head = AuditChainHead.objects.get()
    job = verify(auditor, verification.FULL)
    assert (job.state, job.done, job.total) == (Job.State.DONE, head.last_sequence, head.last_sequence)
    event = outcome(job)
    assert event.actor == auditor and event.payload["ok"] is True and event.payload["from_genesis"] is True
    assert (event.payload["through_sequence"], event.payload["through_hash"]) == (head.last_sequence, head.last_hash)
    assert event.payload["checked"] == head.last_sequence and event.sequence > head.last_sequence
    assert verification.last_checkpoint() == event
    assert audit.verify_chain().ok, "the checkpoint is a link of the chain like any other"


def test_incremental_verification_reads_only_the_events_after_the_checkpoint(auditor, checkpointed, monkeypatch):
    walked = []
    walk = audit.ChainWalk.walk

    def spy(self, rows):
        walked.extend(row[0] for row in rows)
        return walk(self, rows)

    monkeypatch.setattr(audit.ChainWalk, "walk", spy)
    job = verify(auditor, verification.INCREMENTAL)
    head = AuditChainHead.objects.order_by().get().last_sequence
    through = checkpointed["through"]
    assert job.params["from_sequence"] == through
    assert walked == list(range(through + 1, outcome(job).sequence)), "each event after the checkpoint, once"
    assert job.result["ok"] and not job.result["from_genesis"] and job.result["checked"] == len(walked)
    assert head > through
    assert any(verification.RELIANCE in line for line in job.result["summary"]), "the reliance is stated"


def test_incremental_verification_detects_an_altered_event_after_the_checkpoint(auditor, checkpointed):
    altered = checkpointed["after"][2].sequence
    tamper("UPDATE records_auditevent SET payload = %s WHERE sequence = %s", '{"n": 99}', altered)
    job = verify(auditor, verification.INCREMENTAL)
    assert job.state == Job.State.DONE and job.result["ok"] is False and job.result["broken_at"] == altered
    assert "BROKEN" in job.result["alert"] and "altered" in job.result["problem"]
    assert outcome(job).payload["ok"] is False


@pytest.mark.parametrize("how", ["removed", "inserted"])
def test_incremental_verification_detects_a_removed_or_inserted_event_after_the_checkpoint(auditor, checkpointed, how):
    event = checkpointed["after"][1]
    if how == "removed":
        tamper("DELETE FROM records_auditevent WHERE sequence = %s", event.sequence)
    else:
        tamper("UPDATE records_auditevent SET sequence = sequence + 1000 WHERE sequence >= %s", event.sequence)
        tamper("UPDATE records_auditevent SET sequence = sequence - 999 WHERE sequence >= %s", event.sequence + 1000)
        tamper("UPDATE records_auditchainhead SET last_sequence = last_sequence + 1")
        tamper("INSERT INTO records_auditevent (sequence, occurred_at, actor_name, action, object_type, object_id, "
               "object_repr, payload, previous_hash, hash) VALUES (%s, %s, 'mallory', 'record.created', '', '', '', '{}', "
               "%s, %s)", event.sequence, event.occurred_at, event.previous_hash, "e" * 64)
    job = verify(auditor, verification.INCREMENTAL)
    assert job.result["ok"] is False and job.result["broken_at"] >= event.sequence


def test_incremental_verification_detects_a_head_that_does_not_match(auditor, checkpointed):
    last = AuditChainHead.objects.get().last_sequence
    tamper("DELETE FROM records_auditevent WHERE sequence = %s", last)
    job = verify(auditor, verification.INCREMENTAL)
    assert job.result["ok"] is False and "head" in job.result["problem"]


@pytest.mark.parametrize("shift, problem", [(-3, "not signed with this installation's key"),
                                            (+3, "is not a verified checkpoint of the events before it")])
def test_a_checkpoint_changed_without_the_key_is_not_started_from(auditor, checkpointed, shift, problem):
    """Moved back (to hide a rewrite behind it) or past itself (to skip events), a checkpoint
    rewritten in the database is refused before any event is relied on."""
    checkpoint = outcome(checkpointed["full"])
    forged = {**checkpoint.payload, "through_sequence": checkpoint.payload["through_sequence"] + shift}
    tamper("UPDATE records_auditevent SET payload = %s WHERE sequence = %s", json.dumps(forged), checkpoint.sequence)
    job = verify(auditor, verification.INCREMENTAL)
    assert job.result["ok"] is False and problem in job.result["problem"]


def test_tampering_before_the_checkpoint_is_found_by_a_full_verification_only(auditor, checkpointed):
    tamper("UPDATE records_auditevent SET payload = %s WHERE sequence = 3", '{"n": 99}')
    incremental = verify(auditor, verification.INCREMENTAL)
    assert incremental.result["ok"] is True, "an incremental verification relies on its checkpoint (the page says so)"
    full = verify(auditor, verification.FULL)
    assert full.result["ok"] is False and full.result["broken_at"] == 3
    again = verification.chain_verify_start(actor=auditor, mode=verification.INCREMENTAL, queue=False)
    assert again.params["from_sequence"] == 0, "after a broken result, no earlier checkpoint is relied on"
    assert jobs.job_run(again.pk).result["broken_at"] == 3


class Killed(Exception):
    """Stands for a worker killed half-way."""


@pytest.mark.django_db(transaction=True)
def test_a_killed_verification_resumes_after_its_last_chunk_and_ends_like_a_clean_run(auditor, monkeypatch):
    events(23)
    monkeypatch.setattr(audit, "VERIFY_CHUNK_SIZE", 5)
    advance, calls = jobs.Run.advance, []

    def dies_on_the_third_chunk(self, *, cursor, count):
        calls.append(cursor)
        if len(calls) == 3:
            raise Killed()
        return advance(self, cursor=cursor, count=count)

    monkeypatch.setattr(jobs.Run, "advance", dies_on_the_third_chunk)
    job = verification.chain_verify_start(actor=auditor, mode=verification.FULL, queue=False)
    with pytest.raises(Killed):
        jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.cursor, job.done) == (Job.State.RUNNING, 10, 10), "two chunks committed, the third not"
    assert not AuditEvent.objects.filter(action="audit.verified").exists()
    monkeypatch.setattr(jobs.Run, "advance", advance)
    resumed = jobs.job_run(job.pk)
    clean = verify(auditor, verification.FULL)
    assert resumed.state == Job.State.DONE and resumed.done == 23
    for key in ("ok", "from_genesis", "checked", "through_sequence", "through_hash", "from_sequence"):
        assert resumed.result[key] == outcome(resumed).payload[key]
    assert (resumed.result["ok"], resumed.result["checked"], resumed.result["through_sequence"]) == (True, 23, 23)
    assert clean.result["ok"] and clean.result["checked"] > 23  # it also walked the first job's own events
    assert AuditEvent.objects.filter(action="audit.verified", object_id=str(job.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_outcome_leaves_one_outcome_and_the_same_result(auditor, monkeypatch):
    events(4)
    finish = jobs._finish

    def killed(job, state, **kwargs):
        raise Killed()

    monkeypatch.setattr(jobs, "_finish", killed)
    job = verification.chain_verify_start(actor=auditor, mode=verification.FULL, queue=False)
    with pytest.raises(Killed):
        jobs.job_run(job.pk)
    first = outcome(job).payload
    monkeypatch.setattr(jobs, "_finish", finish)
    job = jobs.job_run(job.pk)
    assert job.state == Job.State.DONE and job.result["through_sequence"] == first["through_sequence"] == 4
    assert AuditEvent.objects.filter(action="audit.verified").count() == 1


def test_only_those_who_may_verify_start_a_verification(client, employee, officer, records_manager, auditor):
    events(2)
    for denied in (employee, officer):
        with pytest.raises(PermissionDenied):
            verification.chain_verify_start(actor=denied, mode=verification.FULL)
        client.force_login(denied)
        assert client.post(reverse("audit-verify"), {"mode": "incremental"}).status_code == 403
        with pytest.raises(CommandError, match="not an active user allowed to verify"):
            call_command("verify_audit", "--no-progress", "--as", denied.username)
    assert not Job.objects.exists()
    for allowed in (records_manager, auditor):
        client.force_login(allowed)
        response = client.post(reverse("audit-verify"), {"mode": "incremental"})
        assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    assert Job.objects.count() == 1, "the second request finds the first verification under way"
    bad = client.post(reverse("audit-verify"), {"mode": "everything"}, follow=True)
    assert bad.status_code == 200 and "Choose what to verify" in bad.content.decode()


def test_the_starting_request_does_not_count_the_chain(client, auditor, django_assert_max_num_queries):
    events(3)
    client.force_login(auditor)
    with django_assert_max_num_queries(20) as queries:
        client.post(reverse("audit-verify"), {"mode": "full"})
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_weekly_full_verification_is_scheduled_and_starts_one_job(auditor):
    from django_celery_beat.models import PeriodicTask

    from records import tasks

    task = PeriodicTask.objects.get(name="Audit chain full verification")
    assert task.task == "records.tasks.verify_audit_chain_in_full" and task.enabled
    assert task.crontab.day_of_week == "0" and task.crontab.hour == "3"
    events(3)
    first = tasks.verify_audit_chain_in_full.run()
    assert tasks.verify_audit_chain_in_full.run() == first, "one under way is not started twice"
    job = jobs.job_run(first)
    assert job.requested_by is None and job.result["ok"] and job.result["from_genesis"]
    assert outcome(job).actor_name == "system"


def test_the_audit_log_shows_the_last_verifications_and_a_broken_one_cannot_be_missed(client, auditor, checkpointed):
    client.force_login(auditor)
    page = client.get(reverse("audit-log")).content.decode()
    assert "Last verified in full" in page and f"up to event #{checkpointed['through']}" in page
    assert "Verify new events" in page and "Verify everything from the start" in page
    assert verification.RELIANCE in page and 'role="alert"' not in page
    verify(auditor, verification.INCREMENTAL)
    page = client.get(reverse("audit-log")).content.decode()
    assert f"intact, events #{checkpointed['through'] + 1}" in page and auditor.username in page
    tamper("UPDATE records_auditevent SET action = 'x' WHERE sequence = %s", AuditChainHead.objects.get().last_sequence)
    verify(auditor, verification.INCREMENTAL)
    page = client.get(reverse("audit-log")).content.decode()
    assert 'role="alert"' in page and "The audit chain is BROKEN" in page and "was altered" in page


def test_the_command_verifies_new_events_or_everything_and_shows_progress(auditor, checkpointed, capsys):
    call_command("verify_audit", "--as", auditor.username)
    captured = capsys.readouterr()
    assert "Audit chain intact" in captured.out and "after the verified checkpoint" in captured.out
    assert "events/s" in captured.err or "event/s" in captured.err, "a progress bar"
    call_command("verify_audit", "--no-progress", "--full")
    out = capsys.readouterr().out
    assert "from the first event" in out
    assert AuditEvent.objects.filter(action="audit.verified").last().actor_name == "system"


def test_an_event_at_a_whole_second_verifies(time_machine):
    time_machine.move_to(timezone.now().replace(microsecond=0), tick=False)
    event = audit_event_record(actor=None, action="test.whole_second", payload={})
    assert event.occurred_at.microsecond == 0
    assert audit.verify_chain().ok
