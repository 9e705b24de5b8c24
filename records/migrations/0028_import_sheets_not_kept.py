"""A sheet that will not be imported is not kept: each import keeps its sheet's size, and the sheets
of imports already found invalid are emptied (their hash, name, size and result stay)."""

from django.db import migrations, models
from django.db.models.functions import Length


def forget_invalid_sheets(apps, schema_editor):
    ImportJob = apps.get_model("records", "ImportJob")
    ImportJob.objects.update(size=Length("content"))
    ImportJob.objects.filter(state__in=["invalid", "failed"]).update(content=b"")


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0027_second_factor_enrolment_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="size",
            field=models.PositiveBigIntegerField(default=0, help_text="The uploaded sheet's size in bytes."),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="content",
            field=models.BinaryField(
                help_text="The uploaded sheet, kept only while it may still be imported: emptied once imported or found invalid."
            ),
        ),
        migrations.RunPython(forget_invalid_sheets, migrations.RunPython.noop, elidable=True),
    ]
