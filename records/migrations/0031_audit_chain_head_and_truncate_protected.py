"""On PostgreSQL, beside the append-only trigger on the events: TRUNCATE of the events or of the
chain head is refused, the head row cannot be deleted, and it only moves forward, to the newest
event as it is (so a cut or a head set back needs a superuser who switches triggers off, and the
signed anchors catch what they then do)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION records_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE is not allowed', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER records_auditevent_no_truncate
    BEFORE TRUNCATE ON records_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION records_audit_no_truncate();
CREATE TRIGGER records_auditchainhead_no_truncate
    BEFORE TRUNCATE ON records_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION records_audit_no_truncate();

CREATE OR REPLACE FUNCTION records_auditchainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'records_auditchainhead is append-only: DELETE is not allowed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (TG_OP = 'UPDATE' AND (NEW.id <> OLD.id OR NEW.last_sequence < OLD.last_sequence
                              OR (NEW.last_sequence = OLD.last_sequence AND NEW.last_hash <> OLD.last_hash)))
       OR (NEW.last_sequence > 0 AND NOT EXISTS (
               SELECT 1 FROM records_auditevent WHERE sequence = NEW.last_sequence AND hash = NEW.last_hash))
       OR EXISTS (SELECT 1 FROM records_auditevent WHERE sequence > NEW.last_sequence) THEN
        RAISE EXCEPTION 'records_auditchainhead is append-only: the head only moves forward, to the newest event'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER records_auditchainhead_forward_only
    BEFORE INSERT OR UPDATE OR DELETE ON records_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION records_auditchainhead_forward_only();
"""
DROP = """
DROP TRIGGER IF EXISTS records_auditchainhead_forward_only ON records_auditchainhead;
DROP FUNCTION IF EXISTS records_auditchainhead_forward_only();
DROP TRIGGER IF EXISTS records_auditchainhead_no_truncate ON records_auditchainhead;
DROP TRIGGER IF EXISTS records_auditevent_no_truncate ON records_auditevent;
DROP FUNCTION IF EXISTS records_audit_no_truncate();
"""

def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("records", "0030_audit_chain_covers_what_is_shown")]

    operations = [migrations.RunPython(forwards, backwards)]
