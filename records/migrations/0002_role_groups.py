"""Create the five role groups. Their permissions are applied after every migrate from
records.roles.ROLE_PERMISSIONS (see records.signals), so adding a permission never needs a
migration of its own."""

from django.db import migrations

ROLES = ("employee", "records_manager", "netops_director", "auditor", "officer")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
