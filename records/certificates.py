"""Certificates of destruction (paper) and of sanitization (NIST SP 800-88, media) as PDF.

A certificate is a function of stored data only: the destruction, the destroyed record, the
record's chain-of-custody audit events and, for the people, department and retention schedule it
names, their history as it stood when the destruction (or its validation) was recorded. The same
destruction therefore renders the same bytes at any later time, with the same software and fonts;
validating it changes the certificate once (it then names the validator), and that version is
again reproducible.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from .destruction import CUSTODY_ACTIONS
from .models import AuditEvent, Department, Destruction, Medium, RetentionSchedule, User
from .sanitization import METHOD_TYPE_DESCRIPTIONS

TEMPLATE = "records/certificate.html"
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M %Z"


@dataclass(frozen=True)
class CustodyStep:
    """One step of a record's chain of custody, from its audit event."""

    when: datetime
    who: str
    step: str
    details: str


def custody_chain(record):
    """The record's chain-of-custody steps (the audit actions of records.destruction.CUSTODY_ACTIONS),
    oldest first, in one query. The audit log is append-only, so steps once listed never change."""
    events = AuditEvent.objects.filter(
        object_type=record._meta.label_lower, object_id=str(record.pk), action__in=CUSTODY_ACTIONS
    ).order_by("sequence")
    events = list(events.only("occurred_at", "actor_id", "actor_name", "action", "payload"))
    name_then = _names_then(events)
    return [
        CustodyStep(
            when=event.occurred_at,
            who=name_then(event.actor_name, event.occurred_at),
            step=CUSTODY_ACTIONS[event.action],
            details=_custody_details(event.action, event.payload or {},
                                     lambda username, event=event: name_then(username, event.occurred_at)),
        )
        for event in events
    ]


def _names_then(events):
    """name_then(username, when): the person's full name as their history shows it at `when`, so a
    later rename does not rewrite a chain already certified (their username if they have no name;
    "CPNI Track" for the system's own steps). Two queries for the whole chain: the people, then
    their history."""
    usernames = {event.actor_name for event in events} | {
        (event.payload or {}).get("witness") for event in events
    }
    people = {user.username: user for user in User.objects.filter(username__in=usernames - {None, ""})}
    versions = {}
    for version in User.history.filter(id__in=[user.id for user in people.values()]).order_by("history_date", "history_id"):
        versions.setdefault(version.id, []).append(version)

    def name_then(username, when):
        if username not in people:
            return "CPNI Track" if username == "system" else username
        person = people[username]
        earlier = [version for version in versions.get(person.id, []) if version.history_date <= when]
        if earlier:
            person = earlier[-1]
        return f"{person.first_name} {person.last_name}".strip() or username

    return name_then


def _custody_details(action, payload, person=str):
    """A short account of the step from its audit payload: the serial number confirmed at
    hand-over, the method, the date, the witness, the certificate validated, a reason given."""
    methods = Destruction.PaperMethod if action == "record.confirm_shredding" else Destruction.MediaMethod
    parts = [
        f"serial number {payload['serial_confirmed']} confirmed" if payload.get("serial_confirmed") else "",
        _label(Destruction.MethodType, payload.get("method_type", "")),
        _label(methods, payload.get("method", "")),
        f"on {payload['destroyed_on']}" if payload.get("destroyed_on") else "",
        f"witnessed by {person(payload['witness'])}" if payload.get("witness") else "",
        f"certificate {payload['certificate_number']}" if payload.get("certificate_number") else "",
        _corrections(payload) if action == "record.corrected" else "",
        payload.get("reason", ""),
    ]
    return ", ".join(part for part in parts if part)


def _corrections(payload):
    """'serial number WX-1 → WX-2' for each identifying field a correction changed."""
    before, after = payload.get("before", {}), payload.get("after", {})
    names = {"medium": "medium", "media_serial_number": "serial number", "department": "department", "custodian": "custodian"}

    def shown(field, value):
        return (_label(Medium, value) if field == "medium" else value) or "(none)"

    return ", ".join(
        f"{names.get(field, field)} {shown(field, before.get(field))} → {shown(field, value)}"
        for field, value in after.items() if before.get(field) != value
    )


def _label(choices, value):
    return choices(value).label if value in choices.values else value


def certificate_filename(destruction):
    """The file name the certificate is served under, marked confidential like its content."""
    return f"CONFIDENTIAL-certificate-{destruction.certificate_number}.pdf"


def certificate_pdf(destruction):
    """The destruction's certificate as PDF bytes (Letter, CONFIDENTIAL on every page).

    Byte-for-byte reproducible from the stored data (the destruction is read afresh from the
    database): nothing depends on the clock, the request, the active time zone or language.
    Dates are written in settings.TIME_ZONE with explicit formats; the PDF's creation and
    modification dates are the destruction's recording and validation times; the PDF has no file
    identifier; no URL is fetched (the styles are in the template, the fonts are the system's).
    Raises RuntimeError if the template ever refers to a URL."""
    # Read back what is stored, whatever state the caller's instance is in.
    destruction = Destruction.objects.select_related("record").get(pk=destruction.pk)
    html = render_to_string(TEMPLATE, _context(destruction))
    return _render_pdf(html)


def _render_pdf(html):
    # A certificate fetches nothing: any URL in it (there should be none) stops the rendering
    # rather than reaching the network or the disk, or being silently left out.
    no_fetching = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    try:
        document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=no_fetching)
        return document.write_pdf(pdf_identifier=None)
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would escape Django's error handling.
        raise RuntimeError(f"A certificate must not refer to any URL: {error}") from None


def _context(destruction):
    record = destruction.record
    zone = ZoneInfo(settings.TIME_ZONE)
    recorded_at = destruction.performed_at
    last_change = destruction.validated_at or destruction.performed_at
    is_media = destruction.kind == Destruction.Kind.SANITIZATION
    return {
        "title": "Certificate of Sanitization (NIST SP 800-88)" if is_media else "Certificate of Destruction",
        "is_media": is_media,
        "company_name": settings.COMPANY_NAME,
        "destruction": destruction,
        "record": record,
        "medium": _label(Medium, record.medium),
        "department": _as_it_was(Department, record.department_id, recorded_at),
        "custodian": _as_it_was(User, record.custodian_id, recorded_at),
        "schedule": _as_it_was(RetentionSchedule, record.schedule_id, recorded_at),
        "performer": _as_it_was(User, destruction.performed_by_id, recorded_at),
        "witness": _as_it_was(User, destruction.witness_id, recorded_at),
        "validator": _as_it_was(User, destruction.validated_by_id, last_change),
        "method_type": _label(Destruction.MethodType, destruction.method_type),
        "method_type_description": METHOD_TYPE_DESCRIPTIONS.get(destruction.method_type, ""),
        "destination": _label(Destruction.Destination, destruction.destination),
        "awaiting_validation": destruction.awaiting_validation,
        "data_backed_up": {True: "Yes", False: "No", None: ""}[destruction.data_backed_up],
        "expiry_date": _format(record.expiry_date, zone),
        "destroyed_on": _format(destruction.destroyed_on, zone),
        "performed_at": _format(destruction.performed_at, zone),
        "validated_at": _format(destruction.validated_at, zone),
        "created_w3c": recorded_at.astimezone(zone).isoformat(timespec="seconds"),
        "modified_w3c": last_change.astimezone(zone).isoformat(timespec="seconds"),
        "custody": [
            {"when": _format(step.when, zone), "who": step.who, "step": step.step, "details": step.details}
            for step in custody_chain(record)
        ],
    }


def _format(value, zone):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    raise TypeError(f"Not a date: {value!r}")


def _as_it_was(model, pk, when):
    """The object `pk` of `model` as its history shows it at `when`, so that renaming a person,
    department or schedule later does not rewrite certificates already issued. Without a history
    entry by then (rows older than their history), the object as it is."""
    if pk is None:
        return None
    version = (
        model.history.filter(id=pk, history_date__lte=when).order_by("-history_date", "-history_id").first()
    )
    return version.instance if version is not None else model.objects.get(pk=pk)
