"""What bench.run starts in a child process, against the database of DATABASE_URL. Each task
prints one JSON line (its last line of output) with what it measured; a task that measures memory
reports its own peak resident set size (getrusage ru_maxrss: the most the process ever held, Django
and all, so N's peak and N/10's compare like for like).

    python -m bench.tasks sweep --today 2026-11-22
    python -m bench.tasks sweep-sql --today 2026-11-22
    python -m bench.tasks export --year 2026
    python -m bench.tasks copy-export --year 2026 [--through 123456]
    python -m bench.tasks audit-log-csv [--user auditor-0]
    python -m bench.tasks copy-audit-log --through 123456
    python -m bench.tasks export-inline [--user rita]
    python -m bench.tasks pages [--repeat 15]
    python -m bench.tasks sessions --user rita --count 20
    python -m bench.tasks verify-tail --after 123456
    python -m bench.tasks verify
    python -m bench.tasks import-sheet --rows 100000 --out sheet.csv
    python -m bench.tasks import --file sheet.csv
    python -m bench.tasks copy-out --job-after 1 --records-after 123 --history-after 456 --events-after 789 --out dir
    python -m bench.tasks copy-in --dir dir
    python -m bench.tasks schedule-change [--longer 6]
    python -m bench.tasks schedule-forms [--longer 6]
    python -m bench.tasks schedule-change-sql --today 2026-11-22 [--longer 6]
    python -m bench.tasks hold-jobs [--department billing]
    python -m bench.tasks hold-sql [--department billing]
    python -m bench.tasks hold-inline [--sizes 1000,5000,20000]
    python -m bench.tasks verify-job [--mode full] [--user ann]
    python -m bench.tasks copy-events --through 123456
"""

import argparse
import csv
import io
import json
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpnitrack.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from records.models import AuditEvent, Department, Destruction, RetentionSchedule, User  # noqa: E402

SQL_BASELINE = Path(__file__).with_name("sweep_baseline.sql")
SCHEDULE_BASELINE = Path(__file__).with_name("schedule_baseline.sql")
EVENT_COLUMNS = ("sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr",
                 "payload", "previous_hash", "hash")


def _peak_rss_mib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _emit(result):
    print(json.dumps(result), flush=True)


def _head():
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


# --------------------------------------------------------------------------- figure 1: the sweep

def sweep(args):
    from records.sweep import retention_sweep

    today = date.fromisoformat(args.today)
    head = _head()
    started = time.perf_counter()
    result = retention_sweep(today=today)
    seconds = time.perf_counter() - started
    _emit({"seconds": round(seconds, 3), "moved": result.moved, "chunks": result.chunks,
           "new_events": _head() - head, "peak_rss_mib": _peak_rss_mib(), "head_before": head})


def sweep_sql(args):
    """The hand-written baseline: bench/sweep_baseline.sql, one transaction, the same writes."""
    today = date.fromisoformat(args.today)  # a date, never text from outside, goes into the SQL
    script = SQL_BASELINE.read_text().replace(":today", f"'{today.isoformat()}'")
    head = _head()
    seconds = _run_script(script)
    moved = AuditEvent.objects.filter(sequence__gt=head, action="record.expire").count()
    _emit({"seconds": round(seconds, 3), "moved": moved, "new_events": _head() - head, "head_before": head})


def _run_script(script):
    """Run an SQL script (its own BEGIN ... COMMIT) on this database; how many seconds it took."""
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute(script)
    return time.perf_counter() - started


def verify_tail(args):
    """Recompute every event after sequence `after` (records.audit.event_hash) and check the links."""
    from records.audit import event_hash

    events = AuditEvent.objects.filter(sequence__gte=args.after).order_by("sequence")
    previous, checked, problem = None, 0, ""
    for event in events.iterator(chunk_size=5000):
        if previous is not None and event.previous_hash != previous:
            problem = f"#{event.sequence} does not follow #{event.sequence - 1}"
            break
        digest = event_hash(previous_hash=event.previous_hash, sequence=event.sequence, occurred_at=event.occurred_at,
                            actor_id=event.actor_id, actor_name=event.actor_name, action=event.action,
                            object_type=event.object_type, object_id=event.object_id, object_repr=event.object_repr,
                            payload=event.payload)
        if digest != event.hash:
            problem = f"#{event.sequence} does not match its hash"
            break
        previous, checked = event.hash, checked + 1
    from records.models import AuditChainHead

    head = AuditChainHead.objects.get(id=1)
    if not problem and (head.last_sequence, head.last_hash) != (_head(), previous):
        problem = "the chain head does not point at the last event"
    _emit({"ok": not problem, "checked": checked, "problem": problem})


def verify(args):
    from records.audit import verify_chain

    started = time.perf_counter()
    report = verify_chain()
    _emit({"ok": report.ok, "checked": report.checked, "problem": report.problem,
           "seconds": round(time.perf_counter() - started, 3)})


# --------------------------------------------------------------------------- the schedule change

def _schedules_by_size():
    from django.db.models import Count

    return RetentionSchedule.objects.annotate(n=Count("records"))


def _largest_schedule():
    return _schedules_by_size().order_by("-n", "code").first()


def _warm_confirming(client):
    """The process warmed as a running server's is, untimed: a change confirmed and undone on the
    smallest schedule, each job ended unrun (its records' expiries were never moved, so nothing is
    left to recompute). The first job a process starts also opens its connection to the task
    queue (about 25 ms), which a server's worker does once in its life."""
    from records.models import Job

    small = _schedules_by_size().filter(n__gt=0).order_by("n", "code").first()
    for period in (small.period_value + 1, small.period_value):
        _, job = _confirm(client, small, period)
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error="ended by the benchmark")
        small.refresh_from_db()


def _history_count():
    from records.models import Record

    return Record.history.count()


def confirming_form(schedule, period):
    """The fields of the schedule's edit page as a records manager confirms a new period."""
    data = {"code": schedule.code, "title": schedule.title, "description": schedule.description,
            "period_value": period, "period_unit": schedule.period_unit, "trigger": schedule.trigger,
            "trigger_event": schedule.trigger_event, "legal_minimum_value": schedule.legal_minimum_value or "",
            "legal_minimum_unit": schedule.legal_minimum_unit, "legal_citation": schedule.legal_citation,
            "default_disposition": schedule.default_disposition, "is_active": "on", "confirm": "1"}
    if schedule.applicable_media:
        data["applicable_media"] = list(schedule.applicable_media)
    return data


def _confirm(client, schedule, period):
    """The records manager's confirming submit of the schedule's edit page; the job it started."""
    from records.models import Job

    body = urlencode(confirming_form(schedule, period), doseq=True)  # as the browser sends it (no file field)
    started = time.perf_counter()
    response = client.post(f"/schedules/{schedule.code}/edit/", body, content_type="application/x-www-form-urlencoded")
    seconds = time.perf_counter() - started
    if response.status_code != 302 or "/jobs/" not in response["Location"]:
        raise SystemExit(f"the confirming submit answered {response.status_code}, not the job's page")
    return seconds, Job.objects.latest("pk")


def schedule_change(args):
    """The largest schedule's period changed on its edit page by a records manager (the request
    timed, reported), then its recompute job run to its end here (timed, with the process's peak
    RSS), then the preview timed. The confirming request's p95 is figure 6's start requests
    (bench.run, on gunicorn)."""
    from records import jobs, schedules

    schedules.INLINE_LIMIT = 0  # the job is what is measured, at N/10 too (where the schedule may be small)
    schedule = _largest_schedule()
    args.period = schedule.period_value + args.longer
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_for(User.objects.get(username=args.user))
    # The session and the pages warm, as for a person signed in who has opened the schedule's edit page.
    client.get("/schedules/")
    client.get(f"/schedules/{schedule.code}/edit/")
    _warm_confirming(client)
    started = time.perf_counter()
    preview = schedules.schedule_change_impact(schedule, {"period_value": args.period})
    preview_seconds = time.perf_counter() - started
    head, history = _head(), _history_count()
    request_seconds, job = _confirm(client, schedule, args.period)
    started = time.perf_counter()
    job = jobs.job_run(job.pk)
    job_seconds = time.perf_counter() - started
    peak = _peak_rss_mib()
    _emit({"schedule": schedule.code, "records": job.total, "moved": job.result["records_moved"],
           "returned": job.result["return_to_active"], "seconds": round(job_seconds, 3), "peak_rss_mib": peak,
           "new_history_rows": _history_count() - history, "new_events": _head() - head, "head_before": head,
           "preview_seconds": round(preview_seconds, 3), "preview": preview.figures(), "job_state": job.state,
           "request_ms": round(request_seconds * 1000, 1)})


def schedule_forms(args):
    """The largest schedule's confirming forms, back to the period before figure 6's change and
    forth to it again: figure 6's start requests alternate them, each starting a job."""
    schedule = _largest_schedule()
    _emit({"code": schedule.code, "forms": [confirming_form(schedule, schedule.period_value - args.longer),
                                            confirming_form(schedule, schedule.period_value)]})


def schedule_change_sql(args):
    """The baseline: bench/schedule_baseline.sql, the same writes as the job, one transaction."""
    from django.db import transaction

    from records.models import Record

    schedule = _largest_schedule()
    args.period = schedule.period_value + args.longer
    manager = User.objects.get(username=args.user)
    today = date.fromisoformat(args.today)
    legal = f"{int(schedule.legal_minimum_value)} {schedule.legal_minimum_unit}" if schedule.legal_minimum_value else None
    with transaction.atomic():  # the schedule itself, as the request saves it (not timed)
        RetentionSchedule.objects.filter(pk=schedule.pk).update(period_value=args.period)
    values = {":schedule": str(schedule.pk), ":period": f"'{int(args.period)} {schedule.period_unit}'",
              ":legal": f"'{legal}'" if legal else "NULL", ":today": f"'{today.isoformat()}'",
              ":reason": f"'schedule {schedule.code} changed'", ":user_id": str(manager.pk),
              ":username": f"'{manager.get_username()}'"}
    script = SCHEDULE_BASELINE.read_text()
    for name in sorted(values, key=len, reverse=True):
        script = script.replace(name, values[name])
    head, history = _head(), _history_count()
    seconds = _run_script(script)
    returned = AuditEvent.objects.filter(sequence__gt=head, action="record.extend_retention").count()
    _emit({"seconds": round(seconds, 3), "moved": _history_count() - history - returned, "returned": returned,
           "new_history_rows": _history_count() - history, "new_events": _head() - head, "head_before": head,
           "records": Record.objects.filter(schedule=schedule).count()})
# --------------------------------------------------------------------------- figure 6: verifying the chain

def verify_job(args):
    """The verification job the audit log page starts, run to its end in this process (as a worker
    runs it), with its peak RSS."""
    from records import jobs, verification

    actor = User.objects.get(username=args.user)
    job = verification.chain_verify_start(actor=actor, mode=args.mode, queue=False, reuse=False)
    started = time.perf_counter()
    job = jobs.job_run(job.pk)
    seconds = time.perf_counter() - started
    _emit({"seconds": round(seconds, 3), "state": job.state, "ok": job.result.get("ok"),
           "checked": job.result.get("checked"), "through": job.result.get("through_sequence"),
           "peak_rss_mib": _peak_rss_mib()})


VERIFIED_COLUMNS = ("sequence", "occurred_at", "actor_id", "actor_name", "action", "object_type", "object_id",
                    "object_repr", "payload", "previous_hash", "hash")


def copy_events(args):
    """COPY (SELECT the columns a verification reads, of the events it reads, in its order) TO
    STDOUT, read to the end and dropped: the database's own speed for handing those rows out."""
    query = (f"COPY (SELECT {', '.join(VERIFIED_COLUMNS)} FROM records_auditevent WHERE sequence <= %s "  # noqa: S608
             "ORDER BY sequence) TO STDOUT")
    connection.ensure_connection()
    size = lines = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(query, (args.through,)) as copy:
        for block in copy:
            size += len(block)
            lines += bytes(block).count(b"\n")
    _emit({"seconds": round(time.perf_counter() - started, 3), "bytes": size, "lines": lines})


# --------------------------------------------------------------------------- figure 2: the export

def _year_filter(year):
    from compliance.year_summary import year_bounds

    return year_bounds(year)


def export(args):
    from compliance.package import build_package, package_path
    from compliance.models import CertificationPackage

    manager = User.objects.get(username=args.user)
    package = CertificationPackage.objects.create(year=args.year, requested_by=manager, requested_at=timezone.now())
    head = _head()  # the chain head the package is built from (its own package_built event comes after)
    started = time.perf_counter()
    build_package(package)
    seconds = time.perf_counter() - started
    path = package_path(package)
    size = path.stat().st_size
    if not args.keep:
        path.unlink()
    _emit({"seconds": round(seconds, 3), "events": package.event_count, "zip_bytes": size,
           "peak_rss_mib": _peak_rss_mib(), "head": head})


def copy_export(args):
    """COPY (SELECT the same columns of the same rows, in the same order) TO STDOUT, into a file
    beside the packages, as CSV: the database's own speed for handing the rows out."""
    start, end = _year_filter(args.year)
    head = args.through or _head()
    columns = ", ".join(EVENT_COLUMNS)
    query = (
        f"COPY (SELECT {columns} FROM records_auditevent WHERE occurred_at >= %s AND occurred_at < %s "  # noqa: S608
        "AND sequence <= %s ORDER BY sequence) TO STDOUT WITH (FORMAT csv, HEADER)"
    )
    folder = settings.VAR_DIR / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "bench-copy-baseline.csv"
    connection.ensure_connection()
    rows = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, open(target, "wb") as out:
        with cursor.copy(query, (start, end, head)) as copy:
            for block in copy:
                out.write(block)
        out.flush()
        os.fsync(out.fileno())
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    with open(target, "rb") as data:
        rows = sum(block.count(b"\n") for block in iter(lambda: data.read(1 << 20), b"")) - 1
    target.unlink()
    _emit({"seconds": round(seconds, 3), "bytes": size, "lines": rows})


# --------------------------------------------------------------------------- the audit log's CSV download

AUDIT_LOG_SQL_COLUMNS = ("sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr",
                         "payload::text", "previous_hash", "hash")


def _into_file(name, pieces):
    """Write `pieces` (bytes) into a file beside the packages, to the disk; its size and lines."""
    folder = settings.VAR_DIR / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with open(target, "wb") as out:
        for piece in pieces:
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    size = target.stat().st_size
    with open(target, "rb") as data:
        lines = sum(block.count(b"\n") for block in iter(lambda: data.read(1 << 20), b""))
    target.unlink()
    return size, lines


def audit_log_csv(args):
    """The audit log's CSV of every event as a signed-in auditor gets it when it is too large to
    stream: the export job (records.export_jobs) started and run in-process to its end, writing its
    file under VAR_DIR/exports. Timed from the job's start to its file complete."""
    from records import export_jobs, jobs

    user = User.objects.get(username=args.user)
    job = export_jobs.export_start(actor=user, params={"export": "audit_log", "query": ""})
    started = time.perf_counter()
    job = jobs.job_run(job.pk)
    seconds = time.perf_counter() - started
    if job is None or job.state != job.State.DONE:
        raise SystemExit(f"bench: the export job ended {getattr(job, 'state', None)}: {getattr(job, 'error', '')}")
    path = export_jobs.file_path(job)
    with open(path, "rb") as data:
        head = data.read(1 << 16).decode(errors="replace")
    size = path.stat().st_size
    path.unlink()
    _emit({"seconds": round(seconds, 3), "rows": job.result["rows"], "bytes": size,
           "newest": int(list(csv.reader(io.StringIO(head)))[2][0]), "job_total": job.total,
           "peak_rss_mib": _peak_rss_mib()})


def export_inline(args):
    """How many rows a second each CSV download streams inside the request (GET, streamed into a
    file, through Django's test client), with no inline limit: records.export_jobs' boundary
    (settings.EXPORT_INLINE_MAX) is chosen from the slowest of these."""
    from records.models import LegalHold

    settings.EXPORT_INLINE_MAX = 10**12
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_for(User.objects.get(username=args.user))
    client.get("/audit/")
    hold = LegalHold.objects.order_by("-pk").first()
    urls = ["/audit/log.csv", "/records.csv", "/destructions.csv"] + ([f"/holds/{hold.pk}/report.csv"] if hold else [])
    results = {}
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: {url} answered {response.status_code}")
        size, lines = _into_file("bench-inline.csv", response.streaming_content)
        seconds = time.perf_counter() - started
        results[url] = {"rows": lines - 2, "seconds": round(seconds, 3), "rows_per_second": round((lines - 2) / seconds)}
    _emit(results)


def copy_audit_log(args):
    """COPY (SELECT the same columns of the same events, newest first) TO STDOUT as CSV, into a file:
    the database's own speed for handing the rows out."""
    columns = ", ".join(AUDIT_LOG_SQL_COLUMNS)
    query = (f"COPY (SELECT {columns} FROM records_auditevent WHERE sequence <= %s ORDER BY sequence DESC) "  # noqa: S608
             "TO STDOUT WITH (FORMAT csv, HEADER)")
    connection.ensure_connection()
    started = time.perf_counter()

    def pieces():
        with connection.connection.cursor() as cursor, cursor.copy(query, (args.through,)) as copy:
            for block in copy:
                yield bytes(block)

    size, lines = _into_file("bench-audit-log-copy.csv", pieces())
    _emit({"seconds": round(time.perf_counter() - started, 3), "rows": lines - 1, "bytes": size})


# --------------------------------------------------------------------------- figure 4: the pages

def _session_for(user):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the backend that signs people in
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def sessions(args):
    """Signed-in sessions for the load test (made here, so the load test measures pages, not the
    password hasher)."""
    user = User.objects.get(username=args.user)
    _emit({"cookie": settings.SESSION_COOKIE_NAME, "keys": [_session_for(user) for _ in range(args.count)]})


def page_plan():
    """(name, user, path): the pages of figure 4. The same names at every scale; the ids in the
    paths are looked up here, in the database measured."""
    billing = Department.objects.get(code="billing")
    toll = RetentionSchedule.objects.get(code="TOLL-BILLING")
    today = timezone.localdate()
    sanitized = Destruction.objects.filter(kind=Destruction.Kind.SANITIZATION).order_by("pk")
    detail = sanitized[sanitized.count() // 2].record.reference
    employee = User.objects.filter(username__startswith="billing-").order_by("username").first().username
    plan = [("dashboard", "rita", "/"), ("dashboard (employee)", employee, "/")]
    for sort in ("reference", "title", "status", "medium", "expiry", "created", "-created", "-expiry"):
        plan.append((f"record list sort={sort}", "rita", f"/records/?sort={sort}"))
    plan += [
        ("record list status=due sort=expiry", "rita", "/records/?status=due&sort=expiry"),
        ("record list medium=paper sort=title", "rita", "/records/?medium=paper&sort=title"),
        ("record list department sort=-created", "rita", f"/records/?department={billing.pk}&sort=-created"),
        ("record list schedule sort=reference", "rita", f"/records/?schedule={toll.pk}&sort=reference"),
        ("record list expiring 90 days sort=expiry", "rita",
         f"/records/?expiry_from={today}&expiry_to={today + timedelta(days=90)}&sort=expiry"),
        ("record list (employee)", employee, "/records/"),
        ("record list page 2", "rita", "/records/?page=2"),
        ("record detail", "rita", f"/records/{detail}/"),
        ("netops queue", "nate", "/netops/"),
    ]
    return plan


def pages(args):
    clients = {}
    results = []
    for name, username, path in page_plan():
        if username not in clients:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = _session_for(User.objects.get(username=username))
            clients[username] = client
        client = clients[username]
        for _ in range(args.warmup):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {path} answered {response.status_code}")
        reset_queries()  # each request empties the log as it starts: begin the capture on an empty one
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        captured = list(queries.captured_queries)  # read now: the next request clears the log
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        results.append({"name": name, "path": path, "queries": len(captured),
                        "median_ms": round(statistics.median(times) * 1000, 2),
                        "slowest_queries": sorted(((round(float(q["time"]) * 1000, 2), q["sql"][:300])
                                                   for q in captured), reverse=True)[:3]})
    _emit({"pages": results})


# --------------------------------------------------------------------------- the import

IMPORT_TABLES = ("records_importjob", "records_record", "records_historicalrecord", "records_auditevent")


def import_sheet(args):
    """A sheet of `rows` valid rows, as a records manager would import: paper and (one row in ten)
    USB drives with unique serial numbers, each custodian of their own department, on the schedules
    that apply to the medium."""
    import csv

    from records.imports import COLUMNS
    from records.selectors import in_custody_role

    custodians = list(User.objects.annotate(custody=in_custody_role()).filter(
        custody=True, is_active=True, department__isnull=False).select_related("department").order_by("pk")[:50])
    schedules = {medium: [s.code for s in RetentionSchedule.objects.filter(is_active=True).order_by("code")
                          if not s.applicable_media or medium in s.applicable_media]
                 for medium in ("paper", "usb_drive")}
    trigger = timezone.localdate().replace(month=1, day=2).isoformat()
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(args.rows):
            person = custodians[n % len(custodians)]
            medium = "usb_drive" if n % 10 == 0 else "paper"
            values = {
                "title": f"Archive box {n}", "medium": medium, "media_serial_number": f"BENCH-IMPORT-{n:07d}" if medium != "paper" else "",
                "contains_cpni": "yes", "cpni_categories": "billing; destination", "department": person.department.code,
                "custodian": person.username, "location": "Records room, shelf 4", "customer_reference": f"ACCT-{n:07d}",
                "schedule": schedules[medium][n % len(schedules[medium])], "trigger_date": trigger,
                "label_verification": "visual", "label_attested_by": person.username, "label_attested_on": trigger,
            }
            writer.writerow([values.get(column, "") for column in COLUMNS])
    _emit({"rows": args.rows, "file": args.out})


def _last_id(table):
    with connection.cursor() as cursor:
        column = "sequence" if table == "records_auditevent" else ("history_id" if table.startswith("records_historical") else "id")
        cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {table}")  # noqa: S608 - the bench's own table names
        return cursor.fetchone()[0]


def import_rows(args):
    """The import as the import_records command and the import job do it: the sheet read in its
    confined reader and spooled, then every row validated as it is written with history and audit
    events, in one transaction."""
    from records import imports

    data = Path(args.file).read_bytes()
    before = {table: _last_id(table) for table in IMPORT_TABLES}
    started = time.perf_counter()
    with imports.spooled_sheet(Path(args.file).name, data) as sheet:
        job, written = imports.import_sheet_now(actor=User.objects.get(username=args.user), file_name=Path(args.file).name,
                                                data=data, sheet=sheet, allow_reimport=True)
    seconds = time.perf_counter() - started
    _emit({"seconds": round(seconds, 3), "records": written.count, "peak_rss_mib": _peak_rss_mib(), "after": before,
           "head_before": before["records_auditevent"]})


def copy_out(args):
    """The rows an import wrote (records, their history and audit events after the given ids), as
    COPY text files in `out`, for copy-in."""
    after = {"records_importjob": args.job_after, "records_record": args.records_after, "records_historicalrecord": args.history_after,
             "records_auditevent": args.events_after}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    lines = {}
    for table, last in after.items():
        column = "sequence" if table == "records_auditevent" else ("history_id" if table.startswith("records_historical") else "id")
        with connection.connection.cursor() as cursor, open(Path(args.out) / f"{table}.copy", "wb") as out:
            with cursor.copy(f"COPY (SELECT * FROM {table} WHERE {column} > {int(last)} ORDER BY {column}) TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
        lines[table] = sum(1 for _ in open(Path(args.out) / f"{table}.copy", "rb"))
    _emit({"rows": lines})


def copy_in(args):
    """The baseline: the same rows written with COPY, one transaction, into a copy of the database
    as it was before the import."""
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    with raw.transaction(), raw.cursor() as cursor:
        for table in IMPORT_TABLES:
            with cursor.copy(f"COPY {table} FROM STDIN") as copy, open(Path(args.dir) / f"{table}.copy", "rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
    _emit({"seconds": round(time.perf_counter() - started, 3)})


# --------------------------------------------------------------------------- figure 6: legal holds

def _billing_selection(code):
    from records import holds

    manager = User.objects.get(username="rita")
    department = Department.objects.get(code=code)
    selection, scope = holds.selection_of("department", actor=manager, department=department)
    return manager, department, selection, scope


def hold_jobs(args):
    """A hold on a whole department placed, then released, as a records manager does it: each
    request (records.holds.hold_place, hold_release) and then its job (records.jobs.job_run),
    in-process, to the end. The job's peak RSS is this process's."""
    from django.db import transaction

    from records import holds, jobs
    from records.models import HeldRecord, Job

    manager, department, selection, scope = _billing_selection(args.department)
    holds.INLINE_MAX = 0  # always by the jobs, even on a department small enough for the request (N/10 of a small scale)
    # What a web or Celery worker has loaded long before (the URLconf and every view it imports:
    # seconds in a fresh process), loaded before the clock starts.
    from django.urls import reverse

    reverse("hold-list")
    head = _head()
    started = time.perf_counter()
    with transaction.atomic():
        hold = holds.hold_place(actor=manager, matter="Bench", reason="Bench", selection=selection, scope=scope)
    placed = jobs.job_run(hold.job.pk)
    place_seconds = time.perf_counter() - started
    released_at = time.perf_counter()
    with transaction.atomic():
        release = holds.hold_release(actor=manager, hold=hold, reason="Bench")
    released = jobs.job_run(release.job.pk)
    release_seconds = time.perf_counter() - released_at
    held = HeldRecord.objects.filter(hold=hold).count()
    if (placed.state, released.state) != (Job.State.DONE, Job.State.DONE):
        raise SystemExit(f"bench: the jobs ended {placed.state} and {released.state}")
    _emit({"seconds": round(place_seconds + release_seconds, 3), "place_seconds": round(place_seconds, 3),
           "release_seconds": round(release_seconds, 3), "held": held, "hold": hold.pk,
           "new_events": _head() - head, "peak_rss_mib": _peak_rss_mib(), "head_before": head})


HOLD_SQL = """
SET CONSTRAINTS ALL IMMEDIATE;

INSERT INTO records_heldrecord (hold_id, record_id, department_id, added_at, status_when_linked, in_status_since)
SELECT %(hold)s, r.id, r.department_id, now(), r.status, r.status_changed_at FROM records_record r
WHERE r.department_id = %(department)s AND r.status <> 'destroyed' ORDER BY r.id;

INSERT INTO records_auditevent (sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
                                object_repr, payload, previous_hash, hash)
SELECT %(head)s + n, now(), %(actor)s, 'rita', 'record.hold_placed', 'records.record', id::text,
       left(reference || ' — ' || title, 200), jsonb_build_object('hold', %(hold)s, 'matter', 'Bench'),
       encode(sha256(convert_to('p' || (n - 1)::text, 'UTF8')), 'hex'), encode(sha256(convert_to('p' || n::text, 'UTF8')), 'hex')
FROM (SELECT r.id, r.reference, r.title, row_number() OVER (ORDER BY r.id) AS n FROM records_record r
      WHERE r.department_id = %(department)s AND r.status <> 'destroyed') AS placed;

INSERT INTO records_auditevent (sequence, occurred_at, actor_id, actor_name, action, object_type, object_id,
                                object_repr, payload, previous_hash, hash)
SELECT %(head)s + %(held)s + n, now(), %(actor)s, 'rita', 'record.hold_released', 'records.record', r.id::text,
       left(r.reference || ' — ' || r.title, 200), jsonb_build_object('hold', %(hold)s),
       encode(sha256(convert_to('r' || (n - 1)::text, 'UTF8')), 'hex'), encode(sha256(convert_to('r' || n::text, 'UTF8')), 'hex')
FROM (SELECT h.record_id, row_number() OVER (ORDER BY h.record_id) AS n FROM records_heldrecord h
      WHERE h.hold_id = %(hold)s) AS released JOIN records_record r ON r.id = released.record_id;

DELETE FROM records_heldrecord WHERE hold_id = %(hold)s;
"""


def hold_sql(args):
    """The SQL baseline of hold-jobs: the same rows written by hand, in one transaction: the
    HeldRecords and the per-record audit rows of the placing (INSERT ... SELECT each), the
    per-record audit rows of the release (INSERT ... SELECT), then the links deleted (DELETE),
    all of the same widths as the app's (a sha256 in hex for each hash, the same payloads). The
    database's own speed for these writes; rolled back afterwards (the audit chain is left as it
    was: its rows cannot be deleted). The foreign keys' checks, deferred to the commit, are made
    immediate first: a rollback skips them, and the app's writes pay them at each chunk's commit
    (at N/10 they are about half of the baseline's time: 4.5 s without, 8.5 s with)."""
    from django.db import transaction

    from records.models import LegalHold

    manager, department, _, _ = _billing_selection(args.department)
    held = _covered_count(department)
    connection.ensure_connection()
    started = None
    with transaction.atomic():
        hold = LegalHold.objects.create(matter="Bench (SQL)", reason="Bench", placed_by=manager,
                                        placed_at=timezone.now(), scope="bench")
        params = {"hold": hold.pk, "department": department.pk, "head": _head(), "actor": manager.pk, "held": held}
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for statement in filter(str.strip, HOLD_SQL.split(";")):
                cursor.execute(statement, params)
            seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    _emit({"seconds": round(seconds, 3), "held": held})


def _covered_count(department):
    from records.models import Record, Status

    return Record.objects.filter(department=department).exclude(status=Status.DESTROYED).count()


def hold_inline(args):
    """How long placing a hold inline takes for N records (the first N of the department's that
    can be held), median of `repeat` tries, each rolled back after its deferred foreign-key checks
    ran, as the request's commit runs them: records.holds.INLINE_MAX is chosen from these."""
    from django.db import connection, transaction

    from records import holds
    from records.models import Record, Status

    manager, department, _, _ = _billing_selection(args.department)
    covered = Record.objects.filter(department=department).exclude(status=Status.DESTROYED).order_by("pk")
    results = {}

    class Rollback(Exception):
        pass

    for size in (int(n) for n in args.sizes.split(",")):
        last = covered.values_list("pk", flat=True)[size - 1]
        times = []
        for _ in range(args.repeat):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    holds.hold_place(actor=manager, matter="Bench", reason="Bench", scope="bench",
                                     records=covered.filter(pk__lte=last))
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    times.append(time.perf_counter() - started)
                    raise Rollback()
            except Rollback:
                pass
        results[size] = round(statistics.median(times), 3)
    _emit({"seconds_by_size": results})


def main(argv=None):
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("sweep")
    command.add_argument("--today", required=True)
    command.set_defaults(run=sweep)
    command = commands.add_parser("sweep-sql")
    command.add_argument("--today", required=True)
    command.set_defaults(run=sweep_sql)
    command = commands.add_parser("export")
    command.add_argument("--year", type=int, required=True)
    command.add_argument("--user", default="rita")
    command.add_argument("--keep", action="store_true")
    command.set_defaults(run=export)
    command = commands.add_parser("copy-export")
    command.add_argument("--year", type=int, required=True)
    command.add_argument("--through", type=int, help="the last sequence to include (default: the chain head)")
    command.set_defaults(run=copy_export)
    command = commands.add_parser("audit-log-csv")
    command.add_argument("--user", default="auditor-0")
    command.set_defaults(run=audit_log_csv)
    command = commands.add_parser("export-inline")
    command.add_argument("--user", default="rita")
    command.set_defaults(run=export_inline)
    command = commands.add_parser("copy-audit-log")
    command.add_argument("--through", type=int, required=True, help="the newest sequence to include")
    command.set_defaults(run=copy_audit_log)
    command = commands.add_parser("pages")
    command.add_argument("--repeat", type=int, default=15)
    command.add_argument("--warmup", type=int, default=3)
    command.set_defaults(run=pages)
    command = commands.add_parser("sessions")
    command.add_argument("--user", default="rita")
    command.add_argument("--count", type=int, default=20)
    command.set_defaults(run=sessions)
    command = commands.add_parser("verify-tail")
    command.add_argument("--after", type=int, required=True)
    command.set_defaults(run=verify_tail)
    command = commands.add_parser("verify")
    command.set_defaults(run=verify)
    command = commands.add_parser("import-sheet")
    command.add_argument("--rows", type=int, required=True)
    command.add_argument("--out", required=True)
    command.set_defaults(run=import_sheet)
    command = commands.add_parser("import")
    command.add_argument("--file", required=True)
    command.add_argument("--user", default="rita")
    command.set_defaults(run=import_rows)
    command = commands.add_parser("copy-out")
    command.add_argument("--job-after", type=int, required=True)
    command.add_argument("--records-after", type=int, required=True)
    command.add_argument("--history-after", type=int, required=True)
    command.add_argument("--events-after", type=int, required=True)
    command.add_argument("--out", required=True)
    command.set_defaults(run=copy_out)
    command = commands.add_parser("copy-in")
    command.add_argument("--dir", required=True)
    command.set_defaults(run=copy_in)
    command = commands.add_parser("schedule-change")
    command.add_argument("--longer", type=int, default=6, help="added to the period, in its unit")
    command.add_argument("--user", default="rita")
    command.set_defaults(run=schedule_change)
    command = commands.add_parser("schedule-forms")
    command.add_argument("--longer", type=int, default=6, help="what figure 6's change added to the period")
    command.set_defaults(run=schedule_forms)
    command = commands.add_parser("schedule-change-sql")
    command.add_argument("--longer", type=int, default=6, help="added to the period, in its unit")
    command.add_argument("--today", required=True)
    command.add_argument("--user", default="rita")
    command.set_defaults(run=schedule_change_sql)
    for name, run in (("hold-jobs", hold_jobs), ("hold-sql", hold_sql), ("hold-inline", hold_inline)):
        command = commands.add_parser(name)
        command.add_argument("--department", default="billing")
        command.add_argument("--repeat", type=int, default=3)
        command.add_argument("--sizes", default="1000,5000,20000")
        command.set_defaults(run=run)
    command = commands.add_parser("verify-job")
    command.add_argument("--mode", default="full", choices=["full", "incremental"])
    command.add_argument("--user", default="ann")
    command.set_defaults(run=verify_job)
    command = commands.add_parser("copy-events")
    command.add_argument("--through", type=int, required=True, help="the last sequence to include")
    command.set_defaults(run=copy_events)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
