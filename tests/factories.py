"""Test data. Records are made through the services and the lifecycle, as users make them."""

from datetime import datetime, time, timedelta

import factory
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from records import destruction, lifecycle, services
from records.models import (
    AuditEvent,
    CertificateCounter,
    Department,
    Destruction,
    LabelVerification,
    Medium,
    Record,
    RetentionSchedule,
    Status,
    User,
)
from records.retention import expiry_date_for

TEST_PASSWORD = "correct horse battery staple"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(user, create, role, **kwargs):
        if role:
            user.groups.add(Group.objects.get(name=role))


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionSchedule
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SCHED-{n}")
    title = factory.Sequence(lambda n: f"Schedule {n}")
    period_value = 18
    period_unit = "months"
    legal_citation = "47 CFR 42.6"


# The path from active to each status, and who takes each step (see records.lifecycle).
PATH_TO = {
    Status.ACTIVE: [],
    Status.DUE: ["expire"],
    Status.PENDING_SHRED: ["expire", "mark_for_shredding"],
    Status.AWAITING_HANDOVER: ["expire", "request_handover"],
    Status.IN_NETOPS_CUSTODY: ["expire", "request_handover", "receive_media"],
}


def make_record(*, custodian, status=Status.ACTIVE, medium=Medium.PAPER, schedule=None, netops=None, **overrides):
    """A record logged by its custodian through the service, then walked along the lifecycle to
    `status` by the people who may take each step."""
    schedule = schedule or ScheduleFactory()
    values = dict(
        actor=custodian,
        title="Toll detail printouts",
        medium=medium,
        department=custodian.department,
        custodian=custodian,
        location="HQ cabinet 3",
        schedule=schedule,
        trigger_date=timezone.localdate() - timedelta(days=30),
        cpni_categories=["billing"],
        media_serial_number=_free_serial() if medium in Medium.removable() else "",
        label_verification=LabelVerification.VISUAL,
        label_confirmed=True,
    )
    values.update(overrides)
    expiry = expiry_date_for(schedule, values["trigger_date"])
    if expiry is not None and expiry <= timezone.localdate():
        # Logged while it was still active, as the records the nightly sweep finds were: one logged
        # today past its expiry would be due at once.
        with time_machine.travel(timezone.make_aware(datetime.combine(values["trigger_date"], time(12)))):
            record = services.record_create(**values)
    else:
        record = services.record_create(**values)
    destroyed = status == Status.DESTROYED
    if destroyed:
        status = Status.PENDING_SHRED if medium == Medium.PAPER else Status.IN_NETOPS_CUSTODY
    for step in PATH_TO[status]:
        actor = None if step == "expire" else (netops if step == "receive_media" else custodian)
        record = lifecycle.transition(record, step, actor=actor)
    if destroyed and medium == Medium.PAPER:
        destruction.shredding_confirm(
            actor=custodian, record=record, destroyed_on=timezone.localdate(), method="cross_cut_shredder"
        )
    elif destroyed:
        destruction.media_destruction_confirm(
            actor=netops, records=[record], destroyed_on=timezone.localdate(), media={record.pk: MEDIUM},
            **sanitized_for(medium),
        )
    return Record.objects.get(pk=record.pk)


def _free_serial():
    """SN-0001, or the next serial number no record holds yet (serial numbers are unique)."""
    number = 1
    while Record.objects.filter(media_serial_key=f"SN-{number:04d}").exists():
        number += 1
    return f"SN-{number:04d}"


# A complete NIST SP 800-88 sanitization, as Network Operations would record it (a purge that
# hard disks, SSDs and USB drives allow), and one medium's own details.
SANITIZED = dict(
    method_type="purge", method="cryptographic_erase", method_details="ATA Sanitize Crypto Scramble",
    tool_name="hdparm", tool_version="9.65", verification_method="Full read-back sample of 10% of sectors",
    verification_result="No recoverable data", destination="recycling_facility", notes="", data_backed_up=False,
)


def make_company_profile(*, signatory, companies=(("Example Telecom, Inc.", "825123"),), **overrides):
    """The company profile, with `signatory` (an officer with a title) as the signing officer, and
    `companies` as (name, Filer ID) or (name, "", reason it has none)."""
    from compliance.models import CompanyProfile

    profile = CompanyProfile.objects.create(signatory=signatory, **overrides)
    for position, (name, filer_id, *reason) in enumerate(companies):
        profile.companies.create(name=name, filer_id=filer_id, no_filer_id_reason=reason[0] if reason else "",
                                 position=position)
    return profile


def company_profile_data(*companies, **fields):
    """The company profile page's POST data: the profile's `fields`, and `companies` as dicts of
    name, filer_id and no_filer_id_reason (with the id of a saved one, and DELETE to remove it)."""
    data = {
        "companies-TOTAL_FORMS": str(len(companies)),
        "companies-INITIAL_FORMS": str(sum(1 for company in companies if company.get("id"))),
        "companies-MIN_NUM_FORMS": "0", "companies-MAX_NUM_FORMS": "1000",
    }
    for index, company in enumerate(companies):
        for name, value in {"name": "", "filer_id": "", "no_filer_id_reason": "", **company}.items():
            data[f"companies-{index}-{name}"] = value
    return {**data, **fields}


MEDIUM = dict(media_make="Seagate", media_model="ST2000DM008")


def sanitized_for(medium):
    """SANITIZED, or for media that do not allow it a sanitization they do allow."""
    if medium in (Medium.OPTICAL_DISC,):
        return {**SANITIZED, "method_type": "destroy", "method": "shred", "method_details": "Optical media shredder"}
    if medium == Medium.TAPE:
        return {**SANITIZED, "method": "degauss", "method_details": "Degausser, 10,000 Oe"}
    if medium not in Medium.removable():
        return {**SANITIZED, "destination": "internal_reuse", "method_details": "Encryption key of the share destroyed"}
    return SANITIZED


def destruction_state():
    """What a refused destruction must leave as it was: every record's status, the records' and
    destructions' history, the audit trail, the destructions and the certificate numbers used."""
    return {
        "statuses": list(Record.objects.order_by("pk").values_list("pk", "status")),
        "record_history": Record.history.count(),
        "audit_events": AuditEvent.objects.count(),
        "destructions": Destruction.objects.count(),
        "destruction_history": Destruction.history.count(),
        "certificate_numbers": list(CertificateCounter.objects.order_by("year").values_list("year", "last_number")),
    }


def read_off(records):
    """Each medium with the serial number read off it (the record's own): what Network Operations
    types on receipt."""
    return [(record, record.media_serial_number) for record in records]


def approve_every_section(drafter, approver, text="The company's policy for {heading}."):
    """Every section of the accompanying statement with approved text, as a final package needs
    (compliance.statement_sections); made directly, so no audit event or history is added."""
    from compliance.models import StatementSectionText
    from compliance.statement_sections import SECTIONS

    now = timezone.now()
    return StatementSectionText.objects.bulk_create([
        StatementSectionText(section=section.key, version=1, status=StatementSectionText.Status.APPROVED,
                             text=text.format(heading=section.heading), drafted_by=drafter, drafted_at=now,
                             approved_by=approver, approved_at=now)
        for section in SECTIONS
    ])
