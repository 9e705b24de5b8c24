"""Which records a running recompute job has not reached yet.

A change of a schedule's or a legal minimum's period is saved at once, and a job then walks the
records concerned in order of id, recomputing each one's expiry (records.schedules). Until the job
has passed a record, its saved expiry is the old rule's: the sweep must not make it due on that
date, nor may anyone start destroying it. The job commits its cursor (the last record id done)
with each chunk, so "not reached yet" is exact: a record of the job's schedule, or carrying its
minimum, with an id above the cursor."""

from .models import Job, Record, RecordLegalMinimum

RECOMPUTE_KINDS = (Job.Kind.SCHEDULE_RECOMPUTE, Job.Kind.MINIMUM_RECOMPUTE)
UNFINISHED = (Job.State.QUEUED, Job.State.RUNNING)


def unfinished_recomputes():
    """The recompute jobs not finished yet (usually none)."""
    return list(Job.objects.filter(kind__in=RECOMPUTE_KINDS, state__in=UNFINISHED).order_by("pk"))


def awaiting_recompute(record_ids):
    """{record id: job} for those of `record_ids` whose expiry an unfinished recompute job has still
    to reach. One query when no such job runs. Read after the records are locked, so that a chunk
    the job is writing is either committed (its cursor seen) or holds the record's lock."""
    running = unfinished_recomputes()
    if not running or not record_ids:
        return {}
    by_schedule = {j.subject_id: j for j in running if j.kind == Job.Kind.SCHEDULE_RECOMPUTE}
    by_minimum = {j.subject_id: j for j in running if j.kind == Job.Kind.MINIMUM_RECOMPUTE}
    ids = list(record_ids)
    awaiting = {}
    if by_schedule:
        rows = Record.objects.filter(pk__in=ids, schedule_id__in=list(by_schedule)).values_list("pk", "schedule_id")
        for pk, schedule_id in rows:
            if pk > by_schedule[schedule_id].cursor:
                awaiting[pk] = by_schedule[schedule_id]
    if by_minimum:
        links = RecordLegalMinimum.objects.filter(record_id__in=ids, minimum_id__in=list(by_minimum))
        for pk, minimum_id in links.values_list("record_id", "minimum_id"):
            if pk > by_minimum[minimum_id].cursor:
                awaiting.setdefault(pk, by_minimum[minimum_id])
    return awaiting


def waiting_message(record, job):
    return (f"{record.reference}'s expiry date is being recomputed ({job.description}, job #{job.pk}); its destruction "
            "cannot start on the old date. Try again when that job finishes.")
