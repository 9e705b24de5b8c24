"""Reminder and escalation emails. Each email is first recorded (Notification), with the records
it announces (NotificationItem, unique per record, kind and recipient), then delivered; so a
record is never announced twice to the same person, and every send is on file."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from .models import LegalHold, Notification, NotificationItem, Record, Status, active_hold_exists
from .roles import Role

log = logging.getLogger(__name__)
Kind = Notification.Kind
CHUNK = 500


def _not_yet_announced(kind, recipient_field):
    return ~Exists(
        NotificationItem.objects.filter(kind=kind, record_id=OuterRef("pk"), recipient_id=OuterRef(recipient_field))
    )


def _records_managers():
    return get_user_model().objects.filter(is_active=True, groups__name=Role.RECORDS_MANAGER).order_by("pk")


def record_notification(*, kind, recipient, records, subject, template, context, key, threshold_days=0):
    """Save one email and the records it announces; returns None if another run got there first."""
    body = render_to_string(template, {"recipient": recipient, "records": records, "site_url": settings.SITE_URL, **context})
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind, recipient=recipient, key=key, subject=subject, body=body, created_at=timezone.now()
            )
            NotificationItem.objects.bulk_create(
                NotificationItem(
                    notification=notification, record=r, kind=kind, recipient=recipient, threshold_days=threshold_days
                )
                for r in records
            )
    except IntegrityError:
        return None
    return notification


def _to_destroy(records):
    """`records` without those under an active legal hold: nobody is asked to destroy those, nor
    chased about them (they are announced once the last hold on them is released)."""
    return records.filter(~active_hold_exists())


def due_reminders_prepare():
    """One email per custodian listing their due records, not on hold, not yet announced to them."""
    due = (
        _to_destroy(Record.objects.filter(status=Status.DUE))
        .filter(_not_yet_announced(Kind.DUE_REMINDER, "custodian_id"))
        .select_related("custodian", "schedule")
        .order_by("custodian_id", "pk")
    )
    by_custodian = defaultdict(list)
    for record in due.iterator(chunk_size=CHUNK):
        by_custodian[record.custodian].append(record)
    created = []
    for custodian, records in by_custodian.items():
        count = len(records)
        notification = record_notification(
            kind=Kind.DUE_REMINDER,
            recipient=custodian,
            records=records,
            subject=f"CONFIDENTIAL: {count} CPNI record{'s' if count != 1 else ''} due for destruction",
            template="records/email/due_reminder.txt",
            context={},
            key=f"due_reminder:{custodian.pk}:{records[0].pk}:{records[-1].pk}:{count}",
        )
        if notification:
            created.append(notification)
    return created


def escalations_prepare(now=None):
    """Records still due after ESCALATION_DAYS and not on hold: one email per records manager, each
    record once."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_ESCALATION_DAYS)
    created = []
    for manager in _records_managers():
        overdue = list(
            _to_destroy(Record.objects.filter(status=Status.DUE, status_changed_at__lte=cutoff))
            .exclude(
                Exists(
                    NotificationItem.objects.filter(
                        kind=Kind.ESCALATION, record_id=OuterRef("pk"), recipient=manager
                    )
                )
            )
            .select_related("custodian", "department", "schedule")
            .order_by("status_changed_at", "pk")
        )
        if not overdue:
            continue
        notification = record_notification(
            kind=Kind.ESCALATION,
            recipient=manager,
            records=overdue,
            subject=f"CONFIDENTIAL: {len(overdue)} CPNI records still due after {settings.RETENTION_ESCALATION_DAYS} days",
            template="records/email/escalation.txt",
            context={"days": settings.RETENTION_ESCALATION_DAYS},
            key=f"escalation:{manager.pk}:{overdue[0].pk}:{overdue[-1].pk}:{len(overdue)}:{now.date()}",
        )
        if notification:
            created.append(notification)
    return created


def custody_alerts_prepare(now=None):
    """Media in Network Operations custody for longer than each threshold of
    NETOPS_CUSTODY_ALERT_DAYS: one email per threshold to every Director of Network Operations and
    records manager, listing the media that crossed it (not those on hold, which are to be kept);
    each medium once per threshold and person."""
    now = now or timezone.now()
    recipients = list(
        get_user_model().objects.filter(
            is_active=True, groups__name__in=[Role.NETOPS_DIRECTOR, Role.RECORDS_MANAGER]
        ).distinct().order_by("pk")
    )
    created = []
    for days in sorted(settings.NETOPS_CUSTODY_ALERT_DAYS):
        held_since = now - timedelta(days=days)
        for person in recipients:
            overdue = list(
                _to_destroy(Record.objects.filter(status=Status.IN_NETOPS_CUSTODY, status_changed_at__lte=held_since))
                .exclude(
                    Exists(NotificationItem.objects.filter(
                        kind=Kind.CUSTODY_ALERT, record_id=OuterRef("pk"), recipient=person, threshold_days=days
                    ))
                )
                .select_related("custodian", "department")
                .order_by("status_changed_at", "pk")
            )
            if not overdue:
                continue
            notification = record_notification(
                kind=Kind.CUSTODY_ALERT,
                recipient=person,
                records=overdue,
                subject=f"CONFIDENTIAL: {len(overdue)} media in Network Operations custody for over {days} days",
                template="records/email/custody_alert.txt",
                context={"days": days},
                key=f"custody_alert:{days}:{person.pk}:{overdue[0].pk}:{overdue[-1].pk}:{len(overdue)}:{now.date()}",
                threshold_days=days,
            )
            if notification:
                created.append(notification)
    return created


def weekly_digest_prepare(today=None):
    """The week's state of retention for each records manager, once per ISO week."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    cutoff = timezone.now() - timedelta(days=settings.RETENTION_ESCALATION_DAYS)
    due = Record.objects.filter(status=Status.DUE)
    in_destruction = Record.objects.filter(
        status__in=[Status.PENDING_SHRED, Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY]
    )
    numbers = {
        # Held records are counted apart: they are not to be destroyed.
        "due": _to_destroy(due).count(),
        "overdue": _to_destroy(due.filter(status_changed_at__lte=cutoff)).count(),
        "in_destruction": _to_destroy(in_destruction).count(),
        "held_due": due.filter(active_hold_exists()).count(),
        "held_in_destruction": in_destruction.filter(active_hold_exists()).count(),
        "expiring_30": Record.objects.filter(
            status=Status.ACTIVE, expiry_date__gt=today, expiry_date__lte=today + timedelta(days=30)
        ).count(),
        "active_holds": LegalHold.objects.active().count(),
    }
    created = []
    for manager in _records_managers():
        notification = record_notification(
            kind=Kind.WEEKLY_DIGEST,
            recipient=manager,
            records=[],
            subject=f"CONFIDENTIAL: CPNI retention digest, week {week} of {year}",
            template="records/email/weekly_digest.txt",
            context={"numbers": numbers, "year": year, "week": week, "days": settings.RETENTION_ESCALATION_DAYS},
            key=f"weekly_digest:{year}-W{week:02d}:{manager.pk}",
        )
        if notification:
            created.append(notification)
    return created


def notifications_deliver():
    """Send every recorded email not yet sent. Each is claimed under a row lock, sent, and marked
    sent in one transaction, so two workers never send the same email and a failed send is
    retried by the next run. Only a crash in the instant between the mail server accepting the
    email and the commit could send it once more; none is ever lost."""
    sent = 0
    while True:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, undeliverable_reason="")
                .select_related("recipient")
                .order_by("pk")
                .first()
            )
            if notification is None:
                return sent
            if not notification.recipient.email:
                notification.undeliverable_reason = f"{notification.recipient} has no email address."
                notification.save(update_fields=["undeliverable_reason"])
                log.warning("Notification %s undeliverable: no email address", notification.pk)
                continue
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient.email],
            )
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
            sent += 1
