"""The certification's signatory becomes a user in the officer role instead of a typed name: the
profile is bound to the active officer whose full name it named, if there is exactly one; otherwise
the signatory is left empty and a records manager chooses the officer before the next package."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def bind_the_named_officer(apps, schema_editor):
    CompanyProfile = apps.get_model("records", "CompanyProfile")
    User = apps.get_model("records", "User")
    for profile in CompanyProfile.objects.all():
        first, _, last = profile.signatory_name.strip().partition(" ")
        officers = User.objects.filter(is_active=True, groups__name="officer", first_name__iexact=first.strip(),
                                       last_name__iexact=last.strip())
        if officers.count() == 1:
            profile.signatory = officers.get()
            profile.save(update_fields=["signatory"])


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0018_complaint_other_category'),
    ]

    operations = [
        migrations.AddField(
            model_name='companyprofile',
            name='signatory',
            field=models.ForeignKey(help_text='The officer who signs the certification: an active user in the officer role, with a job title.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalcompanyprofile',
            name='signatory',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The officer who signs the certification: an active user in the officer role, with a job title.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(bind_the_named_officer, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='companyprofile',
            name='signatory_name',
        ),
        migrations.RemoveField(
            model_name='companyprofile',
            name='signatory_title',
        ),
        migrations.RemoveField(
            model_name='historicalcompanyprofile',
            name='signatory_name',
        ),
        migrations.RemoveField(
            model_name='historicalcompanyprofile',
            name='signatory_title',
        ),
    ]
