"""Permissions come from roles only (records.roles.RoleBackend): what a role's group holds in the
database, read with the role names in one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from records.models import User
from records.roles import Role, RoleBackend, roles_of


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
def test_a_role_given_or_taken_counts_from_the_next_request(client, employee):
    client.force_login(employee)
    assert client.get(reverse("audit-log")).status_code == 403
    employee.groups.add(Group.objects.get(name=Role.AUDITOR))
    assert client.get(reverse("audit-log")).status_code == 200
    employee.groups.remove(Group.objects.get(name=Role.AUDITOR))
    assert client.get(reverse("audit-log")).status_code == 403


@pytest.mark.django_db
def test_a_permission_made_after_the_names_were_read_is_granted_by_its_name(employee):
    assert RoleBackend().get_user(employee.pk).has_perm("records.view_record")  # the names are read
    made = Permission.objects.create(codename="inspect_vault", name="Can inspect the vault",
                                     content_type=_permission("records.view_record").content_type)
    Group.objects.get(name=Role.EMPLOYEE).permissions.add(made)
    assert RoleBackend().get_user(employee.pk).has_perm("records.inspect_vault")
    assert _fresh(employee).has_perm("records.inspect_vault")


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


@pytest.mark.django_db
def test_the_written_out_grants_query_reads_what_the_orm_reads(users_by_role, department):
    """_role_grants' own SQL against the ORM's join, for every role, a person holding two roles,
    a role holding no permission and a person without a role."""
    empty = Group.objects.create(name="empty role")
    two = User.objects.create_user("two", password="x" * 12, department=department)
    two.groups.add(Group.objects.get(name=Role.AUDITOR), Group.objects.get(name=Role.OFFICER), empty)
    nobody = User.objects.create_user("nobody", password="x" * 12, department=department)
    for user in [*users_by_role.values(), two, nobody]:
        rows = _fresh(user).groups.values_list("name", "permissions__content_type__app_label", "permissions__codename")
        expected = ({name for name, _, _ in rows}, {f"{app}.{codename}" for _, app, codename in rows if codename})
        fresh = _fresh(user)
        assert (roles_of(fresh), fresh.get_group_permissions()) == expected, user.username
        signed_in = RoleBackend().get_user(user.pk)  # the person read with their roles' grants
        assert (roles_of(signed_in), signed_in.get_group_permissions()) == expected, user.username
    assert roles_of(_fresh(two)) == {Role.AUDITOR, Role.OFFICER, "empty role"}


@pytest.mark.django_db
def test_a_signed_in_request_reads_the_person_their_roles_and_second_factor_in_one_query(client, records_manager):
    """The session's person comes with their roles' grants and whether they have a confirmed
    second factor: the permission checks and the middleware's check ask nothing more of the
    database, and a confirmed device still gates."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(records_manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("record-list")).status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().startswith('SELECT 1 AS "a" FROM "otp_totp_totpdevice"')]
    person = [q["sql"] for q in queries if 'FROM "records_user"' in q["sql"] and "otp_totp_totpdevice" in q["sql"]]
    assert len(person) == 1
    assert [q for q in queries if "records_user_groups" in q["sql"]] == [q for q in queries if q["sql"] == person[0]]

    TOTPDevice.objects.create(user=records_manager, name="Authenticator app", confirmed=True)
    gated = client.get(reverse("record-list"))
    assert gated.status_code == 302 and gated["Location"].startswith(reverse("second-factor-verify"))
