"""The accompanying statement's section texts: the one place where they change.

    (none) ──draft──> draft ──edit──> draft
                        └──approve──> approved   (the section's approved text before it: superseded)

Records managers draft a section's policy text, or record that the section does not apply with
its reason (compliance.add_statementsectiontext); an officer approves the draft
(compliance.approve_statementsectiontext), never their own. A section has at most one draft and one
approved text at a time. Each change is saved with history and an audit event, in one transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from records.audit import audit_event_record

from .models import StatementSectionText
from .models.statement import REASON_MAX, TEXT_MAX
from .state_machine import TransitionNotAllowed
from .statement_sections import section_of

Status = StatementSectionText.Status
DRAFT = "compliance.add_statementsectiontext"
APPROVE = "compliance.approve_statementsectiontext"


def may_draft(user):
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(DRAFT))


def may_approve(user, text):
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(APPROVE)
                and text.status == Status.DRAFT and text.drafted_by_id != user.pk)


def _clean(section_key, text, not_applicable, reason):
    section = section_of(section_key or "")
    if section is None:
        raise ValidationError({"section": "There is no statement section with that name."})
    text, reason = (text or "").strip(), (reason or "").strip()
    errors = {}
    if "\x00" in text or "\x00" in reason:
        errors["text" if "\x00" in text else "reason"] = "The text contains a character that cannot be stored (a NUL byte)."
    elif not_applicable:
        if not reason:
            errors["reason"] = (f"Give the reason why {section.heading} does not apply (for instance, that the company "
                                "does not use CPNI for marketing): a section is not applicable only with a recorded reason.")
        elif len(reason) > REASON_MAX:
            errors["reason"] = f"Keep the reason within {REASON_MAX} characters (it has {len(reason)})."
        text = ""
    else:
        if not text:
            errors["text"] = (f"Write the company's policy for {section.heading}, or mark the section not applicable "
                              "with a reason.")
        elif len(text) > TEXT_MAX:
            errors["text"] = f"Keep the policy text within {TEXT_MAX} characters (it has {len(text)})."
        reason = ""
    if errors:
        raise ValidationError(errors)
    return section, text, reason


def draft_save(*, actor, section, text="", not_applicable=False, reason=""):
    """Record `actor`'s draft of `section`'s text (or its not-applicable reason): a new version, or
    the section's pending draft edited. The drafter is whoever wrote the draft's current words."""
    if not may_draft(actor):
        raise PermissionDenied("Only records managers draft the accompanying statement's texts.")
    spec, text, reason = _clean(section, text, not_applicable, reason)
    with transaction.atomic():
        draft = StatementSectionText.objects.select_for_update().filter(section=spec.key, status=Status.DRAFT).first()
        action = "statement.draft_edited" if draft else "statement.drafted"
        if draft is None:
            last = StatementSectionText.objects.filter(section=spec.key).aggregate(last=Max("version"))["last"] or 0
            draft = StatementSectionText(section=spec.key, version=last + 1)
        draft.text, draft.not_applicable, draft.reason = text, bool(not_applicable), reason
        draft.drafted_by, draft.drafted_at = actor, timezone.now()
        draft._history_user, draft._change_reason = actor, action.partition(".")[2]
        draft.save()
        audit_event_record(actor=actor, action=action, obj=draft,
                           payload={"section": spec.key, "citation": spec.citation, "version": draft.version,
                                    "not_applicable": draft.not_applicable})
    return draft


def approve(*, actor, text):
    """An officer approves the draft `text`; the section's approved text before it is superseded."""
    if not (actor and actor.has_perm(APPROVE)):
        raise PermissionDenied("Only an officer approves the accompanying statement's texts.")
    with transaction.atomic():
        locked = StatementSectionText.objects.select_for_update().get(pk=text.pk)
        spec = section_of(locked.section)
        heading = spec.heading if spec else locked.section
        if locked.drafted_by_id == actor.pk:
            raise PermissionDenied(f"You drafted version {locked.version} of {heading}: another officer approves it, "
                                   "never its drafter.")
        if locked.status != Status.DRAFT:
            raise TransitionNotAllowed(f"Version {locked.version} of {heading} is {locked.get_status_display().lower()}; "
                                       "only a draft can be approved.")
        now = timezone.now()
        for old in StatementSectionText.objects.select_for_update().filter(section=locked.section, status=Status.APPROVED):
            old.status, old.superseded_at = Status.SUPERSEDED, now
            old._history_user, old._change_reason = actor, "superseded"
            old.save()
        locked.status, locked.approved_by, locked.approved_at = Status.APPROVED, actor, now
        locked._history_user, locked._change_reason = actor, "approve"
        locked.save()
        audit_event_record(actor=actor, action="statement.approved", obj=locked,
                           payload={"section": locked.section, "citation": spec.citation if spec else "",
                                    "version": locked.version, "not_applicable": locked.not_applicable})
    return locked
