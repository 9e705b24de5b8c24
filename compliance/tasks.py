"""Celery tasks of the CPNI program: thin wrappers around its services, safe to run twice."""

from celery import shared_task

from records.notifications import notifications_deliver
from records.tasks import RETRY

from . import breach_escalations, filing, optout_escalations, reminders, training
from .models import CertificationPackage


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_certification_reminders():
    """Daily: recall the annual certification to records managers and officers while it is due."""
    reminders.certification_reminders_prepare()
    return notifications_deliver()


@shared_task(**RETRY, soft_time_limit=6 * 3600, time_limit=6 * 3600 + 60)
def build_certification_package(package_id):
    """Build a requested certification package; a re-run after a crash rebuilds it from scratch."""
    package = CertificationPackage.objects.filter(pk=package_id).first()
    if package is None or package.state == CertificationPackage.State.READY:
        return None
    return filing.certification_package_build(package)


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_breach_escalations():
    """Every 15 minutes, and after a breach is reported or determined or an opt-out failure is
    recorded: the escalation emails due about both."""
    breach_escalations.breach_escalations_prepare()
    optout_escalations.optout_escalations_prepare()
    return notifications_deliver()


@shared_task(**RETRY, soft_time_limit=600, time_limit=660)
def send_training_escalations():
    """Daily: assign new hires the current course, and tell each person whose CPNI training is
    overdue, and the records managers, once per assignment."""
    training.training_escalations_prepare()
    return notifications_deliver()
