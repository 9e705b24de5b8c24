import pytest
from django.urls import reverse

from records.models import Department, RetentionSchedule
from records.roles import Role


@pytest.mark.django_db
def test_records_manager_keeps_schedules_in_the_admin(client, records_manager):
    records_manager.is_staff = True
    records_manager.save()
    client.force_login(records_manager)
    response = client.post(
        reverse("admin:records_retentionschedule_add"),
        {
            "code": "TOLL-BILLING", "title": "Toll billing records", "description": "", "period_value": 18,
            "period_unit": "months", "trigger": "creation", "trigger_event": "", "legal_minimum_value": 18,
            "legal_minimum_unit": "months", "legal_citation": "47 CFR 42.6", "default_disposition": "destroy",
            "applicable_media": ["paper", "tape"], "is_active": "on",
        },
    )
    assert response.status_code == 302
    schedule = RetentionSchedule.objects.get(code="TOLL-BILLING")
    assert schedule.applicable_media == ["paper", "tape"]
    assert schedule.history.get().history_user == records_manager
    assert client.post(reverse("admin:records_department_add"), {"code": "billing", "name": "Billing"}).status_code == 302
    assert Department.objects.filter(code="billing").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER])
def test_other_roles_cannot_change_schedules_in_the_admin(client, users_by_role, role):
    user = users_by_role[role]
    user.is_staff = True  # even with admin access, the role's permissions decide
    user.save()
    client.force_login(user)
    response = client.post(reverse("admin:records_retentionschedule_add"), {"code": "X", "title": "X", "period_value": 1})
    assert response.status_code == 403
    assert not RetentionSchedule.objects.exists()


@pytest.mark.django_db
def test_admin_is_closed_to_staff_without_the_flag(client, employee):
    client.force_login(employee)
    response = client.get(reverse("admin:records_retentionschedule_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
