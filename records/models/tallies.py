"""Running counts of the records, kept by the database itself (triggers of migration 0014 on every
INSERT, UPDATE and DELETE of records_record), so that the dashboard reads a few dozen rows instead
of counting a million records. records.tallies.rebuild_tallies recounts them from the records."""

from django.db import models

from .organisation import Department
from .schedules import RetentionSchedule


class StatusTally(models.Model):
    """How many of a department's records on a retention schedule are in a status."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "schedule", "status"], name="status_tally_key"),
        ]


class ExpiryTally(models.Model):
    """How many of a department's active records expire on a day."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    expiry_date = models.DateField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "expiry_date"], name="expiry_tally_key"),
        ]


# The statuses in which a record waits for someone (to be destroyed, handed over, received): how
# long it has waited is what the dashboard's late figures count.
WAITING_STATUSES = ("due", "awaiting_handover", "pending_shred", "in_netops_custody")


class WaitingTally(models.Model):
    """How many of a department's records have been in a waiting status since a day (the UTC date
    of their status_changed_at), and still are. Days no record waits from are deleted."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    since = models.DateField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status", "since", "department"], name="waiting_tally_key"),
        ]
