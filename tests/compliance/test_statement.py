"""The accompanying statement, sentence by sentence: each sentence is pinned to the rule or the
configuration it describes. Change the rule and the sentence changes with it (or the test that
checks the rule itself fails)."""

from dataclasses import replace
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, models, transaction

from compliance import statement as statement_module
from compliance.statement import procedures_statement
from records import lifecycle, sanitization
from records.audit import audit_event_record, verify_chain
from records.models import AuditEvent, Destruction, LegalMinimum, Medium, RetentionSchedule, Status
from records.retention import expiry_date_for
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_company_profile, make_record

pytestmark = pytest.mark.django_db

MethodType, Method, Destination = Destruction.MethodType, Destruction.MediaMethod, Destruction.Destination


def text():
    return "\n".join(procedures_statement())


def grant(role, permission):
    app_label, codename = permission.split(".")
    Group.objects.get(name=role).permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def revoke(role, permission):
    app_label, codename = permission.split(".")
    Group.objects.get(name=role).permissions.remove(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def patch_transition(monkeypatch, name, **changes):
    monkeypatch.setitem(lifecycle.TRANSITIONS, name, replace(lifecycle.TRANSITIONS[name], **changes))


@pytest.fixture
def schedule(db):
    return ScheduleFactory(
        code="TOLL-BILLING", title="Toll billing records", period_value=18, period_unit="months",
        legal_minimum_value=18, legal_minimum_unit="months", legal_citation="47 CFR 42.6",
    )


@pytest.fixture
def breach(db):
    return LegalMinimum.objects.create(code="BREACH-RECORDS", citation="47 CFR 64.2011(d)",
                                       title="Records of CPNI breaches", period_value=2, period_unit="years")


# --------------------------------------------------------------------------- scope

def test_the_statement_is_made_in_the_company_profiles_first_name(settings):
    officer = UserFactory(title="President", role=Role.OFFICER)
    assert text().startswith(f"{settings.COMPANY_NAME} has established the operating procedures")
    make_company_profile(companies=[("Vermont Telephone Co.", "825123"), ("Other Name LLC", "825124")], signatory=officer)
    assert text().startswith("Vermont Telephone Co. has established the operating procedures")


def test_the_statement_claims_only_the_records_logged_in_cpni_track():
    statement = text()
    assert "system of record for every document and medium that contains CPNI" not in statement
    assert ("Employees must log in CPNI Track, the company's system of record for CPNI, each document and medium "
            "that contains CPNI; for each record logged in it, CPNI Track enforces the steps described below.") in statement


# --------------------------------------------------------------------------- labels

def test_the_label_sentences_follow_the_marking_and_the_ways_of_attesting_it(monkeypatch):
    statement = text()
    assert "Employees must include “CONFIDENTIAL” on all documents that include CPNI." in statement
    assert ("given by a visual check of the document or medium or a file check by CPNI Track. A file check reads the "
            "electronic document itself") in statement
    assert "Records brought in from an earlier inventory carry only a visual check" in statement

    class VisualOnly(models.TextChoices):
        VISUAL = "visual", "Visual check of the document or medium"

    monkeypatch.setattr(statement_module, "LabelVerification", VisualOnly)
    monkeypatch.setattr(statement_module, "MARKING", "CONFIDENTIAL — CPNI")
    statement = text()
    assert "Employees must include “CONFIDENTIAL — CPNI” on all documents that include CPNI." in statement
    assert "only with an attestation that it carries that marking, given by a visual check of the document or medium." in statement
    assert "file check" not in statement


# --------------------------------------------------------------------------- retention

def test_the_expiry_is_the_latest_term_plus_extensions_decided_by_whoever_may_extend(schedule, breach, employee):
    statement = text()
    assert ("CPNI Track derives the record's expiry date from its trigger date as the latest of the end of its "
            "schedule's period, of its schedule's legal minimum and of each further legal minimum recorded for it, then "
            "adds any retention extension decided for it by a person in the “Records manager” role.") in statement

    trigger = date(2025, 3, 1)
    assert expiry_date_for(schedule, trigger, minimums=[breach]) == date(2027, 3, 1)
    assert expiry_date_for(schedule, trigger, extensions=[(6, "months")], minimums=[breach]) == date(2027, 9, 1)
    record = make_record(custodian=employee, schedule=schedule, trigger_date=trigger, legal_minimums=[breach])
    assert record.expiry_date == date(2027, 3, 1)

    revoke("records_manager", "records.extend_retention")
    grant("auditor", "records.extend_retention")
    assert "then adds any retention extension decided for it by a person in the “Auditor” role." in text()


def test_the_record_becomes_due_unless_held_as_the_expire_transition_says(monkeypatch):
    assert "When that date has passed, CPNI Track marks the record due for destruction, unless a legal hold covers it." in text()
    patch_transition(monkeypatch, "expire", frozen_by_hold=False)
    statement = text()
    assert "When that date has passed, CPNI Track marks the record due for destruction." in statement
    assert "unless a legal hold covers it" not in statement


def test_the_legal_minimum_floor_is_claimed_only_while_an_active_record_can_only_become_due(monkeypatch):
    statement = text()
    assert "No record is destroyed before the longest legal minimum period that applies to it." not in statement
    floor = ("Only a record that is due can be set aside for destruction, so no record is destroyed before the end of "
             "the longest legal minimum recorded for it, its schedule's or a further one; a legal minimum that is not "
             "recorded for a record does not hold it back.")
    assert floor in statement

    shortcut = lifecycle.Transition("shred_at_once", Status.ACTIVE, Status.PENDING_SHRED, "records.mark_for_destruction")
    monkeypatch.setitem(lifecycle.TRANSITIONS, "shred_at_once", shortcut)
    monkeypatch.setitem(statement_module.TRANSITION_WORDS, "shred_at_once", ("shredded at once", "shred at once"))
    assert floor not in text()


def test_the_escalation_period_is_the_setting(settings):
    assert "Records still due more than 14 days after becoming due are escalated to the records managers." in text()
    settings.RETENTION_ESCALATION_DAYS = 30
    assert "Records still due more than 30 days after becoming due are escalated to the records managers." in text()


def test_the_schedules_listed_are_the_active_ones(schedule):
    statement = text()
    assert "The retention schedules in force are:" in statement
    assert "TOLL-BILLING — Toll billing records: kept 18 months from the record's creation date; legal minimum 18 months (47 CFR 42.6)." in statement

    ScheduleFactory(
        code="MARKETING-APPROVALS", title="Customer approvals", period_value=2, period_unit="years",
        legal_minimum_value=1, legal_minimum_unit="years", legal_citation="47 CFR 64.2009(c)",
        default_disposition=RetentionSchedule.Disposition.REVIEW,
    )
    schedule.is_active = False
    schedule.save()
    statement = text()
    assert "TOLL-BILLING" not in statement
    assert ("MARKETING-APPROVALS — Customer approvals: kept 2 years from the record's creation date; legal minimum "
            "1 year (47 CFR 64.2009(c)); reviewed before destruction.") in statement

    RetentionSchedule.objects.update(is_active=False)
    assert "No retention schedule is active." in text()


def test_the_further_legal_minimums_listed_are_the_active_ones(breach):
    assert ("The further legal minimums a record may be recorded under, each counted from its trigger date, are "
            "47 CFR 64.2011(d) (records of CPNI breaches): 2 years.") in text()
    breach.is_active = False
    breach.save()
    assert "No further legal minimum is recorded beside the schedules' own." in text()


# --------------------------------------------------------------------------- paper

def test_the_paper_verb_and_methods_are_those_the_company_allows(settings):
    statement = text()
    assert ("Paper records must be shredded, by cross-cut shredder or shredding vendor; CPNI Track accepts no other "
            "method.") in statement
    assert "pulping" not in statement and "incineration" not in statement

    settings.PAPER_DESTRUCTION_METHODS = ["incineration", "cross_cut_shredder", "pulping"]
    statement = text()
    assert ("Paper records must be destroyed, by cross-cut shredder, pulping or incineration; CPNI Track accepts no "
            "other method.") in statement
    assert "shredding vendor" not in statement and "Paper records must be shredded" not in statement

    settings.PAPER_DESTRUCTION_METHODS = ["pulping"]
    assert "Paper records must be destroyed, by pulping; CPNI Track accepts no other method." in text()


def test_who_confirms_the_shredding_is_who_the_transition_allows(monkeypatch):
    assert "The record's custodian confirms the destruction in CPNI Track with the method used and the date" in text()
    patch_transition(monkeypatch, "confirm_shredding", custodian_only=False)
    assert ("A person in the “Employee (custodian)” or “Records manager” roles confirms the destruction in CPNI Track "
            "with the method used and the date") in text()


# --------------------------------------------------------------------------- electronic media

def test_who_receives_and_sanitizes_media_is_who_holds_the_permissions(monkeypatch):
    statement = text()
    assert ("Each electronic medium due for destruction is sanitized: the custodian (or a records manager on the "
            "custodian's behalf) hands it over, confirming its "
            "serial number where the record has one; a person in the “Director, Network Operations” role acknowledges "
            "its receipt; and a person in the “Director, Network Operations” role sanitizes it") in statement

    revoke("netops_director", "records.receive_media")
    grant("records_manager", "records.receive_media")
    patch_transition(monkeypatch, "request_handover", records_manager_may_act_for_custodian=False)
    assert ("the custodian hands it over, confirming its serial number where the record has one; a person in "
            "the “Records manager” role acknowledges its receipt; and a person in the “Director, Network Operations” "
            "role sanitizes it") in text()


def test_the_sanitization_sentence_is_the_nist_table(monkeypatch):
    statement = text()
    assert "SP 800-88 (clear, purge or destroy, by overwrite, block erase" not in statement  # any combination: untrue
    assert ("hard disk: clear by overwrite, purge by overwrite, cryptographic erase or degauss, destroy by shred, "
            "disintegrate, pulverize, melt or incinerate; solid-state drive and USB drive: clear by overwrite, purge by "
            "block erase or cryptographic erase, destroy by shred, disintegrate, pulverize, melt or incinerate; optical "
            "disc: destroy by shred, disintegrate, pulverize, melt or incinerate; tape: clear by overwrite or degauss, "
            "purge by degauss, destroy by shred, disintegrate, pulverize, melt or incinerate; file share, email and "
            "other electronic: clear by overwrite, purge by cryptographic erase") in statement

    monkeypatch.setitem(sanitization.TABLE, Medium.OPTICAL_DISC, {MethodType.DESTROY: {Method.SHRED: (Destination.RECYCLING,)}})
    statement = text()
    assert "optical disc: destroy by shred;" in statement
    assert "optical disc: destroy by shred, disintegrate" not in statement


def test_media_leaving_the_company_are_said_never_cleared_only_while_the_table_says_so(monkeypatch):
    leaving = ("Media that leave the company are purged or destroyed, never only cleared, and their certificate awaits "
               "validation until a second person countersigns it.")
    assert leaving in text()
    rules = dict(sanitization.TABLE[Medium.TAPE])
    rules[MethodType.CLEAR] = {Method.OVERWRITE: (Destination.INTERNAL_REUSE, Destination.EXTERNAL_REUSE)}
    monkeypatch.setitem(sanitization.TABLE, Medium.TAPE, rules)
    assert leaving not in text()


def test_the_verification_and_tool_sentence_follows_what_each_method_type_needs(monkeypatch):
    assert "Every sanitization records how it was verified and the result, and the tool and its version for clear or purge." in text()
    monkeypatch.setattr(sanitization, "NEEDS_TOOL", frozenset({MethodType.PURGE}))
    assert "Every sanitization records how it was verified and the result, and the tool and its version for purge." in text()


def test_what_the_custodian_of_a_medium_may_not_do_is_what_the_transitions_exclude(monkeypatch):
    assert "The custodian of a medium may not receive or sanitize it." in text()
    patch_transition(monkeypatch, "receive_media", custodian_excluded=False)
    assert "The custodian of a medium may not sanitize it." in text()
    patch_transition(monkeypatch, "confirm_media_destruction", custodian_excluded=False)
    assert "The custodian of a medium may not" not in text()


def test_the_validators_are_who_holds_the_validate_permission():
    assert ("A destruction may be countersigned as its validator by a person in the “Records manager” or “Director, "
            "Network Operations” roles, who must be neither the person who destroyed the record nor its custodian.") in text()
    revoke("records_manager", "records.validate_destruction")
    assert "countersigned as its validator by a person in the “Director, Network Operations” role, who" in text()


# --------------------------------------------------------------------------- legal holds

def test_who_places_and_releases_holds_is_who_holds_the_permissions():
    statement = text()
    assert "Legal holds are placed by a person in the “Records manager” role on the records" in statement
    assert "A hold is released by a person in the “Records manager” role, only with a stated reason." in statement
    grant("auditor", "records.add_legalhold")
    revoke("records_manager", "records.change_legalhold")
    grant("officer", "records.change_legalhold")
    statement = text()
    assert "Legal holds are placed by a person in the “Records manager” or “Auditor” roles on the records" in statement
    assert "A hold is released by a person in the “Officer (signatory)” role, only with a stated reason." in statement


def test_what_a_hold_freezes_is_what_the_transitions_say(monkeypatch):
    statement = text()
    assert "nothing can be done to it until every hold covering it is released" not in statement  # it may be kept longer
    assert ("A record under an active legal hold cannot be changed, marked due, set aside for shredding, shredded, "
            "handed over, received by Network Operations or sanitized, until every hold covering it is released; it "
            "may still be kept longer.") in statement
    assert lifecycle.TRANSITIONS["extend_retention"].frozen_by_hold is False

    patch_transition(monkeypatch, "extend_retention", frozen_by_hold=True)
    patch_transition(monkeypatch, "confirm_shredding", frozen_by_hold=False)
    assert ("A record under an active legal hold cannot be changed, marked due, kept longer, set aside for shredding, "
            "handed over, received by Network Operations or sanitized, until every hold covering it is released; it "
            "may still be shredded.") in text()


# --------------------------------------------------------------------------- audit log

@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_audit_log_is_called_append_only_on_postgresql_only(vendor, monkeypatch):
    monkeypatch.setattr(connection, "vendor", vendor)
    statement = text()
    if vendor == "postgresql":
        assert ("is written to an append-only audit log: the database refuses to change or delete its entries.") in statement
    else:
        assert "append-only" not in statement
        assert ("is written to an audit log. The database does not itself refuse changes to the log; the log is "
                "tamper-evident through its hash chain.") in statement


def test_the_database_in_use_refuses_changes_to_the_log_exactly_when_the_statement_says_so(records_manager):
    event = audit_event_record(actor=records_manager, action="test.event", payload={})
    claims_append_only = "append-only" in text()
    try:
        with transaction.atomic():
            assert AuditEvent.objects.filter(sequence=event.sequence).update(action="test.changed") == 1
    except DatabaseError:
        refused = True
    else:
        refused = False
    assert claims_append_only == refused
    if not refused:
        assert not verify_chain().ok  # tamper-evident: the chain shows the change


# --------------------------------------------------------------------------- roles

def test_the_roles_are_listed_from_the_roles_themselves():
    assert ("acts in one of these roles: “Employee (custodian)”, “Records manager”, “Director, Network Operations”, "
            "“Auditor” and “Officer (signatory)”.") in text()


def test_who_sees_every_department_is_who_holds_the_permission():
    assert ("People in the “Employee (custodian)” role see and handle only the records of their own department; people "
            "in the “Records manager”, “Director, Network Operations”, “Auditor” or “Officer (signatory)” roles see the "
            "records of every department.") in text()
    revoke("auditor", "records.view_all_departments")
    assert ("People in the “Employee (custodian)” and “Auditor” roles see and handle only the records of their own "
            "department; people in the “Records manager”, “Director, Network Operations” or “Officer (signatory)” roles "
            "see the records of every department.") in text()


def test_every_action_is_checked_against_the_role_not_a_personal_grant(employee):
    assert "CPNI Track checks every action against the person's role before it is taken." in text()
    employee.user_permissions.add(Permission.objects.get(content_type__app_label="records", codename="add_legalhold"))
    employee = type(employee).objects.get(pk=employee.pk)
    assert not employee.has_perm("records.add_legalhold")


# --------------------------------------------------------------------------- breaches

def test_who_reports_and_who_determines_a_breach_is_who_holds_the_permissions():
    assert ("A suspected breach of CPNI is reported in CPNI Track by a person in the “Employee (custodian)” or "
            "“Records manager” roles; a person in the “Records manager” role assesses it and records when it was "
            "reasonably determined a breach, which starts its clock.") in text()
    revoke("employee", "compliance.report_breachincident")
    assert "A suspected breach of CPNI is reported in CPNI Track by a person in the “Records manager” role;" in text()


def test_the_law_enforcement_deadline_follows_the_rule_and_the_closures(settings):
    assert ("Under 47 C.F.R. § 64.2011 as in force before its 2023 amendments, CPNI Track counts 7 business days from "
            "that determination, leaving out weekends and US federal holidays, as the deadline for notifying the US "
            "Secret Service and the FBI through the central reporting facility, and shows each deadline and what "
            "remains open.") in text()
    settings.BREACH_RULE = "2023"
    settings.CARRIER_CLOSURES = [date(2026, 12, 24), date(2026, 12, 31)]
    assert ("Under 47 C.F.R. § 64.2011 as amended in 2023 (FCC 23-111), CPNI Track counts 7 business days from that "
            "determination, leaving out weekends, US federal holidays and the company's 2 recorded closure days, as the "
            "deadline for notifying the FCC, the US Secret Service and the FBI through the central reporting "
            "facility") in text()


def test_the_customer_notice_sentence_is_the_rules_refusals_cap_and_summary_date(settings):
    legacy = ("It refuses to record a notice to customers before 7 full business days have passed after law enforcement "
              "was notified, unless the company records an extraordinarily urgent need after consulting the "
              "investigating agency, and while a law-enforcement direction to delay it holds.")
    assert legacy in text()
    settings.BREACH_RULE = "2023"
    settings.BREACH_CUSTOMER_NOTICE_DAYS = 25
    settings.BREACH_ANNUAL_SUMMARY_DUE = (3, 1)
    statement = text()
    assert legacy not in statement
    assert ("It refuses to record a notice to customers before law enforcement and the FCC are notified or while a "
            "law-enforcement direction to delay it holds, and counts 25 days from the determination as the latest day "
            "to notify them; no customer notice is required where the company documents that no harm to customers is "
            "reasonably likely, and a breach of fewer than 500 customers with no harm reasonably likely is reported to "
            "the FCC in the annual summary due March 1 of the following year.") in statement


def test_the_oral_direction_window_escalations_and_record_keeping_are_the_configured_ones(settings, monkeypatch):
    from compliance import breach_escalations

    statement = text()
    assert ("A law-enforcement direction to delay customer notice given orally holds only once it is confirmed in "
            "writing within 3 business days.") in statement
    assert ("People in the “Records manager” and “Officer (signatory)” roles are emailed when a breach is determined, "
            "3 and 1 business days before each open notification deadline, and when one passes.") in statement
    assert ("The record of each breach, with the copies of its notifications and the documents linked to it, is kept "
            "at least 2 years from its last notification or closure.") in statement
    settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS = 1
    monkeypatch.setattr(breach_escalations, "THRESHOLDS", (1, 2, 5))
    statement = text()
    assert "confirmed in writing within 1 business day." in statement
    assert "5, 2 and 1 business days before each open notification deadline" in statement
