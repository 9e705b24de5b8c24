"""Permissions come from roles only (records.roles.RoleBackend): what a role's group holds in the
database, read with the role names in one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from records.models import User
from records.roles import Role, roles_of


def _permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _fresh(user):
    """The user as the next request loads it (no permission cache)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_permission_given_to_one_person_grants_nothing(client, employee):
    employee.user_permissions.add(_permission("records.view_auditevent"), _permission("records.validate_destruction"))

    user = _fresh(employee)
    assert not user.has_perm("records.view_auditevent")
    assert not user.has_perm("records.validate_destruction")
    assert user.has_perm("records.view_record")  # the employee role's own permission still holds
    client.force_login(employee)
    assert client.get(reverse("audit-log")).status_code == 403


@pytest.mark.django_db
def test_a_roles_permissions_are_those_its_group_holds_now(employee):
    group = Group.objects.get(name=Role.EMPLOYEE)
    group.permissions.remove(_permission("records.add_record"))
    group.permissions.add(_permission("records.view_auditevent"))

    user = _fresh(employee)
    assert not user.has_perm("records.add_record")
    assert user.has_perm("records.view_auditevent")


@pytest.mark.django_db
def test_roles_and_their_permissions_are_read_in_one_query(records_manager, django_assert_num_queries):
    user = _fresh(records_manager)
    with django_assert_num_queries(1):
        assert roles_of(user) == {Role.RECORDS_MANAGER}
        assert user.has_perm("records.extend_retention")
        assert user.has_perms(["records.view_record", "records.verify_auditevent"])
        assert not user.has_perm("records.receive_media")


@pytest.mark.django_db
def test_a_person_without_a_role_or_signed_out_may_do_nothing(department):
    nobody = User.objects.create_user("nobody", password="x" * 12, department=department)
    assert roles_of(nobody) == frozenset()
    assert _fresh(nobody).get_all_permissions() == set()

    nobody.groups.add(Group.objects.get(name=Role.AUDITOR))
    nobody.is_active = False
    nobody.save()
    assert _fresh(nobody).get_all_permissions() == set()


@pytest.mark.django_db
def test_a_superuser_holds_every_permission(department):
    admin = User.objects.create_superuser("root", password="x" * 12, department=department)
    user = _fresh(admin)
    assert user.has_perm("records.receive_media")
    assert len(user.get_all_permissions()) == Permission.objects.count()


@pytest.mark.django_db
def test_the_admin_assigns_roles_not_single_permissions(client, department, employee):
    admin = User.objects.create_superuser("root", password="x" * 12, department=department)
    client.force_login(admin)
    page = client.get(reverse("admin:records_user_change", args=[employee.pk]))
    assert page.status_code == 200
    assert b'name="groups"' in page.content
    assert b'name="user_permissions"' not in page.content
