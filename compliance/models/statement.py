"""The carrier's policy text for each section of the accompanying statement (47 CFR 64.2009(e)):
one row per version of a section's text, drafted by a records manager and approved by an officer,
or instead the section recorded as not applicable with its reason. The sections themselves are
compliance.statement_sections.SECTIONS; states change only through compliance.statement_lifecycle."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

TEXT_MAX = 20000
REASON_MAX = 2000
SUMMARY_MAX = 2000


class StatementSectionText(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"

    section = models.CharField(max_length=40, editable=False)
    version = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    text = models.TextField(blank=True, max_length=TEXT_MAX, verbose_name="Policy text")
    not_applicable = models.BooleanField(default=False, verbose_name="Not applicable")
    reason = models.TextField(blank=True, max_length=REASON_MAX, verbose_name="Why not applicable")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    drafted_at = models.DateTimeField(editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["section", "-version"]
        constraints = [models.UniqueConstraint(fields=["section", "version"], name="statement_section_version_unique")]
        indexes = [models.Index(fields=["section", "status"])]
        permissions = [("approve_statementsectiontext", "Approve the accompanying statement's section texts (officers)")]

    def __str__(self):
        return f"{self.section} v{self.version} ({self.get_status_display().lower()})"


class DutyEvidence(models.Model):
    """The periodic evidence the carrier uploads for a duty carried out in another system (the call
    centre's authentication, the web site): what was checked, as of a day, and the file showing it.
    CPNI Track keeps it beside the section's policy; it does not enforce the duty itself."""

    section = models.CharField(max_length=40, editable=False)
    as_of = models.DateField(verbose_name="As of")
    source = models.CharField(max_length=200, help_text="The system or process the evidence comes from.")
    summary = models.TextField(max_length=SUMMARY_MAX,
                               help_text="What the evidence shows, as the statement will quote it.")
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    file_original_name = models.CharField(max_length=200, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["section", "-as_of", "-id"]
        verbose_name_plural = "duty evidence"
        indexes = [models.Index(fields=["section", "as_of"])]

    def __str__(self):
        return f"Duty evidence {self.reference}"

    @property
    def reference(self):
        return f"DE-{self.pk:05d}" if self.pk else "DE-new"
