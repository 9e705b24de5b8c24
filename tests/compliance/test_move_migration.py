"""The company profile, the certification registers, packages and filings moved from records to
compliance (records 0026, compliance 0002-0003): a database built before the move keeps every row,
its history and the roles' grants, now under compliance's names."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = [("records", "0025_follow_certification_permission"), ("compliance", "0001_certification_reminder_task")]
AFTER = [("records", "0026_registers_and_certification_to_compliance"), ("compliance", "0003_tables_and_permissions_renamed")]




@pytest.mark.django_db(transaction=True)
def test_a_database_built_before_the_move_keeps_its_rows_history_and_grants():
    try:
        old = migrate_to(*BEFORE)
        User, Group = old.get_model("records", "User"), old.get_model("auth", "Group")
        ContentType, Permission = old.get_model("contenttypes", "ContentType"), old.get_model("auth", "Permission")
        officer = User.objects.create(username="olivia", title="CEO")
        profile_type = ContentType.objects.get(app_label="records", model="companyprofile")
        view_profile = Permission.objects.get(content_type=profile_type, codename="view_companyprofile")
        auditors = Group.objects.create(name="auditors-before-the-move")
        auditors.permissions.add(view_profile)
        old.get_model("records", "CompanyProfile").objects.create(
            company_names="Example Telecom, Inc.", filer_id="825123", signatory=officer
        )
        complaint = old.get_model("records", "CustomerComplaint").objects.create(
            received_on=datetime.date(2025, 3, 4), category="employee_access", summary="Clerk looked up a bill",
            recorded_by=officer,
        )
        old.get_model("records", "HistoricalCustomerComplaint").objects.create(
            id=complaint.pk, received_on=complaint.received_on, category="employee_access", other_category="",
            summary=complaint.summary, resolution="", recorded_by=officer, history_date=timezone.now(),
            history_type="+",
        )
        package = old.get_model("records", "CertificationPackage").objects.create(
            year=2025, state="ready", requested_by=officer, requested_at=timezone.now(), sha256="ab" * 32
        )
        old.get_model("records", "CertificationFiling").objects.create(
            year=2025, package=package, signed_by=officer, signed_on=datetime.date(2026, 2, 20),
            filed_on=datetime.date(2026, 2, 21), recorded_at=timezone.now(),
        )

        new = migrate_to(*AFTER)
        assert new.get_model("compliance", "CompanyProfile").objects.get().filer_id == "825123"
        moved = new.get_model("compliance", "CustomerComplaint").objects.get()
        assert (moved.pk, moved.summary, moved.recorded_by_id) == (complaint.pk, "Clerk looked up a bill", officer.pk)
        assert new.get_model("compliance", "HistoricalCustomerComplaint").objects.get().id == complaint.pk
        filing = new.get_model("compliance", "CertificationFiling").objects.get()
        assert (filing.year, filing.package.sha256) == (2025, "ab" * 32)
        grant = new.get_model("auth", "Group").objects.get(name="auditors-before-the-move").permissions.get()
        assert grant.pk == view_profile.pk
        assert (grant.content_type.app_label, grant.codename) == ("compliance", "view_companyprofile")
        tables = set(connection.introspection.table_names())
        assert {"compliance_companyprofile", "compliance_historicalcustomercomplaint", "compliance_certificationfiling"} <= tables
        assert not {name for name in tables if name in ("records_companyprofile", "records_certificationfiling")}
    finally:
        migrate_to_latest()
