"""CPNI records, their media and categories, and the CONFIDENTIAL label checks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..serials import serial_key
from .organisation import Department
from .choices import CpniCategory, Medium, PeriodUnit
from .schedules import LegalMinimum, RetentionSchedule


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    DUE = "due", "Due for destruction"
    PENDING_SHRED = "pending_shred", "Pending shredding"
    AWAITING_HANDOVER = "awaiting_handover", "Handed over, awaiting receipt"
    IN_NETOPS_CUSTODY = "in_netops_custody", "In Network Operations custody"
    DESTROYED = "destroyed", "Destroyed"


class LabelVerification(models.TextChoices):
    VISUAL = "visual", "Visual check of the document or medium"
    FILE_CHECK = "file_check", "File check by CPNI Track"


class LabelCheck(models.Model):
    """The result of reading an electronic document for its CONFIDENTIAL marking. Only the file's
    fingerprint and the outcome are kept, never the document."""

    class Outcome(models.TextChoices):
        LABELLED = "labelled", "Labelled"
        NOT_LABELLED = "not_labelled", "Not labelled"
        UNREADABLE = "unreadable", "Cannot be read"

    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices)
    reason = models.CharField(max_length=300)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()
    record = models.ForeignKey(
        "Record", null=True, blank=True, on_delete=models.PROTECT, related_name="label_checks"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["outcome", "checked_at"])]

    def __str__(self):
        return f"{self.file_name}: {self.get_outcome_display()}"


class ReferenceCounter(models.Model):
    """The last reference number issued in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Record(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    contains_cpni = models.BooleanField(default=True)
    cpni_categories = models.JSONField(default=list, blank=True)
    medium = models.CharField(max_length=20, choices=Medium.choices)
    media_serial_number = models.CharField(max_length=100, blank=True)
    # records.serials.serial_key(media_serial_number), kept by save(): unique among records not yet
    # destroyed. NULL for no serial number, and for the younger records of serial numbers that were
    # duplicated before the rule existed (migration 0017), until a records manager corrects them.
    # Longer than the serial itself: upper case can lengthen text ("ß" -> "SS").
    media_serial_key = models.CharField(max_length=300, null=True, blank=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="records")
    # Indexed by record_custodian_status_idx, which leads with it.
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custody_records", db_index=False
    )
    location = models.CharField(max_length=200)
    customer_reference = models.CharField(
        max_length=60, blank=True, db_index=True, help_text="The customer account the record concerns, if one."
    )
    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="records")
    trigger_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)

    label_verification = models.CharField(max_length=12, choices=LabelVerification.choices, blank=True)
    label_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label_attested_at = models.DateTimeField(null=True, blank=True)
    label_check = models.ForeignKey(
        LabelCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An attestation brought in by an import: the importing records manager declared it on behalf
    # of label_attested_by, who attested it on a day (label_attested_at holds that day's local
    # midnight: the sheet gives no time, and none is shown).
    label_import = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_minimums = models.ManyToManyField(
        LegalMinimum, through="RecordLegalMinimum", blank=True, related_name="records",
        help_text="Legal minimums the record falls under besides its schedule's own.",
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The key is derived from the serial number, which the history keeps.
    history = HistoricalRecords(excluded_fields=["updated_at", "media_serial_key"])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_departments", "Can see the records of every department"),
            ("expire_record", "Can move records whose retention has expired to due"),
            ("extend_retention", "Can extend a due record's retention"),
            ("mark_for_destruction", "Can mark a due record for destruction"),
            ("confirm_shredding", "Can confirm the shredding of paper in their custody"),
            ("hand_over_media", "Can hand electronic media over to Network Operations"),
            ("receive_media", "Can acknowledge receipt of electronic media"),
            ("confirm_media_destruction", "Can confirm the destruction of electronic media"),
            ("correct_record", "Can correct the identity of a record that has left active"),
        ]
        indexes = [
            models.Index(fields=["status", "expiry_date"]),
            models.Index(fields=["expiry_date", "id"]),
            # Filtering by medium; the titles of one medium in order (titles run by medium: the
            # title index alone would read past every other medium's titles first).
            models.Index(fields=["medium", "title", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["schedule", "id"]),
            models.Index(fields=["title", "id"]),
            models.Index(fields=["status", "id"]),
            # A custodian's records by status, soonest expiry first (the dashboard's "due in my custody").
            models.Index(fields=["custodian", "status", "expiry_date", "id"], name="record_custodian_status_idx"),
            # The Network Operations queue: the longest-waiting media of a status, first; and the
            # dashboard's late figures, of every department or one (read from the index alone).
            models.Index(fields=["status", "status_changed_at", "id", "department"], name="record_status_since_idx"),
            # The record list's default order (newest first), for everyone and per department
            # (employees see their own department's records only): a page is read from the index
            # instead of sorting every record.
            models.Index(fields=["created_at", "id"], name="record_created_idx"),
            models.Index(fields=["department", "created_at", "id"], name="record_dept_created_idx"),
            # The dashboard of one department (an employee's): counts by status, expiring soon and
            # per month of expiry, from the index alone.
            models.Index(fields=["department", "status", "expiry_date"], name="record_dept_status_expiry_idx"),
            # Records with CPNI and no label attestation (the dashboard's warning): few or none,
            # so a partial index keeps counting them independent of the number of records.
            models.Index(
                fields=["department"],
                condition=models.Q(contains_cpni=True, label_attested_at__isnull=True),
                name="record_missing_label_idx",
            ),
            # Due electronic media, soonest expiry first: the hand-over page lists and counts them
            # (those on hold apart) from the index alone, instead of reading every due record's row
            # for its medium (0.5 s at a million records).
            models.Index(
                fields=["expiry_date", "id"],
                condition=models.Q(status=Status.DUE) & ~models.Q(medium=Medium.PAPER),
                name="record_due_media_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contains_cpni=False)
                | models.Q(label_attested_at__isnull=False, label_attested_by__isnull=False),
                name="record_cpni_requires_label_attestation",
            ),
            models.CheckConstraint(
                condition=models.Q(label_import__isnull=True) | models.Q(label_verification=LabelVerification.VISUAL),
                name="record_imported_attestation_is_visual",
            ),
            models.UniqueConstraint(
                fields=["media_serial_key"],
                condition=~models.Q(status=Status.DESTROYED),
                name="record_serial_unique_until_destroyed",
            ),
        ]

    def __str__(self):
        return Record.describe(self.reference, self.title)

    @staticmethod
    def describe(reference, title):
        """How a record is named (its str), from its reference and title alone."""
        return f"{reference} {title}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "media_serial_number" in update_fields:
            self.media_serial_key = serial_key(self.media_serial_number)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "media_serial_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("record-detail", args=[self.reference])

    @property
    def is_electronic(self):
        return Medium.is_electronic(self.medium)

    @property
    def cpni_category_labels(self):
        labels = dict(CpniCategory.choices)
        return [labels.get(value, value) for value in self.cpni_categories]

    @property
    def label_attestation_source(self):
        """"app" (attested by a person in CPNI Track), "import" (declared in an import), or ""."""
        if self.label_attested_at is None:
            return ""
        return "import" if self.label_import_id else "app"

    @property
    def label_attested_on(self):
        """The day of the attestation, in the carrier's time zone."""
        return timezone.localdate(self.label_attested_at) if self.label_attested_at else None

    @property
    def label_attested_time(self):
        """The moment of an attestation made in CPNI Track; None for an imported one, which has a day only."""
        return None if self.label_import_id else self.label_attested_at


class RecordLegalMinimum(models.Model):
    """That a record falls under a legal minimum, who said so and when. Its own history keeps every
    minimum added to or removed from a record (the record's history page shows them)."""

    # Indexed by the constraint and the index below, which lead with them.
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="legal_minimum_links", db_index=False)
    minimum = models.ForeignKey(LegalMinimum, on_delete=models.PROTECT, related_name="record_links", db_index=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "minimum"], name="record_legal_minimum_once")]
        indexes = [models.Index(fields=["minimum", "record"], name="record_legal_minimum_idx")]

    def __str__(self):
        return f"{self.record_id}: {self.minimum_id}"


class RetentionExtension(models.Model):
    """A decision to keep one record longer than its schedule says. Extensions add up; the
    record's expiry stays derived (records.retention.expiry_date_for)."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="extensions")
    period_value = models.PositiveIntegerField(validators=[MinValueValidator(1, "The period must be at least 1.")])
    period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices)
    reason = models.CharField(max_length=500)
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    extended_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["extended_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(period_value__gt=0), name="extension_positive")]

    def __str__(self):
        return f"{self.record.reference} +{self.period_value} {self.get_period_unit_display()}"

    def clean(self):
        if self.period_unit in PeriodUnit.values and self.period_value and self.period_value > PeriodUnit.longest(self.period_unit):
            raise ValidationError(
                {"period_value": f"At most {PeriodUnit.longest(self.period_unit)} {PeriodUnit(self.period_unit).label}."}
            )
