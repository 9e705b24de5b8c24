"""The accompanying statement of the certification: how the company's procedures ensure compliance
with 47 CFR 64.2001 et seq.

Every sentence comes from one small function below, named after the rule or configuration it
describes and reading it live (settings, the roles' permissions, the lifecycle's transitions, the
sanitization table, the retention schedules and legal minimums, the database in use), so the
statement never claims what CPNI Track does not enforce. A sentence that depends on a rule that
does not hold is left out rather than bent. tests/compliance/test_statement.py changes each rule and
watches its sentence change."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from compliance import breach_clock, breach_escalations
from compliance.company import company_name
from records import sanitization
from records.destruction import SHREDDING_METHODS, paper_methods
from records.labels import MARKING
from records.lifecycle import TRANSITIONS
from records.models import Destruction, LabelVerification, LegalMinimum, Medium, RetentionSchedule, Status
from records.roles import Role
from records.wording import join_words

#: Each lifecycle transition (records.lifecycle.TRANSITIONS) as the statement words it: what is
#: done to the record, and the verb for a person doing it.
TRANSITION_WORDS = {
    "expire": ("marked due", "mark due"),
    "extend_retention": ("kept longer", "keep longer"),
    "mark_for_shredding": ("set aside for shredding", "set aside for shredding"),
    "confirm_shredding": ("shredded", "shred"),
    "request_handover": ("handed over", "hand over"),
    "receive_media": ("received by Network Operations", "receive"),
    "confirm_media_destruction": ("sanitized", "sanitize"),
}


def procedures_statement():
    """The accompanying statement of the certification, as paragraphs of sentences, each from the
    rule it describes."""
    paragraphs = [
        [_purpose(), _logged_records()],
        [_marking_required(), _label_attestation(), _file_check(), _imported_attestation()],
        [_retention_expiry(), _due_when_expired(), _legal_minimum_floor(), _escalation(), _schedules_intro()],
        *[[_schedule_sentence(schedule)] for schedule in _active_schedules()],
        [_legal_minimums()],
        [_paper_methods(), _paper_confirmation()],
        [_media_handover(), _media_sanitization(), _media_leaving(), _media_verification(), _media_custodian(),
         _validator()],
        [_holds_placed(), _held_records(), _hold_release()],
        [_breach_reporting(), _breach_law_enforcement(), _breach_customers(), _breach_directions(),
         _breach_escalation(), _breach_record()],
        [_audit_log(), _audit_chain()],
        [_roles(), _departments(), _permissions_checked()],
    ]
    return [" ".join(sentence for sentence in sentences if sentence) for sentences in paragraphs]


# --------------------------------------------------------------------------- scope

def _purpose():
    """The company's name (compliance.company.company_name)."""
    return (
        f"{company_name()} has established the operating procedures described below to protect the "
        "confidentiality of Customer Proprietary Network Information (CPNI), as required by Section 222 of the "
        "Communications Act of 1934 and 47 C.F.R. § 64.2001 et seq. They apply to all of its personnel."
    )


def _logged_records():
    """CPNI Track knows only the records logged in it: the procedure asks employees to log them, and
    what follows is enforced for each logged record."""
    return (
        "Employees must log in CPNI Track, the company's system of record for CPNI, each document and medium "
        "that contains CPNI; for each record logged in it, CPNI Track enforces the steps described below."
    )


# --------------------------------------------------------------------------- labels

def _marking_required():
    """records.labels.MARKING."""
    return f"Employees must include “{MARKING}” on all documents that include CPNI."


def _label_attestation():
    """records.services refuses a record with CPNI without one of LabelVerification's attestations."""
    ways = join_words([f"a {label[0].lower()}{label[1:]}" for label in LabelVerification.labels], "or")
    return f"CPNI Track accepts a record that contains CPNI only with an attestation that it carries that marking, given by {ways}."


def _file_check():
    """LabelVerification.FILE_CHECK: records.labels reads the file and keeps only its fingerprint."""
    if "file_check" not in LabelVerification.values:
        return ""
    return (
        "A file check reads the electronic document itself and refuses it when the marking is missing; only the "
        "file's fingerprint (SHA-256) and the outcome are kept, never the document."
    )


def _imported_attestation():
    """records.imports refuses a file check for an imported record (there is no file to read)."""
    if "visual" not in LabelVerification.values:
        return ""
    return (
        "Records brought in from an earlier inventory carry only a visual check, declared by the records manager "
        "who imported them on behalf of the named person, who could hold the record, with the day that person "
        "attested it."
    )


# --------------------------------------------------------------------------- retention

def _retention_expiry():
    """records.retention.expiry_date_for: the latest of the terms, then the extensions."""
    return (
        "Each record is kept under one retention schedule and under the further legal minimums recorded for it: "
        "CPNI Track derives the record's expiry date from its trigger date as the latest of the end of its "
        "schedule's period, of its schedule's legal minimum and of each further legal minimum recorded for it, "
        f"then adds any retention extension decided for it by {_holders('records.extend_retention')}."
    )


def _due_when_expired():
    """The lifecycle's "expire" transition, and whether a hold freezes it."""
    unless = ", unless a legal hold covers it" if TRANSITIONS["expire"].frozen_by_hold else ""
    return f"When that date has passed, CPNI Track marks the record due for destruction{unless}."


def _legal_minimum_floor():
    """The lifecycle: an active record leaves that state only by being marked due, so nothing is set
    aside for destruction before its expiry, which is never before a recorded legal minimum."""
    if any(spec.target != Status.DUE for spec in TRANSITIONS.values() if spec.source == Status.ACTIVE):
        return ""
    return (
        "Only a record that is due can be set aside for destruction, so no record is destroyed before the end of "
        "the longest legal minimum recorded for it, its schedule's or a further one; a legal minimum that is not "
        "recorded for a record does not hold it back."
    )


def _escalation():
    """settings.RETENTION_ESCALATION_DAYS; records.notifications.escalations_prepare."""
    return (
        f"Records still due more than {settings.RETENTION_ESCALATION_DAYS} days after becoming due are escalated "
        "to the records managers."
    )


def _active_schedules():
    return RetentionSchedule.objects.filter(is_active=True).order_by("code")


def _schedules_intro():
    """The active retention schedules."""
    if not _active_schedules().exists():
        return "No retention schedule is active."
    return "The retention schedules in force are:"


def _schedule_sentence(schedule):
    """One active retention schedule, as configured."""
    if schedule.trigger == RetentionSchedule.Trigger.EVENT:
        start = schedule.trigger_event or "the event the schedule names"
    else:
        start = "the record's creation date"
    media = f" (for {', '.join(Medium.in_words(medium) for medium in schedule.applicable_media)})"
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


def _legal_minimums():
    """The active further legal minimums."""
    minimums = LegalMinimum.objects.filter(is_active=True).order_by("citation")
    if not minimums:
        return "No further legal minimum is recorded beside the schedules' own."
    listed = join_words([f"{m.citation} ({m.title[0].lower()}{m.title[1:]}): {m.period_display}" for m in minimums], "and")
    return f"The further legal minimums a record may be recorded under, each counted from its trigger date, are {listed}."


# --------------------------------------------------------------------------- paper

def _paper_methods():
    """settings.PAPER_DESTRUCTION_METHODS (records.destruction.paper_methods)."""
    methods = paper_methods()
    verb = "shredded" if set(methods) <= SHREDDING_METHODS else "destroyed"
    return (
        f"Paper records must be {verb}, by {join_words([method.label.lower() for method in methods], 'or')}; CPNI "
        "Track accepts no other method."
    )


def _paper_confirmation():
    """The lifecycle's "confirm_shredding" transition: who takes it."""
    spec = TRANSITIONS["confirm_shredding"]
    who = "The record's custodian" if spec.custodian_only else _capitalized(_holders(spec.permission))
    return (
        f"{who} confirms the destruction in CPNI Track with the method used and the date, which can be neither "
        "before the record became due nor in the future, and CPNI Track issues a certificate of destruction under a "
        "unique certificate number."
    )


# --------------------------------------------------------------------------- electronic media

def _media_handover():
    """The lifecycle's "request_handover" transition, and who receives media (records.receive_media)
    and sanitizes them (records.confirm_media_destruction)."""
    handover = TRANSITIONS["request_handover"]
    behalf = " (or a records manager on the custodian's behalf)" if handover.records_manager_may_act_for_custodian else ""
    return (
        f"Each electronic medium due for destruction is sanitized: the custodian{behalf} hands it over, confirming "
        f"its serial number where the record has one; {_holders('records.receive_media')} acknowledges its receipt; "
        f"and {_holders('records.confirm_media_destruction')} sanitizes it, verifies the result and records it."
    )


def _media_sanitization():
    """records.sanitization.TABLE: the method types and methods allowed for each medium."""
    groups = {}
    for medium, rules in sanitization.TABLE.items():
        groups.setdefault(_rules_text(rules), []).append(_lowered(Medium(medium).label))
    listed = "; ".join(f"{join_words(media)}: {rules}" for rules, media in groups.items())
    return (
        "CPNI Track accepts only the sanitization NIST SP 800-88 Rev. 1 Appendix A allows for each kind of medium, "
        f"as the company applies it ({listed}), and issues a certificate of sanitization with the details "
        "NIST SP 800-88 asks for."
    )


def _rules_text(rules):
    return ", ".join(
        f"{Destruction.MethodType(method_type).label.lower()} by "
        f"{join_words([Destruction.MediaMethod(method).label.lower() for method in methods], 'or')}"
        for method_type, methods in rules.items()
    )


def _media_leaving():
    """records.sanitization: no Clear for a destination leaving the company, and the countersignature
    such a certificate awaits (Destruction.awaiting_validation)."""
    cleared_and_leaving = any(
        method_type == Destruction.MethodType.CLEAR and sanitization.leaves_organisation(destination)
        for medium in sanitization.TABLE
        for method_type, _, destination in sanitization.combinations(medium)
    )
    if cleared_and_leaving:
        return ""
    return (
        "Media that leave the company are purged or destroyed, never only cleared, and their certificate awaits "
        "validation until a second person countersigns it."
    )


def _media_verification():
    """records.destruction: verification always; the tool and its version for sanitization.NEEDS_TOOL."""
    needs_tool = [label.lower() for value, label in Destruction.MethodType.choices if value in sanitization.NEEDS_TOOL]
    tool = f", and the tool and its version for {join_words(needs_tool, 'or')}" if needs_tool else ""
    return f"Every sanitization records how it was verified and the result{tool}."


def _media_custodian():
    """The lifecycle's media transitions the custodian is excluded from."""
    excluded = [TRANSITION_WORDS[spec.name][1] for spec in TRANSITIONS.values() if spec.custodian_excluded]
    if not excluded:
        return ""
    return f"The custodian of a medium may not {join_words(excluded, 'or')} it."


def _validator():
    """records.validate_destruction, and destruction_validate's four-eyes rule."""
    return (
        f"A destruction may be countersigned as its validator by {_holders('records.validate_destruction')}, who "
        "must be neither the person who destroyed the record nor its custodian."
    )


# --------------------------------------------------------------------------- legal holds

def _holds_placed():
    """records.add_legalhold."""
    return (
        f"Legal holds are placed by {_holders('records.add_legalhold')} on the records a matter, investigation or "
        "request concerns."
    )


def _held_records():
    """The lifecycle's transitions a hold freezes, and those it does not (records.holds)."""
    frozen = [TRANSITION_WORDS[spec.name][0] for spec in TRANSITIONS.values() if spec.frozen_by_hold]
    allowed = [TRANSITION_WORDS[spec.name][0] for spec in TRANSITIONS.values() if not spec.frozen_by_hold]
    sentence = (
        "A record under an active legal hold cannot be changed, "
        f"{join_words(frozen, 'or')}, until every hold covering it is released"
    )
    if allowed:
        sentence += f"; it may still be {join_words(allowed, 'or')}"
    return sentence + "."


def _hold_release():
    """records.holds.hold_release: by records.change_legalhold, with a reason."""
    return f"A hold is released by {_holders('records.change_legalhold')}, only with a stated reason."


# --------------------------------------------------------------------------- breaches

def _breach_reporting():
    """compliance.report_breachincident and compliance.change_breachincident (records.roles);
    compliance.breach_lifecycle's "determine"."""
    return (
        f"A suspected breach of CPNI is reported in CPNI Track by {_holders('compliance.report_breachincident')}; "
        f"{_holders('compliance.change_breachincident')} assesses it and records when it was reasonably determined "
        "a breach, which starts its clock."
    )


def _closures():
    count = len(settings.CARRIER_CLOSURES)
    return f", US federal holidays and the company's {count} recorded closure day{'s' if count != 1 else ''}" if count \
        else " and US federal holidays"


def _breach_law_enforcement():
    """settings.BREACH_RULE and CARRIER_CLOSURES; compliance.breach_clock.NOTICE_BUSINESS_DAYS."""
    days = breach_clock.NOTICE_BUSINESS_DAYS
    if settings.BREACH_RULE == "2023":
        who, rule = "the FCC, the US Secret Service and the FBI", "as amended in 2023 (FCC 23-111)"
    else:
        who, rule = "the US Secret Service and the FBI", "as in force before its 2023 amendments"
    return (
        f"Under 47 C.F.R. § 64.2011 {rule}, CPNI Track counts {days} business days from that determination, "
        f"leaving out weekends{_closures()}, as the deadline for notifying {who} through the central reporting "
        "facility, and shows each deadline and what remains open."
    )


def _breach_customers():
    """compliance.breach_clock: when a customer notice is refused, and the 2023 rule's cap and
    annual summary (BREACH_CUSTOMER_NOTICE_DAYS, BREACH_ANNUAL_SUMMARY_DUE)."""
    if settings.BREACH_RULE == "2023":
        month, day = settings.BREACH_ANNUAL_SUMMARY_DUE
        summary_due = f"{datetime.date(2001, month, day):%B} {day}"
        return (
            "It refuses to record a notice to customers before law enforcement and the FCC are notified or while a "
            "law-enforcement direction to delay it holds, and counts "
            f"{settings.BREACH_CUSTOMER_NOTICE_DAYS} days from the determination as the latest day to notify them; no "
            "customer notice is required where the company documents that no harm to customers is reasonably likely, "
            f"and a breach of fewer than {breach_clock.SMALL_BREACH_CUSTOMERS} customers with no harm reasonably likely "
            f"is reported to the FCC in the annual summary due {summary_due} of the following year."
        )
    return (
        f"It refuses to record a notice to customers before {breach_clock.LEGACY_WAIT_BUSINESS_DAYS} full business "
        "days have passed after law enforcement was notified, unless the company records an extraordinarily urgent "
        "need after consulting the investigating agency, and while a law-enforcement direction to delay it holds."
    )


def _breach_directions():
    """settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS; compliance.breach_clock.holds_until."""
    days = settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS
    return (
        "A law-enforcement direction to delay customer notice given orally holds only once it is confirmed in writing "
        f"within {days} business day{'s' if days != 1 else ''}."
    )


def _breach_escalation():
    """compliance.breach_escalations: its recipients and THRESHOLDS."""
    thresholds = join_words([str(n) for n in sorted(breach_escalations.THRESHOLDS, reverse=True)])
    return (
        f"People in the {_labels([Role.RECORDS_MANAGER, Role.OFFICER])} roles are emailed when a breach is "
        f"determined, {thresholds} business days before each open notification deadline, and when one passes."
    )


def _breach_record():
    """compliance.breach_clock.RECORD_YEARS and compliance.breaches' keeping of linked documents."""
    return (
        "The record of each breach, with the copies of its notifications and the documents linked to it, is kept at "
        f"least {breach_clock.RECORD_YEARS} years from its last notification or closure."
    )


# --------------------------------------------------------------------------- audit log

def _audit_log():
    """The database: on PostgreSQL a trigger refuses UPDATE and DELETE on the audit log
    (records/migrations/0008_audit_log_append_only.py); elsewhere only the hash chain guards it."""
    if connection.vendor == "postgresql":
        return (
            "Every action on a record, retention schedule, legal hold or destruction is written to an append-only "
            "audit log: the database refuses to change or delete its entries."
        )
    return (
        "Every action on a record, retention schedule, legal hold or destruction is written to an audit log. The "
        "database does not itself refuse changes to the log; the log is tamper-evident through its hash chain."
    )


def _audit_chain():
    """records.audit's hash chain, its verification, and the package's verifier."""
    return (
        "Each entry carries the SHA-256 hash of the entry before it, so that an entry changed, removed or inserted "
        "afterwards breaks the chain. The chain is verified from its first entry to its head, and the year's entries "
        "accompany this certification with a program that recomputes them."
    )


# --------------------------------------------------------------------------- roles

def _roles():
    """records.roles.Role."""
    return (
        "Each person signs in to CPNI Track individually and acts in one of these roles: "
        f"{join_words([_quoted(role.label) for role in Role])}."
    )


def _departments():
    """records.view_all_departments: who sees every department, who only their own."""
    everywhere = _role_names("records.view_all_departments")
    own = [role for role in Role if role.value not in everywhere and _has(role, "records.view_record")]
    sentences = []
    if own:
        sentences.append(
            f"People in the {_labels(own)} role{'s' if len(own) > 1 else ''} see and handle only the records of "
            "their own department"
        )
    if everywhere:
        sentences.append(f"{_holders('records.view_all_departments', plural=True)} see the records of every department")
    return _capitalized("; ".join(sentences)) + "." if sentences else ""


def _permissions_checked():
    """records.roles.RoleBackend: permissions come from the roles only."""
    return "CPNI Track checks every action against the person's role before it is taken."


# --------------------------------------------------------------------------- helpers

def _role_names(permission):
    app_label, codename = permission.split(".")
    return set(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).values_list("name", flat=True)
    )


def _has(role, permission):
    return role.value in _role_names(permission)


def _holders(permission, plural=False):
    """Who holds `permission` now, by role in the roles' order: 'a person in the “Records manager”
    role', 'people in the “Auditor” or “Officer (signatory)” roles'."""
    names = _role_names(permission)
    roles = [role for role in Role if role.value in names]
    if not roles:
        return "no one"
    who = "people" if plural else "a person"
    return f"{who} in the {_labels(roles, 'or')} role{'s' if len(roles) > 1 else ''}"


def _labels(roles, conjunction="and"):
    return join_words([_quoted(role.label) for role in roles], conjunction)


def _lowered(label):
    """'Solid-state drive' -> 'solid-state drive', but 'USB drive' stays."""
    return label if label.split()[0].isupper() else label[:1].lower() + label[1:]


def _capitalized(text):
    return text[:1].upper() + text[1:]


def _quoted(label):
    # Quoted, because a role such as "Director, Network Operations" has a comma of its own.
    return f"“{label}”"
