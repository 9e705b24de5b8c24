"""The CPNI program page: the registers a person may open, each with its entries of this year and
last year, and the main navigation's single entry to them."""

from datetime import date

import pytest
from django.urls import reverse

from compliance.models import CustomerComplaint, PretextingObservation
from compliance.program import REGISTERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(client, user):
    client.force_login(user)
    response = client.get(reverse("program"))
    assert response.status_code == 200
    return {row.register.title: row for row in response.context["rows"]}, response.content.decode()


def test_a_records_manager_sees_every_register_with_each_years_entries(client, records_manager, time_machine):
    time_machine.move_to(date(2026, 6, 1))
    for received in (date(2026, 2, 1), date(2025, 11, 3), date(2025, 12, 30)):
        CustomerComplaint.objects.create(received_on=received, category="other", summary="Caller asked for another line's records",
                                         recorded_by=records_manager)
    PretextingObservation.objects.create(observed_on=date(2025, 5, 5), method="Impersonated a customer", steps_taken="Refused",
                                         recorded_by=records_manager)
    rows, page = _rows(client, records_manager)
    assert list(rows) == [register.title for register in REGISTERS]
    assert rows["Customer complaints"].counts == (1, 2)
    assert rows["Pretexting"].counts == (0, 1)
    assert "Entries in 2026" in page and "Entries in 2025" in page
    assert f'href="{reverse("register-list", args=["complaints"])}"' in page
    assert "Report a suspected breach of CPNI" in page


def test_an_employee_opens_only_the_campaigns_she_requests_without_counts_of_others(client, employee):
    rows, page = _rows(client, employee)
    assert list(rows) == ["Marketing campaigns"]
    assert rows["Marketing campaigns"].counts is None and "Yours only" in page
    assert "Customer complaints" not in page


def test_someone_without_a_role_is_refused(client, department):
    client.force_login(UserFactory(username="nobody", department=department))
    response = client.get(reverse("program"))
    assert response.status_code == 403
    assert "CPNI program" not in response.content.decode().split("<main")[0]  # nor offered in the navigation
