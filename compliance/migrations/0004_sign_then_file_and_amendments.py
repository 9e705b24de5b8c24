"""Signing and filing become two steps (the signed PDF as filed, its SHA-256 and the ECFS
confirmation number kept), amendments reopen a filed year, and packages are numbered per year."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def earlier_filings_were_filed_when_recorded(apps, schema_editor):
    """Before signing and filing were two steps, a filing was recorded once filed; and the packages
    of each year are numbered in the order they were asked for."""
    Filing = apps.get_model("compliance", "CertificationFiling")
    Filing.objects.filter(filed_on__isnull=False, filed_at__isnull=True).update(filed_at=models.F("recorded_at"))
    Package = apps.get_model("compliance", "CertificationPackage")
    numbered = {}
    for package in Package.objects.order_by("year", "requested_at", "pk"):
        numbered[package.year] = numbered.get(package.year, 0) + 1
        Package.objects.filter(pk=package.pk).update(version=numbered[package.year])


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0003_tables_and_permissions_renamed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CertificationAmendment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('reason', models.TextField()),
                ('opened_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['-opened_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCertificationAmendment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('reason', models.TextField()),
                ('opened_at', models.DateTimeField()),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical certification amendment',
                'verbose_name_plural': 'historical certification amendments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RemoveConstraint(
            model_name='certificationfiling',
            name='one_standing_filing_a_year',
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='ecfs_confirmation',
            field=models.CharField(blank=True, max_length=40, verbose_name='ECFS confirmation number'),
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='filed_at',
            field=models.DateTimeField(blank=True, help_text='When the filing was recorded.', null=True),
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='signed_pdf_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='signed_pdf_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='signed_pdf_size',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='certificationfiling',
            name='superseded_at',
            field=models.DateTimeField(blank=True, help_text='When an amended filing took its place.', null=True),
        ),
        migrations.AddField(
            model_name='certificationpackage',
            name='version',
            field=models.PositiveSmallIntegerField(default=1, help_text="The year's packages are numbered 1, 2, … as asked for."),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='ecfs_confirmation',
            field=models.CharField(blank=True, max_length=40, verbose_name='ECFS confirmation number'),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='filed_at',
            field=models.DateTimeField(blank=True, help_text='When the filing was recorded.', null=True),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='signed_pdf_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='signed_pdf_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='signed_pdf_size',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalcertificationfiling',
            name='superseded_at',
            field=models.DateTimeField(blank=True, help_text='When an amended filing took its place.', null=True),
        ),
        migrations.AlterField(
            model_name='certificationfiling',
            name='filed_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='certificationfiling',
            name='recorded_at',
            field=models.DateTimeField(help_text='When the signature was recorded.'),
        ),
        migrations.AlterField(
            model_name='historicalcertificationfiling',
            name='filed_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='historicalcertificationfiling',
            name='recorded_at',
            field=models.DateTimeField(help_text='When the signature was recorded.'),
        ),
        migrations.AddConstraint(
            model_name='certificationfiling',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True), ('withdrawn_at__isnull', True)), fields=('year',), name='one_standing_filing_a_year'),
        ),
        migrations.AddField(
            model_name='certificationamendment',
            name='amends',
            field=models.ForeignKey(help_text='The filing the amendment corrects.', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='compliance.certificationfiling'),
        ),
        migrations.AddField(
            model_name='certificationamendment',
            name='filing',
            field=models.ForeignKey(blank=True, help_text='The amended certification as filed; empty while it is still needed.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='compliance.certificationfiling'),
        ),
        migrations.AddField(
            model_name='certificationamendment',
            name='opened_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='certificationpackage',
            name='amendment',
            field=models.ForeignKey(blank=True, help_text="The amendment this package was built for, after the year's certification was filed.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='packages', to='compliance.certificationamendment'),
        ),
        migrations.AddField(
            model_name='historicalcertificationamendment',
            name='amends',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The filing the amendment corrects.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='compliance.certificationfiling'),
        ),
        migrations.AddField(
            model_name='historicalcertificationamendment',
            name='filing',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The amended certification as filed; empty while it is still needed.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='compliance.certificationfiling'),
        ),
        migrations.AddField(
            model_name='historicalcertificationamendment',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalcertificationamendment',
            name='opened_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='certificationamendment',
            constraint=models.UniqueConstraint(condition=models.Q(('filing__isnull', True)), fields=('year',), name='one_open_amendment_a_year'),
        ),
        migrations.RunPython(earlier_filings_were_filed_when_recorded, migrations.RunPython.noop),
    ]
