"""The register of breaches of CPNI (47 CFR 64.2011): each incident, the notifications made for it
and the law-enforcement directions about customer notice. Statuses change only through
compliance.breach_lifecycle; the deadlines are computed by compliance.breach_clock."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from records.models import CpniCategory


class BreachIncident(models.Model):
    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        ASSESSING = "assessing", "Being assessed"
        DETERMINED = "determined", "Determined a breach"
        NOTIFIED = "notified", "Notified"
        CLOSED = "closed", "Closed"

    class Rule(models.TextChoices):
        LEGACY = "legacy", "47 CFR 64.2011 as in force before the 2023 amendments"
        RULE_2023 = "2023", "47 CFR 64.2011 as amended in 2023 (FCC 23-111)"

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REPORTED, editable=False)
    status_changed_at = models.DateTimeField(editable=False)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    reported_at = models.DateTimeField(editable=False)

    discovered_at = models.DateTimeField(help_text="When the company first learned of it.")
    reasonably_determined_at = models.DateTimeField(
        null=True, blank=True, help_text="When the company reasonably determined that a breach occurred: the clock starts.",
    )
    rule = models.CharField(
        max_length=8, choices=Rule.choices, blank=True, editable=False,
        help_text="The rule the incident's deadlines follow, fixed when it is determined (the BREACH_RULE setting).",
    )
    description = models.TextField(help_text="What happened. No CPNI: no names, numbers, accounts or call details.")
    circumstances = models.TextField(blank=True, verbose_name="How it happened")
    occurred_from = models.DateField(null=True, blank=True, verbose_name="Breach began on")
    occurred_to = models.DateField(null=True, blank=True, verbose_name="Breach ended on")
    customers_affected = models.PositiveIntegerField(null=True, blank=True, help_text="Approximately.")
    cpni_categories = models.JSONField(default=list, blank=True, verbose_name="CPNI involved")
    other_pii = models.TextField(
        blank=True, verbose_name="Other personally identifiable information involved",
        help_text="Under the 2023 rule, breaches of other personally identifiable information count too.",
    )
    encrypted_key_safe = models.BooleanField(
        default=False, verbose_name="The data was encrypted and the key was not compromised",
    )
    estimated_loss = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, verbose_name="Estimated financial loss (USD)",
    )

    harm_likely = models.BooleanField(null=True, blank=True, editable=False)
    harm_reason = models.TextField(blank=True, editable=False)
    harm_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
    )
    harm_assessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    urgent_need = models.TextField(blank=True, editable=False)
    urgent_need_agency = models.CharField(max_length=200, blank=True, editable=False)
    urgent_need_consulted_at = models.DateTimeField(null=True, blank=True, editable=False)
    urgent_need_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
    )

    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closure_note = models.TextField(blank=True, editable=False)

    complaints = models.ManyToManyField("compliance.CustomerComplaint", blank=True, related_name="breach_incidents")
    pretexting = models.ManyToManyField("compliance.PretextingObservation", blank=True, related_name="breach_incidents")
    records = models.ManyToManyField("records.Record", blank=True, related_name="breach_incidents")

    history = HistoricalRecords(m2m_fields=[complaints, pretexting, records])

    class Meta:
        ordering = ["-discovered_at", "-id"]
        indexes = [models.Index(fields=["status", "discovered_at"]), models.Index(fields=["discovered_at"])]
        permissions = [("report_breachincident", "Can report a suspected breach of CPNI")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reasonably_determined_at__isnull=True)
                | models.Q(reasonably_determined_at__gte=models.F("discovered_at")),
                name="breach_determined_after_discovered",
            ),
        ]

    def __str__(self):
        return f"Breach incident #{self.pk} ({self.get_status_display().lower()})"

    @property
    def reference(self):
        return f"BR-{self.pk:05d}" if self.pk else "BR-new"

    @property
    def category_labels(self):
        labels = dict(CpniCategory.choices)
        return [labels.get(value, value) for value in self.cpni_categories]

    @property
    def is_open(self):
        return self.status != self.Status.CLOSED

    def clean(self):
        errors = {}
        if self.reasonably_determined_at and self.discovered_at and self.reasonably_determined_at < self.discovered_at:
            errors["reasonably_determined_at"] = "A breach is determined on or after the moment it was discovered."
        if self.occurred_from and self.occurred_to and self.occurred_to < self.occurred_from:
            errors["occurred_to"] = "The breach ends on or after the day it began."
        unknown = [value for value in self.cpni_categories or [] if value not in CpniCategory.values]
        if unknown:
            errors["cpni_categories"] = f"Not a category of CPNI: {', '.join(map(str, unknown))}."
        if self.estimated_loss is not None and self.estimated_loss < 0:
            errors["estimated_loss"] = "A loss is zero or more."
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        """The breach record is kept (47 CFR 64.2011(d)): never deleted while open or before its
        retention has run (compliance.breach_clock.retained_until)."""
        from compliance.breach_clock import retained_until

        until = retained_until(self)
        if until is None or until > timezone.localdate():
            raise ValidationError(
                f"{self.reference} is kept until {until:%Y-%m-%d}." if until else f"{self.reference} is open: it is kept."
            )
        return super().delete(*args, **kwargs)


class BreachNotification(models.Model):
    class Recipient(models.TextChoices):
        LAW_ENFORCEMENT = "law_enforcement", "US Secret Service and FBI (central reporting facility)"
        FCC = "fcc", "Federal Communications Commission"
        CUSTOMERS = "customers", "Affected customers"

    class Method(models.TextChoices):
        REPORTING_FACILITY = "reporting_facility", "The FCC's central reporting facility"
        ANNUAL_SUMMARY = "annual_summary", "Annual summary of small breaches (FCC)"
        MAIL = "mail", "Mail"
        EMAIL = "email", "Email"
        TELEPHONE = "telephone", "Telephone"
        OTHER = "other", "Other"

    incident = models.ForeignKey(BreachIncident, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.CharField(max_length=16, choices=Recipient.choices)
    notified_at = models.DateTimeField()
    method = models.CharField(max_length=20, choices=Method.choices)
    confirmation_number = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    copy_name = models.CharField(max_length=200, blank=True, help_text="The uploaded copy's file, under VAR_DIR.")
    copy_original_name = models.CharField(max_length=200, blank=True)
    copy_sha256 = models.CharField(max_length=64, blank=True)
    copy_size = models.PositiveBigIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["notified_at", "id"]
        indexes = [models.Index(fields=["incident", "recipient", "notified_at"])]

    def __str__(self):
        return f"{self.get_recipient_display()} notified {self.notified_at:%Y-%m-%d}"


class LawEnforcementDirection(models.Model):
    """An agency's direction to delay customer notice (or to extend an earlier delay)."""

    class Form(models.TextChoices):
        WRITTEN = "written", "In writing"
        ORAL = "oral", "Orally"

    incident = models.ForeignKey(BreachIncident, on_delete=models.PROTECT, related_name="directions")
    agency = models.CharField(max_length=200)
    form = models.CharField(max_length=8, choices=Form.choices)
    given_on = models.DateField()
    delay_until = models.DateField(help_text="Customers are not notified before the day after this.")
    extends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="extensions",
        help_text="The earlier direction this one extends.",
    )
    confirmed_in_writing_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["given_on", "id"]

    def __str__(self):
        return f"{self.agency}: no customer notice before {self.delay_until:%Y-%m-%d} ({self.get_form_display().lower()})"
