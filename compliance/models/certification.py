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
    version = models.PositiveSmallIntegerField(default=1, help_text="The year's packages are numbered 1, 2, … as asked for.")
    amendment = models.ForeignKey(
        "CertificationAmendment", null=True, blank=True, on_delete=models.PROTECT, related_name="packages",
        help_text="The amendment this package was built for, after the year's certification was filed.",
    )
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
        """The filings neither withdrawn nor superseded by an amended filing: at most one a year."""
        return self.filter(withdrawn_at__isnull=True, superseded_at__isnull=True)

    def filed(self):
        """The standing filings recorded as filed in ECFS."""
        return self.standing().filter(filed_on__isnull=False)


class CertificationFiling(models.Model):
    """A year's certification as its officer signed it and then filed it in ECFS. Signing and
    filing are two steps: a filing signed but not yet filed (filed_on empty) locks nothing; once
    filed, with the signed PDF as filed and the ECFS confirmation number, the year is locked (see
    compliance.locks) until an amendment reopens it. A filing recorded in error is withdrawn by its
    officer within WITHDRAWAL_DAYS; an amended filing supersedes the one it amends."""

    WITHDRAWAL_DAYS = 7

    year = models.PositiveSmallIntegerField()
    package = models.ForeignKey(CertificationPackage, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    recorded_at = models.DateTimeField(help_text="When the signature was recorded.")
    filed_on = models.DateField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True, help_text="When the filing was recorded.")
    ecfs_confirmation = models.CharField(max_length=40, blank=True, verbose_name="ECFS confirmation number")
    signed_pdf_name = models.CharField(max_length=200, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_pdf_size = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True, help_text="When an amended filing took its place.")

    objects = CertificationFilingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        permissions = [("follow_certification", "Can follow where each year's certification stands (API)")]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(withdrawn_at__isnull=True, superseded_at__isnull=True),
                name="one_standing_filing_a_year",
            ),
        ]

    def __str__(self):
        if self.filed_on is None:
            return f"{self.year} certification signed {self.signed_on:%Y-%m-%d}"
        return f"{self.year} certification filed {self.filed_on:%Y-%m-%d}"

    @property
    def is_filed(self):
        return self.filed_on is not None

    @property
    def due_on(self):
        from compliance.deadlines import certification_due_date

        return certification_due_date(self.year)

    @property
    def is_late(self):
        return self.filed_on is not None and self.filed_on > self.due_on


class CertificationAmendmentQuerySet(models.QuerySet):
    def open(self):
        """The amendments whose amended certification is not filed yet: at most one a year."""
        return self.filter(filing__isnull=True)


class CertificationAmendment(models.Model):
    """A filed year reopened to correct what it reported: registers and destructions dated in the
    year can change again, and an amended certification is needed until one is filed."""

    year = models.PositiveSmallIntegerField()
    reason = models.TextField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    amends = models.ForeignKey(CertificationFiling, on_delete=models.PROTECT, related_name="+",
                               help_text="The filing the amendment corrects.")
    filing = models.ForeignKey(CertificationFiling, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text="The amended certification as filed; empty while it is still needed.")

    objects = CertificationAmendmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year"], condition=models.Q(filing__isnull=True), name="one_open_amendment_a_year"),
        ]

    def __str__(self):
        return f"Amendment of the {self.year} certification"

    @property
    def is_open(self):
        return self.filing_id is None
