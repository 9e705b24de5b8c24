"""Handing work to the task queue once the data it needs is committed, and saying truthfully
whether that worked.

The work itself lives in the database (a package queued, an import validating or importing, a
due record not yet announced), and the reconcile task (records.tasks.reconcile_pending_work)
queues again whatever has waited too long. So a queue that cannot be reached at that moment
undoes nothing and is no error for the person who asked: what they asked for is saved, and runs
once the queue is back."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# Work still waiting this long after it was queued is queued again by the reconcile task.
STALLED_AFTER = timedelta(minutes=10)


@dataclass
class Queued:
    """Whether the message for some work reached the queue: None until the transaction commits."""

    what: str
    sent: bool | None = None

    @property
    def waiting_for_queue(self):
        return self.sent is False


def queue_after_commit(send, *, what):
    """Call `send` (which hands a task to the queue) once the transaction commits. If the queue
    cannot be reached, the failure is logged and noted on the returned Queued, never raised."""
    queued = Queued(what)

    def send_now():
        try:
            send()
        # Whatever stopped the message (broker down, its disk full), the work is saved and the
        # reconcile task finds it: the request that saved it must not fail now.
        except Exception as error:  # noqa: BLE001
            queued.sent = False
            log.warning("The task queue cannot be reached; %s waits for the reconcile task: %s", what, error)
        else:
            queued.sent = True

    transaction.on_commit(send_now)
    return queued


def waiting_for_queue_message(saved, waiting):
    """What to tell the person whose work was saved but whose task did not reach the queue."""
    return (f"{saved} The task queue cannot be reached right now, so {waiting} waits: it runs by itself once the "
            "queue is back (waiting work is queued again every few minutes). There is no need to ask again.")


def not_started_for_long(queued_at, progress):
    """Whether work queued at `queued_at` has shown no progress for as long as the reconcile task
    waits before taking its message for lost (a page then says it waits for the queue)."""
    return progress == 0 and queued_at is not None and queued_at <= timezone.now() - STALLED_AFTER


WAITING_NOTE = ("This has not started yet: the task queue may be unreachable. It runs by itself once the queue is "
                "back; there is no need to ask again.")
