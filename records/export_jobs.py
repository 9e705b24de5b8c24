"""CSV exports of any size: streamed to the browser when small, written to a file by a job when large.

A download the request can stream well within the web server's timeout (gunicorn's sync workers
stop a request after 30 s) streams at once. A larger one asks the person to start an export job;
the job writes the same bytes (records.csv_export) to a private file under VAR_DIR/exports, with its
progress on the job's page, which then offers the file. The file is served to the person who asked,
and to those who may see that whole export, each time after checking their permission again; every
download is an audit event. Files are deleted EXPORT_FILE_HOURS after the job finished (the hourly
task delete_expired_export_files), each deletion an audit event: they may hold CPNI.

A killed worker's run is started over by the next run: the job writes to a .partial file, truncated
at each start, and renames it when complete, so the file is always what one clean run writes.
"""

import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.db.models import Max, Min
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from . import exports, jobs, selectors
from .audit import audit_event_record
from .csv_export import CsvStream
from .forms import AuditFilterForm, RecordFilterForm
from .labels import MARKING
from .models import AuditEvent, Job, LegalHold
from .roles import sees_all_departments

FOLDER = "exports"
#: Seconds between two notes of a running export's progress (each also renews its lease).
PROGRESS_SECONDS = 1.0
#: How long counting the rows of a filtered export may take in the request before the count is
#: given up and the export goes to a job.
COUNT_BUDGET_MS = 150


@dataclass(frozen=True)
class Kind:
    """One CSV export: the permission it needs, whether it shows only the departments a person
    sees (then only its requester, or those who see every department, may have another's file),
    and how its rows are chosen from the job's params for a person."""

    permission: str
    by_department: bool
    build: object  # (user, params) -> records.csv_export.Export
    size: object  # (user, params) -> (rows, exact) read cheaply, or None


def _audit_log(user, params):
    form = AuditFilterForm(QueryDict(params.get("query", "")))
    form.is_valid()  # as on the page: the rows it lists, invalid filters left out
    events = selectors.audit_log(**form.filters())
    if params.get("through"):
        events = events.filter(sequence__lte=params["through"])
    return exports.audit_log_export(events)


def _audit_log_size(user, params):
    """The events up to the chain's newest (through): exact from the sequence numbers when no filter
    is set and sign-ins are included (the chain numbers its events one by one), else an upper bound.
    The bounds are the chain's own, both ends of the sequence index, `through` applied after."""
    bounds = AuditEvent.objects.aggregate(first=Min("sequence"), last=Max("sequence"))
    last = min(bounds["last"], params["through"]) if params.get("through") and bounds["last"] else bounds["last"]
    rows = max(last - bounds["first"] + 1, 0) if last else 0
    form = AuditFilterForm(QueryDict(params.get("query", "")))
    form.is_valid()
    filters = form.filters()
    return rows, filters.pop("sign_ins") and not any(filters.values())


def _record_list_form(user, params):
    form = RecordFilterForm(QueryDict(params.get("query", "")), user=user)
    form.is_valid()  # as on the list: the rows it shows, invalid filters left out
    return form


def _record_list(user, params):
    return exports.record_list_export(selectors.record_list(user, **_record_list_form(user, params).filters()))


def _record_list_size(user, params):
    rows = selectors.tallied_record_count(user, **_record_list_form(user, params).filters())
    return None if rows is None else (rows, True)


def _destruction_register(user, params):
    return exports.destruction_register_export(selectors.destruction_register(user))


def _hold_report(user, params):
    hold = LegalHold.objects.filter(pk=params["hold"]).first()
    if hold is None:
        raise LookupError(f"Legal hold #{params['hold']} no longer exists.")
    return exports.hold_report_export(hold)


KINDS = {
    "audit_log": Kind("records.view_auditevent", False, _audit_log, _audit_log_size),
    "record_list": Kind("records.view_record", True, _record_list, _record_list_size),
    "destruction_register": Kind("records.view_destruction", True, _destruction_register, lambda user, params: None),
    "hold_report": Kind("records.view_legalhold", False, _hold_report, lambda user, params: None),
}


def inline_max():
    """The most rows streamed inside the request (settings.EXPORT_INLINE_MAX). Its default, 100,000,
    is measured with `python -m bench.tasks export-inline` (each download streamed whole through
    Django into a file, on PostgreSQL, bench data of 20,000 records): the audit log, the slowest per
    row (about 660 bytes each), streamed 78,000-108,000 rows a second and the record list 120,000;
    so 100,000 rows leave the server in one to two seconds, and the 66 MB leave some 25 s of
    gunicorn's 30 s timeout to a client reading at 3 MB/s or more."""
    return settings.EXPORT_INLINE_MAX


# ------------------------------------------------------------------ who may have it


def may_have(user, job):
    """Whether `user` may see the file of export `job` now: they still hold the export's
    permission, and it is their own export, or they see what it shows (every department, for
    an export that shows only the departments of the person who asked)."""
    kind = KINDS.get(job.params.get("export"))
    if kind is None or not user.is_authenticated or not user.has_perm(kind.permission):
        return False
    return job.requested_by_id == user.pk or not kind.by_department or sees_all_departments(user)


def _others_may_follow(user, job):
    return may_have(user, job)


jobs.VIEW_PERMISSION[Job.Kind.EXPORT] = _others_may_follow
jobs.UNIT[Job.Kind.EXPORT] = "rows"


# ------------------------------------------------------------------ in the request


@dataclass(frozen=True)
class Decision:
    export: object  # the Export to stream, or None when it goes to a job
    rows: int | None  # the rows counted, or the bound when not counted


def params_for(name, request, **extra):
    """What an export of `name` needs to choose the rows the request asks for: the page's query
    (its filters) and `extra` (the hold of a hold report)."""
    return {"export": name, "query": request.GET.urlencode(), **extra}


def decide(user, params):
    """Stream the export at once (Decision.export), or leave it to a job: when it has more rows
    than EXPORT_INLINE_MAX, or when counting them would itself take long."""
    kind = KINDS[params["export"]]
    limit = inline_max()
    size = kind.size(user, params)
    if size is not None and (size[0] <= limit or size[1]):
        return Decision(kind.build(user, params) if size[0] <= limit else None, size[0])
    export = kind.build(user, params)
    rows = _rows_at_most(export.rows, limit)
    return Decision(export if rows is not None and rows <= limit else None, rows)


def _rows_at_most(queryset, limit):
    """How many rows `queryset` has, counted up to limit + 1; None when PostgreSQL could not count
    them within COUNT_BUDGET_MS (a filter no index serves, on a large table)."""
    bounded = queryset.order_by()[: limit + 1]
    if connection.vendor != "postgresql":
        return bounded.count()
    try:
        with transaction.atomic():  # a statement cancelled rolls back to here, its setting with it
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout')")
                (previous,) = cursor.fetchone()
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{COUNT_BUDGET_MS}ms"])
            rows = bounded.count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return rows
    except OperationalError:
        return None


def export_start(*, actor, params):
    """The export job for `params` (params_for), started for `actor`; the one of theirs already
    waiting or running for the same export is returned instead of a second. The audit log's file
    ends at the newest event now, however long the job waits."""
    kind = KINDS[params["export"]]
    if not actor.has_perm(kind.permission):
        raise PermissionDenied("You may not export this.")
    with transaction.atomic():
        # A person has a few unfinished exports at most: their params are compared here.
        unfinished = Job.objects.filter(kind=Job.Kind.EXPORT, requested_by=actor,
                                        state__in=[Job.State.QUEUED, Job.State.RUNNING]).order_by("pk")
        running = next((job for job in unfinished if all(job.params.get(name) == value for name, value in params.items())),
                       None)
        if running:
            return running
        if params["export"] == "audit_log":
            params = {**params, "through": AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0}
        export = kind.build(actor, params)
        size = kind.size(actor, params)
        exact = size[0] if size is not None and size[1] else None
        job = jobs.job_start(actor=actor, kind=Job.Kind.EXPORT, description=f"Export the {export.description} as CSV",
                             total=exact or 0, params={**params, "filename": export.filename,
                                                       "total_known": exact is not None})
        audit_event_record(actor=actor, action="export.started", obj=job, payload={
            "export": params["export"], "query": params.get("query", ""), "rows": exact})
    return job


# ------------------------------------------------------------------ the job


def folder():
    return Path(settings.VAR_DIR) / FOLDER


def file_path(job):
    """Where the job's file is kept, under a name marked CONFIDENTIAL."""
    return folder() / f"{MARKING}-export-{job.pk}.csv"


def _open_private(path):
    """`path` for writing, emptied, readable by this user only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


class _Progress:
    """Notes the rows written so far on the job, about once per PROGRESS_SECONDS, renewing its
    lease. On PostgreSQL the job's connection is busy with the COPY, so the notes are written by a
    thread on a connection of its own; elsewhere by the job itself, between rows."""

    def __init__(self, run):
        self.run, self.noted, self.rows = run, 0, 0
        self.threaded = connection.vendor == "postgresql"
        self.error, self.stop = None, threading.Event()
        self.last = time.monotonic()

    def __enter__(self):
        if self.threaded:
            self.thread = threading.Thread(target=self._keep_noting, name=f"export-job-{self.run.job.pk}", daemon=True)
            self.thread.start()
        return self

    def note(self, rows):
        self.rows = rows
        if self.error:
            raise self.error
        if not self.threaded and time.monotonic() - self.last >= PROGRESS_SECONDS:
            self._write()

    def _write(self):
        rows = self.rows
        self.run.advance(cursor=rows, count=rows - self.noted)
        self.noted, self.last = rows, time.monotonic()

    def _keep_noting(self):
        try:
            while not self.stop.wait(PROGRESS_SECONDS):
                self._write()
        except Exception as error:  # noqa: BLE001 (handed to the job's thread, which raises it)
            self.error = error
        finally:
            connection.close()

    def __exit__(self, *exc):
        if self.threaded:
            self.stop.set()
            self.thread.join()
            if self.error and not exc[0]:
                raise self.error
        if not exc[0]:
            self._write()


@jobs.job_kind(Job.Kind.EXPORT)
def export_step(run):
    """Write the export's CSV to its file, from the first row (a killed run's .partial is
    truncated and written again), and rename it when complete."""
    job = run.job
    kind = KINDS[job.params["export"]]
    if not job.requested_by.has_perm(kind.permission):
        raise PermissionDenied(f"{job.requested_by.get_username()} may no longer export this.")
    export = kind.build(job.requested_by, job.params)
    if job.done:  # a killed run's rows: this run writes the file from its first row again
        Job.objects.filter(pk=job.pk).update(done=0, cursor=0)
        job.done = job.cursor = 0
    if not job.params.get("total_known"):
        run.set_total(export.rows.order_by().count())
    path = file_path(job)
    partial = path.with_name(path.name + ".partial")
    stream = CsvStream(export)
    with _open_private(partial) as out, _Progress(run) as progress:
        for piece in stream:
            out.write(piece)
            progress.note(stream.rows)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    if job.total != stream.rows:
        run.set_total(stream.rows)
    return {
        "summary": [f"{stream.rows:,} row{'s' if stream.rows != 1 else ''} of the {export.description} written to a "
                    f"CSV file, kept for {settings.EXPORT_FILE_HOURS} hours."],
        "export": job.params["export"], "rows": stream.rows, "bytes": path.stat().st_size, "filename": export.filename,
    }


# ------------------------------------------------------------------ the file


def file_state(job):
    """For the job's page: None for a job that is no export or not done; else the download's url,
    whether the file is there, when it will be (or was) deleted."""
    if job.kind != Job.Kind.EXPORT or job.state != Job.State.DONE:
        return None
    deleted_at = job.result.get("deleted_at")
    return {
        "url": reverse("job-download", args=[job.pk]),
        "available": not deleted_at and file_path(job).is_file(),
        "deleted_at": deleted_at,
        "deletes_at": job.finished_at + timedelta(hours=settings.EXPORT_FILE_HOURS),
        "hours": settings.EXPORT_FILE_HOURS,
        "filename": f"{MARKING}-{job.params.get('filename', 'export.csv')}",
    }


def export_file_for(user, pk):
    """(job, path) of the finished export `pk` whose file `user` may have now, its download
    recorded; PermissionDenied or Http404 otherwise."""
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=pk)
    if not jobs.may_view(user, job) or (job.kind == Job.Kind.EXPORT and not may_have(user, job)):
        raise PermissionDenied("Only the person who asked for this export, and those who may see all of it, have its file.")
    state = file_state(job)
    if state is None or not state["available"]:
        raise Http404("This export has no file to download (not finished, or deleted after its time).")
    audit_event_record(actor=user, action="export.downloaded", obj=job, payload={
        "export": job.params["export"], "rows": job.result.get("rows"), "bytes": job.result.get("bytes"),
        "requested_by": job.requested_by.get_username(),
    })
    return job, file_path(job), state["filename"]


def delete_expired_files(now=None):
    """Delete the files of exports finished more than EXPORT_FILE_HOURS ago (each deletion an audit
    event on its job), and any file of the folder as old that no job names (a run killed and never
    resumed). Returns how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORT_FILE_HOURS)
    deleted = 0
    expired = Job.objects.filter(kind=Job.Kind.EXPORT, state=Job.State.DONE, finished_at__lt=cutoff).exclude(
        result__has_key="deleted_at")
    for job in expired.select_related("requested_by").iterator():
        path = file_path(job)
        existed = path.is_file()
        path.unlink(missing_ok=True)
        with transaction.atomic():
            job.result = {**job.result, "deleted_at": now.isoformat()}
            job.save(update_fields=["result"])
            audit_event_record(actor=None, action="export.file_deleted", obj=job, payload={
                "export": job.params.get("export"), "file": path.name, "existed": existed,
                "finished_at": job.finished_at.isoformat(), "hours": settings.EXPORT_FILE_HOURS})
        deleted += existed
    unfinished = {f"{MARKING}-export-{pk}.csv.partial" for pk in Job.objects.filter(
        kind=Job.Kind.EXPORT, state__in=[Job.State.QUEUED, Job.State.RUNNING]).values_list("pk", flat=True)}
    strays = []
    for path in (folder().iterdir() if folder().is_dir() else []):
        if path.name in unfinished:
            continue
        if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            strays.append(path.name)
    if strays:
        audit_event_record(actor=None, action="export.file_deleted", object_type="export files", object_id=FOLDER,
                           payload={"files": strays, "hours": settings.EXPORT_FILE_HOURS})
        deleted += len(strays)
    return deleted
