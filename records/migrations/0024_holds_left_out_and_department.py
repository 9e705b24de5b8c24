import django.db.models.deletion
from django.db import migrations, models



def fill_department(apps, schema_editor):
    """Each held record's department, copied from its record."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_heldrecord SET department_id = (SELECT department_id FROM records_record "
            "WHERE records_record.id = records_heldrecord.record_id)"
        )
        if schema_editor.connection.vendor == "postgresql":
            # The rows' deferred foreign-key checks, now: PostgreSQL alters no table with them pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0023_serials_corrections_reimports"),
    ]

    operations = [
        # A hold keeps which destroyed records it could not hold (named, when listed) and how many.
        migrations.AddField(
            model_name="historicallegalhold",
            name="destroyed_left_out",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="historicallegalhold",
            name="destroyed_left_out_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="legalhold",
            name="destroyed_left_out",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="legalhold",
            name="destroyed_left_out_count",
            field=models.PositiveIntegerField(default=0),
        ),
        # Each held record's department, for counting a department's held records.
        migrations.AddField(
            model_name="heldrecord",
            name="department",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="records.department",
            ),
        ),
        migrations.RunPython(fill_department, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="heldrecord",
            name="department",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="records.department",
            ),
        ),
        migrations.AddIndex(
            model_name="heldrecord",
            index=models.Index(fields=["department", "hold", "record"], name="heldrecord_dept_hold_idx"),
        ),
    ]
