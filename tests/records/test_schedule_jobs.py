"""A schedule or legal minimum change on more records than a request can recompute: the change is
saved at once, and a job recomputes the records a chunk at a time (records.schedules). Until the
job has passed a record, neither the sweep nor a destruction acts on its old expiry; a killed job
resumes and ends where one clean run would."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from records import destruction, jobs, legal_minimums, lifecycle, schedules
from records.audit import verify_chain
from records.lifecycle import TransitionNotAllowed
from records.models import AuditEvent, Job, LegalMinimum, Record, RetentionSchedule, Status
from records.sweep import retention_sweep
from tests.factories import ScheduleFactory, make_record
from tests.records.test_retention_views import schedule_data

TODAY = date(2026, 11, 23)  # conftest's frozen_today

# (trigger date, status): under 18 months, then under 24.
PLAN = [
    (date(2025, 5, 23), Status.ACTIVE),  # 2026-11-23 (today) -> 2027-05-23: the sweep's on the old date
    (date(2025, 1, 1), Status.DUE),  # 2026-07-01 -> 2027-01-01: back to active
    (date(2026, 10, 1), Status.ACTIVE),  # 2028-04-01 -> 2028-10-01
    (date(2024, 1, 1), Status.DUE),  # 2025-07-01 -> 2026-01-01: still due, may be destroyed
    (date(2024, 6, 1), Status.PENDING_SHRED),  # in destruction: keeps its status
    (date(2025, 5, 23), Status.ACTIVE),  # as the first
    (date(2025, 2, 1), Status.DUE),  # 2026-08-01 -> 2027-02-01: back to active
]


class Killed(Exception):
    """Stands for a worker killed half-way through a chunk (its transaction never commits)."""


@pytest.fixture
def small_chunks(monkeypatch):
    """Every change goes to a job (none is small enough to do at once), two records a chunk."""
    monkeypatch.setattr(schedules, "INLINE_LIMIT", 0)
    monkeypatch.setattr(schedules, "CHUNK", 2)


def load(employee, code):
    schedule = ScheduleFactory(code=code, period_value=18, period_unit="months")
    records = [make_record(custodian=employee, schedule=schedule, trigger_date=trigger, status=status)
               for trigger, status in PLAN]
    return schedule, records


@pytest.fixture
def kill(monkeypatch):
    """kill(n): the worker dies inside chunk n + 1, after its writes, before it commits; kill(None):
    it lives."""
    plan = {"after": None, "chunks": 0}
    real = schedules.recompute_chunk

    def chunk(*args, **kwargs):
        impact = real(*args, **kwargs)
        if plan["after"] is not None and plan["chunks"] == plan["after"]:
            raise Killed()
        plan["chunks"] += 1
        return impact

    monkeypatch.setattr(schedules, "recompute_chunk", chunk)
    return lambda after: plan.update(after=after, chunks=0)


def marks():
    """Where the history and the audit log stand now."""
    return Record.history.order_by("-history_id").values_list("history_id", flat=True).first(), \
        AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()


def state(records, since):
    """What the recompute left on each record, in the records' order: expiry, status, and the
    history rows and audit events written since `since` (marks())."""
    history_id, sequence = since
    rows = []
    for record in records:
        saved = Record.objects.get(pk=record.pk)
        history = list(saved.history.filter(history_id__gt=history_id).order_by("history_id")
                       .values_list("expiry_date", "status", "history_change_reason", "history_user__username"))
        events = list(AuditEvent.objects.filter(object_type="records.record", object_id=str(record.pk),
                                                sequence__gt=sequence).order_by("sequence").values_list("action", "payload"))
        rows.append((saved.expiry_date, saved.status, history, events))
    return rows


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("frozen_today", "small_chunks")
class TestScheduleChangeJob:
    def test_the_change_is_saved_at_once_and_a_job_recomputes_every_record(self, employee, records_manager, client):
        schedule, records = load(employee, "TOLL")
        preview = schedules.schedule_change_impact(schedule, {"period_value": 24})
        with transaction.atomic():
            saved, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        job = impact.job
        assert saved.period_value == 24 and RetentionSchedule.objects.get(pk=schedule.pk).history.latest().period_value == 24
        assert (job.kind, job.subject_id, job.total, job.state) == (Job.Kind.SCHEDULE_RECOMPUTE, schedule.pk, 7, Job.State.QUEUED)
        event = AuditEvent.objects.get(action="schedule.updated")
        assert event.payload == {"changes": {"period_value": [18, 24]}, "job": job.pk, "records": 7}
        assert Record.objects.get(pk=records[2].pk).expiry_date == date(2028, 4, 1), "not yet recomputed"

        job = jobs.job_run(job.pk)
        assert (job.state, job.done, job.total) == (Job.State.DONE, 7, 7)
        assert {k: job.result[k] for k in preview.figures()} == preview.figures() == {
            "records_moved": 7, "become_due": 0, "return_to_active": 2, "in_destruction": 1}
        assert [Record.objects.get(pk=r.pk).expiry_date for r in records] == [
            date(2027, 5, 23), date(2027, 1, 1), date(2028, 10, 1), date(2026, 1, 1), date(2026, 6, 1),
            date(2027, 5, 23), date(2027, 2, 1)]
        assert [Record.objects.get(pk=r.pk).status for r in records] == [
            Status.ACTIVE, Status.ACTIVE, Status.ACTIVE, Status.DUE, Status.PENDING_SHRED, Status.ACTIVE, Status.ACTIVE]
        latest = Record.objects.get(pk=records[2].pk).history.latest()
        assert (latest.history_user, latest.history_change_reason) == (records_manager, "schedule TOLL changed")
        assert AuditEvent.objects.filter(action="record.extend_retention").count() == 2
        client.force_login(records_manager)
        page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
        assert "7 record expiry dates recomputed." in page and "2 due records returned to active." in page
        assert "1 record already on their way to destruction keep their status." in page
        assert verify_chain().ok

    def test_a_killed_job_resumes_and_ends_exactly_where_a_clean_run_ends(self, kill, employee, records_manager):
        clean_schedule, clean = load(employee, "CLEAN")
        killed_schedule, killed = load(employee, "KILLED")
        since = marks()
        with transaction.atomic():
            _, clean_impact = schedules.schedule_update(actor=records_manager, schedule=clean_schedule, period_value=24)
            _, killed_impact = schedules.schedule_update(actor=records_manager, schedule=killed_schedule, period_value=24)
        clean_job = jobs.job_run(clean_impact.job.pk)

        kill(1)
        with pytest.raises(Killed):
            jobs.job_run(killed_impact.job.pk)
        job = Job.objects.get(pk=killed_impact.job.pk)
        assert (job.state, job.done, job.cursor) == (Job.State.RUNNING, 2, killed[1].pk), "the second chunk rolled back"
        assert Record.objects.get(pk=killed[2].pk).expiry_date == date(2028, 4, 1)
        kill(0)
        with pytest.raises(Killed):
            jobs.job_run(job.pk)  # killed once more, in the chunk it resumed with
        kill(None)
        job = jobs.job_run(job.pk)

        assert job.state == Job.State.DONE and job.done == clean_job.done == 7
        assert job.result == clean_job.result
        clean_state = state(clean, since)
        assert state(killed, since) == [
            (expiry, status, [(e, st, reason.replace("CLEAN", "KILLED"), user) for e, st, reason, user in history],
             [(action, {**payload, "reason": payload["reason"].replace("CLEAN", "KILLED")}) for action, payload in events])
            for expiry, status, history, events in clean_state
        ], "the same dates, history rows and audit events, record for record"
        assert [len(history) for _, _, history, _ in clean_state] == [1, 2, 1, 1, 1, 1, 2], "one row a move, one a return"
        assert AuditEvent.objects.filter(action="job.done").count() == 2
        assert verify_chain().ok

    def test_the_sweep_leaves_the_records_the_job_has_not_reached(self, kill, employee, records_manager):
        schedule, records = load(employee, "TOLL")
        other = make_record(custodian=employee, trigger_date=date(2025, 5, 23))  # another schedule, past its expiry
        with transaction.atomic():
            _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=1,
                                                  period_unit="months")
        kill(1)
        with pytest.raises(Killed):
            jobs.job_run(impact.job.pk)
        # records 0 and 1 recomputed (1 month: both past); the rest wait, the sixth on a stale date of today.
        retention_sweep(today=TODAY)
        statuses = [Record.objects.get(pk=r.pk).status for r in records]
        assert statuses[0] == Status.DUE, "recomputed: past its new expiry, due"
        assert statuses[2] == statuses[5] == Status.ACTIVE, "not reached yet: the sweep waits for the job"
        assert Record.objects.get(pk=other.pk).status == Status.DUE, "other schedules are swept as always"

        kill(None)
        jobs.job_run(impact.job.pk)
        retention_sweep(today=TODAY)
        assert [Record.objects.get(pk=r.pk).status for r in (records[2], records[5])] == [Status.DUE, Status.DUE]

    def test_the_sweep_does_not_make_due_a_record_the_new_schedule_keeps(self, kill, employee, records_manager):
        schedule, records = load(employee, "TOLL")
        with transaction.atomic():
            _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        kill(0)
        with pytest.raises(Killed):
            jobs.job_run(impact.job.pk)
        retention_sweep(today=TODAY)
        assert Record.objects.get(pk=records[0].pk).status == Status.ACTIVE, "its old expiry is today; kept to 2027-05-23"
        kill(None)
        jobs.job_run(impact.job.pk)
        retention_sweep(today=TODAY)
        assert [Record.objects.get(pk=r.pk).status for r in (records[0], records[5])] == [Status.ACTIVE, Status.ACTIVE]
        assert Record.objects.get(pk=records[0].pk).expiry_date == date(2027, 5, 23)

    def test_no_destruction_starts_on_a_record_the_job_has_not_reached(self, kill, client, employee, records_manager):
        schedule, records = load(employee, "TOLL")
        with transaction.atomic():
            _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        kill(1)
        with pytest.raises(Killed):
            jobs.job_run(impact.job.pk)
        due = records[3]  # due under both rules, not reached yet
        with pytest.raises(TransitionNotAllowed) as refused:
            destruction.record_mark_for_shredding(actor=employee, record=due)
        message = str(refused.value)
        assert f"job #{impact.job.pk}" in message and "schedule TOLL" in message and "Try again when that job finishes" in message
        client.force_login(employee)
        response = client.post(reverse("record-mark-shredding", args=[due.reference]), follow=True)
        assert "Try again when that job finishes" in response.content.decode()
        assert Record.objects.get(pk=due.pk).status == Status.DUE
        assert "mark_for_shredding" not in lifecycle.available_transitions(Record.objects.get(pk=due.pk), employee)

        kill(None)
        jobs.job_run(impact.job.pk)
        assert destruction.record_mark_for_shredding(actor=employee, record=due).status == Status.PENDING_SHRED
        with pytest.raises(TransitionNotAllowed, match="is active"):
            destruction.record_mark_for_shredding(actor=employee, record=records[1])  # the new schedule keeps it

    def test_a_second_change_while_the_job_runs_is_refused_and_changes_nothing(self, client, employee, records_manager):
        schedule, records = load(employee, "TOLL")
        with transaction.atomic():
            _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        with pytest.raises(schedules.StateConflict, match=f"still being recomputed .*job #{impact.job.pk}.*Try again"):
            schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=30)
        api = APIClient()
        api.force_authenticate(records_manager)
        refused = api.patch("/api/v1/schedules/TOLL/", {"period_value": 30, "confirm": True}, format="json")
        assert refused.status_code == 409 and refused.json()["code"] == "state_conflict"
        assert "Try again when that job finishes" in refused.json()["detail"]
        client.force_login(records_manager)
        page = client.post(reverse("schedule-edit", args=["TOLL"]), schedule_data(schedule, period_value=30, confirm="1"))
        assert page.status_code == 409 and "still being recomputed" in page.content.decode()
        assert RetentionSchedule.objects.get(pk=schedule.pk).period_value == 24
        assert AuditEvent.objects.filter(action="schedule.updated").count() == 1 and Job.objects.count() == 1
        # A change that moves no expiry date is no conflict.
        renamed, _ = schedules.schedule_update(actor=records_manager, schedule=schedule, title="Toll statements")
        assert renamed.title == "Toll statements"
        jobs.job_run(impact.job.pk)
        saved, later = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=30)
        assert saved.period_value == 30 and later.job is not None

    def test_a_second_recompute_of_one_schedule_is_refused_by_the_database(self, employee, records_manager):
        schedule, _ = load(employee, "TOLL")
        with transaction.atomic():
            _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            jobs.job_start(actor=records_manager, kind=Job.Kind.SCHEDULE_RECOMPUTE, description="A second recompute",
                           total=7, subject_id=schedule.pk)
        assert jobs.second_unfinished(refused.value)
        # Of another kind, or on another schedule, it is no second job.
        with transaction.atomic():
            jobs.job_start(actor=records_manager, kind=Job.Kind.MINIMUM_RECOMPUTE, description="A minimum's recompute",
                           total=7, subject_id=schedule.pk)
            jobs.job_start(actor=records_manager, kind=Job.Kind.SCHEDULE_RECOMPUTE, description="Another schedule's",
                           total=7, subject_id=schedule.pk + 1)
        jobs.job_run(impact.job.pk)
        with transaction.atomic():
            _, later = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=30)
        assert later.job.state == Job.State.QUEUED

    def test_a_failed_recompute_does_not_run_again_beside_a_newer_one(self, client, kill, employee, records_manager):
        schedule, _ = load(employee, "TOLL")
        with transaction.atomic():
            _, first = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        kill(1)
        with pytest.raises(Killed):
            jobs.job_run(first.job.pk)
        jobs._finish(Job.objects.get(pk=first.job.pk), Job.State.FAILED, error="The database went away.")
        with transaction.atomic():
            _, second = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=30)
        with pytest.raises(ValidationError, match=f"Job #{first.job.pk} cannot run again while job #{second.job.pk}"):
            jobs.job_retry(actor=records_manager, job=Job.objects.get(pk=first.job.pk))
        client.force_login(records_manager)
        page = client.post(reverse("job-retry", args=[first.job.pk]), follow=True)
        assert page.status_code == 200 and f"while job #{second.job.pk} does the same work" in page.content.decode()
        assert Job.objects.get(pk=first.job.pk).state == Job.State.FAILED
        assert not AuditEvent.objects.filter(action="job.retried").exists()
        kill(None)
        jobs.job_run(second.job.pk)
        assert jobs.job_retry(actor=records_manager, job=Job.objects.get(pk=first.job.pk)).state == Job.State.QUEUED

    def test_the_api_answers_202_with_the_job_and_the_page_goes_to_its_progress(self, client, employee, records_manager):
        schedule, records = load(employee, "TOLL")
        api = APIClient()
        api.force_authenticate(records_manager)
        response = api.patch("/api/v1/schedules/TOLL/", {"period_value": 24, "confirm": True}, format="json")
        assert response.status_code == 202, response.json()
        body = response.json()
        assert body["period_value"] == 24 and body["impact"] is None and body["marking"].startswith("CONFIDENTIAL")
        assert body["job"]["state"] == "queued" and body["job"]["total"] == 7
        assert response["Location"] == reverse("api-job-detail", args=[body["job"]["id"]])
        jobs.job_run(body["job"]["id"])
        done = api.get(response["Location"]).json()
        assert done["state"] == "done" and done["result"]["records_moved"] == 7

        client.force_login(records_manager)
        page = client.post(reverse("schedule-edit", args=["TOLL"]), schedule_data(schedule, period_value=30, confirm="1"))
        job = Job.objects.latest("pk")
        assert page.status_code == 302 and page["Location"] == reverse("job-detail", args=[job.pk])
        assert RetentionSchedule.objects.get(pk=schedule.pk).period_value == 30

    def test_a_legal_minimum_change_is_recomputed_by_a_job_too(self, kill, employee, records_manager):
        toll = ScheduleFactory(code="TOLL", period_value=18, period_unit="months")
        breach = LegalMinimum.objects.create(code="BREACH", citation="47 CFR 64.2011(d)", title="Breach records",
                                             period_value=2, period_unit="years")
        carrying = [make_record(custodian=employee, schedule=toll, trigger_date=date(2025, 1, 1), legal_minimums=[breach])
                    for _ in range(3)]
        plain = make_record(custodian=employee, schedule=toll, trigger_date=date(2025, 1, 1))
        preview = legal_minimums.minimum_change_impact(breach, {"period_value": 3})
        with transaction.atomic():
            _, impact = legal_minimums.minimum_update(actor=records_manager, minimum=breach, period_value=3)
        assert impact.job.kind == Job.Kind.MINIMUM_RECOMPUTE and impact.job.total == 3
        kill(0)
        with pytest.raises(Killed):
            jobs.job_run(impact.job.pk)
        with pytest.raises(schedules.StateConflict):
            legal_minimums.minimum_update(actor=records_manager, minimum=breach, period_value=4)
        kill(None)
        job = jobs.job_run(impact.job.pk)
        assert job.state == Job.State.DONE and job.result["records_moved"] == preview.records_moved == 3
        assert {Record.objects.get(pk=r.pk).expiry_date for r in carrying} == {date(2028, 1, 1)}
        assert Record.objects.get(pk=plain.pk).expiry_date == date(2026, 7, 1)
        latest = Record.objects.get(pk=carrying[0].pk).history.latest()
        assert latest.history_change_reason == "legal minimum BREACH changed"


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_small_schedule_is_not_recomputed_within_the_request_while_its_job_runs(employee, records_manager,
                                                                                  monkeypatch):
    schedule, records = load(employee, "TOLL")
    monkeypatch.setattr(schedules, "INLINE_LIMIT", 0)
    with transaction.atomic():
        _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
    monkeypatch.setattr(schedules, "INLINE_LIMIT", 100)  # its records would now be recomputed at once
    with pytest.raises(schedules.StateConflict, match=f"still being recomputed .*job #{impact.job.pk}"):
        schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=30)
    assert RetentionSchedule.objects.get(pk=schedule.pk).period_value == 24
    assert [r.expiry_date for r in Record.objects.filter(schedule=schedule).order_by("pk")] == [
        r.expiry_date for r in records]
    assert AuditEvent.objects.filter(action="schedule.updated").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_small_schedule_is_still_recomputed_within_the_request(employee, records_manager):
    schedule, records = load(employee, "SMALL")
    saved, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
    assert impact.job is None and not Job.objects.exists()
    assert (impact.records_moved, impact.return_to_active) == (7, 2)
    assert Record.objects.get(pk=records[1].pk).status == Status.ACTIVE
    assert AuditEvent.objects.get(action="schedule.updated").payload["records_moved"] == 7
