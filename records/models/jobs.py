"""Long work a person starts (placing a hold on a department, recomputing a schedule's records,
verifying the audit chain), run by a Celery task a chunk at a time. The job row is what the
person watches: its progress, and at the end what changed."""

from django.conf import settings
from django.db import models

# The constraint that lets a kind of job run only once at a time on one subject.
ONE_UNFINISHED = "records_job_one_unfinished"


class Job(models.Model):
    class Kind(models.TextChoices):
        HOLD_PLACE = "hold.place", "Placing a legal hold"
        HOLD_RELEASE = "hold.release", "Releasing a legal hold"
        SCHEDULE_RECOMPUTE = "schedule.recompute", "Recomputing a schedule's expiry dates"
        MINIMUM_RECOMPUTE = "minimum.recompute", "Recomputing a legal minimum's expiry dates"
        CHAIN_VERIFY = "chain.verify", "Verifying the audit chain"
        EXPORT = "export", "Writing a CSV export"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=300, help_text="What the job does, for people.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # None: started by the system (a scheduled task, or a command run without naming a person).
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last time a chunk was committed: a running job silent for long has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True, help_text="The hold, schedule or minimum worked on.")
    link = models.CharField(max_length=200, blank=True, help_text="The page where the job's work is seen.")
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveBigIntegerField(default=0, help_text="Records or events to go through (an estimate while running).")
    done = models.PositiveBigIntegerField(default=0)
    # Where the next chunk starts (a record id, an event's sequence): committed with each chunk,
    # so a worker killed half-way is resumed after the last chunk it wrote.
    cursor = models.BigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # Its task's message could not be sent then (the task queue unreachable): its page says it
    # waits, and the reconcile task sends it again.
    queue_unreachable_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"]),
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["kind", "subject_id"]),
        ]
        constraints = [
            # One unfinished job of a kind per hold, schedule or minimum: a second recompute of a
            # schedule would work from records the first has not reached. The request that starts a
            # job leaves the check to this index (records.jobs.second_unfinished tells its refusal
            # apart), and the unfinished jobs are looked up through it.
            models.UniqueConstraint(fields=["kind", "subject_id"], condition=models.Q(state__in=["queued", "running"]),
                                    name=ONE_UNFINISHED),
        ]

    def __str__(self):
        return f"Job #{self.pk}: {self.description}"

    @property
    def is_finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)
