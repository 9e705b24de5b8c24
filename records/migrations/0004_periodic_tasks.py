"""The periodic schedule of the retention jobs, kept in django-celery-beat so a records manager can
see and change it (administration → Periodic tasks). Created once, by name: a later deploy does
not overwrite what staff changed."""

from django.conf import settings
from django.db import migrations

PERIODIC_TASKS = [
    # name, task, minute, hour, day_of_week, description
    ("Retention sweep", "records.tasks.retention_sweep", "30", "1", "*",
     "Moves every active record whose retention has expired, and that no legal hold covers, to due."),
    ("Retention escalations", "records.tasks.send_escalations", "0", "7", "*",
     "Emails records managers about records still due after the escalation delay."),
    ("Retention weekly digest", "records.tasks.send_weekly_digest", "0", "7", "1",
     "Emails records managers the week's due, overdue and held records."),
]


def create_periodic_tasks(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week, description in PERIODIC_TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description}
        )


def remove_periodic_tasks(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in PERIODIC_TASKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_retention_holds_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, remove_periodic_tasks)]
