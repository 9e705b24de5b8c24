"""The daily overdue-training emails, kept in django-celery-beat so a records manager can see and
change their timetable (administration → Periodic tasks). Created once, by name."""

from django.conf import settings
from django.db import migrations

NAME = "Overdue training"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "compliance.tasks.send_training_escalations", "crontab": crontab,
        "description": "Assigns the current course to new hires, and tells each person whose CPNI training is overdue, "
                       "and the records managers, once per assignment.",
    })


def remove_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0012_training"),
        ("records", "0043_training_overdue_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, remove_periodic_task)]
