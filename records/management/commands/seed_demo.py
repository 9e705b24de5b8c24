"""Load demo data (departments, one user per role, retention schedules and a few dozen records)
and print the demo logins. Safe to run again: existing demo data is left as it is."""

import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from records import destruction, holds, services
from compliance import campaigns, duty_evidence, statement_lifecycle, training
from compliance.registers import company_profile_save, register_save
from records.models import (
    Department,
    LabelVerification,
    LegalMinimum,
    Medium,
    Record,
    RetentionSchedule,
    Status,
    User,
)
from compliance.models import CompanyProfile, CustomerComplaint, PretextingObservation, StatementSectionText
from records.roles import Duty, Role

DEPARTMENTS = [
    ("billing", "Billing"),
    ("customer-care", "Customer Care"),
    ("network-operations", "Network Operations"),
    ("legal-compliance", "Legal & Compliance"),
    ("sales-marketing", "Sales & Marketing"),
]

# username, first, last, title, department code, role
DEMO_USERS = [
    ("emma", "Emma", "Ortiz", "Billing Specialist", "billing", Role.EMPLOYEE),
    ("carl", "Carl", "Nguyen", "Customer Care Lead", "customer-care", Role.EMPLOYEE),
    ("sam", "Sam", "Patel", "Marketing Analyst", "sales-marketing", Role.EMPLOYEE),
    ("dave", "Dave", "Morales", "Network Engineer", "network-operations", Role.EMPLOYEE),
    ("rita", "Rita", "Kowalski", "Records Manager", "legal-compliance", Role.RECORDS_MANAGER),
    ("nate", "Nate", "Brennan", "Director, Network Operations", "network-operations", Role.NETOPS_DIRECTOR),
    ("ann", "Ann", "Fischer", "Internal Auditor", "legal-compliance", Role.AUDITOR),
    ("oscar", "Oscar", "Tanaka", "President and CEO", None, Role.OFFICER),
]
LOGIN_PER_ROLE = {"emma", "rita", "nate", "ann", "oscar"}

# Duties the procedures give a named person, beside their role (records.roles.Duty).
DEMO_DUTIES = {"oscar": [Duty.PRESIDENT]}

PAPER_AND_DOCUMENTS = [Medium.PAPER, Medium.FILE_SHARE, Medium.EMAIL, Medium.OTHER_ELECTRONIC]
# The demo company does not market with CPNI (its procedures forbid it): no schedule for campaigns
# using CPNI; its campaigns are in the marketing campaigns register (compliance.campaigns).
SCHEDULES = [
    dict(code="TOLL-BILLING", title="Toll billing records", period_value=18, period_unit="months",
         legal_minimum_value=18, legal_minimum_unit="months", legal_citation="47 CFR 42.6",
         description="Caller name, address and number, number called, date, time and length of call."),
    dict(code="THIRD-PARTY", title="Disclosures of CPNI to third parties", period_value=1, period_unit="years",
         legal_minimum_value=1, legal_minimum_unit="years", legal_citation="47 CFR 64.2009(c)"),
    dict(code="CUST-APPROVAL", title="Customer approvals and CPNI notices", period_value=1, period_unit="years",
         legal_minimum_value=1, legal_minimum_unit="years", legal_citation="47 CFR 64.2007, 64.2008"),
    dict(code="BREACH", title="CPNI breach records", period_value=2, period_unit="years",
         legal_minimum_value=2, legal_minimum_unit="years", legal_citation="47 CFR 64.2011(d)",
         applicable_media=PAPER_AND_DOCUMENTS),
    dict(code="ACCOUNT-CLOSED", title="Customer account records after closure", period_value=3, period_unit="years",
         trigger=RetentionSchedule.Trigger.EVENT, trigger_event="account closure",
         description="Service and configuration records kept three years after the account closes."),
    dict(code="NETWORK-LOGS", title="Network usage logs on media", period_value=90, period_unit="days",
         applicable_media=[m for m in Medium.values if m != Medium.PAPER]),
]

LEGAL_MINIMUMS = [
    dict(code="BREACH-RECORDS", citation="47 CFR 64.2011(d)", title="Records of CPNI breaches and their notifications",
         period_value=2, period_unit="years",
         description="Dates of discovery and notification, a description of the CPNI breached and the circumstances."),
    dict(code="TOLL-RECORDS", citation="47 CFR 42.6", title="Toll billing records", period_value=18, period_unit="months"),
]
# Records that also hold the records of a CPNI breach: the breach minimum, longer than their schedule's, sets their expiry.
BREACH_EVIDENCE = {"Disputed invoice folder", "Call detail backup"}

# title, medium, schedule, custodian, days since trigger (None: event not yet happened), categories
RECORD_TEMPLATES = [
    ("Toll detail printouts", Medium.PAPER, "TOLL-BILLING", "emma", 600, ["billing", "destination", "amount_of_use"]),
    ("Monthly billing run export", Medium.FILE_SHARE, "TOLL-BILLING", "emma", 500, ["billing", "quantity"]),
    ("Call detail backup", Medium.TAPE, "TOLL-BILLING", "emma", 700, ["billing", "destination", "location"]),
    ("Disputed invoice folder", Medium.PAPER, "TOLL-BILLING", "emma", 200, ["billing"]),
    ("Installer work orders", Medium.PAPER, "THIRD-PARTY", "carl", 380, ["technical_configuration", "location"]),
    ("Vendor provisioning extract", Medium.USB_DRIVE, "THIRD-PARTY", "carl", 420, ["technical_configuration"]),
    ("Opt-out notices sent", Medium.FILE_SHARE, "CUST-APPROVAL", "carl", 30, ["type"]),
    ("Closed account configuration", Medium.HARD_DISK, "ACCOUNT-CLOSED", "carl", None, ["technical_configuration"]),
    ("Usage log archive", Medium.SSD, "NETWORK-LOGS", "dave", 120, ["amount_of_use", "location"]),
    ("Router configuration snapshots", Medium.OPTICAL_DISC, "NETWORK-LOGS", "dave", 45, ["technical_configuration"]),
    ("Pretexting incident file", Medium.PAPER, "BREACH", "rita", 100, ["billing", "location"]),
]
LOCATIONS = ["HQ, cabinet B2", "HQ, records room", "Data center rack 14", "Secure file share /cpni", "Branch office safe"]


# The demo company's starting policy for each section of the accompanying statement (the
# carrier's procedures, as the statement worded them): officer-approved by the seed.
STARTING_POLICY = {
    "use": (
        "The company uses CPNI only to provide the service the customer subscribes to, to bill and collect for it, and "
        "to protect its rights and property and its customers from fraudulent, abusive or unlawful use of the service. "
        "CPNI may be released to contractors and vendors only to provision the service the customer ordered, or to "
        "install inside wire, maintain or repair the service."
    ),
    "approval_notice": (
        "The company does not use, disclose or permit access to CPNI for any purpose that requires customer approval. "
        "Should it ever seek approval, it will first send every customer the notice of their CPNI rights, keep each "
        "version of the notice and a record of every mailing, and wait the opt-out period before relying on it."
    ),
    "approval_status": (
        "Each customer's CPNI approval status is kept in the billing system, where it is shown before any use of CPNI "
        "that would need approval. The records manager uploads periodic evidence of that system (a snapshot or a count "
        "by approval type) to CPNI Track."
    ),
    "training": (
        "Every employee is trained in these procedures when hired and every year, and signs an acknowledgement of them. "
        "Supervisors discuss the confidentiality of information with their direct reports, and periodic company-wide "
        "staff meetings reinforce it. Any deviation from these procedures may result in disciplinary action, up to and "
        "including termination of employment."
    ),
    "records": (
        "The company keeps a record of every sales and marketing campaign and of every release of or access to CPNI by "
        "a third party, for at least one year."
    ),
    "supervisory_review": (
        "The President of the company reviews every outbound marketing campaign before it is run, to ensure that it "
        "complies with these procedures; no campaign runs unapproved."
    ),
    "certification": (
        "Each year an officer with personal knowledge of these procedures signs the certification of compliance, with "
        "this statement, and files it with the Commission on or before March 1 of the following year."
    ),
    "optout_failures": (
        "Should the company's opt-out mechanisms fail to work properly, it notifies the Commission by letter within "
        "five business days, with every element the rule asks for."
    ),
    "authentication": (
        "The call centre authenticates every customer before discussing call detail information: a password, a "
        "call-back to the telephone number of record, or a visit with valid photo identification. Customers are "
        "notified immediately of any change to their password, authentication questions, online account or address of "
        "record."
    ),
    "breaches": (
        "Employees report any suspected breach of CPNI to a records manager at once. The company notifies law "
        "enforcement and the Commission, and its customers where required, within the deadlines of the rule, and keeps "
        "a record of every breach and notification."
    ),
    "procedure_records": (
        "Employees must include “CONFIDENTIAL” on all documents that include CPNI. Company records including CPNI "
        "are destroyed when no longer required, after their retention period. Paper records must be shredded. "
        "Electronic media are given to the Director, Network Operations for destruction."
    ),
    "procedure_vendors": (
        "CPNI may be released to contractors and vendors only to provision the service ordered by the customer, or to "
        "install inside wire, maintain or repair the service. The company releases no other personally identifiable "
        "information to third parties."
    ),
    "procedure_marketing": (
        "The company does not use CPNI for marketing: it uses no CPNI in any sales or marketing campaign, other than by "
        "its affiliates when marketing the company's service to its own customers."
    ),
    "procedure_website": (
        "The company's web site is not used to collect personally identifying information, as the Acceptable Usage "
        "Policy in the Customer Service Agreement describes."
    ),
}


class Command(BaseCommand):
    help = "Load demo data for CPNI Track and print one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="The URL to print.")

    def handle(self, *args, url, **options):
        credentials_file = settings.VAR_DIR / "demo-credentials.json"
        with transaction.atomic():
            departments = {code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
                           for code, name in DEPARTMENTS}
            passwords = self._users(departments, credentials_file)
            schedules = {s["code"]: RetentionSchedule.objects.get_or_create(code=s["code"], defaults=s)[0]
                         for s in SCHEDULES}
            minimums = {m["code"]: LegalMinimum.objects.get_or_create(code=m["code"], defaults=m)[0]
                        for m in LEGAL_MINIMUMS}
        if not Record.objects.exists():
            self._records(schedules, minimums)
            self._registers()
        if not StatementSectionText.objects.exists():
            self._statement()
        self.stdout.write(self.style.SUCCESS(f"\nCPNI Track is at {url}"))
        self.stdout.write("Demo logins (one per role):")
        for username, _, _, _, _, role in DEMO_USERS:
            if username in LOGIN_PER_ROLE:
                self.stdout.write(f"  {role.label:<32} {username:<8} {passwords[username]}")

    def _users(self, departments, credentials_file):
        """Create the demo users; passwords are generated at first run and kept under var/."""
        saved = json.loads(credentials_file.read_text()) if credentials_file.exists() else {}
        passwords = {}
        for username, first, last, title, department, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults=dict(first_name=first, last_name=last, title=title,
                              department=departments.get(department), is_staff=role == Role.RECORDS_MANAGER),
            )
            if created or username not in saved:
                saved[username] = secrets.token_urlsafe(12)
                user.set_password(saved[username])
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            for duty in DEMO_DUTIES.get(username, []):
                user.groups.add(Group.objects.get(name=duty.value))
            passwords[username] = saved[username]
        credentials_file.write_text(json.dumps(saved, indent=2))
        credentials_file.chmod(0o600)
        return passwords

    def _records(self, schedules, minimums):
        today = timezone.localdate()
        users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])}
        records = []
        for copy in range(3):
            for index, (title, medium, code, custodian, age, categories) in enumerate(RECORD_TEMPLATES):
                owner = users[custodian]
                document = None
                if Medium.is_electronic(medium) and medium not in Medium.removable():
                    document = (f"{title.lower().replace(' ', '-')}.txt",
                                f"CONFIDENTIAL\n{title}: CPNI Track demo document.\n".encode())
                records.append(services.record_create(
                    actor=owner,
                    title=f"{title}{' ' + 'ABC'[copy] if copy else ''}",
                    medium=medium,
                    department=owner.department,
                    custodian=owner,
                    location=LOCATIONS[(index + copy) % len(LOCATIONS)],
                    schedule=schedules[code],
                    trigger_date=None if age is None else today - timedelta(days=age + 37 * copy),
                    cpni_categories=categories,
                    media_serial_number=f"SN-{2026 + copy}-{index:04d}" if medium in Medium.removable() else "",
                    customer_reference="ACCT-20931" if code == "TOLL-BILLING" and copy == 0 else "",
                    label_verification=LabelVerification.FILE_CHECK if document else LabelVerification.VISUAL,
                    label_confirmed=True,
                    label_document=document,
                    legal_minimums=[minimums["BREACH-RECORDS"]] if title in BREACH_EVIDENCE else [],
                ))
        self._advance_demo_lifecycle(records, users, today)
        self.stdout.write(f"Logged {len(records)} demo records.")

    def _registers(self):
        """The company profile and a few register entries, so a certification package can be built."""
        rita = User.objects.get(username="rita")
        company_profile_save(
            actor=rita, profile=CompanyProfile(), fields=dict(signatory=User.objects.get(username="oscar")),
            companies=[dict(name=settings.COMPANY_NAME, filer_id="",
                            no_filer_id_reason="Company does not provide interstate telecommunications service")],
        )
        today = timezone.localdate()
        register_save(actor=rita, instance=CustomerComplaint(), fields=dict(
            received_on=today - timedelta(days=40), category=CustomerComplaint.Category.ONLINE_ACCESS,
            summary="Customer reports that someone viewed their call records online after a password reset.",
            resolution="Account secured; reset flow now requires the account PIN.", resolved_on=today - timedelta(days=33),
        ))
        register_save(actor=rita, instance=PretextingObservation(), fields=dict(
            observed_on=today - timedelta(days=60), method="Caller posing as the account holder asked for recent call details.",
            steps_taken="Call-back to the number of record before any CPNI is discussed; staff briefed.",
        ))
        self._campaign(rita, today)
        self._training(rita, today)

    def _statement(self):
        """The starting policy text of every section of the accompanying statement, drafted by the
        records manager and approved by the officer, so the demo's final certification builds."""
        rita, oscar = User.objects.get(username="rita"), User.objects.get(username="oscar")
        for key, text in STARTING_POLICY.items():
            draft = statement_lifecycle.draft_save(actor=rita, section=key, text=text)
            statement_lifecycle.approve(actor=oscar, text=draft)
        reviewed_on = timezone.localdate() - timedelta(days=20)
        duty_evidence.record(
            actor=rita, section="authentication", as_of=reviewed_on, source="Call centre quality review",
            summary="25 recorded calls about call detail were sampled; in each the caller was authenticated by "
                    "password or call-back before any call detail was discussed.",
            data="".join(["call,authenticated_by\n"] + [
                f"{reviewed_on:%Y%m%d}-{n:02d},{'call-back' if n % 4 == 0 else 'password'}\n" for n in range(1, 26)
            ]).encode(), file_name="call-review.csv")

    def _training(self, rita, today):
        """The CPNI procedures course, everyone's yearly training (Carl has signed it) and a staff meeting."""
        from records.dates import records_began_on

        course = training.course_create(
            actor=rita, title="CPNI procedures", version=f"{today.year}.1",
            effective_on=max(today - timedelta(days=60), records_began_on()),
            summary="Authenticate every caller before discussing call detail: a password, a call-back to the number of "
                    "record, or a visit with photo ID. Never give CPNI to a third party, and use none in sales or "
                    "marketing. Report a suspected breach to a records manager at once. Breaches of these procedures "
                    "are disciplined.")
        training.assign_yearly(actor=rita, year=today.year, due_on=today + timedelta(days=30), course=course)
        carl = User.objects.get(username="carl")
        training.training_complete(actor=carl, assignment=carl.training_assignments.get(year=today.year),
                                   acknowledged=True, signature=carl.get_full_name())
        training.briefing_create(actor=rita, kind="staff_meeting", held_on=today - timedelta(days=20), led_by=rita,
                                 attendees=list(User.objects.filter(username__in=["emma", "carl", "sam", "dave"])),
                                 topic="Callers posing as account holders: call back the number of record first.")

    def _campaign(self, rita, today):
        """One outbound campaign without CPNI, requested by marketing, approved by the President, run and closed."""
        sam, oscar = User.objects.get(username="sam"), User.objects.get(username="oscar")
        campaign = campaigns.campaign_create(actor=sam, fields=dict(
            description="Spring mailing to every residential address in the service area announcing faster fiber plans.",
            channel="mail", products="Residential fiber internet, 1 Gbps and 2 Gbps plans", uses_cpni=False,
            cpni_categories=[], approval_basis="none", starts_on=today - timedelta(days=120),
            ends_on=today - timedelta(days=60),
        ))
        campaign = campaigns.campaign_submit(actor=sam, campaign=campaign)
        campaign = campaigns.campaign_approve(actor=oscar, campaign=campaign,
                                              note="Uses a purchased address list only; no CPNI. Approved.")
        campaign = campaigns.campaign_start(actor=rita, campaign=campaign)
        campaigns.campaign_close(actor=rita, campaign=campaign)

    def _advance_demo_lifecycle(self, records, users, today):
        """Show records in several states: those logged past their expiry are due already, and a
        few move on towards destruction."""
        due = [r for r in records if r.status == Status.DUE]
        paper = [r for r in due if r.medium == Medium.PAPER][:3]
        media = [r for r in due if r.medium in Medium.removable()][:4]
        for record in paper:
            destruction.record_mark_for_shredding(actor=record.custodian, record=record)
        destruction.shredding_confirm(
            actor=paper[0].custodian, record=paper[0], destroyed_on=today, method="shredding_vendor",
            vendor_certificate_number="SHRED-2026-0412", notes="Locked console collected by the vendor.",
        )
        destruction.media_hand_over(actor=users["dave"], handovers=[(r, r.media_serial_number) for r in media if r.custodian == users["dave"]])
        destruction.media_hand_over(actor=users["rita"], handovers=[(r, r.media_serial_number) for r in media if r.custodian != users["dave"]])
        destruction.media_receive(actor=users["nate"], receipts=[(r, r.media_serial_number) for r in media[:3]])
        sanitized = destruction.media_destruction_confirm(
            actor=users["nate"], records=media[:1], destroyed_on=today, method_type="destroy", method="shred",
            method_details="Shredded to 2 mm particles", tool_name="Industrial media shredder", tool_version="",
            verification_method="Visual inspection of particle size", verification_result="No intact platters or chips",
            destination="recycling_facility", destination_details="Certified e-waste recycler", notes="",
            performer_location="Data center, room 1.12", performer_phone="+1 555 0100",
            media_source="Returned from the billing archive", data_backed_up=False,
            backup_location="", post_sanitization_classification="Unclassified — no CPNI",
        )
        destruction.destruction_validate(actor=users["rita"], destruction=sanitized[0])
        held = Record.objects.filter(customer_reference="ACCT-20931")
        holds.hold_place(
            actor=users["rita"], matter="Customer dispute, account ACCT-20931",
            reason="Customer disputes toll charges; keep the account's billing records until resolved.",
            records=held, scope="customer reference ACCT-20931",
        )
        still_due = Record.objects.filter(status=Status.DUE, medium=Medium.PAPER).first()
        if still_due:
            services.record_extend_retention(
                actor=users["rita"], record=still_due, period_value=6, period_unit="months",
                reason="Internal audit of 2025 billing disputes",
            )