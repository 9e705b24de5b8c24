"""The dashboard lists a person's own tasks in the CPNI program: the training they must sign, and
for the campaign reviewer the campaigns waiting for review (never their own)."""

from datetime import date

import pytest
from django.urls import reverse

from compliance import campaigns, training
from records.roles import Duty
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _dashboard(client, user):
    client.force_login(user)
    return client.get(reverse("dashboard")).content.decode()


def test_an_employee_is_asked_to_sign_her_training_until_she_has(client, employee, records_manager, time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    course = training.course_create(actor=records_manager, title="CPNI procedures", version="3", summary="Keep CPNI safe",
                                    effective_on=date(2026, 1, 1))
    assignment = training.assignment_create(actor=records_manager, course=course, person=employee, due_on=date(2026, 11, 20))
    page = _dashboard(client, employee)
    assert "Your tasks" in page
    assert (f'<a href="{reverse("training-mine")}" class="deadline-past">Read CPNI procedures (version 3) and sign its '
            "acknowledgement: it was due 2026-11-20</a> — overdue") in page
    training.training_complete(actor=employee, assignment=assignment, acknowledged=True,
                               signature=employee.get_full_name())
    assert "Your tasks" not in _dashboard(client, employee)


def test_the_president_is_asked_to_review_submitted_campaigns_but_not_her_own(client, employee, records_manager):
    president = UserFactory(username="pia", first_name="Pia", last_name="Lund", role=Duty.PRESIDENT)
    values = {"description": "Fiber offer", "channel": "mail", "products": "Fiber", "uses_cpni": False,
              "approval_basis": "none", "starts_on": date(2027, 1, 4), "ends_on": date(2027, 2, 4)}
    submitted = campaigns.campaign_submit(actor=employee, campaign=campaigns.campaign_create(actor=employee, fields=values))
    campaigns.campaign_create(actor=employee, fields=values)  # a draft: nothing to review yet
    page = _dashboard(client, president)
    assert f'<a href="{reverse("campaign-detail", args=[submitted.pk])}">Review marketing campaign {submitted.reference}' in page
    assert page.count("Review marketing campaign") == 1
    assert "Review marketing campaign" not in _dashboard(client, employee)  # the requester is not the reviewer
