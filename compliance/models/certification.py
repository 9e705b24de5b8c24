"""The packages built for each year's certification, and the officer's record that one was filed."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class CertificationPackage(models.Model):
    """One build of a year's certification package (a ZIP under VAR_DIR/packages)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    year = models.PositiveSmallIntegerField()
    draft = models.BooleanField(
        default=False, help_text="Built before the year ended: a draft, watermarked on every page, never filed."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=120, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    chain_head_hash = models.CharField(max_length=64, blank=True)
    event_count = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["year", "state"])]

    def __str__(self):
        return f"Certification package {self.year} #{self.pk}"


class CertificationFilingQuerySet(models.QuerySet):
    def standing(self):
        """The filings not withdrawn: at most one a year, and it locks the year."""
        return self.filter(withdrawn_at__isnull=True)


class CertificationFiling(models.Model):
    """The officer's record that a year's certification was signed and filed; it locks the year
    until withdrawn (a filing recorded in error, within WITHDRAWAL_DAYS, by its officer)."""

    WITHDRAWAL_DAYS = 7

    year = models.PositiveSmallIntegerField()
    package = models.ForeignKey(CertificationPackage, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    filed_on = models.DateField()
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    objects = CertificationFilingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        permissions = [("follow_certification", "Can follow where each year's certification stands (API)")]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(withdrawn_at__isnull=True), name="one_standing_filing_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.year} certification filed {self.filed_on:%Y-%m-%d}"

    @property
    def due_on(self):
        from compliance.deadlines import certification_due_date

        return certification_due_date(self.year)

    @property
    def is_late(self):
        return self.filed_on > self.due_on
