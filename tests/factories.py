"""Test data. Records are made through the services and the lifecycle, as users make them."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from records import lifecycle, services
from records.models import Department, LabelVerification, Medium, RetentionSchedule, Status, User

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
    Status.DESTROYED: None,  # per medium, below
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
        media_serial_number="" if medium == Medium.PAPER or medium not in Medium.removable() else "SN-0001",
        label_verification=LabelVerification.VISUAL,
        label_confirmed=True,
    )
    values.update(overrides)
    record = services.record_create(**values)
    if status == Status.DESTROYED:
        steps = ["expire", "mark_for_shredding", "confirm_shredding"] if medium == Medium.PAPER else [
            "expire", "request_handover", "receive_media", "confirm_media_destruction"]
    else:
        steps = PATH_TO[status]
    for step in steps:
        actor = None if step == "expire" else (netops if step in ("receive_media", "confirm_media_destruction") else custodian)
        record = lifecycle.transition(record, step, actor=actor)
    return record


def long_ago(days):
    return date.today() - timedelta(days=days)
