"""The register of third-party releases of and access to CPNI (47 CFR 64.2009(c); procedure (a):
contractors and vendors get CPNI only to provision, install, maintain or repair the service). Each
release says to whom, under which contract or NDA, for what, which CPNI and how many customers (a
count or a customer reference, never the CPNI itself). Entered and corrected only through
compliance.disclosures."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .campaigns import one_year_after


class Disclosure(models.Model):
    class Purpose(models.TextChoices):
        PROVISION = "provision", "Provisioning the service the customer ordered"
        INSTALLATION = "installation", "Installing inside wire"
        MAINTENANCE = "maintenance", "Maintaining the service"
        REPAIR = "repair", "Repairing the service"
        OTHER = "other", "Other (with its legal basis)"

    disclosed_on = models.DateField(verbose_name="Released on", help_text="The day the CPNI was released or access given.")
    recipient = models.CharField(max_length=200, help_text="The contractor, vendor or other third party.")
    agreement_reference = models.CharField(max_length=200, verbose_name="Contract or NDA reference",
                                           help_text="The contract or non-disclosure agreement that binds the recipient.")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    legal_basis = models.TextField(blank=True, verbose_name="Legal basis",
                                   help_text="Required when the purpose is other: the rule or order that allows it.")
    cpni_categories = models.JSONField(default=list, verbose_name="CPNI released")
    customers_count = models.PositiveIntegerField(null=True, blank=True, verbose_name="Number of customers")
    customer_reference = models.CharField(max_length=64, blank=True, verbose_name="Customer reference",
                                          help_text="An account or ticket reference, never the CPNI itself.")
    notes = models.TextField(blank=True, help_text="No CPNI here.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-disclosed_on", "-id"]
        indexes = [models.Index(fields=["disclosed_on"])]

    def __str__(self):
        return f"Release {self.reference} to {self.recipient}"

    @property
    def reference(self):
        return f"TP-{self.pk:05d}" if self.pk else "TP-new"

    @property
    def keep_until(self):
        """Kept at least one year from the release (64.2009(c))."""
        return one_year_after(self.disclosed_on) if self.disclosed_on else None

    @property
    def cpni_category_labels(self):
        from records.models import CpniCategory

        labels = dict(CpniCategory.choices)
        return [labels.get(value, value) for value in self.cpni_categories or []]

    @property
    def customers_words(self):
        parts = []
        if self.customers_count is not None:
            parts.append(f"{self.customers_count} customer{'s' if self.customers_count != 1 else ''}")
        if self.customer_reference:
            parts.append(f"reference {self.customer_reference}")
        return "; ".join(parts)

    def delete(self, *args, **kwargs):
        """The register has no deletion before a release's year is out."""
        until = self.keep_until
        if until is None or until > timezone.localdate():
            raise ValidationError(f"{self.reference} is kept until {until:%Y-%m-%d}.")
        return super().delete(*args, **kwargs)
