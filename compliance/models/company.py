"""The company the annual certification is made for: the companies it covers (each with its own
Form 499 Filer ID, or the reason it has none), its signing officer, and the day its records began."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def signatory_problem(user):
    """Why `user` cannot sign the certification, or "": the signatory is an active officer with a title."""
    from records.roles import Role, roles_of

    if not user.is_active:
        return f"{user} can no longer sign in and cannot sign the certification."
    if Role.OFFICER not in roles_of(user):
        return f"{user} is not in the officer role: only an officer signs the certification."
    if not user.title.strip():
        return f"{user} has no job title; the certification names the signatory's title."
    return ""


FILER_ID = re.compile(r"\d{6}")


class CompanyProfile(models.Model):
    """The certification's heading: one row, edited by records managers, with the companies it
    covers (CoveredCompany)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
        help_text="The officer who signs the certification: an active user in the officer role, with a job title.",
    )
    records_began_on = models.DateField(
        default=datetime.date(1990, 1, 1),
        help_text="The earliest date any record, register entry or destruction may carry.",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="company_profile_single_row")]

    def __str__(self):
        first = self.companies.first() if self.pk else None
        return first.name if first else "Company profile"

    @property
    def company_names(self):
        """The covered companies' names, in their order."""
        return [company.name for company in self.companies.all()]

    @property
    def filer_id_display(self):
        """The Filer ID of the one company covered, or each company's after its name."""
        companies = list(self.companies.all())
        if len(companies) == 1:
            return companies[0].filer_id_display
        return "; ".join(f"{company.name}: {company.filer_id_display}" for company in companies)

    @property
    def signatory_name(self):
        return (self.signatory.get_full_name() or self.signatory.get_username()) if self.signatory else ""

    @property
    def signatory_title(self):
        return self.signatory.title if self.signatory else ""

    def clean(self):
        errors = {}
        if self.records_began_on and self.records_began_on > timezone.localdate():
            errors["records_began_on"] = "The company's records cannot begin in the future."
        problem = signatory_problem(self.signatory) if self.signatory_id else "Choose the officer who signs the certification."
        if problem:
            errors["signatory"] = problem
        if errors:
            raise ValidationError(errors)


class CoveredCompany(models.Model):
    """A company the certification covers, with its own Form 499 Filer ID or the reason it has none."""

    profile = models.ForeignKey(CompanyProfile, on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(max_length=200)
    # Longer than six characters so that a value from before the rule was kept can be read and reported
    # (records.integrity); clean() accepts six digits only.
    filer_id = models.CharField(max_length=40, blank=True, verbose_name="Form 499 Filer ID",
                                help_text="Six digits, e.g. 825123.")
    no_filer_id_reason = models.CharField(
        max_length=300, blank=True, verbose_name="Reason it has none",
        help_text="Why the company has no Form 499 Filer ID, if it has none.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "covered companies"

    def __str__(self):
        return self.name

    @property
    def filer_id_is_well_formed(self):
        """No Filer ID, or six digits."""
        return not self.filer_id or FILER_ID.fullmatch(self.filer_id) is not None

    @property
    def filer_id_display(self):
        return self.filer_id or f"N/A ({self.no_filer_id_reason})"

    def clean(self):
        self.name, self.filer_id = self.name.strip(), self.filer_id.strip()
        self.no_filer_id_reason = self.no_filer_id_reason.strip()
        errors = {}
        if not self.filer_id and not self.no_filer_id_reason:
            errors["no_filer_id_reason"] = "Give the Form 499 Filer ID, or the reason there is none."
        elif not self.filer_id_is_well_formed:
            errors["filer_id"] = "A Form 499 Filer ID is six digits, e.g. 825123."
        elif self.filer_id and self.no_filer_id_reason:
            errors["no_filer_id_reason"] = "The company has a Form 499 Filer ID: leave the reason for having none empty."
        if errors:
            raise ValidationError(errors)
