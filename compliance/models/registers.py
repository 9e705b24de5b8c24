"""The registers the annual 47 CFR 64.2009(e) certification reports on: customer complaints about
unauthorized release of CPNI, actions against data brokers, and pretexting observed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from records.dates import check_past_dates


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
