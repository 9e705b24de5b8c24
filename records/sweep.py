"""The retention sweep: every active record whose expiry has passed, and that no legal hold
covers, becomes due — through the lifecycle, in bounded chunks, one run at a time."""

from dataclasses import dataclass

from django.utils import timezone

from . import lifecycle
from .audit import audit_event_record
from .locks import job_lease
from .queueing import queue_after_commit
from .holds import held_now
from .models import Record, Status

SWEEP_LOCK = "retention-sweep"
DEFAULT_CHUNK_SIZE = 10000


def records_past_expiry(today):
    """Active records whose expiry date has come and that are not under an active hold (nor in
    the scope of one still being placed)."""
    return Record.objects.filter(status=Status.ACTIVE, expiry_date__lte=today).exclude(held_now())


@dataclass
class SweepResult:
    moved: int = 0
    chunks: int = 0


def retention_sweep(*, today=None, chunk_size=DEFAULT_CHUNK_SIZE, progress=None, requested_by=None):
    """Move every record past expiry to due. Each chunk is its own transaction and walks the ids
    upwards, so a run killed half-way has committed whole chunks only and the next run finishes
    the rest; a record already moved is never moved again. Raises locks.JobLocked while another
    sweep runs. Reminders are enqueued once the moves are committed. Each run ends with a
    "sweep.ran" audit event (by `requested_by`, the person who asked for it, else the system)."""
    today = today or timezone.localdate()
    result = SweepResult()
    started = timezone.now()
    with job_lease(SWEEP_LOCK) as lease:
        last_id = 0
        while True:
            ids = list(
                records_past_expiry(today).filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:chunk_size]
            )
            if not ids:
                break
            moved = lifecycle.transition_many(ids, "expire", actor=None, reason="retention period ended")
            last_id = ids[-1]
            result.moved += len(moved)
            result.chunks += 1
            lease.renew()
            if progress:
                progress(len(ids))
        audit_event_record(actor=requested_by, action="sweep.ran", object_type="sweep", object_id="retention",
                           object_repr="Retention sweep",
                           payload={"moved": result.moved, "chunks": result.chunks, "started": started.isoformat(),
                                    "asked_by_a_person": requested_by is not None})
    if result.moved:
        queue_after_commit(_enqueue_due_reminders, what="the due reminders")
    return result


def expire_now(records, *, reason):
    """Move those of `records` (just logged, imported or edited) whose expiry has already come to
    due now, as tonight's sweep would, in the caller's transaction: by the system, through the
    lifecycle (held records stay as they are). Returns the records moved."""
    today = timezone.localdate()
    ids = [r.pk for r in records if r.status == Status.ACTIVE and r.expiry_date is not None and r.expiry_date <= today]
    moved = []
    for start in range(0, len(ids), DEFAULT_CHUNK_SIZE):
        moved += lifecycle.transition_many(ids[start : start + DEFAULT_CHUNK_SIZE], "expire", actor=None, reason=reason)
    if moved:
        queue_after_commit(_enqueue_due_reminders, what="the due reminders")
    return moved


def _enqueue_due_reminders():
    from .tasks import send_due_reminders

    send_due_reminders.delay()
