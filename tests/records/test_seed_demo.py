import pytest
from django.core.management import call_command

from dateutil.relativedelta import relativedelta

from records.models import LegalMinimum, Record, Status, User
from records.roles import Role


@pytest.mark.django_db
def test_demo_data_has_a_login_per_role_and_records_in_several_states(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    output = capsys.readouterr().out
    for role in Role:
        assert role.label in output
        assert User.objects.filter(groups__name=role.value).exists()
    password = output.split("Records manager")[1].split()[1]
    assert User.objects.get(username="rita").check_password(password)
    statuses = set(Record.objects.values_list("status", flat=True))
    assert {Status.ACTIVE, Status.DUE, Status.PENDING_SHRED, Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY} <= statuses
    assert not Record.objects.filter(contains_cpni=True, label_attested_at__isnull=True).exists()
    breach = LegalMinimum.objects.get(citation="47 CFR 64.2011(d)")
    carrying = Record.objects.filter(legal_minimums=breach, schedule__code="TOLL-BILLING")
    assert carrying.count() >= 2
    for record in carrying:
        assert record.expiry_date >= record.trigger_date + relativedelta(years=2), "the breach minimum, not 18 months"

    count = Record.objects.count()
    call_command("seed_demo")
    assert Record.objects.count() == count, "a second run adds nothing"
    assert password in capsys.readouterr().out, "the same password is printed again"
