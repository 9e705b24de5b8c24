"""Serial numbers unique among records not yet destroyed; corrections of a record's identity by
records managers; imports that say how many records became due and whether a file imported before
was imported again on purpose.

- Record.media_serial_key: the normalised serial number (records.serials.serial_key), filled here
  for existing records, and a partial unique constraint on it for records not yet destroyed. The
  migration never fails on serial numbers that are already duplicated: the oldest record of each
  duplicate group keeps the key, the younger ones are left without one (NULL) and are reported by
  check_integrity until a records manager corrects them (services.record_correct).
- The permission records.correct_record (the records manager role gets it after migrate).
- ImportJob.due_count and ImportJob.allow_reimport.
"""

from django.db import migrations, models

from records.serials import serial_key

BATCH = 1000


def fill_serial_keys(apps, schema_editor):
    Record = apps.get_model("records", "Record")
    rows = (
        Record.objects.exclude(media_serial_number="")
        .order_by("created_at", "id")
        .values_list("id", "media_serial_number", "status")
    )
    taken, batch = set(), []
    for pk, serial, status in rows.iterator(chunk_size=10000):
        key = serial_key(serial)
        if key is None:
            continue
        if status != "destroyed":
            if key in taken:
                continue  # a younger duplicate: no key until corrected
            taken.add(key)
        batch.append(Record(id=pk, media_serial_key=key))
        if len(batch) == BATCH:
            Record.objects.bulk_update(batch, ["media_serial_key"])
            batch = []
    Record.objects.bulk_update(batch, ["media_serial_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0022_legal_minimums_and_imported_attestations"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="record",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("view_all_departments", "Can see the records of every department"),
                    ("expire_record", "Can move records whose retention has expired to due"),
                    ("extend_retention", "Can extend a due record's retention"),
                    ("mark_for_destruction", "Can mark a due record for destruction"),
                    ("confirm_shredding", "Can confirm the shredding of paper in their custody"),
                    ("hand_over_media", "Can hand electronic media over to Network Operations"),
                    ("receive_media", "Can acknowledge receipt of electronic media"),
                    ("confirm_media_destruction", "Can confirm the destruction of electronic media"),
                    ("correct_record", "Can correct the identity of a record that has left active"),
                ],
            },
        ),
        migrations.AddField(
            model_name="importjob",
            name="allow_reimport",
            field=models.BooleanField(
                default=False, help_text="The records manager confirmed importing a file that was imported before."
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="due_count",
            field=models.PositiveIntegerField(
                default=0, help_text="Imported records already past their expiry: due for destruction at once."
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="media_serial_key",
            field=models.CharField(blank=True, editable=False, max_length=300, null=True),
        ),
        migrations.RunPython(fill_serial_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="record",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "destroyed"), _negated=True),
                fields=("media_serial_key",),
                name="record_serial_unique_until_destroyed",
            ),
        ),
    ]
