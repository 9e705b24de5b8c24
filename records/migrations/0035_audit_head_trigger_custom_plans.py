"""The chain head's trigger (0031) asks whether any event lies past the new head: `sequence >
NEW.last_sequence`. PL/pgSQL caches its plans, and from a connection's sixth update on PostgreSQL
may keep a generic plan, which cannot know that the value is the newest sequence and scans every
event (measured: 0.03 ms, then about 110 ms at 150,000 events, on each audit write of a job or a
long-lived connection). Planned for each value, it reads one index entry."""

from django.db import migrations

CUSTOM = "ALTER FUNCTION records_auditchainhead_forward_only() SET plan_cache_mode = force_custom_plan"
RESET = "ALTER FUNCTION records_auditchainhead_forward_only() RESET plan_cache_mode"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CUSTOM)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESET)


class Migration(migrations.Migration):
    dependencies = [("records", "0034_hold_selection")]

    operations = [migrations.RunPython(forwards, backwards)]
