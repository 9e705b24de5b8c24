"""Handing work to the task queue once the data it needs is committed, and saying truthfully
whether that worked.

The work itself lives in the database (a package queued, an import validating or importing, a
due record not yet announced), and the reconcile task (records.tasks.reconcile_pending_work)
queues again whatever has waited too long. So a queue that cannot be reached at that moment
undoes nothing and is no error for the person who asked: what they asked for is saved, and runs
once the queue is back.

A job (records.jobs) has a page that follows it, which says when it waits for the queue: its
message is sent once the response has gone out, and the person does not wait for the queue. The
other work says in the response itself that it waits, so its message is sent before."""

import contextvars
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, transaction
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
        queued.sent = _sent(send, what)

    transaction.on_commit(send_now)
    return queued


def _sent(send, what):
    """Call `send`; whether the message reached the queue (a failure is logged, never raised)."""
    try:
        send()
    # Whatever stopped the message (broker down, its disk full), the work is saved and the
    # reconcile task finds it: the request that saved it must not fail now.
    except Exception as error:  # noqa: BLE001
        log.warning("The task queue cannot be reached; %s waits for the reconcile task: %s", what, error)
        return False
    return True


# The sends a request's committed work asks for after its response (SendAfterResponseMiddleware),
# or None outside a request.
_after_response = contextvars.ContextVar("cpnitrack_sends_after_response", default=None)


def queue_after_response(send, *, what, unreachable):
    """Call `send` (which hands a task to the queue) once the transaction commits and, in a web
    request, once its response has gone out: the person waits for the commit, not for the queue
    nor for a broker slow to refuse. If the queue cannot be reached, the failure is logged and
    `unreachable()` called (for the work's own page to say it waits), never raised."""

    def send_now():
        if _sent(send, what):
            return
        try:
            unreachable()
        except DatabaseError as noted:  # the work still waits; only its page does not say so yet
            log.warning("Could not note that %s waits for the task queue: %s", what, noted)

    def at_commit():
        pending = _after_response.get()
        if pending is None:
            send_now()
        else:
            pending.append(send_now)

    transaction.on_commit(at_commit)


class SendAfterResponseMiddleware:
    """Sends the task messages queue_after_response() was asked for once the server has written
    the response and closes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending = []
        token = _after_response.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _after_response.reset(token)
        if pending:
            close = response.close

            def send_then_close():
                try:
                    for send in pending:
                        send()
                finally:
                    close()

            response.close = send_then_close
        return response


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
