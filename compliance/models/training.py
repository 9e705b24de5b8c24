"""Training, acknowledgement and discipline (47 CFR 64.2009(b); the procedure's Compliance section):
courses with versions, each person's assignments, the completion each person signs in CPNI Track
(the acknowledgement that they have read and will follow the CPNI procedures), supervisor briefings
and staff meetings, and disciplinary actions for breaches of the procedures. An assignment's status
changes only through compliance.training_lifecycle; the rules of what is entered are
compliance.training's."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

ACKNOWLEDGEMENT = "I have read and will follow the CPNI procedures"


class TrainingCourse(models.Model):
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=30, help_text="E.g. 2026.1; a changed text is a new version.")
    summary = models.TextField(verbose_name="Procedures acknowledged",
                               help_text="The text of the procedures the person reads and acknowledges.")
    effective_on = models.DateField(verbose_name="Effective on")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["title", "version"], name="training_course_title_version")]

    def __str__(self):
        return f"{self.title} (version {self.version})"


class TrainingAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        COMPLETED = "completed", "Completed"

    class Reason(models.TextChoices):
        NEW_HIRE = "new_hire", "New hire"
        YEARLY = "yearly", "Yearly"
        OTHER = "other", "Other"

    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_assignments")
    due_on = models.DateField(verbose_name="Due on")
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.OTHER)
    year = models.PositiveIntegerField(null=True, blank=True, help_text="The year of a yearly assignment.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED, editable=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", editable=False, help_text="Empty when assigned by CPNI Track.")
    assigned_at = models.DateTimeField(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], condition=models.Q(year__isnull=False),
                                               name="training_yearly_once")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.course} for {self.person}"


class TrainingCompletion(models.Model):
    """The person's signed acknowledgement, made by that person in CPNI Track."""

    assignment = models.OneToOneField(TrainingAssignment, on_delete=models.PROTECT, related_name="completion")
    completed_at = models.DateTimeField()
    course_version = models.CharField(max_length=30)
    acknowledgement = models.CharField(max_length=200, default=ACKNOWLEDGEMENT)
    signature = models.CharField(max_length=150, help_text="The person's full name, typed as their signature.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_at", "-id"]

    def __str__(self):
        return f"Acknowledgement of {self.assignment}"


class Briefing(models.Model):
    class Kind(models.TextChoices):
        SUPERVISOR = "supervisor", "Supervisor briefing"
        STAFF_MEETING = "staff_meeting", "Staff meeting"

    kind = models.CharField(max_length=15, choices=Kind.choices)
    held_on = models.DateField(verbose_name="Held on")
    led_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="Led by")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="briefings_attended")
    topic = models.TextField(help_text="What was said about the confidentiality of CPNI. No CPNI here.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.held_on:%Y-%m-%d}"


class DisciplinaryAction(models.Model):
    """Read only by officers and records managers."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    breached = models.TextField(verbose_name="What was breached")
    breach = models.ForeignKey("compliance.BreachIncident", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="Breach incident")
    complaint = models.ForeignKey("compliance.CustomerComplaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="Customer complaint")
    finding = models.TextField(blank=True, help_text="The finding, when neither a breach nor a complaint.")
    action_taken = models.TextField(verbose_name="Action taken")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="Decided by")
    decided_on = models.DateField(verbose_name="Decided on")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recorded_at = models.DateTimeField(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return f"Disciplinary action {self.pk}"
