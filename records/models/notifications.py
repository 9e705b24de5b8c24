"""Emails CPNI Track sends, each recorded, so no event is announced twice."""

from django.conf import settings
from django.db import models

from .records import Record


class Notification(models.Model):
    class Kind(models.TextChoices):
        DUE_REMINDER = "due_reminder", "Records due for destruction (to the custodian)"
        ESCALATION = "escalation", "Records still due (to records managers)"
        WEEKLY_DIGEST = "weekly_digest", "Weekly digest (to records managers)"
        CUSTODY_ALERT = "custody_alert", "Media long in Network Operations custody"
        CERTIFICATION_REMINDER = "certification_due", "Annual CPNI certification due (to records managers and officers)"
        AUDIT_ANCHOR = "audit_anchor", "Signed anchor of the audit chain (to officers and auditors)"
        BREACH_ESCALATION = "breach_escalation", "Breach of CPNI: reported, determined, deadlines (to records managers and officers)"
        OPTOUT_ESCALATION = "optout_escalation", "Opt-out failure: detected, letter to the FCC due (to records managers and officers)"
        TRAINING_OVERDUE = "training_overdue", "CPNI training overdue (to the person and records managers)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    key = models.CharField(max_length=120, unique=True, help_text="What the email is about; one email per key.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "id"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


class NotificationItem(models.Model):
    """A record an email was about; a record is announced once per kind and recipient."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="items")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    threshold_days = models.PositiveIntegerField(default=0, help_text="For alerts sent at several thresholds.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "record", "recipient", "threshold_days"], name="notify_record_once_per_threshold"
            )
        ]
