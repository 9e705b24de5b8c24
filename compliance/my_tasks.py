"""What a person has to do in the CPNI program, for their dashboard: the training they must read
and sign, and for the campaign reviewer the campaigns waiting for their review."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from compliance import training
from compliance.campaign_lifecycle import may_review
from compliance.models import Campaign, TrainingAssignment


@dataclass(frozen=True)
class Task:
    words: str
    url: str
    overdue: bool = False


def tasks_for(user, today=None):
    today = today or timezone.localdate()
    tasks = []
    assigned = (TrainingAssignment.objects.filter(person=user, status=TrainingAssignment.Status.ASSIGNED)
                .select_related("course").order_by("due_on", "pk"))
    for assignment in assigned:
        overdue = training.is_overdue(assignment, today)
        tasks.append(Task(
            f"Read {assignment.course} and sign its acknowledgement: "
            f"{'it was due' if overdue else 'due'} {assignment.due_on:%Y-%m-%d}",
            reverse("training-mine"), overdue))
    if may_review(user):
        waiting = (Campaign.objects.filter(status=Campaign.Status.SUBMITTED).exclude(requested_by=user)
                   .order_by("status_changed_at", "pk"))
        tasks += [Task(f"Review marketing campaign {campaign.reference}, submitted "
                       f"{timezone.localtime(campaign.status_changed_at):%Y-%m-%d}",
                       reverse("campaign-detail", args=[campaign.pk])) for campaign in waiting]
    return tasks
