"""The company profile, the certification registers, packages and filings move from records to
compliance: here they enter compliance's state, still on their records_* tables (records 0026 lets
them go; 0003 renames the tables). No data moves."""

import datetime
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0001_certification_reminder_task'),
        ('records', '0025_follow_certification_permission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='CertificationPackage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField()),
                    ('draft', models.BooleanField(default=False, help_text='Built before the year ended: a draft, watermarked on every page, never filed.')),
                    ('state', models.CharField(choices=[('queued', 'Queued'), ('building', 'Building'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10)),
                    ('progress', models.PositiveSmallIntegerField(default=0, help_text='Percent done.')),
                    ('step', models.CharField(blank=True, max_length=120)),
                    ('requested_at', models.DateTimeField()),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('file_name', models.CharField(blank=True, max_length=200)),
                    ('sha256', models.CharField(blank=True, max_length=64)),
                    ('size', models.PositiveBigIntegerField(blank=True, null=True)),
                    ('chain_head_hash', models.CharField(blank=True, max_length=64)),
                    ('event_count', models.PositiveBigIntegerField(blank=True, null=True)),
                    ('error', models.TextField(blank=True)),
                    ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'records_certificationpackage',
                    'ordering': ['-requested_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='CertificationFiling',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField()),
                    ('signed_on', models.DateField()),
                    ('filed_on', models.DateField()),
                    ('recorded_at', models.DateTimeField()),
                    ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
                    ('withdrawal_reason', models.TextField(blank=True)),
                    ('signed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('withdrawn_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('package', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='compliance.certificationpackage')),
                ],
                options={
                    'db_table': 'records_certificationfiling',
                    'permissions': [('follow_certification', "Can follow where each year's certification stands (API)")],
                },
            ),
            migrations.CreateModel(
                name='CompanyProfile',
                fields=[
                    ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                    ('company_names', models.TextField(help_text='The company name(s) covered, one per line.')),
                    ('filer_id', models.CharField(blank=True, max_length=40, verbose_name='Form 499 Filer ID')),
                    ('no_filer_id_reason', models.CharField(blank=True, help_text='Why there is no Form 499 Filer ID, if there is none.', max_length=300)),
                    ('records_began_on', models.DateField(default=datetime.date(1990, 1, 1), help_text='The earliest date any record, register entry or destruction may carry.')),
                    ('signatory', models.ForeignKey(help_text='The officer who signs the certification: an active user in the officer role, with a job title.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'records_companyprofile',
                },
            ),
            migrations.CreateModel(
                name='CustomerComplaint',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('received_on', models.DateField()),
                    ('category', models.CharField(choices=[('employee_access', 'Improper access by employees'), ('improper_disclosure', 'Improper disclosure to individuals not authorized to receive it'), ('online_access', 'Improper access to online information by individuals not authorized to view it'), ('other', 'Other (describe)')], max_length=24)),
                    ('other_category', models.CharField(blank=True, help_text='For “Other”: what kind of unauthorized release the complaint is about, without any CPNI.', max_length=200, verbose_name='Other category')),
                    ('summary', models.TextField()),
                    ('resolution', models.TextField(blank=True)),
                    ('resolved_on', models.DateField(blank=True, null=True)),
                    ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'records_customercomplaint',
                    'ordering': ['-received_on', '-id'],
                },
            ),
            migrations.CreateModel(
                name='DataBrokerAction',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('taken_on', models.DateField()),
                    ('forum', models.CharField(choices=[('state_commission', 'State commission'), ('court', 'Court'), ('fcc', 'Federal Communications Commission')], max_length=20)),
                    ('description', models.TextField(help_text='The proceeding instituted or petition filed, and against whom.')),
                    ('outcome', models.TextField(blank=True)),
                    ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'records_databrokeraction',
                    'ordering': ['-taken_on', '-id'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalCertificationFiling',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField()),
                    ('signed_on', models.DateField()),
                    ('filed_on', models.DateField()),
                    ('recorded_at', models.DateTimeField()),
                    ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
                    ('withdrawal_reason', models.TextField(blank=True)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('package', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='compliance.certificationpackage')),
                    ('signed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('withdrawn_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical certification filing',
                    'verbose_name_plural': 'historical certification filings',
                    'db_table': 'records_historicalcertificationfiling',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalCompanyProfile',
                fields=[
                    ('id', models.PositiveSmallIntegerField(db_index=True, default=1, editable=False)),
                    ('company_names', models.TextField(help_text='The company name(s) covered, one per line.')),
                    ('filer_id', models.CharField(blank=True, max_length=40, verbose_name='Form 499 Filer ID')),
                    ('no_filer_id_reason', models.CharField(blank=True, help_text='Why there is no Form 499 Filer ID, if there is none.', max_length=300)),
                    ('records_began_on', models.DateField(default=datetime.date(1990, 1, 1), help_text='The earliest date any record, register entry or destruction may carry.')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('signatory', models.ForeignKey(blank=True, db_constraint=False, help_text='The officer who signs the certification: an active user in the officer role, with a job title.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical company profile',
                    'verbose_name_plural': 'historical company profiles',
                    'db_table': 'records_historicalcompanyprofile',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalCustomerComplaint',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('received_on', models.DateField()),
                    ('category', models.CharField(choices=[('employee_access', 'Improper access by employees'), ('improper_disclosure', 'Improper disclosure to individuals not authorized to receive it'), ('online_access', 'Improper access to online information by individuals not authorized to view it'), ('other', 'Other (describe)')], max_length=24)),
                    ('other_category', models.CharField(blank=True, help_text='For “Other”: what kind of unauthorized release the complaint is about, without any CPNI.', max_length=200, verbose_name='Other category')),
                    ('summary', models.TextField()),
                    ('resolution', models.TextField(blank=True)),
                    ('resolved_on', models.DateField(blank=True, null=True)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical customer complaint',
                    'verbose_name_plural': 'historical customer complaints',
                    'db_table': 'records_historicalcustomercomplaint',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalDataBrokerAction',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('taken_on', models.DateField()),
                    ('forum', models.CharField(choices=[('state_commission', 'State commission'), ('court', 'Court'), ('fcc', 'Federal Communications Commission')], max_length=20)),
                    ('description', models.TextField(help_text='The proceeding instituted or petition filed, and against whom.')),
                    ('outcome', models.TextField(blank=True)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical data broker action',
                    'verbose_name_plural': 'historical data broker actions',
                    'db_table': 'records_historicaldatabrokeraction',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalPretextingObservation',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('observed_on', models.DateField()),
                    ('method', models.TextField()),
                    ('steps_taken', models.TextField()),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('recorded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical pretexting observation',
                    'verbose_name_plural': 'historical pretexting observations',
                    'db_table': 'records_historicalpretextingobservation',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='PretextingObservation',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('observed_on', models.DateField()),
                    ('method', models.TextField()),
                    ('steps_taken', models.TextField()),
                    ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'records_pretextingobservation',
                    'ordering': ['-observed_on', '-id'],
                },
            ),
            migrations.AddIndex(
                model_name='certificationpackage',
                index=models.Index(fields=['year', 'state'], name='records_cer_year_713232_idx'),
            ),
            migrations.AddConstraint(
                model_name='certificationfiling',
                constraint=models.UniqueConstraint(condition=models.Q(('withdrawn_at__isnull', True)), fields=('year',), name='one_standing_filing_a_year'),
            ),
            migrations.AddConstraint(
                model_name='companyprofile',
                constraint=models.CheckConstraint(condition=models.Q(('id', 1)), name='company_profile_single_row'),
            ),
            migrations.AddIndex(
                model_name='customercomplaint',
                index=models.Index(fields=['received_on', 'category'], name='records_cus_receive_cb341f_idx'),
            ),
        ]),
    ]
