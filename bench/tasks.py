"""What bench.run starts in a child process, against the database of DATABASE_URL. Each task
prints one JSON line (its last line of output) with what it measured; a task that measures memory
reports its own peak resident set size (getrusage ru_maxrss: the most the process ever held, Django
and all, so N's peak and N/10's compare like for like).

    python -m bench.tasks sweep --today 2026-11-22
    python -m bench.tasks sweep-sql --today 2026-11-22
    python -m bench.tasks export --year 2026
    python -m bench.tasks copy-export --year 2026 [--through 123456]
    python -m bench.tasks pages [--repeat 15]
    python -m bench.tasks sessions --user rita --count 20
    python -m bench.tasks verify-tail --after 123456
    python -m bench.tasks verify
    python -m bench.tasks verify-job [--mode full] [--user ann]
    python -m bench.tasks copy-events --through 123456
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

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
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = True
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute(script)
    seconds = time.perf_counter() - started
    moved = AuditEvent.objects.filter(sequence__gt=head, action="record.expire").count()
    _emit({"seconds": round(seconds, 3), "moved": moved, "new_events": _head() - head, "head_before": head})


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
