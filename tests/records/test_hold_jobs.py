"""Holds on large scopes: accepted at once, their records linked (and on release let go) by a job
a chunk at a time. The hold holds its whole scope from the moment it is accepted, and a worker
killed half-way leaves a job that, run again, ends where one clean run would.

INLINE_MAX and CHUNK are made small so that a handful of records stands for a department."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from records import holds, jobs, lifecycle, services, sweep
from records.audit import verify_chain
from records.roles import Role
from records.models import AuditEvent, HeldRecord, Job, LegalHold, Record, Status
from tests.factories import DepartmentFactory, ScheduleFactory, UserFactory, make_record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_today")]


class Killed(Exception):
    """Stands for a worker killed half-way: nothing after it runs, its open transaction is lost."""


@pytest.fixture(autouse=True)
def small_jobs(monkeypatch):
    monkeypatch.setattr(holds, "INLINE_MAX", 3)
    monkeypatch.setattr(holds, "CHUNK", 2)


@pytest.fixture
def billing(employee):
    """The employee's department: five records past expiry (the sweep would take them), one due
    (it could be marked for shredding) and one destroyed, in id order."""
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    expired = [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1), title=f"R{i}")
               for i in range(5)]
    due = make_record(custodian=employee, status=Status.DUE, title="Due")
    destroyed = make_record(custodian=employee, status=Status.DESTROYED, title="Gone")
    return {"expired": expired, "due": due, "destroyed": destroyed, "department": employee.department,
            "schedule": schedule}


@pytest.fixture
def elsewhere(billing):
    """A record of another department past expiry: the sweep takes it whatever the hold."""
    other = UserFactory(username="oscar", role=Role.EMPLOYEE, department=DepartmentFactory(name="Sales", code="sales"))
    return make_record(custodian=other, schedule=billing["schedule"], trigger_date=date(2025, 1, 1), title="Other")


def place_on_department(actor, department):
    selection, scope = holds.selection_of("department", actor=actor, department=department)
    return holds.hold_place(actor=actor, matter="Smith v. Carrier", reason="litigation", selection=selection, scope=scope)


def kill_after(monkeypatch, chunks):
    """Let the job commit `chunks` chunks; the next one dies before its transaction commits."""
    advance, done = jobs.Run.advance, []

    def dying(run, **kwargs):
        if len(done) == chunks:
            raise Killed()
        done.append(kwargs)
        advance(run, **kwargs)

    monkeypatch.setattr(jobs.Run, "advance", dying)
    return lambda: monkeypatch.setattr(jobs.Run, "advance", advance)


def held_ids(hold):
    return sorted(HeldRecord.objects.filter(hold=hold).values_list("record_id", flat=True))


def in_scope(billing):
    return sorted(r.pk for r in [*billing["expired"], billing["due"]])


def actions(name):
    return AuditEvent.objects.filter(action=name)


def test_a_large_hold_is_accepted_at_once_and_its_records_linked_by_a_job(records_manager, billing):
    hold = place_on_department(records_manager, billing["department"])
    assert hold.job is not None and hold.job.kind == Job.Kind.HOLD_PLACE and hold.job.subject_id == hold.pk
    assert hold.is_being_placed and held_ids(hold) == []
    assert actions("hold.accepted").get().payload["job"] == hold.job.pk
    assert not actions("hold.placed").exists()

    job = jobs.job_run(hold.job.pk)
    hold.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 6, 6)
    assert not hold.is_being_placed and hold.is_active
    assert held_ids(hold) == in_scope(billing), "the destroyed record is left out"
    assert actions("record.hold_placed").count() == 6
    placed = actions("hold.placed").get()
    assert (placed.payload["records"], placed.payload["destroyed_left_out"]) == (6, 1)
    assert job.result["summary"][0] == f"Legal hold #{hold.pk} (Smith v. Carrier) holds 6 records of department {billing['department']}."
    assert "1 destroyed record in department" in job.result["summary"][1]
    assert verify_chain().ok


def test_each_link_and_event_the_jobs_write_names_its_record_as_the_record_itself_does(records_manager, billing):
    """The jobs read records as rows and write their links and events in bulk: each link still
    keeps the record's department, status and time in it, and each event names the record as
    an event about the record itself would."""
    hold = place_on_department(records_manager, billing["department"])
    jobs.job_run(hold.job.pk)
    jobs.job_run(holds.hold_release(actor=records_manager, hold=LegalHold.objects.get(pk=hold.pk), reason="settled").job.pk)
    records = {r.pk: r for r in Record.objects.filter(pk__in=in_scope(billing))}
    for link in HeldRecord.objects.filter(hold=hold):
        record = records[link.record_id]
        assert (link.department_id, link.status_when_linked, link.in_status_since) == (
            record.department_id, record.status, record.status_changed_at)
    for action, payload in (("record.hold_placed", {"hold": hold.pk, "matter": "Smith v. Carrier"}),
                            ("record.hold_released", {"hold": hold.pk})):
        events = actions(action).order_by("sequence")
        assert [(e.object_type, e.object_id, e.object_repr, e.payload, e.actor_id) for e in events] == [
            ("records.record", str(pk), str(records[pk]), payload, records_manager.pk) for pk in sorted(records)]
    assert verify_chain().ok


def test_a_department_or_schedule_is_sized_from_the_running_tallies(records_manager, billing, elsewhere):
    """Whether a department's or a schedule's hold needs a job is read from the tallies the
    database keeps with each record, which agree with a count of its records; the request that
    accepts it counts no records, and a scope of destroyed records alone is refused."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for kind, value in (("department", billing["department"]), ("schedule", billing["schedule"]),
                        ("department", elsewhere.department)):
        selection, _ = holds.selection_of(kind, actor=records_manager, **{kind: value})
        assert selection.tallied_size() == selection.records().exclude(status=Status.DESTROYED).count()
    with CaptureQueriesContext(connection) as queries:
        hold = place_on_department(records_manager, billing["department"])
    assert hold.job is not None
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"] and '"records_record"' in q["sql"]]
    closed = UserFactory(username="cora", role=Role.EMPLOYEE, department=DepartmentFactory(name="Closed", code="closed"))
    make_record(custodian=closed, status=Status.DESTROYED, title="Gone too")
    with pytest.raises(ValidationError, match="No record that can still be held matches"):
        place_on_department(records_manager, closed.department)


def test_small_scopes_are_placed_at_once_without_a_job(records_manager, employee, billing):
    selection, scope = holds.selection_of("references", actor=records_manager,
                                          references=" ".join(r.reference for r in billing["expired"][:3]))
    hold = holds.hold_place(actor=records_manager, matter="M", reason="R", selection=selection, scope=scope)
    assert hold.job is None and not hold.is_being_placed
    assert held_ids(hold) == sorted(r.pk for r in billing["expired"][:3])
    assert not Job.objects.exists()


def test_the_scope_is_held_while_the_job_is_half_way_and_the_rerun_links_each_record_once(
    monkeypatch, records_manager, employee, billing, elsewhere
):
    hold = place_on_department(records_manager, billing["department"])
    revive = kill_after(monkeypatch, chunks=1)
    with pytest.raises(Killed):
        jobs.job_run(hold.job.pk)
    linked = held_ids(hold)
    assert linked == in_scope(billing)[:2], "the first chunk only"

    # The sweep during the job: the records of the scope not linked yet stay active; the other
    # department's record past expiry becomes due.
    moved = sweep.retention_sweep().moved
    assert moved == 1 and Record.objects.get(pk=elsewhere.pk).status == Status.DUE
    assert {r.status for r in Record.objects.filter(pk__in=[r.pk for r in billing["expired"]])} == {Status.ACTIVE}

    # A destruction during the job: the due record, not linked yet, cannot be marked for shredding,
    # nor changed at all.
    assert billing["due"].pk not in linked
    with pytest.raises(lifecycle.TransitionNotAllowed, match="legal hold"):
        lifecycle.transition(billing["due"], "mark_for_shredding", actor=employee)
    assert lifecycle.transition_many([billing["due"].pk], "mark_for_shredding", actor=employee) == []
    with pytest.raises(ValidationError, match=f"legal hold #{hold.pk}"):
        services.record_update(record=billing["due"], actor=employee, location="Basement")
    assert [h.pk for h in holds.active_holds_of(billing["due"])] == [hold.pk]
    assert Record.objects.get(pk=billing["due"].pk).status == Status.DUE

    revive()
    job = jobs.job_run(hold.job.pk)
    assert (job.state, job.done) == (Job.State.DONE, 6)
    assert held_ids(hold) == in_scope(billing), "each record exactly once"
    assert actions("record.hold_placed").count() == 6 and actions("hold.placed").count() == 1
    assert verify_chain().ok
    jobs.job_run(hold.job.pk)  # a finished job run again changes nothing
    assert actions("record.hold_placed").count() == 6 and actions("hold.placed").count() == 1


def test_a_record_made_before_the_job_begins_is_held_and_linked_one_made_after_is_not(
    monkeypatch, records_manager, employee, billing
):
    """The hold's scope stops at the newest record when its job begins linking. A record of the
    department made while the job waits in the queue is held at once and linked by the job; one
    made once the job has begun is the department's next record, not the hold's."""
    hold = place_on_department(records_manager, billing["department"])

    def past_expiry(title):
        return make_record(custodian=employee, schedule=billing["schedule"], trigger_date=date(2025, 1, 1), title=title)

    waiting = past_expiry("Made while the job waits")
    assert [h.pk for h in holds.active_holds_of(waiting)] == [hold.pk]
    assert sweep.retention_sweep().moved == 0

    revive = kill_after(monkeypatch, chunks=1)
    with pytest.raises(Killed):
        jobs.job_run(hold.job.pk)
    later = past_expiry("Made once the job has begun")
    assert list(holds.active_holds_of(later)) == []
    assert [h.pk for h in holds.active_holds_of(waiting)] == [hold.pk]
    revive()
    job = jobs.job_run(hold.job.pk)
    assert (job.state, job.done, job.total) == (Job.State.DONE, 7, 7)
    assert held_ids(hold) == sorted([*in_scope(billing), waiting.pk])
    assert LegalHold.objects.get(pk=hold.pk).selection["up_to"] == waiting.pk
    assert sweep.retention_sweep().moved == 1
    assert (Record.objects.get(pk=waiting.pk).status, Record.objects.get(pk=later.pk).status) == (Status.ACTIVE, Status.DUE)
    assert verify_chain().ok


def test_a_kill_after_the_last_chunk_does_not_write_the_closing_event_twice(monkeypatch, records_manager, billing):
    hold = place_on_department(records_manager, billing["department"])
    finish = jobs._finish

    def killed(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(jobs, "_finish", killed)
    with pytest.raises(Killed):
        jobs.job_run(hold.job.pk)
    monkeypatch.setattr(jobs, "_finish", finish)
    job = jobs.job_run(hold.job.pk)
    assert job.state == Job.State.DONE and job.result["held"] == 6
    assert actions("hold.placed").count() == 1 and actions("record.hold_placed").count() == 6


def test_a_hold_being_placed_cannot_be_released_yet(records_manager, billing):
    hold = place_on_department(records_manager, billing["department"])
    with pytest.raises(ValidationError, match=f"still being placed \\(job #{hold.job.pk}\\)"):
        holds.hold_release(actor=records_manager, hold=hold, reason="settled")
    assert LegalHold.objects.get(pk=hold.pk).is_active


def test_a_large_release_runs_as_a_job_and_the_records_stay_held_until_it_ends(
    monkeypatch, records_manager, billing
):
    hold = place_on_department(records_manager, billing["department"])
    jobs.job_run(hold.job.pk)
    hold = holds.hold_release(actor=records_manager, hold=LegalHold.objects.get(pk=hold.pk), reason="settled")
    assert hold.job.kind == Job.Kind.HOLD_RELEASE
    with pytest.raises(ValidationError, match=f"being released already \\(job #{hold.job.pk}\\)"):
        holds.hold_release(actor=records_manager, hold=hold, reason="twice")

    revive = kill_after(monkeypatch, chunks=2)
    with pytest.raises(Killed):
        jobs.job_run(hold.job.pk)
    assert LegalHold.objects.get(pk=hold.pk).is_active, "active until the job is done"
    assert actions("record.hold_released").count() == 4
    assert sweep.retention_sweep().moved == 0, "its records are still held"

    revive()
    job = jobs.job_run(hold.job.pk)
    released = LegalHold.objects.get(pk=hold.pk)
    assert job.state == Job.State.DONE and not released.is_active
    assert (released.released_by, released.release_reason) == (records_manager, "settled")
    assert actions("record.hold_released").count() == 6 and actions("hold.released").count() == 1
    assert held_ids(released) == in_scope(billing), "the links stay, as the hold's history"
    assert verify_chain().ok
    assert sweep.retention_sweep().moved == 5


def test_a_search_is_looked_up_again_as_it_was_asked(records_manager, billing, elsewhere):
    query = f"department={billing['department'].pk}&status=active"
    selection, scope = holds.selection_of("search", actor=records_manager, search=query)
    hold = holds.hold_place(actor=records_manager, matter="M", reason="R", selection=selection, scope=scope)
    assert hold.job is not None
    jobs.job_run(hold.job.pk)
    assert held_ids(hold) == sorted(r.pk for r in billing["expired"])


def test_the_api_accepts_a_large_hold_with_202_and_names_its_job(records_manager, employee, billing):
    api = APIClient()
    api.force_authenticate(records_manager)
    response = api.post(reverse("api-hold-list"), {"matter": "Smith v. Carrier", "reason": "litigation",
                                                   "department": billing["department"].code}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    job = Job.objects.get(kind=Job.Kind.HOLD_PLACE)
    assert (body["being_placed"], body["is_active"], body["record_count"]) == (True, True, 0)
    assert body["job"] == {"id": job.pk, "url": f"/api/v1/jobs/{job.pk}/"}
    assert api.get(body["job"]["url"]).json()["state"] == "queued"

    release = reverse("api-hold-release", args=[body["id"]])
    refused = api.post(release, {"reason": "settled"}, format="json")
    assert refused.status_code == 409 and "still being placed" in refused.json()["detail"]

    jobs.job_run(job.pk)
    body = api.get(reverse("api-hold-detail", args=[body["id"]])).json()
    assert (body["being_placed"], body["record_count"]) == (False, 6)
    response = api.post(release, {"reason": "settled"}, format="json")
    assert response.status_code == 202 and response.json()["being_released"] is True
    assert response.json()["job"]["id"] == Job.objects.get(kind=Job.Kind.HOLD_RELEASE).pk
    again = api.post(release, {"reason": "settled"}, format="json")
    assert again.status_code == 409 and "being released already" in again.json()["detail"]

    api.force_authenticate(employee)
    assert api.post(reverse("api-hold-list"), {"matter": "M", "reason": "R", "department": billing["department"].code},
                    format="json").status_code == 403
    assert Job.objects.filter(kind=Job.Kind.HOLD_PLACE).count() == 1


def test_the_page_sends_the_manager_to_the_job_and_the_hold_says_it_is_being_placed(client, records_manager, employee, billing):
    client.force_login(records_manager)
    response = client.post(reverse("hold-create"), {"matter": "Smith v. Carrier", "reason": "litigation",
                                                    "scope": "department", "department": billing["department"].pk})
    job = Job.objects.get(kind=Job.Kind.HOLD_PLACE)
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "is in force: every record of department" in page and "<progress" in page
    hold = LegalHold.objects.get()
    page = client.get(reverse("hold-detail", args=[hold.pk])).content.decode()
    assert "being placed" in page and reverse("job-detail", args=[job.pk]) in page and "Release hold" not in page
    refused = client.post(reverse("hold-release", args=[hold.pk]), {"reason": "settled"})
    assert refused.status_code == 409 and "still being placed" in refused.content.decode()

    jobs.job_run(job.pk)
    response = client.post(reverse("hold-release", args=[hold.pk]), {"reason": "settled"})
    release = Job.objects.get(kind=Job.Kind.HOLD_RELEASE)
    assert response["Location"] == reverse("job-detail", args=[release.pk])
    page = client.get(reverse("hold-detail", args=[hold.pk])).content.decode()
    assert "being released" in page and "Release hold" not in page

    client.force_login(employee)
    assert client.post(reverse("hold-create"), {"matter": "M", "reason": "R", "scope": "department",
                                                "department": billing["department"].pk}).status_code == 403
    assert Job.objects.filter(kind=Job.Kind.HOLD_PLACE).count() == 1


def test_the_record_list_counts_a_hold_being_placed_as_held(client, records_manager, billing, elsewhere):
    """From the moment a hold is accepted, the list's "On hold" filter shows the records in its
    scope, before its job has linked them (as the sweep and the lifecycle see them)."""
    hold = place_on_department(records_manager, billing["department"])
    assert hold.is_being_placed and held_ids(hold) == []
    client.force_login(records_manager)
    held = client.get(reverse("record-list"), {"on_hold": "yes"})
    assert sorted(r.pk for r in held.context["page"]) == in_scope(billing), "the destroyed record is left out"
    not_held = client.get(reverse("record-list"), {"on_hold": "no"})
    assert sorted(r.pk for r in not_held.context["page"]) == sorted([elsewhere.pk, billing["destroyed"].pk])
    jobs.job_run(hold.job.pk)
    assert sorted(r.pk for r in client.get(reverse("record-list"), {"on_hold": "yes"}).context["page"]) == in_scope(billing)
