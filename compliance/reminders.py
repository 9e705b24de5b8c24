"""Reminders of the annual certification: from 15 January, weekly, then daily in the last 7 days
before the due date, to every active records manager and officer, until the year is filed. Each
reminder is recorded before it is sent (records.notifications), so none goes out twice."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from records.models import Notification
from compliance.models import CertificationFiling
from records.notifications import record_notification
from records.roles import Role

from .business_days import business_days_between
from .deadlines import certification_due_date

FIRST_REMINDER = (1, 15)  # month, day of the year the certification is filed in
DAILY_FROM_DAYS_BEFORE = 6  # the due date and the 6 days before it: the last 7 days


def reminder_dates(year):
    """The days on which the certification covering `year` is recalled, in order."""
    due = certification_due_date(year)
    daily_from = due - datetime.timedelta(days=DAILY_FROM_DAYS_BEFORE)
    day, dates = datetime.date(year + 1, *FIRST_REMINDER), []
    while day < daily_from:
        dates.append(day)
        day += datetime.timedelta(weeks=1)
    dates.extend(daily_from + datetime.timedelta(days=n) for n in range(DAILY_FROM_DAYS_BEFORE + 1))
    return dates


def certification_reminders_prepare(today=None):
    """Record today's reminder (or the latest one a missed run did not send) for the certification
    now being prepared, to every active records manager and officer; nothing once it is filed."""
    today = today or timezone.localdate()
    year = today.year - 1
    slots = [day for day in reminder_dates(year) if day <= today]
    if not slots or CertificationFiling.objects.standing().filter(year=year).exists():
        return []
    slot, due = slots[-1], certification_due_date(year)
    if today > due:
        return []
    recipients = (
        get_user_model().objects.filter(is_active=True, groups__name__in=[Role.RECORDS_MANAGER, Role.OFFICER])
        .distinct().order_by("pk")
    )
    days_left = (due - today).days
    context = {"year": year, "due": due, "days_left": days_left, "business_days_left": business_days_between(today, due)}
    created = []
    for recipient in recipients:
        notification = record_notification(
            kind=Notification.Kind.CERTIFICATION_REMINDER, recipient=recipient, records=[],
            subject=f"The {year} CPNI certification is due {due:%A %-d %B %Y}"
                    + (" — today" if days_left == 0 else f" ({days_left} day{'s' if days_left != 1 else ''} left)"),
            template="compliance/email/certification_due.txt", context=context,
            key=f"certification_due:{year}:{slot:%Y-%m-%d}:{recipient.pk}",
        )
        if notification:
            created.append(notification)
    return created
