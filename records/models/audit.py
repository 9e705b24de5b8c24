"""The append-only, hash-chained audit log (appended to by records.audit)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One entry of the append-only audit log. Each event carries the SHA-256 of the event before
    it (records.audit), so an edited, removed or inserted event breaks the chain."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="Username at the time, or 'system'.")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        permissions = [("verify_auditevent", "Can verify the audit log's hash chain")]
        indexes = [
            models.Index(fields=["object_type", "object_id", "sequence"]),
            # A year's events by time and, index-only, their count and sequence range (the package).
            models.Index(fields=["occurred_at", "sequence"], name="auditevent_occurred_seq_idx"),
        ]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """A single row holding the newest event's sequence and hash, signed with the key the database
    does not hold (records.signing); locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(null=True, blank=True)
    signature = models.CharField(max_length=100, blank=True, help_text="Ed25519, base64.")
