"""The company profile, the certification registers, packages and filings leave records' state for
compliance's (compliance 0002); their tables stay, and compliance 0003 renames them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0025_follow_certification_permission'),
        ('compliance', '0002_registers_and_certification_from_records'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='certificationpackage',
                name='requested_by',
            ),
            migrations.RemoveField(
                model_name='historicalcertificationfiling',
                name='package',
            ),
            migrations.RemoveField(
                model_name='companyprofile',
                name='signatory',
            ),
            migrations.RemoveField(
                model_name='customercomplaint',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='databrokeraction',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='historicalcertificationfiling',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalcertificationfiling',
                name='signed_by',
            ),
            migrations.RemoveField(
                model_name='historicalcertificationfiling',
                name='withdrawn_by',
            ),
            migrations.RemoveField(
                model_name='historicalcompanyprofile',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalcompanyprofile',
                name='signatory',
            ),
            migrations.RemoveField(
                model_name='historicalcustomercomplaint',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalcustomercomplaint',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='historicaldatabrokeraction',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicaldatabrokeraction',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='historicalpretextingobservation',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalpretextingobservation',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='pretextingobservation',
                name='recorded_by',
            ),
            migrations.DeleteModel(
                name='CertificationFiling',
            ),
            migrations.DeleteModel(
                name='CertificationPackage',
            ),
            migrations.DeleteModel(
                name='CompanyProfile',
            ),
            migrations.DeleteModel(
                name='CustomerComplaint',
            ),
            migrations.DeleteModel(
                name='DataBrokerAction',
            ),
            migrations.DeleteModel(
                name='HistoricalCertificationFiling',
            ),
            migrations.DeleteModel(
                name='HistoricalCompanyProfile',
            ),
            migrations.DeleteModel(
                name='HistoricalCustomerComplaint',
            ),
            migrations.DeleteModel(
                name='HistoricalDataBrokerAction',
            ),
            migrations.DeleteModel(
                name='HistoricalPretextingObservation',
            ),
            migrations.DeleteModel(
                name='PretextingObservation',
            ),
        ]),
    ]
