"""Imports of an existing inventory from a spreadsheet: validated whole before anything is written."""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class State(models.TextChoices):
        VALIDATING = "validating", "Validating"
        INVALID = "invalid", "Has errors: nothing was imported"
        VALID = "valid", "Valid: ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed: nothing was imported"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(
        help_text="The uploaded sheet, kept only while it may still be imported: emptied once imported or found invalid."
    )
    size = models.PositiveBigIntegerField(default=0, help_text="The uploaded sheet's size in bytes.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATING)
    progress = models.PositiveSmallIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}], at most a few thousand.")
    error_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    # The records imported hold the references from first to last: the import reserves them in one
    # transaction, which keeps the reference counter locked until it ends.
    first_reference = models.CharField(max_length=20, blank=True)
    last_reference = models.CharField(max_length=20, blank=True)
    due_count = models.PositiveIntegerField(
        default=0, help_text="Imported records already past their expiry: due for destruction at once."
    )
    allow_reimport = models.BooleanField(
        default=False, help_text="The records manager confirmed importing a file that was imported before."
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the records manager confirmed the import.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Import #{self.pk} {self.file_name}"
