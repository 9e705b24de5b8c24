import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent, Department, RetentionSchedule
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory

# Kept in the administration pages: who may sign in and with which role, the departments, and when
# the periodic jobs run. Everything else from the project is only read there.
EDITABLE_IN_THE_ADMIN = {"records.User", "records.Department", "auth.Group"}
OUR_APPS = {"records", "compliance", "auth", "otp_totp"}


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def schedule_form(schedule, **changes):
    data = {
        "code": schedule.code, "title": schedule.title, "description": "", "period_value": schedule.period_value,
        "period_unit": schedule.period_unit, "trigger": "creation", "trigger_event": "",
        "legal_minimum_value": "", "legal_minimum_unit": "months", "legal_citation": schedule.legal_citation,
        "default_disposition": "destroy", "is_active": "on",
    }
    return {**data, **changes}


@pytest.mark.django_db
def test_the_admin_adds_changes_and_deletes_only_users_roles_and_departments(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS or model._meta.label in EDITABLE_IN_THE_ADMIN:
            continue
        assert not model_admin.has_add_permission(request), model._meta.label
        assert not model_admin.has_change_permission(request), model._meta.label


@pytest.mark.django_db
def test_a_superuser_cannot_change_a_retention_schedule_in_the_admin(client, superuser):
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    client.force_login(superuser)
    change = reverse("admin:records_retentionschedule_change", args=[schedule.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change, schedule_form(schedule, period_value=6)).status_code == 403
    add = client.post(reverse("admin:records_retentionschedule_add"), schedule_form(schedule, code="NEW"))
    assert add.status_code == 403
    delete = client.post(reverse("admin:records_retentionschedule_delete", args=[schedule.pk]), {"post": "yes"})
    assert delete.status_code == 403
    schedule.refresh_from_db()
    assert schedule.period_value == 18 and schedule.history.count() == 1
    assert list(RetentionSchedule.objects.values_list("code", flat=True)) == ["TOLL"]


@pytest.mark.django_db
def test_no_past_version_can_be_restored_from_the_admin(client, superuser, records_manager):
    from records import schedules

    schedule = ScheduleFactory(code="TOLL", period_value=18)
    schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
    first = schedule.history.earliest()
    department = Department.objects.create(code="billing", name="Billing")
    department.name = "Billing and Collections"
    department.save()
    client.force_login(superuser)
    for model, obj, version, form in (
        ("retentionschedule", schedule, first, schedule_form(schedule, period_value=18)),
        ("department", department, department.history.earliest(), {"code": "billing", "name": "Billing"}),
    ):
        url = reverse(f"admin:records_{model}_simple_history", args=[obj.pk, version.history_id])
        shown = client.get(url)
        assert shown.status_code == 200 and "Revert" not in shown.content.decode()
        assert client.post(url, {**form, "_change_history": "1"}).status_code == 403
        assert client.post(url, form).status_code == 403
    schedule.refresh_from_db()
    department.refresh_from_db()
    assert schedule.period_value == 24 and department.name == "Billing and Collections"


@pytest.mark.django_db
def test_departments_stay_editable_and_audited_in_the_admin(client, records_manager):
    records_manager.is_staff = True
    records_manager.save()
    client.force_login(records_manager)
    assert client.post(reverse("admin:records_department_add"), {"code": "billing", "name": "Billing"}).status_code == 302
    assert Department.objects.filter(code="billing").exists()


@pytest.mark.django_db
def test_the_admin_neither_enrols_nor_shows_a_second_factor_but_removes_a_lost_one(client, superuser, officer):
    device = TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk])).status_code == 403
    assert device.key not in client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    removed = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert removed.status_code == 302 and not TOTPDevice.objects.exists()
    event = AuditEvent.objects.get(action="auth.second_factor_removed")
    assert event.actor == superuser and event.object_id == str(officer.pk)


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


@pytest.mark.django_db
def test_every_admin_page_is_marked_confidential(client, superuser):
    client.force_login(superuser)
    for url in ("/admin/", "/admin/records/department/", "/admin/records/retentionschedule/"):
        page = client.get(url).content.decode()
        assert "<strong>CONFIDENTIAL</strong> — contains Customer Proprietary Network Information" in page, url
        assert "— CONFIDENTIAL</title>" in page, url
