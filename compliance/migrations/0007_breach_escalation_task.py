"""The breach escalations, kept in django-celery-beat so a records manager can see and change their
timetable (administration → Periodic tasks). Created once, by name."""

from django.conf import settings
from django.db import migrations

NAME = "Breach escalations"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/15", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "compliance.tasks.send_breach_escalations", "crontab": crontab,
        "description": "Tells records managers and officers of each breach of CPNI reported or determined, and of "
                       "each open notification deadline 3 and 1 business days before it and when it passes; each "
                       "email once.",
    })


def remove_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0006_breach_register"),
        ("records", "0036_breach_escalation_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, remove_periodic_task)]
