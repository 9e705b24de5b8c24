"""Departments and the people who sign in."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class Department(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in. Their role is their group (records.roles); employees also belong to
    a department, which limits the records they see."""

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    title = models.CharField(max_length=120, blank=True, help_text="Job title, shown on certificates.")

    history = HistoricalRecords()

    def __str__(self):
        return self.get_full_name() or self.username


class EnrolmentCode(models.Model):
    """A one-time code a records manager issues so that a person of a privileged role can set up
    their second factor: knowing the password is not enough to enrol an authenticator. Only the
    code's SHA-256 is kept; it works once, for the person it was issued for, until it expires."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="Empty when issued from the command line (manage.py issue_enrolment_code).")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Replaced by a newer code before it was used.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("issue_enrolmentcode", "Can issue second-factor enrolment codes")]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"Enrolment code for {self.user} issued {self.issued_at:%Y-%m-%d %H:%M}"
