"""The daily custody alert joins the retention jobs in django-celery-beat."""

from django.conf import settings
from django.db import migrations

NAME = "Network Operations custody alerts"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "records.tasks.send_custody_alerts",
            "crontab": crontab,
            "description": "Emails the Director of Network Operations and the records managers about media "
            "held in custody past each alert threshold.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0005_destruction")]

    operations = [migrations.RunPython(create, remove)]
