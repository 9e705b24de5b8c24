"""Jobs: long work run a chunk at a time, each chunk committed with the job's progress, so that a
worker killed half-way is resumed where it stopped and ends where one clean run would.

The kinds of job (holds, schedules, the chain) have their own tests; here one step that numbers
records stands in for them, to pin what every kind relies on."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from records import jobs
from records.models import AuditEvent, ImportJob, Job, Record
from tests.factories import make_record

CHUNK = 2


class Killed(Exception):
    """Stands for a worker killed half-way (nothing after it runs)."""


@pytest.fixture
def numbering(monkeypatch):
    """A step that visits every record in id order, CHUNK at a time, noting the ids it visited
    (in `seen`, as if written with the chunk); it dies after `kill_after` chunks when set."""
    state = {"seen": [], "kill_after": None, "chunks": 0}

    def step(run):
        records = Record.objects.order_by("pk")
        run.set_total(records.count())
        while True:
            chunk = list(records.filter(pk__gt=run.job.cursor).values_list("pk", flat=True)[:CHUNK])
            if not chunk:
                return {"summary": [f"{len(state['seen'])} records numbered."], "numbered": len(state["seen"])}
            if state["kill_after"] is not None and state["chunks"] == state["kill_after"]:
                raise Killed()
            with transaction.atomic():
                state["seen"].extend(chunk)
                run.advance(cursor=chunk[-1], count=len(chunk))
            state["chunks"] += 1

    monkeypatch.setitem(jobs.STEPS, Job.Kind.HOLD_RELEASE, step)
    return state


@pytest.fixture
def five_records(employee):
    return [make_record(custodian=employee) for _ in range(5)]


def start(actor):
    with transaction.atomic():
        return jobs.job_start(actor=actor, kind=Job.Kind.HOLD_RELEASE, description="Number the records", total=0)


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_to_its_end_and_says_what_changed(numbering, five_records, records_manager):
    job = jobs.job_run(start(records_manager).pk)
    assert (job.state, job.done, job.total) == (Job.State.DONE, 5, 5)
    assert job.result == {"summary": ["5 records numbered."], "numbered": 5}
    assert numbering["seen"] == sorted(r.pk for r in five_records)
    event = AuditEvent.objects.get(action="job.done")
    assert event.payload["summary"] == ["5 records numbered."] and event.actor_name == records_manager.get_username()


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_is_resumed_after_its_last_chunk_and_ends_like_a_clean_run(numbering, five_records, records_manager):
    job = start(records_manager)
    numbering["kill_after"] = 1
    with pytest.raises(Killed):
        jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done) == (Job.State.RUNNING, CHUNK)
    numbering["kill_after"] = None
    job = jobs.job_run(job.pk)
    assert (job.state, job.done) == (Job.State.DONE, 5)
    assert numbering["seen"] == sorted(r.pk for r in five_records), "each record exactly once"


@pytest.mark.django_db(transaction=True)
def test_a_finished_job_is_not_run_again(numbering, five_records, records_manager):
    job = jobs.job_run(start(records_manager).pk)
    jobs.job_run(job.pk)
    assert len(numbering["seen"]) == 5
    assert AuditEvent.objects.filter(action="job.done").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_run_while_one_holds_the_lease_does_nothing(numbering, five_records, records_manager):
    job = start(records_manager)
    with jobs.job_lease(f"job-{job.pk}"):
        assert jobs.job_run(job.pk) is None
    assert numbering["seen"] == []


@pytest.mark.django_db(transaction=True)
def test_work_that_cannot_be_done_fails_with_its_reason(monkeypatch, records_manager):
    def step(run):
        raise ValueError("Legal hold #4 was released meanwhile.")

    monkeypatch.setitem(jobs.STEPS, Job.Kind.HOLD_RELEASE, step)
    job = jobs.job_run(start(records_manager).pk)
    assert (job.state, job.error) == (Job.State.FAILED, "Legal hold #4 was released meanwhile.")
    assert AuditEvent.objects.get(action="job.failed").payload["error"] == job.error


@pytest.mark.django_db
def test_lost_and_silent_jobs_are_found_for_the_reconcile_task(records_manager):
    now = timezone.now()
    fresh = Job.objects.create(kind=Job.Kind.HOLD_RELEASE, description="x", requested_by=records_manager, requested_at=now)
    lost = Job.objects.create(kind=Job.Kind.HOLD_RELEASE, description="x", requested_by=records_manager,
                              requested_at=now - timedelta(hours=1))
    working = Job.objects.create(kind=Job.Kind.HOLD_RELEASE, description="x", requested_by=records_manager, requested_at=now - timedelta(hours=1),
                                 state=Job.State.RUNNING, heartbeat_at=now - timedelta(seconds=20))
    dead = Job.objects.create(kind=Job.Kind.HOLD_RELEASE, description="x", requested_by=records_manager, requested_at=now - timedelta(hours=1),
                              state=Job.State.RUNNING, heartbeat_at=now - timedelta(minutes=30))
    Job.objects.create(kind=Job.Kind.HOLD_RELEASE, description="x", requested_by=records_manager,
                       requested_at=now - timedelta(hours=1), state=Job.State.DONE)
    assert set(jobs.stalled_jobs(now)) == {lost, dead}
    assert fresh not in jobs.stalled_jobs(now) and working not in jobs.stalled_jobs(now)


@pytest.mark.django_db
def test_the_estimate_follows_the_pace_so_far(records_manager):
    now = timezone.now()
    job = Job(kind=Job.Kind.HOLD_RELEASE, state=Job.State.RUNNING, total=1000, done=250,
              started_at=now - timedelta(minutes=1), requested_by=records_manager)
    assert jobs.seconds_left(job, now) == 180
    assert jobs.duration_words(180) == "about 3 minutes"
    assert jobs.percent(job) == 25


@pytest.fixture
def running_job(records_manager):
    return Job.objects.create(
        kind=Job.Kind.HOLD_PLACE, description="Place legal hold #7 (Smith v. Carrier) on department Billing",
        requested_by=records_manager, requested_at=timezone.now(), started_at=timezone.now() - timedelta(seconds=30),
        state=Job.State.RUNNING, total=360355, done=120000, link="/holds/7/",
    )


@pytest.mark.django_db
def test_the_job_page_shows_progress_and_refreshes_until_done(client, records_manager, running_job):
    client.force_login(records_manager)
    page = client.get(reverse("job-detail", args=[running_job.pk])).content.decode()
    assert "120,000 of 360,355 records" in page and "left" in page
    assert '<progress max="100" value="33"' in page and 'data-refresh="3"' in page and "js/live_progress.js" in page
    running_job.state, running_job.done, running_job.result = Job.State.DONE, 360355, {"summary": ["360,355 records held."]}
    running_job.save()
    page = client.get(reverse("job-detail", args=[running_job.pk])).content.decode()
    assert "360,355 records held." in page and "data-refresh" not in page


@pytest.mark.django_db
def test_others_follow_a_job_only_when_they_may_see_its_work(client, employee, auditor, running_job):
    client.force_login(employee)
    assert client.get(reverse("job-detail", args=[running_job.pk])).status_code == 403
    client.force_login(auditor)  # reads every hold
    assert client.get(reverse("job-detail", args=[running_job.pk])).status_code == 200


@pytest.mark.django_db
def test_my_jobs_lists_my_own_only_with_my_imports(client, records_manager, auditor, running_job):
    ImportJob.objects.create(file_name="inventory-2019.csv", sha256="0" * 64, content=b"", requested_by=records_manager,
                             requested_at=timezone.now(), state=ImportJob.State.IMPORTING, progress=40, row_count=1200)
    client.force_login(records_manager)
    page = client.get(reverse("job-list")).content.decode()
    assert running_job.description in page and "inventory-2019.csv" in page and "Importing (40%)" in page
    client.force_login(auditor)
    page = client.get(reverse("job-list")).content.decode()
    assert running_job.description not in page and "inventory-2019.csv" not in page


@pytest.mark.django_db
def test_the_api_gives_a_job_to_its_requester_and_hides_it_from_others(records_manager, employee, running_job):
    api = APIClient()
    url = reverse("api-job-detail", args=[running_job.pk])
    api.force_authenticate(records_manager)
    body = api.get(url).json()
    assert (body["state"], body["done"], body["total"], body["percent"], body["unit"]) == ("running", 120000, 360355, 33, "records")
    assert body["marking"].startswith("CONFIDENTIAL")
    api.force_authenticate(employee)
    assert api.get(url).status_code == 403
    assert api.get(reverse("api-job-detail", args=["abc"])).status_code in (403, 404)


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_runs_again_from_where_it_stopped(numbering, five_records, records_manager, netops, monkeypatch,
                                                       client):
    queued = []
    monkeypatch.setattr(jobs, "_enqueue", queued.append)
    numbering["kill_after"] = 1
    job = start(records_manager)
    with pytest.raises(Killed):
        jobs.job_run(job.pk)
    jobs._finish(Job.objects.get(pk=job.pk), Job.State.FAILED, error="Legal hold #4 was released meanwhile.")
    client.force_login(netops)  # may follow it, may not run a hold's work
    assert "Run it again" not in client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 403
    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED

    client.force_login(records_manager)
    assert "Run it again from where it stopped" in client.get(reverse("job-detail", args=[job.pk])).content.decode()
    response = client.post(reverse("job-retry", args=[job.pk]), follow=True)
    assert f"Job #{job.pk} runs again" in response.content.decode()
    again = Job.objects.get(pk=job.pk)
    assert (again.state, again.error, again.done) == (Job.State.QUEUED, "", CHUNK)
    assert queued == [job.pk, job.pk]  # when it was started, and again now
    assert AuditEvent.objects.get(action="job.retried").actor == records_manager
    numbering["kill_after"] = None
    done = jobs.job_run(job.pk)
    assert done.state == Job.State.DONE and numbering["seen"] == sorted(r.pk for r in five_records)

    response = client.post(reverse("job-retry", args=[job.pk]), follow=True)  # done: nothing to run again
    assert "only a failed job is run again" in response.content.decode()
    assert AuditEvent.objects.filter(action="job.retried").count() == 1
