"""Legal holds: while a record is under an active hold it never becomes due and is never destroyed."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .records import Record


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    matter = models.CharField(max_length=200, help_text="The case, investigation or request, e.g. Smith v. Carrier.")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    scope = models.CharField(max_length=300, help_text="How the records were chosen, as placed.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    records = models.ManyToManyField(Record, through="HeldRecord", related_name="legal_holds")

    objects = LegalHoldQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["released_at"])]

    def __str__(self):
        return f"Hold #{self.pk}: {self.matter}"

    @property
    def is_active(self):
        return self.released_at is None


class HeldRecord(models.Model):
    hold = models.ForeignKey(LegalHold, on_delete=models.PROTECT, related_name="held_records")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="held_by")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "record"], name="held_record_once_per_hold")]
        indexes = [models.Index(fields=["record", "hold"])]


def active_hold_exists():
    """A subquery for filters: the record (OuterRef "pk") is under at least one active hold."""
    return models.Exists(
        HeldRecord.objects.filter(record_id=models.OuterRef("pk"), hold__released_at__isnull=True)
    )
