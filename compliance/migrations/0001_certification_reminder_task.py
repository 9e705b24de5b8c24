"""The daily certification reminder, kept in django-celery-beat so a records manager can see and
change its time (administration → Periodic tasks). Created once, by name."""

from django.conf import settings
from django.db import migrations

NAME = "Certification reminders"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="8", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "compliance.tasks.send_certification_reminders", "crontab": crontab,
        "description": "From 15 January, recalls the annual CPNI certification to records managers and officers "
                       "(weekly, then daily in the last 7 days before it is due) until it is filed.",
    })


def remove_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0017_certification_reminder_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, remove_periodic_task)]
