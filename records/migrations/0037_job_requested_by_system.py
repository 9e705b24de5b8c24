"""Jobs the system starts (no person requested them), and the weekly full verification of the audit
chain that the scheduler starts, kept in django-celery-beat so a records manager can see and change
its time. Created once, by name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NAME = "Audit chain full verification"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="0", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "records.tasks.verify_audit_chain_in_full", "crontab": crontab,
        "description": "Sundays: verifies the whole audit chain from its first event, as a job, so that incremental "
                       "verifications between two full ones rely on a checkpoint at most a week old.",
    })


def remove_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0036_breach_escalation_kind'),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterField(
            model_name='job',
            name='requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(create_periodic_task, remove_periodic_task),
    ]
