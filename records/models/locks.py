"""Leases that keep two runs of the same job (e.g. the retention sweep) from interleaving."""

from django.db import models


class JobLock(models.Model):
    name = models.CharField(max_length=60, primary_key=True)
    holder = models.CharField(max_length=80, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
