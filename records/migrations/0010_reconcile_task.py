"""Every ten minutes, reconcile work whose task message was lost (e.g. Redis restarted empty)."""

from django.db import migrations

NAME = "Reconcile pending work"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "records.tasks.reconcile_pending_work",
            "interval": every,
            "description": "Re-queues certification packages whose build was lost, announces due records "
            "not yet announced and sends unsent emails, so a broker restart loses no work.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0009_audit_verify_permission")]

    operations = [migrations.RunPython(create, remove)]
