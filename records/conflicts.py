"""A change refused because the object is no longer in the state it needs: usually someone else
changed it first (two people at once, or a page loaded before the change). Services raise
StateConflict after re-reading the row under its lock; the API answers it 409 `state_conflict`
(records.api.exceptions) and the pages 409 with its message (the views, and for one a view does
not catch, records.middleware.ConflictMiddleware).

It is a ValidationError, so a form that shows a service's errors shows this one too."""

from django.core.exceptions import ValidationError

RELOAD = "Reload the page to see where it stands now."
CONCURRENT_SAVE = "This conflicts with data saved at the same time; nothing from this request was saved. Try again."


class StateConflict(ValidationError):
    def __str__(self):
        return " ".join(self.messages)


def error_status(error):
    """The status of a page that shows a service's `error`: 409 for a conflict, else 400."""
    return 409 if isinstance(error, StateConflict) else 400
