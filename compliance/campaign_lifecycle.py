"""The marketing campaign's states: the one place where a campaign's status changes.

    draft ──submit──> submitted ──approve──> approved ──start──> running ──close──> closed
      ^                   └──────reject───> rejected
      └────────revise─────────────────────────┘

Records managers and employees draft and submit (an employee only the campaigns they requested);
the reviewer the procedure names (the CAMPAIGN_REVIEWER setting: the President, or an officer)
approves or rejects, never the campaign's requester; records managers mark an approved campaign
running and close it, so no outbound campaign runs unapproved. `transition` checks it all under a
row lock, saves the new status with history and appends an audit event, in one transaction.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from records.conflicts import StateConflict
from records.roles import Role, roles_of

from .models import Campaign
from .state_machine import Transition, TransitionNotAllowed, lower_first, move

Status = Campaign.Status
DRAFT = "compliance.add_campaign"
MANAGE = "compliance.change_campaign"
REVIEW = "review"  # not a permission: the CAMPAIGN_REVIEWER setting says who (may_review)


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", frozenset({Status.DRAFT}), Status.SUBMITTED, DRAFT, "Submit for review"),
        Transition("approve", frozenset({Status.SUBMITTED}), Status.APPROVED, REVIEW, "Approve"),
        Transition("reject", frozenset({Status.SUBMITTED}), Status.REJECTED, REVIEW, "Reject"),
        Transition("revise", frozenset({Status.REJECTED}), Status.DRAFT, DRAFT, "Revise (back to draft)"),
        Transition("start", frozenset({Status.APPROVED}), Status.RUNNING, MANAGE, "Mark running"),
        Transition("close", frozenset({Status.RUNNING}), Status.CLOSED, MANAGE, "Close"),
    )
}


def reviewer_words():
    """Who reviews campaigns under the CAMPAIGN_REVIEWER setting, for messages."""
    return "an officer" if settings.CAMPAIGN_REVIEWER == "officer" else "the President"


def may_review(user):
    """True when `user` is the reviewer the procedure names (any campaign but their own)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if settings.CAMPAIGN_REVIEWER == "officer":
        return Role.OFFICER in roles_of(user)
    return user.has_perm("compliance.review_campaign")


def may_draft(user, campaign):
    """Records managers keep every draft; an employee, the campaigns they requested."""
    return user.has_perm(MANAGE) or (user.has_perm(DRAFT) and campaign.requested_by_id == user.pk)


def check_transition(campaign, name, *, actor):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` may take `name` on `campaign` now."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(f"There is no step called {name!r}.")
    if spec.permission == REVIEW:
        if campaign.requested_by_id == actor.pk:
            raise PermissionDenied(f"You requested {campaign.reference}: its review is someone else's. The procedure has "
                                   f"{reviewer_words()} review every outbound campaign, never its requester.")
        if not may_review(actor):
            raise PermissionDenied(f"Only {reviewer_words()} approves or rejects marketing campaigns.")
    elif spec.permission == DRAFT:
        if not may_draft(actor, campaign):
            raise PermissionDenied("Only records managers, and the employee who requested it, submit or revise a campaign.")
    elif not actor.has_perm(spec.permission):
        raise PermissionDenied("Only records managers mark a campaign running or close it.")
    if campaign.status not in spec.sources:
        needs = " or ".join(lower_first(status.label) for status in Status if status in spec.sources)
        why = " An outbound campaign runs only once approved." if name == "start" else ""
        raise TransitionNotAllowed(
            f"{campaign.reference} is {lower_first(campaign.get_status_display())}; '{spec.label}' needs it to be {needs}.{why}"
        )
    return spec


def available(campaign, user):
    """The steps `user` may take on `campaign` now, in TRANSITIONS' order."""
    steps = []
    for name, spec in TRANSITIONS.items():
        try:
            check_transition(campaign, name, actor=user)
        except (PermissionDenied, StateConflict):
            continue
        steps.append(spec)
    return steps


def transition(campaign, name, *, actor, changes=None, payload=None):
    """Move `campaign` along `name`, setting `changes` ({field: value}) with it; returns it as saved."""
    return move(Campaign, campaign, name, check=check_transition, actor=actor, action=f"campaign.{name}",
                changes=changes, payload=payload)
