"""The company the annual certification is made for: its names, Form 499 Filer ID, signing officer,
and the day its records began."""

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


class CompanyProfile(models.Model):
    """The certification's heading: one row, edited by records managers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    company_names = models.TextField(help_text="The company name(s) covered, one per line.")
    filer_id = models.CharField(max_length=40, blank=True, verbose_name="Form 499 Filer ID")
    no_filer_id_reason = models.CharField(
        max_length=300, blank=True, help_text="Why there is no Form 499 Filer ID, if there is none."
    )
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
        return self.company_names.splitlines()[0] if self.company_names else "Company profile"

    @property
    def signatory_name(self):
        return (self.signatory.get_full_name() or self.signatory.get_username()) if self.signatory else ""

    @property
    def signatory_title(self):
        return self.signatory.title if self.signatory else ""

    @property
    def filer_id_is_well_formed(self):
        """No Filer ID, or six digits."""
        return not self.filer_id.strip() or re.fullmatch(r"\d{6}", self.filer_id.strip()) is not None

    @property
    def filer_id_display(self):
        return self.filer_id or f"N/A ({self.no_filer_id_reason})"

    def clean(self):
        errors = {}
        if not self.filer_id.strip() and not self.no_filer_id_reason.strip():
            errors["no_filer_id_reason"] = "Give the Form 499 Filer ID, or the reason there is none."
        elif not self.filer_id_is_well_formed:
            errors["filer_id"] = "A Form 499 Filer ID is six digits, e.g. 825123."
        if self.records_began_on and self.records_began_on > timezone.localdate():
            errors["records_began_on"] = "The company's records cannot begin in the future."
        problem = signatory_problem(self.signatory) if self.signatory_id else "Choose the officer who signs the certification."
        if problem:
            errors["signatory"] = problem
        if errors:
            raise ValidationError(errors)
