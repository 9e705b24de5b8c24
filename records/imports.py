"""Bringing an existing inventory in from a spreadsheet (CSV or XLSX). The whole file is validated
first, every error named by row and column; nothing is written unless every row is valid, and
then every row is written in one transaction, with history and an audit event per record."""

import contextlib
import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from . import confined
from .conflicts import StateConflict
from .audit import Entry, audit_event_record, audit_events_record
from .budgets import OverBudget, sheet_budget
from .dates import past_date_error, records_began_on
from .locks import JobLocked, job_lease
from .models import (
    CpniCategory, Department, ImportJob, LabelVerification, LegalMinimum, Medium, Record, RecordLegalMinimum,
    RetentionSchedule, User,
)
from .queueing import STALLED_AFTER, queue_after_commit
from .retention import expiry_date_for
from .selectors import in_custody_role
from .sheets import COLUMNS, REQUIRED, SheetError, SpooledSheet, read_sheet, spool_sheet  # noqa: F401 - the import's sheet
from .serials import duplicate_serial_message, normalise_serial, serial_holders, serial_key
from .services import reserve_references, validate_record_values
from .sweep import expire_now

FILE_CHECK_REFUSED = (
    "An import declares only a visual check of the CONFIDENTIAL marking: a file check is CPNI Track reading the "
    "document itself, and a sheet carries no document. Declare visual, or check the file on the record's page "
    "once it is imported."
)
IMPORT_LEASE_TTL = timedelta(minutes=15)  # renewed as the rows are checked
MAX_STORED_ERRORS = 1000
# The model's own field names, for the error messages of the shared record validation.
FIELD_TO_COLUMN = {"cpni_categories": "cpni_categories", "label_verification": "label_verification"}


@dataclass(frozen=True)
class RowError:
    row: int  # as numbered in the spreadsheet: the header is row 1
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@contextlib.contextmanager
def spooled_sheet(file_name, data):
    """The sheet, read in a child process within the import's budget (IMPORT_MAX_* settings) and
    spooled to a private temporary folder, as a SpooledSheet gone through a chunk at a time; the
    folder is deleted when the block ends. Raises SheetError, or OverBudget naming the limit the
    file went over."""
    budget = sheet_budget()
    with tempfile.TemporaryDirectory(prefix="cpnitrack-sheet-") as folder:
        path = os.path.join(folder, "rows.pickle")
        yield SpooledSheet(path, confined.run(spool_sheet, file_name, data, budget, path, budget=budget))


class _Lookups:
    """Everything rows refer to, loaded once (not once per row)."""

    def __init__(self):
        self.departments = {}
        for department in Department.objects.all():
            self.departments[department.code.lower()] = self.departments[department.name.lower()] = department
        self.schedules = {s.code.lower(): s for s in RetentionSchedule.objects.all()}
        self.users = {u.username.lower(): u for u in User.objects.annotate(in_custody_role=in_custody_role())}
        self.minimums = {}
        for minimum in LegalMinimum.objects.all():
            self.minimums[minimum.code.lower()] = self.minimums[minimum.citation.lower()] = minimum
        self.records_began_on = records_began_on()
        self.media = {**{m.value: m.value for m in Medium}, **{m.label.lower(): m.value for m in Medium}}
        self.categories = {**{c.value: c.value for c in CpniCategory}, **{c.label.lower(): c.value for c in CpniCategory}}
        self.records_began_on = records_began_on()


SEE_ALLOWED = "The template's allowed values list them all."
#: How many valid values an error lists before it refers to the template's allowed values.
LISTED_VALUES = 20


def _one_of(values):
    """'Use one of: a, b, c.' for an error about a value, or a pointer to the template's list when long."""
    values = list(values)
    if len(values) > LISTED_VALUES:
        return f"Use one of: {', '.join(values[:LISTED_VALUES])} … {SEE_ALLOWED}"
    return f"Use one of: {', '.join(values)}."


def _text(value):
    return "" if value is None else str(value).strip()


def _date(value, column, errors, number):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        errors.append(RowError(number, column, f"'{_text(value)[:40]}' is not a date (use YYYY-MM-DD)."))
        return None


def _row_values(number, raw, lookups, errors):
    """The record's values from one row, or None; problems are appended to `errors`."""
    found = len(errors)
    for column in REQUIRED:
        if not _text(raw.get(column)):
            errors.append(RowError(number, column, "Required."))
    def lookup(column, table, what, valid):
        key = _text(raw.get(column)).lower()
        if key and key not in table:
            errors.append(RowError(number, column, f"No {what} '{_text(raw.get(column))[:60]}'. {valid}"))
        return table.get(key)
    medium = lookup("medium", lookups.media, "medium", _one_of(Medium.values))
    department = lookup("department", lookups.departments, "department",
                        _one_of(sorted(department.code for department in set(lookups.departments.values()))))
    custodian = lookup("custodian", lookups.users, "user", SEE_ALLOWED)
    schedule = lookup("schedule", lookups.schedules, "schedule",
                      _one_of(sorted(code.upper() for code, s in lookups.schedules.items() if s.is_active)))
    contains = _text(raw.get("contains_cpni")).lower() or "yes"
    if contains not in ("yes", "no", "true", "false", "1", "0"):
        errors.append(RowError(number, "contains_cpni", "Use yes or no."))
    contains_cpni = contains in ("yes", "true", "1")
    categories = []
    for item in filter(None, (part.strip().lower() for part in _text(raw.get("cpni_categories")).split(";"))):
        if item not in lookups.categories:
            errors.append(RowError(number, "cpni_categories", f"No CPNI category '{item[:40]}'. "
                                                              f"{_one_of(CpniCategory.values)}"))
        else:
            categories.append(lookups.categories[item])
    trigger_date = _date(raw.get("trigger_date"), "trigger_date", errors, number)
    minimums = _legal_minimums(number, raw, lookups, errors)
    attestation = _attestation(number, raw, lookups, errors, contains_cpni, department)
    for column, limit in (("title", 200), ("location", 200), ("media_serial_number", 100), ("customer_reference", 60), ("notes", 5000)):
        if len(_text(raw.get(column))) > limit:
            errors.append(RowError(number, column, f"Longer than {limit} characters."))
    if len(errors) > found or None in (medium, department, custodian, schedule):
        return None
    values = {
        "title": _text(raw.get("title")), "contains_cpni": contains_cpni, "cpni_categories": categories,
        "medium": medium, "media_serial_number": normalise_serial(_text(raw.get("media_serial_number"))), "department": department,
        "custodian": custodian, "location": _text(raw.get("location")),
        "customer_reference": _text(raw.get("customer_reference")), "schedule": schedule,
        "trigger_date": trigger_date, "notes": _text(raw.get("notes")),
    }
    try:
        validate_record_values(values, floor=lookups.records_began_on)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.extend(RowError(number, FIELD_TO_COLUMN.get(field, field), m) for m in messages)
        return None
    values.update(attestation or {}, legal_minimums=minimums)
    return values


def _legal_minimums(number, raw, lookups, errors):
    """The row's additional legal minimums, by code or citation, separated by semicolons."""
    minimums = []
    for item in filter(None, (part.strip() for part in _text(raw.get("legal_minimums")).split(";"))):
        minimum = lookups.minimums.get(item.lower())
        if minimum is None:
            errors.append(RowError(number, "legal_minimums", f"No legal minimum '{item[:60]}' (give its code or citation)."))
        elif not minimum.is_active:
            errors.append(RowError(number, "legal_minimums", f"Legal minimum {minimum.citation} is retired; choose a current one."))
        elif minimum not in minimums:
            minimums.append(minimum)
    return minimums


def _attestation(number, raw, lookups, errors, contains_cpni, department):
    """The label attestation the row declares, as record values (None for a record without CPNI):
    a visual check by a person who could be the record's custodian, on a plausible past day."""
    verification = _text(raw.get("label_verification")).lower()
    if verification == LabelVerification.FILE_CHECK:
        errors.append(RowError(number, "label_verification", FILE_CHECK_REFUSED))
    if not contains_cpni:
        return None
    attested_on = _date(raw.get("label_attested_on"), "label_attested_on", errors, number)
    name = _text(raw.get("label_attested_by"))
    attested_by = lookups.users.get(name.lower())
    if verification not in LabelVerification.values:
        errors.append(RowError(number, "label_verification", "A record with CPNI needs its label attestation: visual."))
    if not name:
        errors.append(RowError(number, "label_attested_by", "Who attested the CONFIDENTIAL label?"))
    elif attested_by is None:
        errors.append(RowError(number, "label_attested_by", f"No user '{name[:60]}'."))
    elif department is not None and (problem := _custodian_problem(attested_by, department)):
        errors.append(RowError(number, "label_attested_by", f"{problem} The attestation is declared on behalf of "
                               "someone who could be the record's custodian."))
    if attested_on is None and not _text(raw.get("label_attested_on")):
        errors.append(RowError(number, "label_attested_on", "When was the label attested?"))
    elif problem := past_date_error(attested_on, floor=lookups.records_began_on, what="The attestation date"):
        errors.append(RowError(number, "label_attested_on", problem))
    return {
        "label_verification": LabelVerification.VISUAL, "label_attested_by": attested_by,
        # The sheet gives a day: kept as its first moment here, and shown as the day only.
        "label_attested_at": timezone.make_aware(datetime.combine(attested_on, time())) if attested_on else None,
    }


def _custodian_problem(person, department):
    """Why `person` could not be a custodian of a record of `department`, or ""."""
    if not person.is_active:
        return f"{person} can no longer sign in."
    if not person.in_custody_role:
        return f"{person}'s role cannot hold records (employees and records managers can)."
    if person.department_id != department.pk:
        return f"{person} is not a member of {department}."
    return ""


def validate_sheet(sheet, progress=None):
    """The errors of a sheet's rows (none when every row is valid), every row checked. `sheet` is
    gone through once, a row at a time: nothing of a valid row is kept."""
    lookups = _Lookups()
    errors, serial_rows = [], {}
    for index, (number, raw) in enumerate(sheet, start=1):
        values = _row_values(number, raw, lookups, errors)
        if values is not None:
            _note_serial(number, values["media_serial_number"], serial_rows, errors)
        if progress and index % 1000 == 0:
            progress(index * 100 // len(sheet))
    errors.extend(_serials_in_use(serial_rows))
    errors.sort(key=lambda error: error.row)
    return errors


def _note_serial(number, serial, serial_rows, errors):
    """Remember the row of each serial number; a second row with the same one is an error."""
    key = serial_key(serial)
    if key is None:
        return
    if key in serial_rows:
        errors.append(RowError(number, "media_serial_number", f"The serial number {serial} is already that of row "
                                                              f"{serial_rows[key]}: serial numbers are unique."))
    else:
        serial_rows[key] = number


def _serials_in_use(serial_rows, chunk=1000):
    """Errors for the rows whose serial number a record not yet destroyed already holds."""
    keys = list(serial_rows)
    for start in range(0, len(keys), chunk):
        for key, other in serial_holders(keys[start : start + chunk]).items():
            yield RowError(serial_rows[key], "media_serial_number", duplicate_serial_message(key, other))


@dataclass
class Written:
    count: int = 0  # records created
    due: int = 0  # how many of them were already past their expiry: due at once
    first_reference: str = ""
    last_reference: str = ""


class SheetChanged(Exception):
    """A row validated before no longer is (a person, schedule or legal minimum changed since)."""


WRITE_CHUNK = 1000


def write_records(*, actor, sheet, job, progress=None):
    """Write every row of import `job`'s validated `sheet` in one transaction, a chunk at a time
    (memory stays that of a chunk, whatever the sheet's size): references, derived expiry dates,
    the label attestations the sheet declares (with the job as their provenance), the additional
    legal minimums, history (bulk, with the importer as the user) and an audit event per record;
    the records already past their expiry then become due through the lifecycle. All or nothing.
    Each row is checked again as it is written: raises SheetChanged when one no longer passes, and
    IntegrityError when a record with one of the serial numbers was logged since the sheet was
    validated (validate_sheet then says which rows)."""
    lookups = _Lookups()
    written = Written()
    with transaction.atomic():
        chunk = []
        for index, (number, raw) in enumerate(sheet, start=1):
            values = _row_values(number, raw, lookups, [])
            if values is None:
                raise SheetChanged(f"row {number} is no longer valid")
            chunk.append(values)
            if len(chunk) == WRITE_CHUNK:
                _write_chunk(actor, chunk, job, written)
                chunk = []
                if progress:
                    progress(index * 100 // len(sheet))
        if chunk:
            _write_chunk(actor, chunk, job, written)
    return written


def _write_chunk(actor, prepared, job, written):
    now = timezone.now()
    references = reserve_references(len(prepared))
    records, minimums = [], []
    for values, reference in zip(prepared, references, strict=True):
        minimums.append(values.pop("legal_minimums", []))
        expiry = expiry_date_for(values["schedule"], values["trigger_date"], minimums=minimums[-1])
        label_import = job if values.get("label_attested_at") else None
        records.append(Record(
            **values, reference=reference, created_by=actor, expiry_date=expiry, label_import=label_import,
            media_serial_key=serial_key(values["media_serial_number"]),
        ))
    created = bulk_create_with_history(
        records, Record, batch_size=WRITE_CHUNK, default_user=actor, default_change_reason="imported", default_date=now
    )
    links = [RecordLegalMinimum(record=record, minimum=minimum, added_by=actor, added_at=now)
             for record, carried in zip(created, minimums, strict=True) for minimum in carried]
    bulk_create_with_history(
        links, RecordLegalMinimum, batch_size=WRITE_CHUNK, default_user=actor, default_change_reason="imported", default_date=now
    )
    source = {"import": job.pk, "file": job.file_name}
    audit_events_record(
        actor=actor, entries=[Entry("record.created", r, {"reference": r.reference, **source}) for r in created]
    )
    written.due += len(expire_now(created, reason="imported past its expiry: due at once"))
    written.first_reference = written.first_reference or references[0]
    written.last_reference = references[-1]
    written.count += len(created)


def _require(actor):
    if not actor.has_perm("records.add_importjob"):
        raise PermissionDenied("Only records managers import records.")


def earlier_import(sha256, *, exclude=None):
    """The latest import done of a file with this SHA-256 (other than job `exclude`), or None."""
    jobs = ImportJob.objects.filter(sha256=sha256, state=ImportJob.State.DONE).exclude(pk=getattr(exclude, "pk", None))
    return jobs.defer("content").order_by("-finished_at", "-pk").first()


def reimport_message(earlier, confirm="tick “Import it again”"):
    when = timezone.localtime(earlier.finished_at or earlier.requested_at)
    return (
        f"This very file was imported before: import #{earlier.pk} on {when:%Y-%m-%d} ({earlier.imported_count} "
        f"records). Importing it again logs every row a second time; if that is what you want, {confirm}."
    )


def import_job_create(*, actor, file_name, data, allow_reimport=False):
    """Keep the uploaded sheet (until it is imported or found invalid) and validate it in a Celery
    task after commit; the job's `queued` says whether that task reached the queue (if not, the
    reconcile task queues it later). A file imported before (same SHA-256) is refused unless the
    records manager confirms importing it again."""
    _require(actor)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = earlier_import(sha256)
    if earlier is not None and not allow_reimport:
        raise ValidationError({"allow_reimport": reimport_message(earlier)})
    with transaction.atomic():
        job = ImportJob.objects.create(
            file_name=file_name[:255], sha256=sha256, content=data, size=len(data), allow_reimport=allow_reimport,
            requested_by=actor, requested_at=timezone.now(),
        )
        payload = {"sha256": job.sha256, "size": len(data)}
        if earlier is not None:
            payload["reimport_of"] = earlier.pk
        audit_event_record(actor=actor, action="import.uploaded", obj=job, payload=payload)
        job.queued = queue_after_commit(lambda: _enqueue("validate_import", job.pk), what=f"the check of import #{job.pk}")
    return job


def import_sheet_now(*, actor, file_name, data, sheet, allow_reimport=False):
    """Import a sheet validated by the caller at once (the import_records command), on file as an
    import like the page's: refused for a file imported before unless confirmed."""
    _require(actor)
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        earlier = earlier_import(sha256)
        if earlier is not None and not allow_reimport:
            raise ValidationError(reimport_message(earlier, confirm="run it with --allow-reimport"))
        job = ImportJob.objects.create(
            file_name=file_name[:255], sha256=sha256, content=b"", size=len(data), allow_reimport=allow_reimport, requested_by=actor,
            requested_at=timezone.now(), row_count=len(sheet), state=ImportJob.State.IMPORTING,
        )
        written = write_records(actor=actor, sheet=sheet, job=job)
        _done(job, written, actor)
    return job, written


def _done(job, written, actor):
    job.state, job.imported_count, job.due_count, job.progress = ImportJob.State.DONE, written.count, written.due, 100
    job.first_reference, job.last_reference = written.first_reference, written.last_reference
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "imported_count", "due_count", "progress", "finished_at", "first_reference",
                            "last_reference", _forget_sheet(job)])
    audit_event_record(actor=actor, action="import.done", obj=job,
                       payload={"records": written.count, "due": written.due,
                                "references": [written.first_reference, written.last_reference]})


def _enqueue(task_name, job_id):
    from . import tasks

    getattr(tasks, task_name).delay(job_id)


def _progress(job, state, lease):
    def report(percent):
        if lease is not None:
            lease.renew()
        ImportJob.objects.filter(pk=job.pk, state=state).update(progress=min(percent, 99))
    return report


def _validated(job, lease=None):
    """Read and validate the job's sheet and note the outcome on the job (unsaved): its rows, and
    its errors by row and column. Returns whether the sheet may be imported."""
    try:
        with spooled_sheet(job.file_name, bytes(job.content)) as sheet:
            errors, rows = validate_sheet(sheet, progress=_progress(job, job.state, lease)), len(sheet)
    except (SheetError, OverBudget) as error:
        errors, rows = [RowError(1, "file", str(error))], 0
    earlier = None if job.allow_reimport else earlier_import(job.sha256, exclude=job)
    if earlier is not None:  # imported meanwhile, e.g. uploaded twice at once
        errors.insert(0, RowError(1, "file", reimport_message(earlier, confirm="upload it again and tick “Import it again”")))
    job.row_count, job.error_count = rows, len(errors)
    job.errors = [e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    return not errors


def _one_run_at_a_time(step):
    """Run `step(job_id, lease)` under the import's lease: a second delivery of its task while a
    run is under way (the reconcile task queues again work that waits long) just returns None."""

    @functools.wraps(step)
    def run(job_id):
        try:
            with job_lease(f"import-{job_id}", ttl=IMPORT_LEASE_TTL) as lease:
                return step(job_id, lease)
        except JobLocked:
            return None

    return run


@_one_run_at_a_time
def import_job_validate(job_id, lease):
    """Validate a freshly uploaded sheet (idempotent: only a job still validating is touched)."""
    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.VALIDATING).first()
    if job is None:
        return None
    valid = _validated(job, lease)
    job.state = ImportJob.State.VALID if valid else ImportJob.State.INVALID
    job.progress = 100
    job.finished_at = timezone.now()
    fields = ["row_count", "error_count", "errors", "state", "progress", "finished_at"]
    if not valid:
        fields.append(_forget_sheet(job))
    job.save(update_fields=fields)
    return job


def _forget_sheet(job):
    """A sheet that will not be imported is not kept (it may hold CPNI): its hash, name, size and
    result stay. Returns the field to save."""
    job.content = b""
    return "content"


def import_job_confirm(*, actor, job):
    """The records manager confirms a valid import; it runs in a Celery task after commit.
    Returns whether that task reached the queue (a Queued); if not, the reconcile task queues it later."""
    _require(actor)
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.VALID).update(
        state=ImportJob.State.IMPORTING, progress=0, confirmed_at=timezone.now()
    )
    if not updated:
        raise StateConflict("Only a validated import without errors can be imported.")
    audit_event_record(actor=actor, action="import.confirmed", obj=job, payload={"rows": job.row_count})
    return queue_after_commit(lambda: _enqueue("run_import", job.pk), what=f"import #{job.pk}")


@_one_run_at_a_time
def import_job_run(job_id, lease):
    """Write a confirmed import: every row in one transaction, or none. Each row is checked again
    as it is written (people or schedules may have changed since it was validated); when one no
    longer passes, nothing is written and the sheet's errors are noted as after an upload. A
    second delivery of the task finds the job done and does nothing."""
    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.IMPORTING).select_related("requested_by").first()
    if job is None:
        return None
    earlier = None if job.allow_reimport else earlier_import(job.sha256, exclude=job)
    if earlier is None:
        try:
            with spooled_sheet(job.file_name, bytes(job.content)) as sheet, transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.state == ImportJob.State.IMPORTING:
                    _done(locked, write_records(actor=job.requested_by, sheet=sheet, job=job), job.requested_by)
                return locked
        except (SheetError, OverBudget, SheetChanged, IntegrityError):
            # The sheet no longer passes: e.g. a record with one of its serial numbers was logged
            # since it was checked. Checked again, the rows say which.
            if _validated(job, lease):
                raise
    else:
        _validated(job, lease)
    job.state, job.finished_at = ImportJob.State.INVALID, timezone.now()
    job.save(update_fields=["row_count", "error_count", "errors", "state", "finished_at", _forget_sheet(job)])
    return job


def stalled_imports(now=None, after=STALLED_AFTER):
    """Imports still validating, or importing, long after they were uploaded or confirmed: their
    task was lost (a broker restarted without its queue, or was unreachable when it was sent) or
    its worker died."""
    cutoff = (now or timezone.now()) - after
    return ImportJob.objects.defer("content").filter(
        Q(state=ImportJob.State.VALIDATING, requested_at__lte=cutoff)
        | Q(state=ImportJob.State.IMPORTING, confirmed_at__lte=cutoff)
        | Q(state=ImportJob.State.IMPORTING, confirmed_at__isnull=True, requested_at__lte=cutoff)
    )
