"""Every API error as a JSON problem body (after RFC 9457): `type`, `title`, `status`, `detail`, a
stable `code`, and for 400 the messages per field in `errors` (nested fields as `name.0.sub`).

    django ValidationError (services)        -> 400 validation_error
    PermissionDenied (services, lifecycle)   -> 403 permission_denied
    StateConflict (lifecycle, services: the
      state changed or does not allow it)    -> 409 state_conflict
    an unknown or invisible object           -> 404 not_found (no hint whether it exists)
    IntegrityError (a concurrent duplicate)  -> 409 conflict
    the database going away mid-request     -> 503 database_unavailable (nothing was saved)
    Ratelimited (records.ratelimits)         -> 429 rate_limited, with Retry-After
and DRF's own: 401 not_authenticated / authentication_failed, 405, 406, 415, 400 parse_error."""

import logging
from http import HTTPStatus

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from django_ratelimit.exceptions import Ratelimited

from records.conflicts import CONCURRENT_SAVE, StateConflict
from records.ratelimits import RateLimited

NON_FIELD = "non_field_errors"
log = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record's state does not allow this."
    default_code = "state_conflict"


def problem(status_code, detail, code, errors=None, **extra):
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _flatten(detail, prefix=""):
    """DRF's nested error detail as {"field" or "field.0.sub": [messages]}."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        items = detail if isinstance(detail, list) else [detail]
        flat[prefix or NON_FIELD] = [str(item) for item in items]
    return flat


def django_validation_errors(error):
    """A Django ValidationError as {field: [messages]}; errors without a field under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): [m for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {NON_FIELD: list(error.messages)}


def _first_message(errors):
    for messages in errors.values():
        if messages:
            return messages[0]
    return "The request is not valid."


def problem_exception_handler(exc, context):
    if isinstance(exc, StateConflict):
        return Response(problem(409, exc, "state_conflict"), status=409)
    if isinstance(exc, DjangoValidationError):
        errors = django_validation_errors(exc)
        return Response(problem(400, _first_message(errors), "validation_error", errors), status=400)
    if isinstance(exc, Ratelimited):
        retry_after = getattr(exc, "retry_after", 60)
        detail = str(exc) if isinstance(exc, RateLimited) else "Too many requests: wait and try again."
        response = Response(problem(429, detail, "rate_limited", retry_after=retry_after), status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if isinstance(exc, PermissionDenied):  # Django's, from a service or the lifecycle: keep its message
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, (ObjectDoesNotExist, Http404)):
        exc = exceptions.NotFound()
    if isinstance(exc, IntegrityError):
        return Response(problem(409, CONCURRENT_SAVE, "conflict"), status=409)
    if isinstance(exc, (OperationalError, InterfaceError)):  # as DatabaseUnavailableMiddleware, in JSON
        request = context.get("request")
        log.error("Database unavailable during API %s %s: %s", getattr(request, "method", ""),
                  getattr(request, "path", ""), exc)
        return Response(problem(503, "The database cannot be reached; nothing from this request was saved. "
                                     "Try again later.", "database_unavailable"), status=503)

    response = exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling (no debug page in production)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = problem(response.status_code, _first_message(errors), "validation_error", errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail", "")
        if isinstance(code, (dict, list)):
            code = "error"
        extra = getattr(exc, "extra", None) or {}
        response.data = problem(response.status_code, detail, code, **extra)
    return response
