"""Destructions: how a record was destroyed, by whom, verified how, and its certificate number.
A destruction is created in the same transaction as the lifecycle step that destroys the record
(records.destruction), and a destroyed record can never be deleted: this row protects it."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .records import Record


class Destruction(models.Model):
    class Kind(models.TextChoices):
        SHREDDING = "shredding", "Paper destruction"
        SANITIZATION = "sanitization", "Media sanitization"

    class PaperMethod(models.TextChoices):
        CROSS_CUT = "cross_cut_shredder", "Cross-cut shredder"
        VENDOR = "shredding_vendor", "Shredding vendor"
        PULPING = "pulping", "Pulping"
        INCINERATION = "incineration", "Incineration"

    class MethodType(models.TextChoices):
        """NIST SP 800-88 sanitization categories."""

        CLEAR = "clear", "Clear"
        PURGE = "purge", "Purge"
        DESTROY = "destroy", "Destroy"

    class MediaMethod(models.TextChoices):
        """Sanitization methods; which of them a medium allows is records.sanitization's table
        (OTHER is allowed for none: it stays for destructions recorded before the table)."""

        OVERWRITE = "overwrite", "Overwrite"
        BLOCK_ERASE = "block_erase", "Block erase"
        CRYPTO_ERASE = "cryptographic_erase", "Cryptographic erase"
        DEGAUSS = "degauss", "Degauss"
        SHRED = "shred", "Shred"
        DISINTEGRATE = "disintegrate", "Disintegrate"
        PULVERIZE = "pulverize", "Pulverize"
        MELT = "melt", "Melt"
        INCINERATE = "incinerate", "Incinerate"
        OTHER = "other", "Other"

    class Destination(models.TextChoices):
        INTERNAL_REUSE = "internal_reuse", "Internal reuse"
        EXTERNAL_REUSE = "external_reuse", "External reuse"
        RECYCLING = "recycling_facility", "Recycling facility"
        MANUFACTURER = "manufacturer", "Returned to manufacturer"
        OTHER = "other", "Other"

    record = models.OneToOneField(Record, on_delete=models.PROTECT, related_name="destruction")
    certificate_number = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    method = models.CharField(max_length=24)
    method_type = models.CharField(max_length=10, choices=MethodType.choices, blank=True)
    method_details = models.TextField(blank=True)
    destroyed_on = models.DateField()
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField(help_text="When the destruction was recorded.")
    performer_title = models.CharField(max_length=120, blank=True)
    performer_organization = models.CharField(max_length=200, blank=True)
    performer_location = models.CharField(max_length=200, blank=True)
    performer_phone = models.CharField(max_length=40, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor_certificate_number = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)

    # NIST SP 800-88 certificate of sanitization: the media, the tool, the verification.
    media_make = models.CharField(max_length=120, blank=True)
    media_model = models.CharField(max_length=120, blank=True)
    media_property_number = models.CharField(max_length=120, blank=True)
    media_source = models.CharField(max_length=200, blank=True)
    media_classification = models.CharField(max_length=120, blank=True)
    data_backed_up = models.BooleanField(null=True, blank=True)
    backup_location = models.CharField(max_length=200, blank=True)
    tool_name = models.CharField(max_length=120, blank=True)
    tool_version = models.CharField(max_length=60, blank=True)
    verification_method = models.CharField(max_length=200, blank=True)
    verification_result = models.CharField(max_length=200, blank=True)
    post_sanitization_classification = models.CharField(max_length=120, blank=True)
    destination = models.CharField(max_length=20, choices=Destination.choices, blank=True)
    destination_details = models.CharField(max_length=200, blank=True)

    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    validator_title = models.CharField(max_length=120, blank=True)
    validator_organization = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-performed_at", "-id"]
        permissions = [("validate_destruction", "Can countersign a destruction as its validator")]
        indexes = [models.Index(fields=["kind", "performed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(validated_by=models.F("performed_by")),
                name="destruction_validator_is_a_second_person",
            ),
        ]

    def __str__(self):
        return f"{self.certificate_number} ({self.record.reference})"

    @property
    def awaiting_validation(self):
        """A medium that left the organisation is certified only once a second person countersigns
        its sanitization (records.sanitization.LEAVES_ORGANISATION)."""
        from records.sanitization import leaves_organisation

        return self.kind == self.Kind.SANITIZATION and not self.validated_by_id and leaves_organisation(self.destination)

    @property
    def method_label(self):
        choices = self.PaperMethod if self.kind == self.Kind.SHREDDING else self.MediaMethod
        return choices(self.method).label if self.method in choices.values else self.method


class CertificateCounter(models.Model):
    """The last certificate number issued in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)
