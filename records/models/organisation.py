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
