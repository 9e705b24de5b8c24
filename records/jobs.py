"""Jobs: work whose cost grows with the records or events it touches, accepted at once and run by
a Celery task a chunk at a time.

A kind of job is a step function registered with @job_kind. It is called as step(run) and
works from run.job.cursor on, calling run.advance(cursor=..., count=...) inside the transaction
that wrote each chunk: the chunk and the job's progress commit together, so a worker killed
half-way leaves the job where its last chunk ended, and the next run (the task delivered again,
or queued again by the reconcile task) goes on from there. When the work is all done, the step
returns the result: {"summary": [sentences for people], ...figures}. A step may be called again
after it returned once (a worker killed before the job was marked done), so its last part must
be idempotent too."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .audit import audit_event_record
from .locks import JobLocked, job_lease, lease_ttl
from .models import Job
from .models.jobs import ONE_UNFINISHED
from .queueing import STALLED_AFTER, not_started_for_long, queue_after_response

# Who may follow another person's job of each kind (the requester always may): a permission, or
# a function (user, job) -> bool registered by the kind's module.
VIEW_PERMISSION = {
    Job.Kind.HOLD_PLACE: "records.view_legalhold",
    Job.Kind.HOLD_RELEASE: "records.view_legalhold",
    Job.Kind.SCHEDULE_RECOMPUTE: "records.view_all_departments",
    Job.Kind.MINIMUM_RECOMPUTE: "records.view_all_departments",
    Job.Kind.CHAIN_VERIFY: "records.view_auditevent",
}
# Who may run a failed job again besides the person who started it: whoever may start its kind of
# work (an export is its requester's own).
RETRY_PERMISSION = {
    Job.Kind.HOLD_PLACE: "records.add_legalhold",
    Job.Kind.HOLD_RELEASE: "records.change_legalhold",
    Job.Kind.SCHEDULE_RECOMPUTE: "records.change_retentionschedule",
    Job.Kind.MINIMUM_RECOMPUTE: "records.change_legalminimum",
    Job.Kind.CHAIN_VERIFY: "records.verify_auditevent",
}
UNIT = {Job.Kind.CHAIN_VERIFY: "events"}  # what a job counts; records unless named here

STEPS = {}


def job_kind(kind):
    """Register `step` as the work of jobs of `kind` (a Job.Kind)."""

    def register(step):
        STEPS[kind] = step
        return step

    return register


def unit_of(job):
    return UNIT.get(job.kind, "records")


def may_view(user, job):
    rule = VIEW_PERMISSION[job.kind]
    return job.requested_by_id == user.pk or (rule(user, job) if callable(rule) else user.has_perm(rule))


def may_retry(user, job):
    permission = RETRY_PERMISSION.get(job.kind)
    return job.requested_by_id == user.pk or bool(permission and user.has_perm(permission))


def job_retry(*, actor, job):
    """Queue a failed job again: it goes on from where it stopped (its chunks so far stay written,
    its step is idempotent), after whatever made it fail has been put right."""
    if not may_retry(actor, job):
        raise PermissionDenied("Only the person who started this job, or who may start its kind of work, runs it again.")
    try:
        with transaction.atomic():
            queued = Job.objects.filter(pk=job.pk, state=Job.State.FAILED).update(
                state=Job.State.QUEUED, requested_at=timezone.now(), finished_at=None, error="")
            if not queued:
                raise ValidationError(f"Job #{job.pk} has not failed: only a failed job is run again.")
            job.refresh_from_db()
            audit_event_record(actor=actor, action="job.retried", obj=job,
                               payload={"job": job.pk, "kind": job.kind, "done": job.done})
            _queue(job)
    except IntegrityError as error:
        if not second_unfinished(error):
            raise
        other = running_job(job.kind, job.subject_id)
        raise ValidationError(
            f"Job #{job.pk} cannot run again while {f'job #{other.pk}' if other else 'another job'} does the same work "
            "on the same subject. Run it again when that job has finished, if it is still needed."
        ) from error
    return job


def job_start(*, actor, kind, description, total, subject_id=None, link="", params=None):
    """Save a job and queue its task once the caller's transaction commits (in a web request, once
    its response has gone out). If the queue cannot be reached, the job's page says it waits and
    the reconcile task queues it. While a job of `kind` on `subject_id` is unfinished, the
    database refuses a second one: the INSERT raises IntegrityError, which second_unfinished()
    tells apart, and the caller's transaction is spoiled."""
    job = Job.objects.create(
        kind=kind, description=description[:300], requested_by=actor, requested_at=timezone.now(),
        total=total, subject_id=subject_id, link=link, params=params or {},
    )
    _queue(job)
    return job


def _queue(job):
    def unreachable():
        Job.objects.filter(pk=job.pk).update(queue_unreachable_at=timezone.now())

    queue_after_response(lambda: _enqueue(job.pk), what=f"job #{job.pk} ({job.description})", unreachable=unreachable)


def _enqueue(job_id):
    from . import tasks

    tasks.run_job.delay(job_id)


def waits_for_queue(job):
    """Whether `job` is queued and has not started because its task could not be sent, or for
    as long as a lost message takes to be sent again."""
    return job.state == Job.State.QUEUED and (
        job.queue_unreachable_at is not None or not_started_for_long(job.requested_at, job.done))


class Run:
    """One run of a job, under its lease."""

    def __init__(self, job, lease, echo=None):
        self.job, self.lease, self.echo = job, lease, echo

    def advance(self, *, cursor, count):
        """Note a chunk of `count` items written, the next one starting after `cursor`. Call it
        inside the chunk's transaction."""
        self.lease.renew()
        now = timezone.now()
        Job.objects.filter(pk=self.job.pk).update(cursor=cursor, done=F("done") + count, heartbeat_at=now)
        self.job.cursor, self.job.done, self.job.heartbeat_at = cursor, self.job.done + count, now
        if self.echo:
            transaction.on_commit(lambda: self.echo(self.job))

    def set_total(self, total):
        Job.objects.filter(pk=self.job.pk).update(total=total)
        self.job.total = total


def job_run(job_id, echo=None):
    """Run job `job_id` to its end (or on from where a killed run stopped). A job already done or
    failed is left alone; a job another run is working on returns None at once. `echo(job)` is
    called after each committed chunk (the commands print progress with it)."""
    try:
        with job_lease(f"job-{job_id}", ttl=lease_ttl()) as lease:
            job = Job.objects.filter(pk=job_id).select_related("requested_by").first()
            if job is None or job.is_finished:
                return job
            if job.kind not in STEPS:
                raise LookupError(f"no step is registered for jobs of kind {job.kind!r}")
            now = timezone.now()
            Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=job.started_at or now, heartbeat_at=now)
            job.state, job.started_at = Job.State.RUNNING, job.started_at or now
            try:
                result = STEPS[job.kind](Run(job, lease, echo))
            except (ValueError, LookupError, PermissionDenied) as error:
                # The work cannot be done as asked (e.g. its subject changed meanwhile): say why.
                return _finish(job, Job.State.FAILED, error=str(error))
            return _finish(job, Job.State.DONE, result=result or {})
    except JobLocked:
        return None


def _finish(job, state, *, result=None, error=""):
    with transaction.atomic():
        job.state, job.finished_at, job.result, job.error = state, timezone.now(), result or {}, error
        job.save(update_fields=["state", "finished_at", "result", "error"])
        payload = {"job": job.pk, "kind": job.kind, "done": job.done}
        payload.update({"error": error} if error else {"summary": job.result.get("summary", [])})
        audit_event_record(actor=job.requested_by, action=f"job.{state}", obj=job, payload=payload)
    return job


def seconds_left(job, now=None):
    """About how many seconds a running job still needs, from its pace so far; None before the
    first chunk."""
    if job.state != Job.State.RUNNING or not job.done or not job.started_at or job.total <= job.done:
        return None
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    return round(elapsed / job.done * (job.total - job.done))


def percent(job):
    if job.state == Job.State.DONE:
        return 100
    return min(99, job.done * 100 // job.total) if job.total else 0


def stalled_jobs(now=None):
    """Jobs whose task was lost (a broker restart, a broker unreachable when it was sent) or whose
    worker died: queued long ago, or running with no chunk committed for several leases."""
    now = now or timezone.now()
    silent = now - max(STALLED_AFTER / 5, 3 * lease_ttl())
    return Job.objects.filter(
        Q(state=Job.State.QUEUED, requested_at__lte=now - STALLED_AFTER)
        | Q(state=Job.State.RUNNING, heartbeat_at__lte=silent)
    )


def running_job(kind, subject_id):
    """The unfinished job of `kind` on `subject_id`, or None."""
    return Job.objects.filter(kind=kind, subject_id=subject_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()


def second_unfinished(error):
    """Whether IntegrityError `error` is the database refusing a second unfinished job of one kind
    on one subject (the constraint records_job_one_unfinished)."""
    diag = getattr(error.__cause__, "diag", None)  # PostgreSQL names the constraint
    if diag is not None:
        return diag.constraint_name == ONE_UNFINISHED
    table = Job._meta.db_table
    return str(error.__cause__).startswith(f"UNIQUE constraint failed: {table}.kind, {table}.subject_id")


def duration_words(seconds):
    """'about 3 minutes', 'under a minute', 'about 2 hours'."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    return f"about {hours} hours" if hours != 1 else "about an hour"

