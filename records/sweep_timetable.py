"""The retention sweep as records managers see and run it: when it runs, in words ("every day at
01:30 New York time"), changed on its own page (the beat schedule of django-celery-beat, audited);
when it last ran and what it moved (its "sweep.ran" audit events, scheduled runs and runs asked
for alike); how many records a run now would make due; and a run asked for now, by the worker."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from .audit import audit_event_record
from .models import AuditEvent
from .queueing import queue_after_commit
from .sweep import records_past_expiry

TASK = "records.tasks.retention_sweep"
PERMISSION = "records.change_retentionschedule"
DAYS = [("1", "Monday"), ("2", "Tuesday"), ("3", "Wednesday"), ("4", "Thursday"), ("5", "Friday"), ("6", "Saturday"),
        ("0", "Sunday")]
EVERY_DAY = {value for value, _ in DAYS}


def require(actor):
    if not actor.has_perm(PERMISSION):
        raise PermissionDenied("Only records managers run the retention sweep and set when it runs.")


def sweep_task():
    return PeriodicTask.objects.select_related("crontab").filter(task=TASK).first()


def _place_words(zone):
    return zone.split("/")[-1].replace("_", " ")


def days_of(crontab):
    """The days of the week the crontab runs on, as values of DAYS; None when it says more than days."""
    if crontab.day_of_week == "*":
        return EVERY_DAY
    days = set()
    for part in crontab.day_of_week.split(","):
        first, _, last = part.partition("-")
        if not (first.isdigit() and (not last or last.isdigit())):
            return None
        days |= {str(day % 7) for day in range(int(first), int(last or first) + 1)}
    return days


def timetable_words(task):
    """'every day at 01:30 New York time', 'Monday, Wednesday and Friday at 02:00 New York time'."""
    if task is None or task.crontab is None:
        return "not scheduled"
    crontab = task.crontab
    days = days_of(crontab)
    if not (crontab.minute.isdigit() and crontab.hour.isdigit()) or days is None or \
            crontab.day_of_month != "*" or crontab.month_of_year != "*":
        # django-celery-beat's own words end with the zone's name: said once, in words.
        words = crontab.human_readable.removesuffix(f" {crontab.timezone}")
        return f"{words} ({_place_words(str(crontab.timezone))} time)" + ("" if task.enabled else " (paused)")
    when = f"at {int(crontab.hour):02d}:{int(crontab.minute):02d} {_place_words(str(crontab.timezone))} time"
    if days == EVERY_DAY:
        named = "every day"
    elif days == {"1", "2", "3", "4", "5"}:
        named = "Monday to Friday"
    else:
        names = [name for value, name in DAYS if value in days]
        named = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else f"every {names[0]}"
    return f"{named} {when}" + ("" if task.enabled else " (paused)")


def timetable_change(*, actor, hour, minute, days, enabled=True):
    """Set when the sweep runs (hour and minute in the installation's time zone, `days` values of
    DAYS); audited with the old and new timetable in words."""
    require(actor)
    if not days:
        raise ValidationError("Choose at least one day.")
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValidationError("Give a time of day between 00:00 and 23:59.")
    day_of_week = "*" if set(days) == EVERY_DAY else ",".join(sorted(days, key=int))
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update(of=("self",)).select_related("crontab").get(task=TASK)
        before = timetable_words(task)
        task.crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(minute), hour=str(hour), day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        task.enabled = enabled
        task.save()  # django-celery-beat tells beat that its schedule changed
        after = timetable_words(task)
        if after != before:
            audit_event_record(actor=actor, action="sweep.timetable_changed", obj=task, payload={"runs": [before, after]})
    return task


def last_runs(limit=5):
    """The latest runs of the sweep (its audit events), newest first."""
    return list(AuditEvent.objects.filter(action="sweep.ran").order_by("-sequence")[:limit])


def due_now_count(today=None):
    """How many records a run now would make due."""
    return records_past_expiry(today or timezone.localdate()).count()


def run_now(*, actor):
    """Ask the worker to run the sweep now, once the request's transaction has committed."""
    require(actor)
    audit_event_record(actor=actor, action="sweep.requested", object_type="sweep", object_id="retention",
                       object_repr="Retention sweep", payload={"due_now": due_now_count()})

    def enqueue():
        from .tasks import retention_sweep

        retention_sweep.delay(requested_by=actor.pk)

    return queue_after_commit(enqueue, what="the retention sweep")
