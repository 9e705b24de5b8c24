"""The retention sweep under the conditions Celery really gives: late, twice, killed half-way."""

import threading
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from records import lifecycle, sweep
from records.audit import verify_chain
from records.locks import JobLocked, Lease
from records.models import AuditEvent, JobLock, Record, Status
from tests.factories import ScheduleFactory, make_record


def make_expired(employee, count, *, schedule=None):
    schedule = schedule or ScheduleFactory(code="TOLL", period_value=18)
    return [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1), title=f"R{i}") for i in range(count)]


def state():
    """Each record's status, number of history rows and audit events: what a re-run must not change."""
    return {
        r.pk: (r.status, r.history.count(), AuditEvent.objects.filter(object_id=str(r.pk), object_type="records.record").count())
        for r in Record.objects.order_by("pk")
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
class TestSweep:
    def test_moves_exactly_the_expired_active_records_with_history_and_audit(self, employee):
        expired = make_expired(employee, 3)
        current = make_record(custodian=employee, trigger_date=date(2026, 10, 1), schedule=expired[0].schedule)
        on_expiry_day = make_record(custodian=employee, trigger_date=date(2025, 5, 23), schedule=expired[0].schedule)
        result = sweep.retention_sweep(chunk_size=2)
        assert result.moved == 4 and result.chunks == 2
        assert Record.objects.get(pk=current.pk).status == Status.ACTIVE
        assert Record.objects.get(pk=on_expiry_day.pk).status == Status.DUE
        for record in expired:
            latest = record.history.latest()
            assert latest.status == Status.DUE and latest.history_user is None
            assert latest.history_change_reason == "retention period ended"
        assert AuditEvent.objects.filter(action="record.expire", actor_name="system").count() == 4

    def test_running_late_catches_up_and_running_again_changes_nothing(self, employee, time_machine):
        make_expired(employee, 3)
        time_machine.move_to(timezone.now() + timedelta(days=400))  # the sweep did not run for a year
        assert sweep.retention_sweep().moved == 3
        before = state()
        assert sweep.retention_sweep().moved == 0
        assert state() == before

    def test_a_lease_left_by_a_killed_worker_expires(self, employee):
        make_expired(employee, 1)
        JobLock.objects.create(name=sweep.SWEEP_LOCK, holder="dead-worker", expires_at=timezone.now() - timedelta(seconds=1))
        assert sweep.retention_sweep().moved == 1

    def test_a_live_lease_keeps_a_second_sweep_out(self, employee):
        make_expired(employee, 1)
        lease = Lease(sweep.SWEEP_LOCK, timedelta(minutes=5))
        lease.acquire()
        with pytest.raises(JobLocked):
            sweep.retention_sweep()
        with pytest.raises(CommandError, match="already running"):
            call_command("retention_sweep", "--no-progress")
        lease.release()
        assert sweep.retention_sweep().moved == 1

    def test_command_dry_run_lists_and_changes_nothing(self, employee, capsys):
        records = make_expired(employee, 2)
        call_command("retention_sweep", "--dry-run")
        out = capsys.readouterr().out
        assert records[0].reference in out and "2 records would become due" in out
        assert not Record.objects.filter(status=Status.DUE).exists()
        call_command("retention_sweep", "--no-progress")
        assert "2 records became due" in capsys.readouterr().out
        assert Record.objects.filter(status=Status.DUE).count() == 2

    def test_reminders_are_enqueued_once_after_commit(self, employee, django_capture_on_commit_callbacks, monkeypatch):
        make_expired(employee, 2)
        sent = []
        from records import tasks

        monkeypatch.setattr(tasks.send_due_reminders, "delay", lambda: sent.append(1))
        with django_capture_on_commit_callbacks(execute=True):
            sweep.retention_sweep()
        assert sent == [1]
        with django_capture_on_commit_callbacks(execute=True):
            sweep.retention_sweep()
        assert sent == [1], "nothing moved, nothing announced"

    def test_the_sweep_is_scheduled_daily_and_a_records_manager_may_change_it(self, records_manager):
        from django_celery_beat.models import PeriodicTask

        task = PeriodicTask.objects.get(task="records.tasks.retention_sweep")
        assert task.enabled and task.crontab.hour == "1" and task.crontab.day_of_week == "*"
        assert records_manager.has_perm("django_celery_beat.change_periodictask")


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_half_way_is_finished_by_the_next_and_ends_as_one_clean_run(employee, frozen_today, monkeypatch):
    make_expired(employee, 5)
    real_audit = lifecycle.audit_events_record
    calls = {"n": 0}

    def killed_during_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # chunk 2's statuses and history are written, its transaction not committed
            raise SystemExit("worker killed")
        return real_audit(**kwargs)

    monkeypatch.setattr(lifecycle, "audit_events_record", killed_during_second_chunk)
    with pytest.raises(SystemExit):
        sweep.retention_sweep(chunk_size=2)
    monkeypatch.setattr(lifecycle, "audit_events_record", real_audit)

    half = state()
    assert sorted(status for status, _, _ in half.values()) == [Status.ACTIVE] * 3 + [Status.DUE] * 2
    assert all(history == (2 if status == Status.DUE else 1) for status, history, _ in half.values()), "no half-written chunk"

    assert sweep.retention_sweep(chunk_size=2).moved == 3
    # One clean run leaves each record due with one history row and one audit event per step.
    assert set(state().values()) == {(Status.DUE, 2, 2)}
    assert verify_chain().ok, "the killed chunk's events never reached the chain"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_never_double_process(employee):
    make_expired(employee, 40)
    start = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            start.wait()
            outcomes.append(sweep.retention_sweep(today=date(2026, 11, 23), chunk_size=7).moved)
        except JobLocked:
            outcomes.append("locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    moved = [o for o in outcomes if o != "locked"]
    assert sum(moved) == 40
    assert AuditEvent.objects.filter(action="record.expire").count() == 40
    assert all(r.history.filter(status=Status.DUE).count() == 1 for r in Record.objects.all())
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_the_same_records_move_each_once(employee):
    """Below the lease: even two writers on the very same ids move each record exactly once."""
    ids = [r.pk for r in make_expired(employee, 30)]
    start = threading.Barrier(2)
    moved = []

    def run():
        try:
            start.wait()
            moved.append(len(lifecycle.transition_many(ids, "expire", actor=None)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(moved) == 30
    assert AuditEvent.objects.filter(action="record.expire").count() == 30
    assert all(r.history.filter(status=Status.DUE).count() == 1 for r in Record.objects.all())
    assert verify_chain().ok, "the two writers' events form one chain"


def killed_sweep(monkeypatch, chunk_size=1):
    """A sweep whose worker is killed (SIGKILL: no `finally` runs, the lease is not released)
    while it writes its second chunk."""
    from records import locks

    real_transition, chunks = lifecycle.transition_many, []

    def transition_then_die(*args, **kwargs):
        chunks.append(1)
        if len(chunks) == 2:
            raise SystemExit("worker killed")
        return real_transition(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(lifecycle, "transition_many", transition_then_die)
        patched.setattr(locks.Lease, "release", lambda lease: None)
        with pytest.raises(SystemExit):
            sweep.retention_sweep(chunk_size=chunk_size)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
class TestLease:
    def test_a_killed_sweeps_lease_is_reclaimed_after_about_a_minute(self, employee, monkeypatch, time_machine):
        make_expired(employee, 3)
        killed_sweep(monkeypatch)
        assert Record.objects.filter(status=Status.DUE).count() == 1
        time_machine.move_to(timezone.now() + timedelta(seconds=30), tick=False)
        with pytest.raises(JobLocked):
            sweep.retention_sweep()
        time_machine.move_to(timezone.now() + timedelta(seconds=31), tick=False)
        assert sweep.retention_sweep().moved == 2
        assert Record.objects.filter(status=Status.DUE).count() == 3

    def test_the_lease_period_is_a_setting(self, employee, monkeypatch, time_machine, settings):
        settings.JOB_LEASE_SECONDS = 300
        make_expired(employee, 2)
        killed_sweep(monkeypatch)
        time_machine.move_to(timezone.now() + timedelta(seconds=90), tick=False)
        with pytest.raises(JobLocked):
            sweep.retention_sweep()
        time_machine.move_to(timezone.now() + timedelta(seconds=211), tick=False)
        assert sweep.retention_sweep().moved == 1

    def test_a_sweep_longer_than_its_lease_keeps_it_while_it_works(self, employee, monkeypatch, time_machine):
        make_expired(employee, 4)
        real_transition, intruders = lifecycle.transition_many, []

        def slow_chunk(*args, **kwargs):
            time_machine.move_to(timezone.now() + timedelta(seconds=45), tick=False)  # each chunk takes 45 s
            try:
                Lease(sweep.SWEEP_LOCK, timedelta(minutes=1)).acquire()
                intruders.append("a second sweep got in")
            except JobLocked:
                pass
            return real_transition(*args, **kwargs)

        monkeypatch.setattr(lifecycle, "transition_many", slow_chunk)
        assert sweep.retention_sweep(chunk_size=1).moved == 4  # three minutes in all
        assert intruders == []

    def test_the_task_tries_again_once_the_lease_could_have_run_out(self, monkeypatch, settings):
        from celery.exceptions import Retry

        from records import tasks

        def locked(**kwargs):
            raise JobLocked("retention-sweep is already running.")

        monkeypatch.setattr(sweep, "retention_sweep", locked)
        asked = {}

        def retry(**kwargs):
            asked.update(kwargs)
            return Retry()

        monkeypatch.setattr(tasks.retention_sweep, "retry", retry)
        with pytest.raises(Retry):
            tasks.retention_sweep()
        assert asked["countdown"] == settings.JOB_LEASE_SECONDS == 60
        assert isinstance(asked["exc"], JobLocked)
