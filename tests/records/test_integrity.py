"""check_integrity reports existing facts that break a current rule, and exits non-zero then."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from records.models import Record
from compliance.models import CustomerComplaint
from tests.factories import make_company_profile, make_record

pytestmark = pytest.mark.django_db


def run():
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_integrity", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def test_clean_data_has_no_findings(employee, frozen_today):
    make_record(custodian=employee)
    code, out, _ = run()
    assert code == 0 and "No findings" in out


def test_dates_written_around_the_application_are_reported(employee, records_manager, frozen_today):
    record = make_record(custodian=employee)
    Record.objects.filter(pk=record.pk).update(trigger_date=date(1800, 1, 1))
    complaint = CustomerComplaint.objects.create(received_on=date(2026, 3, 2), resolved_on=date(2026, 3, 1),
                                                 category="online_access", summary="s", recorded_by=records_manager)
    make_company_profile(signatory=None, companies=[("Example Telecom, Inc.", "825123"), ("Example Wireless LLC", "82-51")])
    code, out, error = run()
    assert code == 1 and error.startswith("5 findings")  # the 1800 trigger date also leaves its expiry underived
    assert "[signatory] the company profile: no officer is named as the signatory." in out
    assert "[filer-id] the company profile: the Form 499 Filer ID '82-51' of Example Wireless LLC is not six digits." in out
    assert f"[trigger-date] {record.reference}: its trigger date 1800-01-01 is not between 1990-01-01 and today." in out
    assert f"[register-date] complaint #{complaint.pk}: resolved on 2026-03-01, before it was received on 2026-03-02." in out


def test_destructions_and_expiries_written_around_the_application_are_reported(employee, netops, frozen_today):
    from datetime import timedelta

    from records.models import Destruction, Medium, Status

    paper = make_record(custodian=employee, status=Status.DESTROYED)
    disk = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
    assert run()[0] == 0
    Destruction.objects.filter(record=paper).update(destroyed_on=date(2016, 12, 3), method="pulping")
    Destruction.objects.filter(record=disk).update(method_type="clear", method="degauss", tool_name="")
    stale = make_record(custodian=employee)
    Record.objects.filter(pk=stale.pk).update(expiry_date=stale.expiry_date + timedelta(days=1))
    code, out, _ = run()
    certificate = Destruction.objects.get(record=paper).certificate_number
    assert code == 1
    assert f"[destruction] {certificate} ({paper.reference}): Shredded on 2016-12-03, before it became due on 2026-11-23." in out
    assert f"[destruction] {certificate} ({paper.reference}): Destroyed by pulping, which the company's procedure no longer allows" in out
    disk_certificate = Destruction.objects.get(record=disk).certificate_number
    assert f"[destruction] {disk_certificate} ({disk.reference}): The method Degauss is not a Clear method" in out
    assert f"[destruction] {disk_certificate} ({disk.reference}): A Clear or Purge without the tool and its version." in out
    assert f"[expiry] {stale.reference}: its expiry date is {stale.expiry_date + timedelta(days=1)}" in out


def test_duplicate_serial_numbers_from_before_are_reported(employee, frozen_today):
    from records.models import Medium

    first = make_record(custodian=employee, medium=Medium.USB_DRIVE, media_serial_number="TP-0099")
    second = make_record(custodian=employee, medium=Medium.USB_DRIVE, media_serial_number="TP-0100")
    Record.objects.filter(pk=second.pk).update(media_serial_number="tp-0099 ", media_serial_key=None)  # as before keys
    code, out, _ = run()
    assert code == 1
    assert (f"[serial] {second.reference}: its serial number tp-0099  is also that of {first.reference}: serial numbers "
            "are unique until destruction.") in out


def test_attestations_imported_before_imports_kept_their_provenance_are_reported(employee, frozen_today):
    record = make_record(custodian=employee)
    Record.history.filter(id=record.pk, history_type="+").update(history_change_reason="imported")
    code, out, _ = run()
    assert code == 1 and f"[attestation] {record.reference}: its label attestation (a visual check) was imported" in out


def test_held_records_destroyed_or_counted_elsewhere_are_reported(employee, records_manager, other_department, frozen_today):
    from records import holds
    from records.models import HeldRecord, Status

    record = make_record(custodian=employee)
    hold = holds.hold_place(actor=records_manager, matter="Smith v. Carrier", reason="Litigation", scope="one",
                            records=Record.objects.filter(pk=record.pk))
    assert run()[0] == 0
    HeldRecord.objects.filter(hold=hold).update(department=other_department)
    Record.objects.filter(pk=record.pk).update(status=Status.DESTROYED)
    code, out, _ = run()
    assert code == 1
    assert f"[hold] hold #{hold.pk}: {record.reference} is counted under another department than the record's." in out
    assert f"[hold] hold #{hold.pk}: {record.reference} was destroyed while the hold was active." in out


def test_rows_changed_around_the_application_are_told_by_the_audit_trail(employee, records_manager, netops, frozen_today):
    from records.models import Destruction, Medium, Status

    kept = make_record(custodian=employee)
    paper = make_record(custodian=employee, status=Status.DESTROYED)
    tape = make_record(custodian=employee, medium=Medium.USB_DRIVE, status=Status.DESTROYED, netops=netops)
    assert run()[0] == 0
    Record.objects.filter(pk=paper.pk).update(status=Status.ACTIVE)
    Destruction.objects.filter(record=tape).update(method="clear_overwrite", destroyed_on=date(2026, 11, 1))
    code, out, _ = run()
    assert code == 1
    assert f"[trail] {paper.reference}: its status is Active, but the audit trail's last transition left it Destroyed." in out
    certificate = Destruction.objects.get(record=tape)
    assert (f"[trail] certificate {certificate.certificate_number}: it says clear_overwrite on 2026-11-01, "
            f"but the audit trail recorded cryptographic_erase on 2026-11-23.") in out
    assert kept.reference not in out


def test_a_history_row_changed_around_the_application_is_reported(employee, frozen_today):
    from records.models import Status

    record = make_record(custodian=employee, status=Status.DUE)
    assert run()[0] == 0
    latest = Record.history.filter(id=record.pk).order_by("-history_date", "-history_id").first()
    Record.history.filter(history_id=latest.history_id).update(status=Status.ACTIVE)
    code, out, _ = run()
    assert code == 1
    assert f"[trail] {record.reference}: its status is Due for destruction, but its newest history row says Active." in out
