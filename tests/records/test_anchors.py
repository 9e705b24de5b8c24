"""A key the database does not hold: signed checkpoints of the audit chain, anchors kept outside
the application, and `verify_audit --against` naming a cut or a rewrite behind them."""

import base64
import json

import pytest
from django.core.management import CommandError, call_command

from records import signing
from records.anchors import audit_anchor_write
from records.audit import audit_event_record, verify_chain
from records.models import AuditEvent, Notification
from records.roles import Role
from records.tasks import write_audit_anchor
from tests.factories import UserFactory
from tests.records.test_audit import rewrite_from, tamper
from tests.test_settings import run_with


@pytest.fixture
def anchor_dir(settings):
    return settings.AUDIT_ANCHOR_DIR


@pytest.fixture
def events(employee):
    return [audit_event_record(actor=employee, action=f"test.event{n}", payload={"n": n}) for n in range(5)]


@pytest.fixture
def keepers(officer, auditor, records_manager):
    for person in (officer, auditor, records_manager):
        person.email = f"{person.username}@example.com"
        person.save(update_fields=["email"])
    return [officer, auditor]


@pytest.mark.django_db
def test_the_daily_task_writes_a_signed_anchor_file_and_emails_it_once_to_officers_and_auditors(
        events, keepers, anchor_dir, mailoutbox):
    assert write_audit_anchor() is not None
    [path] = anchor_dir.iterdir()
    anchor = json.loads(path.read_text())
    head = events[-1]
    assert (anchor["sequence"], anchor["hash"]) == (head.sequence, head.hash)
    assert anchor["public_key_fingerprint"] == signing.fingerprint() and "BEGIN PUBLIC KEY" in anchor["public_key"]
    checkpoint = AuditEvent.objects.get(action="audit.checkpoint")
    assert checkpoint.sequence == head.sequence + 1 and checkpoint.payload["signature"] == anchor["signature"]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(person.email for person in keepers)
    assert all(f"event #{head.sequence}" in m.subject and head.hash in m.body for m in mailoutbox)

    assert write_audit_anchor() is None  # nothing happened since: a second run writes and sends nothing
    assert len(list(anchor_dir.iterdir())) == 1 and len(mailoutbox) == 2
    audit_event_record(actor=None, action="test.later", payload={})
    write_audit_anchor()
    assert len(list(anchor_dir.iterdir())) == 2 and len(mailoutbox) == 4
    assert Notification.objects.filter(kind=Notification.Kind.AUDIT_ANCHOR).count() == 4
    assert verify_chain().checkpoints == 2


@pytest.mark.django_db
def test_the_anchor_task_is_scheduled_daily_in_the_database():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Audit chain anchor")
    assert task.task == "records.tasks.write_audit_anchor" and task.enabled and task.crontab.day_of_week == "*"


@pytest.mark.django_db
class TestVerifyAgainstAKeptAnchor:
    def kept(self, anchor_dir, tmp_path):
        """The anchor, as an auditor kept it (moved out of the anchor folder)."""
        path = audit_anchor_write()
        kept = tmp_path / "kept-anchor.json"
        kept.write_text(path.read_text())
        path.unlink()
        return kept

    def test_an_intact_chain_agrees_and_the_command_prints_the_head_to_keep(self, events, anchor_dir, tmp_path, capsys):
        kept = self.kept(anchor_dir, tmp_path)
        head = AuditEvent.objects.order_by("sequence").last()  # what is verified (its outcome comes after it)
        call_command("verify_audit", "--no-progress", "--against", str(kept))
        out = capsys.readouterr().out
        assert "1 signed checkpoints match the chain" in out and "1 anchors agree" in out
        assert f"head event #{head.sequence}, hash {head.hash}" in out

    def test_a_cut_behind_the_anchor_is_named(self, events, anchor_dir, tmp_path):
        kept = self.kept(anchor_dir, tmp_path)
        cut_to = events[2]
        tamper("DELETE FROM records_auditevent WHERE sequence > %s", cut_to.sequence)
        tamper("UPDATE records_auditchainhead SET last_sequence = %s, last_hash = %s", cut_to.sequence, cut_to.hash)
        with pytest.raises(CommandError) as excinfo:
            call_command("verify_audit", "--no-progress", "--against", str(kept))
        assert excinfo.value.returncode == 1
        assert (f"CUT: the anchor vouches for event #{events[-1].sequence}" in str(excinfo.value)
                and f"the chain ends at event #{cut_to.sequence}" in str(excinfo.value))

    def test_a_rewrite_behind_the_anchor_is_named(self, events, anchor_dir, tmp_path):
        kept = self.kept(anchor_dir, tmp_path)
        rewrite_from(events[1].sequence, payload={"method": "incineration"})
        with pytest.raises(CommandError) as excinfo:
            call_command("verify_audit", "--no-progress", "--against", str(kept))
        assert excinfo.value.returncode == 1
        assert f"REWRITTEN: event #{events[-1].sequence} has hash" in str(excinfo.value)

    def test_the_anchor_folder_is_checked_without_being_named(self, events, anchor_dir):
        audit_anchor_write()
        rewrite_from(events[0].sequence, payload={"n": 7})
        with pytest.raises(CommandError, match="REWRITTEN"):
            call_command("verify_audit", "--no-progress")

    def test_a_saved_email_serves_as_the_anchor(self, events, keepers, anchor_dir, tmp_path, mailoutbox):
        write_audit_anchor()
        saved = tmp_path / "anchor-email.txt"
        saved.write_text(mailoutbox[0].body)
        for path in anchor_dir.iterdir():
            path.unlink()
        call_command("verify_audit", "--no-progress", "--against", str(saved))

    def test_a_forged_anchor_is_refused(self, events, anchor_dir, tmp_path):
        kept = self.kept(anchor_dir, tmp_path)
        forged = json.loads(kept.read_text())
        forged["hash"] = "ab" * 32
        kept.write_text(json.dumps(forged))
        with pytest.raises(CommandError, match="the anchor itself is not valid"):
            call_command("verify_audit", "--no-progress", "--against", str(kept))


class TestTheKey:
    def test_a_key_from_the_environment_pem_or_base64(self, settings):
        key = signing.Ed25519PrivateKey.generate()
        raw = key.private_bytes(signing.serialization.Encoding.Raw, signing.serialization.PrivateFormat.Raw,
                                signing.serialization.NoEncryption())
        try:
            for text in (signing.private_key_pem(key), base64.b64encode(raw).decode()):
                settings.AUDIT_SIGNING_KEY = text
                signing.key_reset()
                assert signing.verify(b"x", key.sign(b"x")) and signing.public_key_pem() == signing.public_key_pem(key.public_key())
        finally:
            signing.key_reset()

    @pytest.mark.django_db
    def test_after_the_key_is_replaced_what_the_old_key_signed_verifies_once_its_public_key_is_listed(
            self, events, anchor_dir, settings, tmp_path, capsys):
        old, new = tmp_path / "old.pem", tmp_path / "new.pem"
        signing.key_file_create(old)
        signing.key_file_create(new)
        settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", str(old)
        signing.key_reset()
        try:
            audit_anchor_write()
            call_command("audit_key")
            (tmp_path / "old.pub").write_text(capsys.readouterr().out)
            settings.AUDIT_SIGNING_KEY_FILE = str(new)
            signing.key_reset()
            audit_event_record(actor=None, action="test.after_rotation", payload={})
            report = verify_chain()
            assert not report.ok and "does not trust" in report.problem
            settings.AUDIT_RETIRED_PUBLIC_KEY_FILES = [str(tmp_path / "old.pub")]
            signing.key_reset()
            assert verify_chain().ok
            call_command("verify_audit", "--no-progress")
        finally:
            signing.key_reset()

    def test_a_bad_key_is_a_clear_check_error(self, settings, tmp_path):
        (tmp_path / "key.pem").write_text("not a key")
        settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", str(tmp_path / "key.pem")
        signing.key_reset()
        try:
            [error] = signing.check_signing_key()
        finally:
            signing.key_reset()
        assert error.id == "records.E101" and "is not an Ed25519 private key" in error.msg

    def test_in_development_a_key_file_is_made_on_first_use(self, settings, tmp_path):
        """What settings give with DEBUG on and no key configured: a file under VAR_DIR, made when first needed."""
        key_file = tmp_path / "audit-signing-key.pem"
        settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE, settings.AUDIT_SIGNING_KEY_CREATE = "", str(key_file), True
        signing.key_reset()
        try:
            first = signing.fingerprint()
            assert oct(key_file.stat().st_mode & 0o777) == "0o600"
            signing.key_reset()
            assert signing.fingerprint() == first  # the file is read, not made again
        finally:
            signing.key_reset()

    def test_debug_off_without_a_signing_key_stops_with_a_clear_message(self, tmp_path):
        result = run_with(tmp_path, DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="cpni.example.com",
                          AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE="")
        assert result.returncode != 0
        assert "Set the AUDIT_SIGNING_KEY environment variable" in result.stderr

    def test_the_command_makes_a_key_file_only_once_and_prints_the_public_key(self, tmp_path, capsys, settings):
        path = tmp_path / "audit.pem"
        call_command("audit_key", "--create", str(path))
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        with pytest.raises(CommandError, match="exists"):
            call_command("audit_key", "--create", str(path))
        settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", str(path)
        signing.key_reset()
        try:
            call_command("audit_key")
            assert "BEGIN PUBLIC KEY" in capsys.readouterr().out
        finally:
            signing.key_reset()


def test_officers_and_auditors_only_get_the_anchor(db, employee, anchor_dir, mailoutbox):
    officer = UserFactory(username="olive", role=Role.OFFICER, email="olive@example.com")
    UserFactory(username="rick", role=Role.RECORDS_MANAGER, email="rick@example.com")
    audit_event_record(actor=employee, action="test.one", payload={})
    write_audit_anchor()
    assert [m.to[0] for m in mailoutbox] == [officer.email]
