"""The hand-over receipt (transmittal): the electronic media a custodian hands to Network
Operations together, with the serial number read off each, signed on paper by both people. The
Director re-reads each serial on receipt."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Transmittal(models.Model):
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_over_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-handed_over_at", "-id"]

    def __str__(self):
        return self.number

    @property
    def number(self):
        return f"T-{self.pk:06d}"


class TransmittalItem(models.Model):
    transmittal = models.ForeignKey(Transmittal, on_delete=models.PROTECT, related_name="items")
    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="transmittal_items")
    serial_handed_over = models.CharField(max_length=100, blank=True, help_text="As read off the medium at hand-over.")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    serial_received = models.CharField(max_length=100, blank=True, help_text="As read off the medium on receipt.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["transmittal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transmittal", "record"], name="transmittal_item_once"),
        ]
