"""The accompanying statement of the certification: how the company's procedures ensure compliance
with 47 CFR 64.2001 et seq., generated from the live configuration (active retention schedules and
legal minimums, the roles' permissions, the methods CPNI Track accepts, the escalation period), so
that it never describes a procedure the system does not enforce."""

from django.conf import settings
from django.contrib.auth.models import Group

from compliance.company import company_name
from records import sanitization
from records.destruction import SHREDDING_METHODS, paper_methods
from records.labels import MARKING
from records.models import Destruction, LabelVerification, LegalMinimum, RetentionSchedule
from records.roles import Role
from records.wording import join_words


def procedures_statement():
    """The accompanying statement of the certification, as paragraphs: how the company's
    procedures ensure compliance with 47 CFR 64.2001 et seq., generated from the live
    configuration (active retention schedules, the roles' permissions, the choices of methods and
    the escalation period), so that it never describes a procedure the system does not enforce."""
    return [
        f"{company_name()} has established the operating procedures described below to protect the "
        "confidentiality of Customer Proprietary Network Information (CPNI), as required by Section 222 of "
        "the Communications Act of 1934 and 47 C.F.R. § 64.2001 et seq. They apply to all of its personnel "
        "and are enforced by CPNI Track, the company's system of record for every document and medium that "
        "contains CPNI.",
        _label_paragraph(),
        "Company records including CPNI shall be destroyed when no longer required. Each record is kept under "
        "a retention schedule and under any further legal minimum that applies to it: CPNI Track derives the "
        "record's expiry date from its trigger date as the latest of the end of its schedule's period, of its "
        "schedule's legal minimum and of each further legal minimum recorded for it, and, when that date has "
        "passed, marks the record due for destruction, unless a legal hold covers it. No record is destroyed "
        "before the longest legal minimum period that applies to it. Records still due more than "
        f"{settings.RETENTION_ESCALATION_DAYS} days after becoming due are escalated to the records managers. "
        + _schedules_intro(),
        *[_schedule_paragraph(schedule) for schedule in RetentionSchedule.objects.filter(is_active=True).order_by("code")],
        _legal_minimums_paragraph(),
        _paper_paragraph(),
        "Electronic media shall be given to the Director, Network Operations for destruction. The custodian "
        "hands the medium over, confirming its serial number; "
        f"{_holders('records.confirm_media_destruction')} acknowledges its receipt and sanitizes it following "
        f"NIST SP 800-88 ({_choice_list(Destruction.MethodType, 'or')}, by {_sanitization_methods()}, as its "
        "Appendix A allows for each kind of medium), verifies the result and records it, and CPNI Track issues a "
        "certificate of sanitization with the details NIST SP 800-88 asks for. Media that leave the company are "
        "purged or destroyed, never only cleared, and their certificate awaits validation until a second person "
        "countersigns it. The custodian of a medium may not receive or sanitize it. A destruction may be "
        "countersigned as its validator by "
        f"{_holders('records.validate_destruction')}, who must be neither the person who destroyed the record "
        "nor its custodian.",
        f"Legal holds are placed by {_holders('records.add_legalhold')} on the records a matter, investigation "
        "or request concerns. A record under an active legal hold never becomes due, and nothing can be done to "
        "it until every hold covering it is released; a hold is released only with a stated reason.",
        "Every action on a record, retention schedule, legal hold or destruction is written to an append-only "
        "audit log. Each entry carries the SHA-256 hash of the entry before it, so that an entry changed, "
        "removed or inserted afterwards breaks the chain. The chain is verified from its first entry to its "
        "head, and the year's entries accompany this certification with a program that recomputes them.",
        "Each person signs in to CPNI Track individually and acts in one of these roles: "
        f"{join_words([_quoted(role.label) for role in Role])}. Employees see and handle only the records of their own "
        f"department; {_holders('records.view_all_departments', plural=True)} see the records of every "
        "department. CPNI Track checks every action against the person's role before it is taken.",
    ]


def _paper_paragraph():
    """What the procedure says of paper, with exactly the methods CPNI Track accepts."""
    methods = paper_methods()
    verb = "shredded" if set(methods) <= SHREDDING_METHODS else "destroyed"
    return (
        f"Paper records must be {verb}, by {join_words([method.label.lower() for method in methods], 'or')}; CPNI "
        "Track accepts no other method. The record's custodian confirms the destruction in CPNI Track with the "
        "method used and the date, which can be neither before the record became due nor in the future, and "
        "CPNI Track issues a certificate of destruction under a unique certificate number."
    )


def _sanitization_methods():
    in_use = {method for _, method, _ in sanitization.allowed(())}
    return join_words([label.lower() for _, label in sanitization.choices(Destruction.MediaMethod, in_use)], "or")


def _label_paragraph():
    ways = " or ".join(f"a {label[0].lower()}{label[1:]}" for label in LabelVerification.labels)
    return (
        f"Employees must include “{MARKING}” on all documents that include CPNI. CPNI Track accepts a record "
        f"that contains CPNI only with an attestation that it carries that marking, given by {ways}. A file "
        "check reads the electronic document itself and refuses it when the marking is missing; only the "
        "file's fingerprint (SHA-256) and the outcome are kept, never the document. Records brought in from an "
        "earlier inventory carry only a visual check, declared by the records manager who imported them on behalf "
        "of the named person, who could hold the record, with the day that person attested it."
    )


def _schedules_intro():
    if not RetentionSchedule.objects.filter(is_active=True).exists():
        return "No retention schedule is active."
    return "The retention schedules in force are:"


def _schedule_paragraph(schedule):
    if schedule.trigger == RetentionSchedule.Trigger.EVENT:
        start = schedule.trigger_event or "the event the schedule names"
    else:
        start = "the record's creation date"
    media = f" (for {', '.join(label.lower() for label in schedule.applicable_media_labels)})"
    parts = [f"{schedule.code} — {schedule.title}{media if schedule.applicable_media else ''}: "
             f"kept {schedule.period_display} from {start}"]
    if schedule.legal_minimum_display:
        citation = f" ({schedule.legal_citation})" if schedule.legal_citation else ""
        parts.append(f"legal minimum {schedule.legal_minimum_display}{citation}")
    elif schedule.legal_citation:
        parts.append(f"under {schedule.legal_citation}")
    else:
        parts.append("no legal minimum")
    if schedule.default_disposition == RetentionSchedule.Disposition.REVIEW:
        parts.append("reviewed before destruction")
    return "; ".join(parts) + "."


def _legal_minimums_paragraph():
    minimums = LegalMinimum.objects.filter(is_active=True).order_by("citation")
    if not minimums:
        return "No further legal minimum is recorded beside the schedules' own."
    listed = join_words([f"{m.citation} ({m.title[0].lower()}{m.title[1:]}): {m.period_display}" for m in minimums], "and")
    return f"The further legal minimums a record may fall under, each counted from its trigger date, are {listed}."


def _holders(permission, plural=False):
    """Who holds `permission` now, by role in the roles' order: 'a person in the “Records manager”
    role', 'people in the “Auditor” or “Officer (signatory)” roles'."""
    app_label, codename = permission.split(".")
    names = set(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).values_list("name", flat=True)
    )
    labels = [_quoted(role.label) for role in Role if role.value in names]
    if not labels:
        return "no one"
    who = "people" if plural else "a person"
    return f"{who} in the {join_words(labels, 'or')} role{'s' if len(labels) > 1 else ''}"


def _quoted(label):
    # Quoted, because a role such as "Director, Network Operations" has a comma of its own.
    return f"“{label}”"


def _choice_list(choices, conjunction="and"):
    return join_words([label.lower() for label in choices.labels], conjunction)
