"""The notification kind of the audit chain's anchors, and the daily task that writes them, kept in
django-celery-beat so a records manager can see and change its time. Created once, by name."""

from django.conf import settings
from django.db import migrations, models

NAME = "Audit chain anchor"


def create_periodic_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "records.tasks.write_audit_anchor", "crontab": crontab,
        "description": "Signs the audit chain's head, writes it to AUDIT_ANCHOR_DIR and emails it to the officers "
                       "and auditors, who keep it: verify_audit --against FILE then finds a cut or rewrite.",
    })


def remove_periodic_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0031_audit_chain_head_and_truncate_protected'),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('due_reminder', 'Records due for destruction (to the custodian)'), ('escalation', 'Records still due (to records managers)'), ('weekly_digest', 'Weekly digest (to records managers)'), ('custody_alert', 'Media long in Network Operations custody'), ('certification_due', 'Annual CPNI certification due (to records managers and officers)'), ('audit_anchor', 'Signed anchor of the audit chain (to officers and auditors)')], max_length=20),
        ),
        migrations.AlterField(
            model_name='notificationitem',
            name='kind',
            field=models.CharField(choices=[('due_reminder', 'Records due for destruction (to the custodian)'), ('escalation', 'Records still due (to records managers)'), ('weekly_digest', 'Weekly digest (to records managers)'), ('custody_alert', 'Media long in Network Operations custody'), ('certification_due', 'Annual CPNI certification due (to records managers and officers)'), ('audit_anchor', 'Signed anchor of the audit chain (to officers and auditors)')], max_length=20),
        ),
        migrations.RunPython(create_periodic_task, remove_periodic_task),
    ]
