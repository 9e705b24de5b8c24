"""A change to a schedule that lowers its legal minimum: it keeps records for less time than the
law was said to ask, so one records manager asks for it and another approves it before it is
saved (records.minimum_lowering)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class MinimumLowering(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a second records manager"
        APPROVED = "approved", "Approved and saved"
        REJECTED = "rejected", "Rejected"

    schedule = models.ForeignKey("records.RetentionSchedule", on_delete=models.PROTECT, related_name="minimum_lowerings")
    changes = models.JSONField(help_text="The schedule's fields as the change would save them.")
    old_minimum = models.CharField(max_length=100)
    new_minimum = models.CharField(max_length=100)
    records_affected = models.PositiveIntegerField(help_text="Records whose expiry the change moves, when asked.")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule"], condition=models.Q(state="pending"),
                                    name="one_pending_minimum_lowering_per_schedule"),
        ]

    def __str__(self):
        return f"Lowering the legal minimum of {self.schedule.code}: {self.old_minimum} → {self.new_minimum}"
