"""What a person sees when the server fails: the 503 page when the database cannot be reached,
the plain 500 page otherwise. Neither reads the database.

A database error raised by a view reaches DatabaseUnavailableMiddleware; one raised outside the
views (the session or the signed-in person read by middleware, the session saved afterwards)
reaches Django's error handler, `server_error` here, which tells the two kinds apart."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60
log = logging.getLogger(__name__)


def database_unavailable(request):
    """The 503 answer: a JSON problem for the API, the page for a browser."""
    if request.path.startswith("/api/"):
        from records.api.exceptions import problem

        response = JsonResponse(problem(503, "The database cannot be reached; nothing from this request was saved. "
                                             "Try again later.", "database_unavailable"), status=503)
    else:
        response = HttpResponse(loader.render_to_string("database_unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: called while the unhandled exception is being handled."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        log.error("Database unavailable during %s %s: %s", request.method, request.path, error)
        return database_unavailable(request)
    return HttpResponseServerError(loader.render_to_string("500.html"))
