"""Celery tasks: thin wrappers around the services, safe to run twice, late or after a crash."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import anchors, export_jobs, imports, jobs, notifications, sweep, verification
from .locks import JobLocked
from .models import ImportJob, User

RETRY = dict(
    acks_late=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)


@shared_task(bind=True, **{**RETRY, "autoretry_for": (OperationalError,)}, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def retention_sweep(self, requested_by=None):
    """Daily, or when a records manager asks (`requested_by`, their id): move every record past
    expiry (and not on hold) to due. A run that finds the lease taken (another sweep, or one killed
    a moment ago) tries again once a lease could have run out."""
    person = User.objects.filter(pk=requested_by).first() if requested_by else None
    try:
        result = sweep.retention_sweep(requested_by=person)
    except JobLocked as locked:
        raise self.retry(exc=locked, countdown=settings.JOB_LEASE_SECONDS) from locked
    return {"moved": result.moved, "chunks": result.chunks}


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_due_reminders():
    """After a sweep: one email per custodian about their newly due records."""
    notifications.due_reminders_prepare()
    return notifications.notifications_deliver()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_escalations():
    """Daily: records due for longer than RETENTION_ESCALATION_DAYS, to the records managers."""
    notifications.escalations_prepare()
    return notifications.notifications_deliver()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_weekly_digest():
    """Weekly: the state of retention, to the records managers."""
    notifications.weekly_digest_prepare()
    return notifications.notifications_deliver()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_custody_alerts():
    """Daily: media held by Network Operations past each alert threshold."""
    notifications.custody_alerts_prepare()
    return notifications.notifications_deliver()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def write_audit_anchor():
    """Daily: sign the audit chain's head, keep it in the anchor folder and email it to the officers
    and auditors."""
    path = anchors.audit_anchor_write()
    notifications.notifications_deliver()
    return path.name if path else None


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def verify_audit_chain_in_full():
    """Weekly: start a full verification of the audit chain (a job, run by run_job), unless one is
    already under way."""
    job = verification.chain_verify_start(actor=None, mode=verification.FULL)
    return job.pk


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def delete_expired_export_files():
    """Hourly: delete the CSV files of export jobs finished more than EXPORT_FILE_HOURS ago."""
    return export_jobs.delete_expired_files()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def reconcile_pending_work():
    """Every few minutes: make up for task messages lost with a broker restart, or never sent
    because the broker was unreachable. The work itself lives in the database, so it is found
    again: stalled certification packages, imports (validating or importing) and jobs are queued
    once more, due records not yet announced are announced, and unsent emails are sent."""
    from compliance import filing  # whose tasks module builds on this one's RETRY
    from compliance.tasks import build_certification_package

    for package_id in filing.stalled_packages().values_list("pk", flat=True):
        build_certification_package.delay(package_id)
    for job_id, state in imports.stalled_imports().values_list("pk", "state"):
        (validate_import if state == ImportJob.State.VALIDATING else run_import).delay(job_id)
    for job_id in jobs.stalled_jobs().values_list("pk", flat=True):
        run_job.delay(job_id)
    notifications.due_reminders_prepare()
    return notifications.notifications_deliver()


@shared_task(**RETRY, soft_time_limit=3600, time_limit=3660)
def validate_import(job_id):
    """Validate an uploaded inventory sheet, row by row."""
    job = imports.import_job_validate(job_id)
    return job.state if job else None


@shared_task(**RETRY, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def run_import(job_id):
    """Write a confirmed import in one transaction (all rows or none)."""
    job = imports.import_job_run(job_id)
    return job.state if job else None


@shared_task(**RETRY, soft_time_limit=6 * 3600, time_limit=6 * 3600 + 60)
def run_job(job_id):
    """Run a job (a hold placed on a scope, a schedule's records recomputed, the chain verified),
    on from wherever an earlier run stopped."""
    job = jobs.job_run(job_id)
    return job.state if job else None
