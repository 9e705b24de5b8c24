"""The register of marketing campaigns (47 CFR 64.2009(c), (d); procedure (b)): each sales or
marketing campaign, whether and which CPNI it uses and on what approval basis, and the review of
every outbound campaign before it runs by the reviewer the procedure names (the CAMPAIGN_REVIEWER
setting). States change only through compliance.campaign_lifecycle; the rules of what is entered
are compliance.campaigns'."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

KEPT_YEARS = 1  # 64.2009(c): a record of each campaign kept at least one year


def one_year_after(day):
    try:
        return day.replace(year=day.year + KEPT_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + KEPT_YEARS, day=28) + datetime.timedelta(days=1)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RUNNING = "running", "Running"
        CLOSED = "closed", "Closed"

    class Channel(models.TextChoices):
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        PHONE = "phone", "Outbound calls"
        SMS = "sms", "Text messages"
        WEB = "web", "Web site"
        IN_PERSON = "in_person", "In person (stores, events)"
        OTHER = "other", "Other"

    class ApprovalBasis(models.TextChoices):
        NONE_NEEDED = "none", "None needed (no CPNI used)"
        OPT_OUT = "opt_out", "Opt-out approval"
        OPT_IN = "opt_in", "Opt-in approval"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    status_changed_at = models.DateTimeField(editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     help_text="Who asks for the campaign: never its reviewer.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)

    description = models.TextField(help_text="What the campaign is and whom it addresses. No CPNI: no names, numbers or accounts.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    products = models.TextField(verbose_name="Products and services offered")
    uses_cpni = models.BooleanField(default=False, verbose_name="Uses CPNI",
                                    help_text="The carrier's procedures use no CPNI in sales or marketing campaigns.")
    cpni_categories = models.JSONField(default=list, blank=True, verbose_name="CPNI used")
    approval_basis = models.CharField(max_length=8, choices=ApprovalBasis.choices, default=ApprovalBasis.NONE_NEEDED,
                                      verbose_name="Customer approval basis")
    affiliate = models.CharField(max_length=200, blank=True, help_text="The affiliate that runs or benefits from it, if any.")
    starts_on = models.DateField(verbose_name="Starts on")
    ends_on = models.DateField(verbose_name="Ends on")

    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_note = models.TextField(blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["status", "starts_on"]), models.Index(fields=["starts_on", "ends_on"])]
        permissions = [("review_campaign", "Approve or reject marketing campaigns (the President's review)")]

    def __str__(self):
        return f"Campaign {self.reference} ({self.get_status_display().lower()})"

    @property
    def reference(self):
        return f"MC-{self.pk:05d}" if self.pk else "MC-new"

    @property
    def ended_on(self):
        """The campaign's end: the later of its planned end and the day it was closed."""
        if self.closed_at is None:
            return self.ends_on
        return max(self.ends_on, timezone.localdate(self.closed_at))

    @property
    def keep_until(self):
        """Kept at least one year from the campaign's end (64.2009(c))."""
        return one_year_after(self.ended_on) if self.ends_on else None

    @property
    def cpni_category_labels(self):
        from records.models import CpniCategory

        labels = dict(CpniCategory.choices)
        return [labels.get(value, value) for value in self.cpni_categories or []]

    def delete(self, *args, **kwargs):
        """The register has no deletion: a campaign is kept at least one year from its end, and
        until it is closed or rejected."""
        until = self.keep_until
        if self.status not in (self.Status.CLOSED, self.Status.REJECTED):
            raise ValidationError(f"{self.reference} is {self.get_status_display().lower()}: it is kept.")
        if until is None or until > timezone.localdate():
            raise ValidationError(f"{self.reference} is kept until {until:%Y-%m-%d}.")
        return super().delete(*args, **kwargs)
