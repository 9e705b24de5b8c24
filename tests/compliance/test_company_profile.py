"""The companies the certification covers: one row each, with its own Form 499 Filer ID or the
reason it has none, kept on the company profile page by records managers (a formset), validated,
audited with history, and named each with its Filer ID in the heading of both PDFs."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from compliance.certification_pdf import heading_context
from compliance.company import company_name
from compliance.models import CompanyProfile, CoveredCompany
from compliance.registers import company_profile_save
from records.models import AuditEvent
from tests.factories import company_profile_data, make_company_profile
from tests.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db

TELECOM = {"name": "Example Telecom, Inc.", "filer_id": "825123"}
VERMONT = {"name": "Example Telecom of Vermont, LLC", "no_filer_id_reason": "Provides intrastate service only"}


def companies():
    return [(c.name, c.filer_id, c.no_filer_id_reason, c.position) for c in CoveredCompany.objects.order_by("position")]


def written():
    return CoveredCompany.history.count(), AuditEvent.objects.count(), CompanyProfile.objects.count()


def test_each_company_is_saved_with_its_own_filer_id_or_reason(client, records_manager, officer):
    client.force_login(records_manager)
    form = client.get(reverse("company-profile")).content.decode()
    assert 'name="companies-0-filer_id"' in form and "Companies covered by the certification" in form

    saved = client.post(reverse("company-profile"), company_profile_data(TELECOM, VERMONT, signatory=officer.pk))
    assert saved.status_code == 302
    assert companies() == [("Example Telecom, Inc.", "825123", "", 0),
                           ("Example Telecom of Vermont, LLC", "", "Provides intrastate service only", 1)]
    created = AuditEvent.objects.filter(action="coveredcompany.created").order_by("sequence")
    assert [event.payload["name"] for event in created] == ["Example Telecom, Inc.", "Example Telecom of Vermont, LLC"]
    assert {row.history_user for row in CoveredCompany.history.all()} == {records_manager}
    assert company_name() == "Example Telecom, Inc."

    client.force_login(officer)
    page = " ".join(client.get(reverse("company-profile")).content.decode().split())
    assert "<td>Example Telecom, Inc.</td><td>825123</td>" in page
    assert "<td>Example Telecom of Vermont, LLC</td><td>N/A (Provides intrastate service only)</td>" in page


@pytest.mark.parametrize("rows, message", [
    ([{**TELECOM, "filer_id": "82512"}], "A Form 499 Filer ID is six digits, e.g. 825123."),
    ([{**TELECOM, "filer_id": "82-5123"}], "A Form 499 Filer ID is six digits, e.g. 825123."),
    ([{"name": "Example Telecom, Inc."}], "Give the Form 499 Filer ID, or the reason there is none."),
    ([{**TELECOM, "no_filer_id_reason": "None"}], "leave the reason for having none empty"),
    ([TELECOM, {**VERMONT, "name": "example telecom, inc."}], "Each company is named once: example telecom, inc. is named more than once."),
    ([], "Name at least one company the certification covers."),
    ([{**TELECOM, "DELETE": "on"}], "Name at least one company the certification covers."),
])
def test_a_company_without_a_proper_filer_id_or_reason_is_refused_and_nothing_is_written(
    client, records_manager, officer, rows, message
):
    client.force_login(records_manager)
    before = written()
    refused = client.post(reverse("company-profile"), company_profile_data(*rows, signatory=officer.pk))
    assert refused.status_code == 200
    assert message in refused.content.decode().replace("&#x27;", "'")
    assert written() == before


def test_companies_are_changed_added_and_removed_with_history_and_audit(client, records_manager, officer):
    profile = make_company_profile(signatory=officer, companies=[("Example Telecom, Inc.", "825123"),
                                                                 ("Example Wireless LLC", "825124")])
    telecom, wireless = profile.companies.all()
    client.force_login(records_manager)
    data = company_profile_data(
        {"id": telecom.pk, **TELECOM, "DELETE": "on"},
        {"id": wireless.pk, "name": "Example Wireless LLC", "filer_id": "825999"},
        VERMONT,
        signatory=officer.pk,
    )
    assert client.post(reverse("company-profile"), data).status_code == 302
    assert companies() == [("Example Wireless LLC", "825999", "", 0),
                           ("Example Telecom of Vermont, LLC", "", "Provides intrastate service only", 1)]
    events = {event.action: event.payload for event in AuditEvent.objects.filter(action__startswith="coveredcompany.")}
    assert events["coveredcompany.removed"]["name"] == "Example Telecom, Inc."
    assert events["coveredcompany.updated"] == {"filer_id": ["825124", "825999"], "position": [1, 0]}
    assert events["coveredcompany.created"]["name"] == "Example Telecom of Vermont, LLC"
    assert CoveredCompany.history.filter(id=telecom.pk, history_type="-", history_user=records_manager).exists()
    assert list(CoveredCompany.history.filter(id=wireless.pk).order_by("history_date").values_list("filer_id", flat=True)) == [
        "825124", "825999"
    ]

    before = written()
    assert client.post(reverse("company-profile"), company_profile_data(
        {"id": wireless.pk, "name": "Example Wireless LLC", "filer_id": "825999"},
        {"id": CoveredCompany.objects.get(name__contains="Vermont").pk, **VERMONT}, signatory=officer.pk,
    )).status_code == 302
    assert written() == before  # nothing changed, nothing written


def test_only_records_managers_keep_the_companies(client, records_manager, officer, auditor):
    profile = make_company_profile(signatory=officer)
    for user in (officer, auditor):
        client.force_login(user)
        assert client.post(reverse("company-profile"), company_profile_data(VERMONT, signatory=officer.pk)).status_code == 403
        with pytest.raises(PermissionDenied):
            company_profile_save(actor=user, profile=profile, fields={}, companies=[VERMONT])
    assert companies() == [("Example Telecom, Inc.", "825123", "", 0)]


def test_the_service_refuses_repeated_names_and_no_company_whatever_calls_it(records_manager, officer):
    profile = make_company_profile(signatory=officer)
    before = written()
    with pytest.raises(ValidationError, match="Example Telecom, inc. is named more than once"):
        company_profile_save(actor=records_manager, profile=profile, fields={},
                             companies=[TELECOM, {**TELECOM, "name": "Example Telecom, inc."}])
    with pytest.raises(ValidationError, match="Name at least one company"):
        company_profile_save(actor=records_manager, profile=profile, fields={}, companies=[])
    assert written() == before


def test_both_pdfs_head_each_company_with_its_own_filer_id(officer):
    make_company_profile(signatory=officer, companies=[("Example Telecom, Inc.", "825123"),
                                                       ("Example Telecom of Vermont, LLC", "", "Intrastate only")])
    heading = heading_context(2025, None)
    assert heading["companies"] == [{"name": "Example Telecom, Inc.", "filer_id": "825123"},
                                    {"name": "Example Telecom of Vermont, LLC", "filer_id": "N/A (Intrastate only)"}]


# --------------------------------------------------------------------------- the migration



@pytest.mark.django_db(transaction=True)
def test_each_line_of_company_names_becomes_a_company_with_the_profiles_filer_id_and_back():
    before, after = [("compliance", "0004_sign_then_file_and_amendments")], [("compliance", "0005_covered_companies")]
    try:
        old = migrate_to(*before)
        officer = old.get_model("records", "User").objects.create(username="olivia", title="CEO")
        old.get_model("compliance", "CompanyProfile").objects.create(
            company_names="Example Telecom, Inc.\n  Example Telecom of Vermont, LLC \n\nexample telecom, inc.",
            filer_id="82-51", no_filer_id_reason="", signatory=officer, records_began_on=datetime.date(2000, 1, 1),
        )
        new = migrate_to(*after)
        rows = new.get_model("compliance", "CoveredCompany").objects.order_by("position")
        assert [(c.name, c.filer_id, c.position) for c in rows] == [
            ("Example Telecom, Inc.", "82-51", 0), ("Example Telecom of Vermont, LLC", "82-51", 1)
        ]
        assert new.get_model("compliance", "HistoricalCoveredCompany").objects.filter(history_type="+").count() == 2

        back = migrate_to(*before)
        profile = back.get_model("compliance", "CompanyProfile").objects.get()
        assert (profile.company_names, profile.filer_id) == (
            "Example Telecom, Inc.\nExample Telecom of Vermont, LLC", "82-51"
        )
    finally:
        migrate_to_latest()


def test_the_certification_page_names_each_company_with_its_own_filer_id(client, officer, records_manager):
    make_company_profile(signatory=officer, companies=(("Example Telecom, Inc.", "825123"),
                                                       ("Example Wireless LLC", "", "Exempt: no interstate revenue")))
    client.force_login(records_manager)
    page = " ".join(client.get(reverse("certification")).content.decode().split())
    assert ("Companies covered: Example Telecom, Inc. (Form 499 Filer ID 825123); Example Wireless LLC "
            "(Form 499 Filer ID N/A (Exempt: no interstate revenue))") in page
