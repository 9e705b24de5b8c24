"""Leases in the database that keep two runs of a job apart, on SQLite and PostgreSQL alike.

A lease expires on its own, so a worker killed half-way blocks the job only until its lease
runs out (JOB_LEASE_SECONDS, a minute by default); the holder renews it as it makes progress, so a
job that runs for hours keeps it as long as it keeps working.

locked_row() reads one row locked until the transaction ends (the audit chain's head, a schedule
being changed)."""

import functools
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone

from .models import JobLock


def locked_row(model, pk):
    """The row `pk` of `model`, locked until the transaction ends (FOR UPDATE where the database
    has it), or None."""
    alias = router.db_for_write(model)
    return next(iter(model.objects.raw(_locked_row_sql(model, alias), [pk], using=alias)), None)


@functools.cache
def _locked_row_sql(model, alias):
    """Written out because every audited change reads the chain's head so, and every change of a
    schedule its row: the ORM took longer to build the query than the database to answer it (the
    head: 0.7 ms against 0.2; a schedule, with the transaction, 0.97 ms against 0.70)."""
    connection = connections[alias]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    q = connection.ops.quote_name
    return f"SELECT * FROM {q(model._meta.db_table)} WHERE {q(model._meta.pk.column)} = %s{lock}"  # nosec B608: the model's own names


class JobLocked(Exception):
    """Another run holds the lease."""


class LeaseLost(Exception):
    """The lease expired and was taken by another run; stop writing."""


class Lease:
    def __init__(self, name, ttl):
        self.name, self.ttl, self.token = name, ttl, uuid.uuid4().hex

    def _held(self):
        return JobLock.objects.filter(name=self.name, holder=self.token)

    def acquire(self):
        JobLock.objects.bulk_create([JobLock(name=self.name)], ignore_conflicts=True)
        now = timezone.now()
        free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
        taken = JobLock.objects.filter(free, name=self.name).update(holder=self.token, expires_at=now + self.ttl)
        if not taken:
            raise JobLocked(f"{self.name} is already running.")

    def renew(self):
        if not self._held().update(expires_at=timezone.now() + self.ttl):
            raise LeaseLost(f"{self.name} lost its lease; another run took over.")

    def release(self):
        self._held().update(holder="", expires_at=None)


def lease_ttl():
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


@contextmanager
def job_lease(name, ttl=None):
    """Hold the lease `name` for the block (JobLocked if another run holds it). The block renews
    it (lease.renew()) at least once per `ttl`, by default lease_ttl()."""
    lease = Lease(name, ttl or lease_ttl())
    lease.acquire()
    try:
        yield lease
    finally:
        lease.release()
