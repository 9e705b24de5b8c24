"""Celery tasks of the CPNI program: thin wrappers around its services, safe to run twice."""

from celery import shared_task

from records.notifications import notifications_deliver
from records.tasks import RETRY

from . import reminders


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_certification_reminders():
    """Daily: recall the annual certification to records managers and officers while it is due."""
    reminders.certification_reminders_prepare()
    return notifications_deliver()
