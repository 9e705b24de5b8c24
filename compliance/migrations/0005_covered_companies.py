"""Each company the certification covers becomes a row of its own (CoveredCompany) with its own Form
499 Filer ID or the reason it has none: every line of the profile's company_names becomes a company
carrying the profile's Filer ID (or reason), in the lines' order, with a history row."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def split_company_names(apps, schema_editor):
    CompanyProfile = apps.get_model("compliance", "CompanyProfile")
    CoveredCompany = apps.get_model("compliance", "CoveredCompany")
    History = apps.get_model("compliance", "HistoricalCoveredCompany")
    now = timezone.now()
    for profile in CompanyProfile.objects.all():
        names = {}
        for line in profile.company_names.splitlines():
            names.setdefault(line.strip().casefold(), line.strip())
        for position, name in enumerate(name for name in names.values() if name):
            company = CoveredCompany.objects.create(
                profile=profile, name=name[:200], filer_id=profile.filer_id.strip(),
                no_filer_id_reason=profile.no_filer_id_reason.strip(), position=position,
            )
            History.objects.create(
                id=company.pk, profile_id=profile.pk, name=company.name, filer_id=company.filer_id,
                no_filer_id_reason=company.no_filer_id_reason, position=position, history_date=now,
                history_type="+", history_change_reason="One row per company, from the profile's company names",
            )


def join_company_names(apps, schema_editor):
    CompanyProfile = apps.get_model("compliance", "CompanyProfile")
    for profile in CompanyProfile.objects.all():
        companies = list(apps.get_model("compliance", "CoveredCompany").objects.filter(profile=profile)
                         .order_by("position", "pk"))
        profile.company_names = "\n".join(company.name for company in companies)
        if companies:
            profile.filer_id, profile.no_filer_id_reason = companies[0].filer_id, companies[0].no_filer_id_reason
        profile.save(update_fields=["company_names", "filer_id", "no_filer_id_reason"])


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0004_sign_then_file_and_amendments'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CoveredCompany',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('filer_id', models.CharField(blank=True, help_text='Six digits, e.g. 825123.', max_length=40, verbose_name='Form 499 Filer ID')),
                ('no_filer_id_reason', models.CharField(blank=True, help_text='Why the company has no Form 499 Filer ID, if it has none.', max_length=300, verbose_name='Reason it has none')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('profile', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='companies', to='compliance.companyprofile')),
            ],
            options={
                'verbose_name_plural': 'covered companies',
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCoveredCompany',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('filer_id', models.CharField(blank=True, help_text='Six digits, e.g. 825123.', max_length=40, verbose_name='Form 499 Filer ID')),
                ('no_filer_id_reason', models.CharField(blank=True, help_text='Why the company has no Form 499 Filer ID, if it has none.', max_length=300, verbose_name='Reason it has none')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('profile', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='compliance.companyprofile')),
            ],
            options={
                'verbose_name': 'historical covered company',
                'verbose_name_plural': 'historical covered companies',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(split_company_names, join_company_names),
        # A default, so that undoing the removal can add the column back to a table with rows.
        migrations.AlterField(
            model_name='companyprofile', name='company_names',
            field=models.TextField(default="", help_text='The company name(s) covered, one per line.'),
        ),
        migrations.AlterField(
            model_name='historicalcompanyprofile', name='company_names',
            field=models.TextField(default="", help_text='The company name(s) covered, one per line.'),
        ),
        migrations.RemoveField(
            model_name='companyprofile',
            name='company_names',
        ),
        migrations.RemoveField(
            model_name='companyprofile',
            name='filer_id',
        ),
        migrations.RemoveField(
            model_name='companyprofile',
            name='no_filer_id_reason',
        ),
        migrations.RemoveField(
            model_name='historicalcompanyprofile',
            name='company_names',
        ),
        migrations.RemoveField(
            model_name='historicalcompanyprofile',
            name='filer_id',
        ),
        migrations.RemoveField(
            model_name='historicalcompanyprofile',
            name='no_filer_id_reason',
        ),
    ]
