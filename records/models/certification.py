"""What the annual 47 CFR 64.2009(e) CPNI certification reports on: the company, customer
complaints about unauthorized release of CPNI, actions against data brokers and pretexters,
and the packages built and filed for each year."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..dates import check_past_dates


def signatory_problem(user):
    """Why `user` cannot sign the certification, or "": the signatory is an active officer with a title."""
    from ..roles import Role, roles_of

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


class CustomerComplaint(models.Model):
    class Category(models.TextChoices):
        """The FCC's categories of complaints about unauthorized release of CPNI (64.2009(e))."""

        EMPLOYEE_ACCESS = "employee_access", "Improper access by employees"
        IMPROPER_DISCLOSURE = "improper_disclosure", "Improper disclosure to individuals not authorized to receive it"
        ONLINE_ACCESS = "online_access", "Improper access to online information by individuals not authorized to view it"
        OTHER = "other", "Other (describe)"

    received_on = models.DateField()
    category = models.CharField(max_length=24, choices=Category.choices)
    other_category = models.CharField(
        max_length=200, blank=True, verbose_name="Other category",
        help_text="For “Other”: what kind of unauthorized release the complaint is about, without any CPNI.",
    )
    summary = models.TextField()
    resolution = models.TextField(blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["received_on", "category"])]

    def __str__(self):
        return f"Complaint of {self.received_on:%Y-%m-%d}: {self.get_category_display()}"

    @property
    def category_label(self):
        if self.category == self.Category.OTHER:
            return f"Other: {self.other_category}"
        return self.get_category_display()

    def clean(self):
        if self.category == self.Category.OTHER and not self.other_category.strip():
            raise ValidationError({"other_category": "Describe the category of a complaint filed under “Other”."})
        if self.category != self.Category.OTHER and self.other_category.strip():
            raise ValidationError({"other_category": "Only a complaint filed under “Other” describes its category."})
        check_past_dates(received_on=self.received_on, resolved_on=self.resolved_on)
        if self.resolved_on and self.received_on and self.resolved_on < self.received_on:
            raise ValidationError({"resolved_on": "A complaint is resolved on or after the day it was received."})


class DataBrokerAction(models.Model):
    class Forum(models.TextChoices):
        STATE_COMMISSION = "state_commission", "State commission"
        COURT = "court", "Court"
        FCC = "fcc", "Federal Communications Commission"

    taken_on = models.DateField()
    forum = models.CharField(max_length=20, choices=Forum.choices)
    description = models.TextField(help_text="The proceeding instituted or petition filed, and against whom.")
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-taken_on", "-id"]

    def __str__(self):
        return f"{self.get_forum_display()} action of {self.taken_on:%Y-%m-%d}"

    def clean(self):
        check_past_dates(taken_on=self.taken_on)


class PretextingObservation(models.Model):
    """A method pretexters were seen using to obtain CPNI, and what the company did about it."""

    observed_on = models.DateField()
    method = models.TextField()
    steps_taken = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_on", "-id"]

    def __str__(self):
        return f"Pretexting seen {self.observed_on:%Y-%m-%d}"

    def clean(self):
        check_past_dates(observed_on=self.observed_on)


class CertificationPackage(models.Model):
    """One build of a year's certification package (a ZIP under VAR_DIR/packages)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    year = models.PositiveSmallIntegerField()
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
        """The filings not withdrawn: at most one a year, and it locks the year."""
        return self.filter(withdrawn_at__isnull=True)


class CertificationFiling(models.Model):
    """The officer's record that a year's certification was signed and filed; it locks the year
    until withdrawn (a filing recorded in error, within WITHDRAWAL_DAYS, by its officer)."""

    WITHDRAWAL_DAYS = 7

    year = models.PositiveSmallIntegerField()
    package = models.ForeignKey(CertificationPackage, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    filed_on = models.DateField()
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    objects = CertificationFilingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        permissions = [("follow_certification", "Can follow where each year's certification stands (API)")]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(withdrawn_at__isnull=True), name="one_standing_filing_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.year} certification filed {self.filed_on:%Y-%m-%d}"

    @property
    def due_on(self):
        from compliance.deadlines import certification_due_date

        return certification_due_date(self.year)

    @property
    def is_late(self):
        return self.filed_on > self.due_on
