"""Marketing campaigns (47 CFR 64.2009(c), (d); procedure (b)): drafting a campaign, changing a
draft, the review by the reviewer the procedure names, running and closing, who sees what, the
year's campaigns and evidence. Every status change goes through compliance.campaign_lifecycle;
each service checks the actor's permission, validates everything before it writes, writes in one
transaction with history and records an audit event."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict
from records.dates import records_began_on
from records.models import CpniCategory, User

from . import campaign_lifecycle as lifecycle
from .models import Campaign

Status = Campaign.Status
Basis = Campaign.ApprovalBasis
VIEW, DRAFT, MANAGE = "compliance.view_campaign", lifecycle.DRAFT, lifecycle.MANAGE
FIELDS = ("description", "channel", "products", "uses_cpni", "cpni_categories", "approval_basis", "affiliate",
          "starts_on", "ends_on")
NOTE_MAX = 4000


def may_list(user):
    return user.has_perm(VIEW) or user.has_perm(DRAFT)


def visible_campaigns(user):
    """The campaigns `user` may read: all of them for those who read the register, an employee's
    own requests for an employee, none otherwise."""
    queryset = Campaign.objects.select_related("requested_by", "reviewed_by")
    if user.has_perm(VIEW):
        return queryset
    if user.has_perm(DRAFT):
        return queryset.filter(requested_by=user)
    return queryset.none()


def overlapping(year):
    """The campaigns whose period overlaps calendar `year`."""
    from datetime import date

    return Q(starts_on__lte=date(year, 12, 31), ends_on__gte=date(year, 1, 1))


def campaigns_of(year):
    return Campaign.objects.filter(overlapping(year))


def _clean_fields(fields):
    extra = sorted(set(fields) - set(FIELDS))
    if extra:
        raise ValidationError({"__all__": f"Not a field of a campaign: {', '.join(extra)}."})
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    if "cpni_categories" in cleaned:
        categories = cleaned["cpni_categories"] or []
        if isinstance(categories, str) or not isinstance(categories, (list, tuple)):
            raise ValidationError({"cpni_categories": "Give the CPNI used as a list of categories."})
        cleaned["cpni_categories"] = [value for value in CpniCategory.values if value in categories]
        unknown = sorted(str(value) for value in categories if value not in CpniCategory.values)
        if unknown:
            raise ValidationError({"cpni_categories": f"Not a category of CPNI: {', '.join(unknown)}."})
    return cleaned


def _errors(campaign):
    errors = {}
    for name, what in (("description", "Describe the campaign."),
                       ("products", "Say which products and services the campaign offers.")):
        if not (getattr(campaign, name) or "").strip():
            errors[name] = what
    if campaign.channel not in Campaign.Channel.values:
        errors["channel"] = "Choose the campaign's channel."
    if campaign.approval_basis not in Basis.values:
        errors["approval_basis"] = "Choose the customer approval basis."
    if campaign.uses_cpni not in (True, False):
        errors["uses_cpni"] = "Say whether the campaign uses CPNI."
    if campaign.starts_on is None:
        errors["starts_on"] = "Enter the day the campaign starts."
    elif campaign.starts_on < records_began_on():
        errors["starts_on"] = f"The start cannot be before {records_began_on():%Y-%m-%d}, when the company's records began."
    if campaign.ends_on is None:
        errors["ends_on"] = "Enter the day the campaign ends."
    elif campaign.starts_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = "The campaign cannot end before it starts."
    if campaign.uses_cpni is True:
        if not campaign.cpni_categories:
            errors["cpni_categories"] = "Say which CPNI the campaign uses."
        if campaign.approval_basis == Basis.NONE_NEEDED:
            errors["approval_basis"] = "A campaign that uses CPNI needs the customers' approval: choose opt-out or opt-in."
    elif campaign.uses_cpni is False and campaign.cpni_categories:
        errors["cpni_categories"] = "The campaign uses no CPNI: leave the CPNI used empty, or say it uses CPNI."
    if len(campaign.affiliate or "") > 200:
        errors["affiliate"] = "At most 200 characters."
    if errors:
        raise ValidationError(errors)


def _requester(actor, requested_by):
    """The campaign's requester: the actor, or for a records manager the active person they name."""
    if requested_by is None or requested_by == actor:
        return actor
    if not actor.has_perm(MANAGE):
        raise ValidationError({"requested_by": "You request the campaigns you draft: only records managers draft one "
                                               "for someone else."})
    if not isinstance(requested_by, User) or not requested_by.is_active:
        raise ValidationError({"requested_by": "Choose an active person as the requester."})
    return requested_by


def _payload(campaign):
    values = {name: getattr(campaign, name) for name in FIELDS}
    values["requested_by"] = campaign.requested_by.username if campaign.requested_by_id else None
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in values.items()}


def campaign_create(*, actor, fields, requested_by=None):
    """Draft a campaign, requested by the actor (or, for a records manager, by whom they name).
    Nothing is written unless all of it is valid."""
    if not actor.has_perm(DRAFT):
        raise PermissionDenied("Only records managers and employees draft marketing campaigns.")
    requester = _requester(actor, requested_by)
    now = timezone.now()
    fields = _clean_fields(fields)
    campaign = Campaign(recorded_by=actor, recorded_at=now, status_changed_at=now, requested_by=requester, **fields)
    _errors(campaign)
    with transaction.atomic():
        campaign._history_user = actor
        campaign.save()
        audit_event_record(actor=actor, action="campaign.created", obj=campaign, payload=_payload(campaign))
    return campaign


def campaign_update(*, actor, campaign, fields, requested_by=None):
    """Change a draft (only a draft: a submitted campaign is reviewed as it was submitted)."""
    if not actor.has_perm(DRAFT):
        raise PermissionDenied("Only records managers and employees draft marketing campaigns.")
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().select_related("requested_by").get(pk=campaign.pk)
        if not lifecycle.may_draft(actor, locked):
            raise PermissionDenied("Only records managers, and the employee who requested it, change a campaign.")
        if locked.status != Status.DRAFT:
            raise StateConflict(f"{locked.reference} is {locked.get_status_display().lower()}: only a draft is changed "
                                "(a rejected campaign goes back to draft to be revised).")
        before = _payload(locked)
        if requested_by is not None:
            locked.requested_by = _requester(actor, requested_by)
        for name, value in fields.items():
            setattr(locked, name, value)
        _errors(locked)
        locked._history_user = actor
        locked.save()
        after = _payload(locked)
        audit_event_record(actor=actor, action="campaign.updated", obj=locked, payload={
            "changed": {name: [before[name], after[name]] for name in after if before[name] != after[name]},
        })
    return locked


def _note(note):
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"At most {NOTE_MAX} characters."})
    return note


def campaign_submit(*, actor, campaign):
    lifecycle.check_transition(campaign, "submit", actor=actor)
    _errors(campaign)  # a draft saved before a rule changed still has to pass it
    return lifecycle.transition(campaign, "submit", actor=actor)


def campaign_approve(*, actor, campaign, note=""):
    """The reviewer approves a submitted campaign (never its requester)."""
    lifecycle.check_transition(campaign, "approve", actor=actor)
    note = _note(note)
    return lifecycle.transition(campaign, "approve", actor=actor, payload={"note": note}, changes={
        "reviewed_by": actor, "reviewed_at": timezone.now(), "review_note": note})


def campaign_reject(*, actor, campaign, note=""):
    """The reviewer rejects a submitted campaign, saying why."""
    lifecycle.check_transition(campaign, "reject", actor=actor)
    note = _note(note)
    if not note:
        raise ValidationError({"note": "Say why the campaign is rejected."})
    return lifecycle.transition(campaign, "reject", actor=actor, payload={"note": note}, changes={
        "reviewed_by": actor, "reviewed_at": timezone.now(), "review_note": note})


def campaign_revise(*, actor, campaign):
    """A rejected campaign back to draft, to be changed and submitted again (the rejection stays in
    its history and the audit log)."""
    return lifecycle.transition(campaign, "revise", actor=actor, changes={
        "reviewed_by": None, "reviewed_at": None, "review_note": ""})


def campaign_start(*, actor, campaign):
    return lifecycle.transition(campaign, "start", actor=actor)


def campaign_close(*, actor, campaign):
    return lifecycle.transition(campaign, "close", actor=actor, changes={"closed_at": timezone.now()})


STEPS = {"submit": campaign_submit, "approve": campaign_approve, "reject": campaign_reject,
         "revise": campaign_revise, "start": campaign_start, "close": campaign_close}
NOTED = {"approve", "reject"}


def campaign_step(*, actor, campaign, step, note=""):
    """Take `step` (a name of compliance.campaign_lifecycle.TRANSITIONS) on `campaign`."""
    if step not in STEPS:
        raise lifecycle.TransitionNotAllowed(f"There is no step called {step!r}.")
    if step in NOTED:
        return STEPS[step](actor=actor, campaign=campaign, note=note)
    return STEPS[step](actor=actor, campaign=campaign)


def campaign_evidence(year):
    """True sentences about the year's campaigns, for the accompanying statement."""
    campaigns = list(campaigns_of(year))
    if not campaigns:
        return [f"No sales or marketing campaign is recorded for {year}."]
    count = len(campaigns)
    reviewed = [c for c in campaigns if c.reviewed_by_id and c.status in (Status.APPROVED, Status.RUNNING, Status.CLOSED)]
    with_cpni = [c for c in campaigns if c.uses_cpni]
    sentences = [f"{count} sales or marketing campaign{'s' if count != 1 else ''} ran or {'were' if count != 1 else 'was'} "
                 f"planned in {year}; {len(reviewed)} {'were' if len(reviewed) != 1 else 'was'} approved by "
                 f"{lifecycle.reviewer_words()} before running."]
    if not with_cpni:
        sentences.append("None used CPNI.")
        return sentences
    # The register holds the approval basis each campaign declared; the approvals themselves are in
    # the approval-status system, so the sentence states what was recorded, not that it was obtained.
    bases = [f"{sum(c.approval_basis == basis for c in with_cpni)} on {label[:1].lower()}{label[1:]}"
             for basis, label in Basis.choices
             if basis != Basis.NONE_NEEDED and any(c.approval_basis == basis for c in with_cpni)]
    sentences.append(f"{len(with_cpni)} used CPNI; the customer approval basis recorded for "
                     f"{'it' if len(with_cpni) == 1 else 'them'}: {' and '.join(bases)}.")
    return sentences
