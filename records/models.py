"""The CPNI Track domain: departments, staff, retention schedules, records and their label checks,
and the append-only audit log. Status changes happen only in records.lifecycle."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Department(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in. Their role is their group (records.roles); employees also belong to
    a department, which limits the records they see."""

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    title = models.CharField(max_length=120, blank=True, help_text="Job title, shown on certificates.")

    history = HistoricalRecords()

    def __str__(self):
        return self.get_full_name() or self.username


class Medium(models.TextChoices):
    PAPER = "paper", "Paper"
    HARD_DISK = "hard_disk", "Hard disk"
    SSD = "ssd", "Solid-state drive"
    USB_DRIVE = "usb_drive", "USB drive"
    OPTICAL_DISC = "optical_disc", "Optical disc"
    TAPE = "tape", "Tape"
    FILE_SHARE = "file_share", "File share"
    EMAIL = "email", "Email"
    OTHER_ELECTRONIC = "other_electronic", "Other electronic"

    @classmethod
    def removable(cls):
        """Physical electronic media that carry a serial number and are handed to Network Operations."""
        return {cls.HARD_DISK, cls.SSD, cls.USB_DRIVE, cls.OPTICAL_DISC, cls.TAPE}

    @classmethod
    def is_electronic(cls, value):
        return value != cls.PAPER


class CpniCategory(models.TextChoices):
    """The kinds of CPNI in the procedures' definition (47 U.S.C. 222(h)(1))."""

    QUANTITY = "quantity", "Quantity of use"
    TECHNICAL_CONFIGURATION = "technical_configuration", "Technical configuration"
    TYPE = "type", "Type of service"
    DESTINATION = "destination", "Destination"
    LOCATION = "location", "Location"
    AMOUNT_OF_USE = "amount_of_use", "Amount of use"
    BILLING = "billing", "Information in bills"


class PeriodUnit(models.TextChoices):
    DAYS = "days", "days"
    MONTHS = "months", "months"
    YEARS = "years", "years"


class RetentionSchedule(models.Model):
    class Trigger(models.TextChoices):
        CREATION = "creation", "Record creation date"
        EVENT = "event", "Event date (entered when the event happens)"

    class Disposition(models.TextChoices):
        DESTROY = "destroy", "Destroy"
        REVIEW = "review", "Review before destruction"

    code = models.SlugField(max_length=40, unique=True, help_text="Short code, e.g. TOLL-BILLING.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period_value = models.PositiveIntegerField()
    period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.MONTHS)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.CREATION)
    trigger_event = models.CharField(
        max_length=120, blank=True, help_text="For event triggers: the event, e.g. account closure."
    )
    legal_minimum_value = models.PositiveIntegerField(null=True, blank=True)
    legal_minimum_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, blank=True)
    legal_citation = models.CharField(max_length=200, blank=True, help_text="e.g. 47 CFR 42.6")
    default_disposition = models.CharField(
        max_length=10, choices=Disposition.choices, default=Disposition.DESTROY
    )
    applicable_media = models.JSONField(
        default=list, blank=True, help_text="Media this schedule applies to; empty means every medium."
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_value__gt=0), name="schedule_period_positive"),
            models.CheckConstraint(
                condition=models.Q(legal_minimum_value__isnull=True) | ~models.Q(legal_minimum_unit=""),
                name="schedule_legal_minimum_has_unit",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    @property
    def period_display(self):
        return f"{self.period_value} {self.get_period_unit_display()}"

    def applies_to(self, medium):
        return not self.applicable_media or medium in self.applicable_media


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    DUE = "due", "Due for destruction"
    PENDING_SHRED = "pending_shred", "Pending shredding"
    AWAITING_HANDOVER = "awaiting_handover", "Awaiting hand-over"
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
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="records")
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custody_records")
    location = models.CharField(max_length=200)
    schedule = models.ForeignKey(RetentionSchedule, on_delete=models.PROTECT, related_name="records")
    trigger_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, editable=False)
    notes = models.TextField(blank=True)

    label_verification = models.CharField(max_length=12, choices=LabelVerification.choices, blank=True)
    label_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label_attested_at = models.DateTimeField(null=True, blank=True)
    label_check = models.ForeignKey(
        LabelCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

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
        ]
        indexes = [
            models.Index(fields=["status", "expiry_date"]),
            models.Index(fields=["expiry_date", "id"]),
            models.Index(fields=["medium", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["schedule", "id"]),
            models.Index(fields=["title", "id"]),
            models.Index(fields=["status", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contains_cpni=False)
                | models.Q(label_attested_at__isnull=False, label_attested_by__isnull=False),
                name="record_cpni_requires_label_attestation",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("record-detail", args=[self.reference])

    @property
    def is_electronic(self):
        return Medium.is_electronic(self.medium)

    @property
    def cpni_category_labels(self):
        labels = dict(CpniCategory.choices)
        return [labels.get(value, value) for value in self.cpni_categories]


class AuditEvent(models.Model):
    """One entry of the append-only audit log. Each event carries the SHA-256 of the event before
    it (records.audit), so an edited, removed or inserted event breaks the chain."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
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
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"])]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """A single row holding the newest event's sequence and hash; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
