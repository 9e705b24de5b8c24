"""The five roles of CPNI Track. A role is a Django group; what each group may do is listed here
once and applied to the groups after every migrate, so code and database never drift apart."""

import functools
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django_otp.plugins.otp_totp.models import TOTPDevice


class Role(models.TextChoices):
    EMPLOYEE = "employee", "Employee (custodian)"
    RECORDS_MANAGER = "records_manager", "Records manager"
    NETOPS_DIRECTOR = "netops_director", "Director, Network Operations"
    AUDITOR = "auditor", "Auditor"
    OFFICER = "officer", "Officer (signatory)"


_READ_EVERYTHING = [
    "records.view_record",
    "records.view_all_departments",
    "records.view_retentionschedule",
    "records.view_legalminimum",
    "records.view_department",
    "records.view_labelcheck",
    "records.view_legalhold",
    "records.view_destruction",
    "records.view_auditevent",
    "compliance.view_customercomplaint",
    "compliance.view_databrokeraction",
    "compliance.view_pretextingobservation",
    "compliance.view_companyprofile",
    "compliance.view_certificationpackage",
    "compliance.view_certificationfiling",
    "compliance.view_certificationamendment",
    "compliance.view_breachincident",
    "compliance.view_breachnotification",
    "compliance.view_lawenforcementdirection",
    "compliance.view_optoutfailure",
    "compliance.view_campaign",
    "compliance.view_disclosure",
    "compliance.view_approvalnotice",
    "compliance.view_noticemailing",
    "compliance.view_approvalevidence",
    "compliance.view_trainingcourse",
    "compliance.view_trainingassignment",
    "compliance.view_trainingcompletion",
    "compliance.view_briefing",
    "compliance.view_statementsectiontext",
    "compliance.view_dutyevidence",
]
# Everyone signs the acknowledgement of their own training (compliance.training checks it is theirs).
_TRAINEE = ["compliance.add_trainingcompletion"]

ROLE_PERMISSIONS = {
    Role.EMPLOYEE: [
        "records.view_record",
        "records.add_record",
        "records.change_record",
        "records.add_labelcheck",
        "records.view_retentionschedule",
        "records.view_legalminimum",
        "records.mark_for_destruction",
        "records.confirm_shredding",
        "records.hand_over_media",
        "compliance.report_breachincident",
        # Employees draft and submit marketing campaigns, and see those they requested (compliance.campaigns).
        "compliance.add_campaign",
    ]
    + _TRAINEE,
    Role.RECORDS_MANAGER: _READ_EVERYTHING
    + _TRAINEE
    + [
        "records.add_record",
        "records.change_record",
        "records.add_labelcheck",
        "records.add_retentionschedule",
        "records.change_retentionschedule",
        "records.add_legalminimum",
        "records.change_legalminimum",
        "records.add_legalhold",
        "records.change_legalhold",
        # The sweep's and reminders' timetable, kept in django-celery-beat and edited in the admin.
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.change_crontabschedule",
        "records.add_department",
        "records.change_department",
        "records.expire_record",
        "records.extend_retention",
        "records.correct_record",
        "records.mark_for_destruction",
        "records.confirm_shredding",
        "records.hand_over_media",
        "records.validate_destruction",
        "records.verify_auditevent",
        "records.issue_enrolmentcode",
        "compliance.add_customercomplaint",
        "compliance.change_customercomplaint",
        "compliance.add_databrokeraction",
        "compliance.change_databrokeraction",
        "compliance.add_pretextingobservation",
        "compliance.change_pretextingobservation",
        "compliance.add_companyprofile",
        "compliance.change_companyprofile",
        "compliance.add_certificationpackage",
        "compliance.add_certificationamendment",
        "compliance.follow_certification",
        "compliance.add_breachincident",
        "compliance.change_breachincident",
        "compliance.report_breachincident",
        "compliance.add_breachnotification",
        "compliance.add_lawenforcementdirection",
        "compliance.add_optoutfailure",
        "compliance.change_optoutfailure",
        "compliance.add_campaign",
        "compliance.change_campaign",
        "compliance.add_disclosure",
        "compliance.change_disclosure",
        "compliance.add_approvalnotice",
        "compliance.change_approvalnotice",
        "compliance.add_noticemailing",
        "compliance.add_approvalevidence",
        "compliance.add_trainingcourse",
        "compliance.change_trainingcourse",
        "compliance.add_trainingassignment",
        "compliance.add_briefing",
        # The accompanying statement: records managers draft each section's text, officers approve it.
        "compliance.add_statementsectiontext",
        # ... and record the evidence of duties carried out in other systems (the call centre, the web site).
        "compliance.add_dutyevidence",
        # Disciplinary actions: read only by records managers and officers.
        "compliance.view_disciplinaryaction",
        "compliance.add_disciplinaryaction",
        "records.add_importjob",
        "records.view_importjob",
    ],
    Role.NETOPS_DIRECTOR: _READ_EVERYTHING
    + _TRAINEE
    + ["records.receive_media", "records.confirm_media_destruction", "records.validate_destruction"],
    Role.AUDITOR: _READ_EVERYTHING + _TRAINEE + ["records.verify_auditevent", "compliance.follow_certification"],
    Role.OFFICER: _READ_EVERYTHING
    + _TRAINEE
    + [
        "compliance.view_disciplinaryaction",
        "compliance.add_certificationpackage",
        "compliance.add_certificationfiling",
        "compliance.add_certificationamendment",
        "compliance.follow_certification",
        "compliance.approve_statementsectiontext",
    ],
}


class Duty(models.TextChoices):
    """A duty the carrier's procedures give a named person, held beside a role: a group like the
    roles', given in the admin to whoever holds the duty (the President is usually also an officer)."""

    PRESIDENT = "president", "President (reviews outbound marketing campaigns)"


DUTY_PERMISSIONS = {
    # Procedure (b): the President reviews every outbound marketing campaign before it is run
    # (the CAMPAIGN_REVIEWER setting, compliance.campaign_lifecycle).
    Duty.PRESIDENT: ["compliance.view_campaign", "compliance.review_campaign"],
}


# A custodian shreds the paper in their custody and hands its media over to Network Operations: the
# roles granted this permission are those whose people can hold records.
CUSTODY_PERMISSION = "records.confirm_shredding"


def sync_role_groups():
    """Make every role's and duty's group exist with exactly the permissions listed above."""
    for role, perm_names in [*ROLE_PERMISSIONS.items(), *DUTY_PERMISSIONS.items()]:
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def roles_of(user):
    """The role names of a user (read once per user object, with the roles' permissions)."""
    return _role_grants(user)[0]


def _role_grants(user):
    """(role names, "app_label.codename" permissions of those roles), cached on the user object for
    the request: read with the person signed in (RoleBackend.get_user), else in one query."""
    if not user.is_authenticated:
        return frozenset(), frozenset()
    if not hasattr(user, "_cpnitrack_role_grants"):
        with connection.cursor() as cursor:
            cursor.execute(_grants_sql(), [user.pk])
            rows = cursor.fetchall()
        user._cpnitrack_role_grants = _grants({name for name, _ in rows}, {permission for _, permission in rows})
    return user._cpnitrack_role_grants


def _grants(role_names, permission_ids):
    names = (permission_name(permission) for permission in permission_ids if permission is not None)
    return frozenset(role_names), frozenset(name for name in names if name is not None)


@functools.cache
def _grants_sql():
    """The query of _role_grants: (role name, permission id) of each permission of each role of the
    person %s. Written out, as _signed_in_user_sql: the ORM took longer to build it than the
    database to answer it. The permissions' names are not joined in (two tables more to plan on
    every request, 0.43 ms against 0.20) but looked up in permission_name(). The names come from
    the models."""
    roles_table, person = _roles_of_people()
    q = connection.ops.quote_name
    return (
        f"SELECT g.name, rp.permission_id FROM {q(roles_table)} ur "  # nosec B608: the models' own table names; the person as a parameter
        f"JOIN {q(Group._meta.db_table)} g ON g.id = ur.group_id "
        f"LEFT JOIN {q(Group.permissions.through._meta.db_table)} rp ON rp.group_id = g.id "
        f"WHERE ur.{q(person)} = %s"
    )


def _roles_of_people():
    """The table of people's roles (their groups) and its column naming the person."""
    user_role = get_user_model().groups.through._meta
    return user_role.db_table, user_role.get_field(get_user_model()._meta.model_name).column


_permission_names = {}


def permission_name(permission_id):
    """The "app_label.codename" of the permission `permission_id`. Read for all permissions at once and
    kept by the process: a permission's row is made by a migration and never changes, and its id
    is never given to another. One this process has not seen (made by a migration since) reads
    them all again; None for one deleted meanwhile."""
    if permission_id not in _permission_names:
        _permission_names.update(
            (pk, f"{app_label}.{codename}")
            for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
        )
    return _permission_names.get(permission_id)


# A JSON array of a subquery's values: the signed-in person's roles and their permissions come
# with the person, one query for what every signed-in page asks.
_JSON_ARRAY_OF = {"postgresql": "json_agg", "sqlite": "json_group_array"}


@functools.cache
def _signed_in_user_sql():
    """The query of RoleBackend.get_user: the person %s, with `second_factor_confirmed` and, as
    JSON arrays, `role_names` and `role_permission_ids`. Written out because every signed-in
    request makes it: built by the ORM (an Exists annotation) it cost 1.1 ms, written out 0.25 ms;
    the roles read with it save a statement (0.3 ms against 0.36 for the two)."""
    user = get_user_model()._meta
    roles_table, person = _roles_of_people()
    device = TOTPDevice._meta
    q = connection.ops.quote_name
    array_of = _JSON_ARRAY_OF[connection.vendor]
    roles_of_person = f"FROM {q(roles_table)} ur "  # nosec B608: the models' own names
    each_role = f"WHERE ur.{q(person)} = u.{q(user.pk.column)}"
    return (
        f"SELECT u.*, EXISTS (SELECT 1 FROM {q(device.db_table)} d "  # nosec B608: the models' own names; the person as a parameter
        f"WHERE d.{q(device.get_field('user').column)} = u.{q(user.pk.column)} "
        f"AND d.{q(device.get_field('confirmed').column)}) AS second_factor_confirmed, "
        f"(SELECT {array_of}(g.name) {roles_of_person}JOIN {q(Group._meta.db_table)} g ON g.id = ur.group_id "
        f"{each_role}) AS role_names, "
        f"(SELECT {array_of}(rp.permission_id) {roles_of_person}"
        f"JOIN {q(Group.permissions.through._meta.db_table)} rp ON rp.group_id = ur.group_id {each_role}) AS role_permission_ids "
        f"FROM {q(user.db_table)} u WHERE u.{q(user.pk.column)} = %s"
    )


def _json_list(value):
    """A JSON array as the database hands it over: a list (PostgreSQL), text (SQLite), or None
    for no rows (PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value or []


class RoleBackend(ModelBackend):
    """Django's ModelBackend, with permissions granted by roles only. A permission given to one
    person directly would escape the roles that the certification's statement of procedures
    describes, so none is honoured (the admin does not offer them). The person signed in is read
    with their roles and the roles' permissions, in the one query every signed-in page makes."""

    def get_user(self, user_id):
        """The person signed in to a session, read with whether they have a confirmed second factor
        (records.second_factor.has_confirmed_device) and with their roles' grants: every signed-in
        request asks them."""
        user = next(iter(get_user_model()._default_manager.raw(_signed_in_user_sql(), [user_id])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        user._cpnitrack_role_grants = _grants(_json_list(user.role_names), _json_list(user.role_permission_ids))
        return user

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)  # nothing, or every permission
        return set(_role_grants(user_obj)[1])


def sees_all_departments(user):
    return user.has_perm("records.view_all_departments")
