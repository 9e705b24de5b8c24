"""Retention schedules: how long each kind of record is kept, and why."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import Medium, PeriodUnit


class ChecksStatedInClean(models.Model):
    """A model whose field validators and clean() state each of its check constraints, with the
    messages people read: full_clean does not ask the database to evaluate the constraints as
    well (a query each, in the form and again in the service, for every edit). The constraints
    stay as the database's own guard; tests/records/test_retention.py refuses a violating example
    of each without a query."""

    class Meta:
        abstract = True

    def get_constraints(self):
        return [(model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
                for model, constraints in super().get_constraints()]


class RetentionSchedule(ChecksStatedInClean):
    class Trigger(models.TextChoices):
        CREATION = "creation", "Record creation date"
        EVENT = "event", "Event date (entered when the event happens)"

    class Disposition(models.TextChoices):
        DESTROY = "destroy", "Destroy"
        REVIEW = "review", "Review before destruction"

    code = models.SlugField(max_length=40, unique=True, help_text="Short code, e.g. TOLL-BILLING.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period_value = models.PositiveIntegerField(validators=[MinValueValidator(1, "The period must be at least 1.")])
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

    def clean(self):
        errors = {}
        if self.trigger == self.Trigger.EVENT and not self.trigger_event.strip():
            errors["trigger_event"] = "Name the event the period counts from, e.g. account closure."
        if self.legal_minimum_value == 0:
            errors["legal_minimum_value"] = "A legal minimum is at least 1; leave it empty for none."
        elif self.legal_minimum_value is not None and not self.legal_minimum_unit:
            errors["legal_minimum_unit"] = "Give the unit of the legal minimum."
        elif self.legal_minimum_unit and self.legal_minimum_value is None:
            errors["legal_minimum_value"] = "Give the legal minimum, or clear its unit."
        for value_field, unit_field in (("period_value", "period_unit"), ("legal_minimum_value", "legal_minimum_unit")):
            value, unit = getattr(self, value_field), getattr(self, unit_field)
            if value and unit in PeriodUnit.values and value > PeriodUnit.longest(unit):
                errors[value_field] = f"At most {PeriodUnit.longest(unit)} {PeriodUnit(unit).label} (a hundred years)."
        unknown = set(self.applicable_media or []) - set(Medium.values)
        if unknown:
            errors["applicable_media"] = f"Unknown media: {', '.join(sorted(unknown))}."
        if errors:
            raise ValidationError(errors)

    @property
    def period_display(self):
        return PeriodUnit.describe(self.period_value, self.period_unit)

    @property
    def legal_minimum_display(self):
        if not self.legal_minimum_value:
            return ""
        return PeriodUnit.describe(self.legal_minimum_value, self.legal_minimum_unit)

    @property
    def applicable_media_labels(self):
        return [Medium(value).label for value in self.applicable_media]

    def applies_to(self, medium):
        return not self.applicable_media or medium in self.applicable_media


class LegalMinimum(ChecksStatedInClean):
    """A legal minimum retention period that a record may fall under besides its schedule's own,
    e.g. 47 CFR 64.2011(d): records of CPNI breaches, two years. Counted, like the schedule, from
    the record's trigger date; the record expires when the longest period that applies has run."""

    code = models.SlugField(max_length=40, unique=True, help_text="Short code, e.g. BREACH-RECORDS.")
    citation = models.CharField(
        max_length=200, unique=True, help_text="The rule that sets it, e.g. 47 CFR 64.2011(d)."
    )
    title = models.CharField(max_length=200, help_text="What it covers, e.g. Records of CPNI breaches.")
    description = models.TextField(blank=True)
    period_value = models.PositiveIntegerField(validators=[MinValueValidator(1, "The period must be at least 1.")])
    period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.YEARS)
    is_active = models.BooleanField(
        default=True, help_text="Retired minimums are no longer offered; records that carry one keep it."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(period_value__gt=0), name="legal_minimum_period_positive")]

    def __str__(self):
        return f"{self.citation} — {self.title} ({self.period_display})"

    def clean(self):
        errors = {}
        if ";" in self.citation:
            # The import lists a record's minimums separated by semicolons.
            errors["citation"] = "A citation cannot contain a semicolon."
        if self.period_value and self.period_unit in PeriodUnit.values and self.period_value > PeriodUnit.longest(self.period_unit):
            errors["period_value"] = (
                f"At most {PeriodUnit.longest(self.period_unit)} {PeriodUnit(self.period_unit).label} (a hundred years)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def period_display(self):
        return PeriodUnit.describe(self.period_value, self.period_unit)
