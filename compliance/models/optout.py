"""The register of opt-out failures (47 CFR 64.2009(f)): each instance where the opt-out
mechanisms did not work properly to such a degree that customers' inability to opt out was more
than an anomaly, and the letter to the FCC about it. States change only through
compliance.optout_lifecycle; the deadline is computed by compliance.optout."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


class OptOutFailure(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        LETTER_SENT = "letter_sent", "Letter sent to the FCC"
        CLOSED = "closed", "Closed"

    class LetterMethod(models.TextChoices):
        ECFS = "ecfs", "ECFS filing"
        EMAIL = "email", "Email"
        MAIL = "mail", "Mail"

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, editable=False)
    status_changed_at = models.DateTimeField(editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)

    detected_at = models.DateTimeField(help_text="When the company learned the opt-out mechanism was not working properly.")
    mechanisms = models.TextField(verbose_name="Opt-out mechanism(s) used",
                                  help_text="How customers opt out (e.g. the toll-free line, the web form, the reply card).")
    problem = models.TextField(verbose_name="Problem(s) experienced", help_text="No CPNI: no names, numbers or accounts.")
    remedy = models.TextField(blank=True, verbose_name="Remedy proposed")
    remedy_on = models.DateField(null=True, blank=True, verbose_name="Remedy implemented on",
                                 help_text="When it was, or will be, implemented.")
    state_notified = models.BooleanField(null=True, blank=True, verbose_name="State commission(s) notified")
    state_commissions = models.CharField(max_length=300, blank=True, verbose_name="Which state commission(s)")
    state_action = models.TextField(blank=True, verbose_name="Action taken by the state commission(s)",
                                    help_text="\"None\" when they have taken no action.")
    contact = models.TextField(blank=True, verbose_name="Contact information",
                               help_text="Who the FCC contacts about it. Filled from the company profile's signatory when left empty.")

    notice_name = models.CharField(max_length=200, blank=True, editable=False, help_text="The copy's file, under VAR_DIR.")
    notice_original_name = models.CharField(max_length=200, blank=True, editable=False)
    notice_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    notice_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    letter_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    letter_method = models.CharField(max_length=8, choices=LetterMethod.choices, blank=True, editable=False)
    letter_reference = models.CharField(max_length=200, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["status", "detected_at"]), models.Index(fields=["detected_at"])]

    def __str__(self):
        return f"Opt-out failure {self.reference} ({self.get_status_display().lower()})"

    @property
    def reference(self):
        return f"OF-{self.pk:05d}" if self.pk else "OF-new"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def delete(self, *args, **kwargs):
        """Kept at least one year after it is closed (compliance.optout.retained_until)."""
        from compliance.optout import retained_until

        until = retained_until(self)
        from django.utils import timezone

        if until is None or until > timezone.localdate():
            raise ValidationError(
                f"{self.reference} is kept until {until:%Y-%m-%d}." if until else f"{self.reference} is not closed: it is kept."
            )
        return super().delete(*args, **kwargs)
