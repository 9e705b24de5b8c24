"""Customer approvals and notices (47 CFR 64.2007, 64.2008, 64.2009(a)): the versions of the notice
of customers' CPNI rights, each mailing of a notice (with the opt-out waiting period it starts and,
from the current notice's last mailing, the two-year re-notice due), and periodic evidence of the
approval-status system kept in billing (a snapshot file, or a count by approval type). Entered and
corrected only through compliance.approval_notices."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

import datetime

KEPT_YEARS = 1  # 64.2009(a) and (c): the record of notices and approvals kept at least one year
RENOTICE_YEARS = 2  # 64.2008(d)(2): opt-out notices given every two years
WAITING_DAYS = 30  # 64.2008(d)(1): at least 30 days after the notice before approval is inferred
MAIL_DAYS = 3  # ... and for a mailed notice, from the third day after it was mailed


def years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28) + datetime.timedelta(days=1)


class ApprovalNotice(models.Model):
    version_label = models.CharField(max_length=40, unique=True, verbose_name="Version",
                                     help_text="The notice's own label, e.g. 2026-1.")
    text = models.TextField(verbose_name="Text of the notice")
    effective_on = models.DateField(verbose_name="Effective on")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"Notice {self.version_label}"

    @property
    def reference(self):
        return f"Notice {self.version_label}"

    def superseded_on(self):
        """The day the next version took effect, or None while this one is the latest."""
        later = (ApprovalNotice.objects.filter(effective_on__gt=self.effective_on)
                 .exclude(pk=self.pk).order_by("effective_on").values_list("effective_on", flat=True).first())
        return later

    def last_mailed_on(self):
        return self.mailings.order_by("-sent_on").values_list("sent_on", flat=True).first()

    @property
    def keep_until(self):
        """Kept at least one year from the later of its last mailing and the day it was superseded;
        None while it is the current notice (kept while current, and a year after)."""
        superseded = self.superseded_on()
        if superseded is None:
            return None
        return years_after(max(filter(None, [superseded, self.last_mailed_on()])), KEPT_YEARS)

    def delete(self, *args, **kwargs):
        until = self.keep_until
        if until is None:
            raise ValidationError(f"{self.reference} is the latest notice: it is kept.")
        if until > timezone.localdate() or self.mailings.exists():
            raise ValidationError(f"{self.reference} is kept until {until:%Y-%m-%d}, with its mailings.")
        return super().delete(*args, **kwargs)


class NoticeMailing(models.Model):
    class Method(models.TextChoices):
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        BILL_INSERT = "bill_insert", "Bill insert (mailed with the bill)"
        OTHER = "other", "Other"

    MAILED = (Method.MAIL, Method.BILL_INSERT)  # the waiting period runs from the third day after mailing

    notice = models.ForeignKey(ApprovalNotice, on_delete=models.PROTECT, related_name="mailings")
    sent_on = models.DateField(verbose_name="Sent on")
    method = models.CharField(max_length=12, choices=Method.choices)
    method_detail = models.CharField(max_length=200, blank=True, verbose_name="How, when other")
    population = models.PositiveIntegerField(verbose_name="Customers sent to")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_on", "-id"]

    def __str__(self):
        return f"Mailing of {self.notice} on {self.sent_on:%Y-%m-%d}"

    @property
    def waiting_days(self):
        """30 days, 33 when mailed (64.2008(d)(1): from the third day after mailing)."""
        return WAITING_DAYS + (MAIL_DAYS if self.method in self.MAILED else 0)

    @property
    def waiting_ends_on(self):
        """The end of the opt-out waiting period: approval is not inferred before then."""
        return self.sent_on + datetime.timedelta(days=self.waiting_days) if self.sent_on else None

    @property
    def keep_until(self):
        return years_after(self.sent_on, KEPT_YEARS) if self.sent_on else None

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self}: a mailing is kept with its notice.")


class ApprovalEvidence(models.Model):
    """Periodic evidence of the approval-status system (64.2009(a)), which lives in billing: an
    uploaded snapshot, or a count of customers by approval type, as of a day."""

    as_of = models.DateField(verbose_name="As of")
    source = models.CharField(max_length=200, blank=True, help_text="The system the figures or snapshot come from.")
    opt_out_count = models.PositiveIntegerField(null=True, blank=True, verbose_name="Opt-out approval")
    opt_in_count = models.PositiveIntegerField(null=True, blank=True, verbose_name="Opt-in approval")
    none_count = models.PositiveIntegerField(null=True, blank=True, verbose_name="No approval")
    snapshot_name = models.CharField(max_length=200, blank=True, editable=False)
    snapshot_original_name = models.CharField(max_length=200, blank=True, editable=False)
    snapshot_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    snapshot_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name_plural = "approval evidence"

    def __str__(self):
        return f"Approval-status evidence {self.reference}"

    @property
    def reference(self):
        return f"AE-{self.pk:05d}" if self.pk else "AE-new"

    @property
    def has_counts(self):
        return self.opt_out_count is not None

    @property
    def keep_until(self):
        return years_after(self.as_of, KEPT_YEARS) if self.as_of else None

    def delete(self, *args, **kwargs):
        until = self.keep_until
        if until is None or until > timezone.localdate():
            raise ValidationError(f"{self.reference} is kept until {until:%Y-%m-%d}.")
        return super().delete(*args, **kwargs)
