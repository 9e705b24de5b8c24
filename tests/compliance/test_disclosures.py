"""The third-party releases register (47 CFR 64.2009(c); procedure (a)): recording a release, what
it must say (a purpose from the procedure's list or "other" with its legal basis, never the CPNI
itself), corrections with a reason, who may do what, retention, disclosures.csv and the package,
the pages and the API."""

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from compliance import disclosures
from compliance.disclosure_export import write_disclosures
from compliance.models import CertificationPackage, Disclosure
from records.models import AuditEvent
from tests.api.conftest import token_client
from tests.factories import make_company_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


def fields(**extra):
    return {"disclosed_on": date(2026, 11, 2), "recipient": "Fiber Installers LLC", "agreement_reference": "MSA-2024-07",
            "purpose": "installation", "legal_basis": "", "cpni_categories": ["location", "type"],
            "customers_count": 12, "customer_reference": "", "notes": "", **extra}


def record(actor, **extra):
    return disclosures.disclosure_record(actor=actor, fields=fields(**extra))


# --------------------------------------------------------------------------- recording and correcting

def test_a_records_manager_records_a_release_with_history_and_an_audit_event(now, records_manager):
    release = record(records_manager)
    assert release.reference == f"TP-{release.pk:05d}"
    assert release.cpni_categories == ["type", "location"]  # in the categories' own order
    assert release.keep_until == date(2027, 11, 2)
    assert release.customers_words == "12 customers"
    event = AuditEvent.objects.get(action="disclosure.created")
    assert event.actor == records_manager and event.payload["recipient"] == "Fiber Installers LLC"
    assert release.history.count() == 1 and release.history.get().history_user == records_manager


@pytest.mark.parametrize("who", ["employee", "auditor", "officer", "netops"])
def test_only_records_managers_record_or_correct(now, request, records_manager, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        record(user)
    release = record(records_manager)
    with pytest.raises(PermissionDenied):
        disclosures.disclosure_correct(actor=user, disclosure=release, fields={"recipient": "X"}, reason="Typo")
    assert Disclosure.objects.count() == 1 and Disclosure.objects.get().recipient == "Fiber Installers LLC"


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"purpose": "other"}, "legal_basis", "give the legal basis"),
    ({"purpose": "marketing"}, "purpose", "Choose the purpose"),
    ({"legal_basis": "Court order"}, "legal_basis", "only when the purpose is other"),
    ({"recipient": "  "}, "recipient", "Name the recipient"),
    ({"agreement_reference": ""}, "agreement_reference", "contract or NDA"),
    ({"cpni_categories": []}, "cpni_categories", "Say which CPNI was released."),
    ({"cpni_categories": ["names"]}, "cpni_categories", "Not a category of CPNI: names."),
    ({"cpni_categories": "type"}, "cpni_categories", "as a list"),
    ({"customers_count": None}, "customers_count", "their number, or a customer reference"),
    ({"customers_count": 0}, "customers_count", "at least 1"),
    ({"customers_count": None, "customer_reference": "(555) 201-3344"}, "customer_reference", "telephone number"),
    ({"customers_count": None, "customer_reference": "Jane Doe 12 Main St"}, "customer_reference", "never the CPNI"),
    ({"disclosed_on": date(2026, 12, 1)}, "disclosed_on", "cannot be in the future"),
    ({"disclosed_on": None}, "disclosed_on", "Enter the day"),
    ({"disclosed_on": "2026-11-02"}, "disclosed_on", "Enter the day"),
])
def test_bad_input_is_refused_with_a_clear_message(now, records_manager, extra, field, words):
    with pytest.raises(ValidationError) as refused:
        record(records_manager, **extra)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Disclosure.objects.exists() and not AuditEvent.objects.filter(action__startswith="disclosure").exists()


def test_other_purpose_with_its_legal_basis_and_a_customer_reference(now, records_manager):
    release = record(records_manager, purpose="other", legal_basis="47 U.S.C. 222(d)(2): fraud investigation",
                     customers_count=None, customer_reference="ACCT-100234")
    assert release.get_purpose_display() == "Other (with its legal basis)"
    assert release.customers_words == "reference ACCT-100234"


def test_a_correction_needs_a_reason_and_keeps_what_it_was(now, records_manager):
    release = record(records_manager)
    with pytest.raises(ValidationError, match="Say why"):
        disclosures.disclosure_correct(actor=records_manager, disclosure=release, fields={"recipient": "Y"}, reason=" ")
    with pytest.raises(ValidationError, match="Nothing is changed"):
        disclosures.disclosure_correct(actor=records_manager, disclosure=release, fields={}, reason="Why")
    with pytest.raises(ValidationError, match="give the legal basis"):
        disclosures.disclosure_correct(actor=records_manager, disclosure=release, fields={"purpose": "other"},
                                       reason="Was not an installation")
    corrected = disclosures.disclosure_correct(actor=records_manager, disclosure=release,
                                               fields={"recipient": "Fiber Installers, LLC", "customers_count": 13},
                                               reason="The contractor's name as in the contract")
    assert (corrected.recipient, corrected.customers_count) == ("Fiber Installers, LLC", 13)
    assert corrected.corrected_at is not None
    event = AuditEvent.objects.get(action="disclosure.corrected")
    assert event.payload["reason"] == "The contractor's name as in the contract"
    assert event.payload["changed"]["recipient"] == ["Fiber Installers LLC", "Fiber Installers, LLC"]
    assert [h.recipient for h in corrected.history.order_by("history_id")] == ["Fiber Installers LLC",
                                                                               "Fiber Installers, LLC"]
    assert corrected.history.latest().history_change_reason == "The contractor's name as in the contract"


def test_kept_at_least_one_year(time_machine, records_manager):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    release = record(records_manager)
    time_machine.move_to("2027-11-01 09:00 -0500", tick=False)
    with pytest.raises(ValidationError, match="kept until 2027-11-02"):
        release.delete()
    time_machine.move_to("2027-11-02 09:00 -0500", tick=False)
    release.delete()
    assert not Disclosure.objects.exists()


# --------------------------------------------------------------------------- the year's CSV and package

def test_the_csv_holds_the_years_releases_formula_safe(now, records_manager):
    first = record(records_manager, recipient='=HYPERLINK("http://x")', disclosed_on=date(2026, 1, 3))
    second = record(records_manager, purpose="other", legal_basis="Subpoena 26-114", customers_count=None,
                    customer_reference="TKT-9")
    record(records_manager, disclosed_on=date(2025, 12, 31))
    out = io.StringIO()
    write_disclosures(out, 2026)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL — ")
    rows = list(csv.DictReader(lines[1:]))
    assert [row["reference"] for row in rows] == [first.reference, second.reference]
    assert rows[0]["recipient"].startswith("'=") and rows[0]["cpni_categories"] == "type; location"
    assert (rows[1]["purpose"], rows[1]["legal_basis"], rows[1]["customers_count"], rows[1]["customer_reference"],
            rows[1]["keep_until"]) == ("other", "Subpoena 26-114", "", "TKT-9", "2027-11-02")


def test_the_package_holds_disclosures_csv_and_its_figure(time_machine, records_manager, officer):
    from compliance import package as packaging
    from compliance.year_summary import year_summary

    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    make_company_profile(companies=[("Example Telecom, Inc.", "831234")], signatory=officer)
    release = record(records_manager)
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        rows = list(csv.DictReader(archive.read("disclosures.csv").decode().splitlines()[1:]))
        summary = json.loads(archive.read("summary.json"))
        manifest = json.loads(archive.read("manifest.json"))
    assert [row["reference"] for row in rows] == [release.reference]
    assert summary["third_party_releases"] == 1
    assert "disclosures.csv" in json.dumps(manifest)
    assert year_summary(2025).third_party_releases == 0


def test_evidence_sentences(now, records_manager):
    assert disclosures.disclosure_evidence(2026) == ["No release of CPNI to a third party is recorded for 2026."]
    record(records_manager)
    assert disclosures.disclosure_evidence(2026) == [
        "1 release of CPNI to third parties was recorded in 2026, each to provision, install, maintain or repair the "
        "service."]


# --------------------------------------------------------------------------- pages

def page_fields(**extra):
    return {"disclosed_on": "2026-11-02", "recipient": "Fiber Installers LLC", "agreement_reference": "MSA-2024-07",
            "purpose": "repair", "cpni_categories": ["location"], "customers_count": "1", **extra}


def test_pages_record_list_correct_and_refuse(now, client, records_manager, employee, auditor, officer):
    client.force_login(records_manager)
    bad = client.post(reverse("disclosure-create"), page_fields(purpose="other", customers_count=""))
    text = bad.content.decode()
    assert bad.status_code == 400 and "give the legal basis" in text and "their number, or a customer reference" in text
    assert client.post(reverse("disclosure-create"), page_fields()).status_code == 302
    release = Disclosure.objects.get()
    page = client.get(reverse("disclosure-detail", args=[release.pk])).content.decode()
    assert "CONFIDENTIAL" in page and "Kept until" in page and "2027-11-02" in page and "Correct" in page
    no_reason = client.post(reverse("disclosure-correct", args=[release.pk]), page_fields(recipient="Other LLC"))
    assert no_reason.status_code == 400 and "This field is required." in no_reason.content.decode()
    done = client.post(reverse("disclosure-correct", args=[release.pk]),
                       page_fields(recipient="Other LLC", reason="Wrong vendor"))
    assert done.status_code == 302 and Disclosure.objects.get().recipient == "Other LLC"
    assert "Wrong vendor" in client.get(reverse("disclosure-detail", args=[release.pk])).content.decode()
    listing = client.get(reverse("disclosure-list"), {"year": "2026", "purpose": "repair"}).content.decode()
    assert release.reference in listing and 'class="table-scroll"' in listing
    assert release.reference not in client.get(reverse("disclosure-list"), {"year": "2025"}).content.decode()
    assert client.get(reverse("disclosure-list"), {"year": "soon"}).status_code == 400
    for reader in (auditor, officer):
        client.force_login(reader)
        page = client.get(reverse("disclosure-detail", args=[release.pk])).content.decode()
        assert release.reference in page and ">Correct<" not in page
        assert client.get(reverse("disclosure-create")).status_code == 403
        assert client.post(reverse("disclosure-correct", args=[release.pk]),
                           page_fields(reason="x")).status_code == 403
    client.force_login(employee)
    assert client.get(reverse("disclosure-list")).status_code == 403
    assert client.get(reverse("disclosure-detail", args=[release.pk])).status_code == 403
    client.force_login(records_manager)
    assert client.get(reverse("disclosure-detail", args=[release.pk + 99])).status_code == 404


# --------------------------------------------------------------------------- API

def test_api_records_corrects_and_refuses(now, records_manager, auditor, employee):
    manager = token_client(records_manager)
    bad = manager.post("/api/v1/disclosures/", {"disclosed_on": "2026-11-02", "recipient": "V", "agreement_reference": "NDA-1",
                                                "purpose": "other", "cpni_categories": ["type"]}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"legal_basis", "customers_count"}
    nonsense = manager.post("/api/v1/disclosures/", {"disclosed_on": 20261102, "purpose": 3, "cpni_categories": []},
                            format="json")
    assert nonsense.status_code == 400
    created = manager.post("/api/v1/disclosures/", {
        "disclosed_on": "2026-11-02", "recipient": "V", "agreement_reference": "NDA-1", "purpose": "maintenance",
        "cpni_categories": ["technical_configuration"], "customer_reference": "ACCT-77"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["marking"], body["recorded_by"], body["keep_until"]) == ("CONFIDENTIAL", "rita", "2027-11-02")
    url = f"/api/v1/disclosures/{body['id']}/"
    assert manager.patch(url, {"recipient": "W"}, format="json").status_code == 400  # no reason
    fixed = manager.patch(url, {"recipient": "W", "reason": "Typo"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["recipient"] == "W" and fixed.json()["corrected_at"]
    reader = token_client(auditor)
    assert reader.get(url).status_code == 200 and reader.get("/api/v1/disclosures/").json()["count"] == 1
    assert reader.patch(url, {"recipient": "Z", "reason": "x"}, format="json").status_code == 403
    assert token_client(employee).get("/api/v1/disclosures/").status_code == 403
    assert manager.get("/api/v1/disclosures/abc/").status_code == 404


def test_the_schema_describes_the_releases(client, records_manager):
    client.force_login(records_manager)
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/disclosures/", "/api/v1/disclosures/{disclosure_id}/"} <= set(paths)
    assert paths["/api/v1/disclosures/"]["post"]["operationId"] == "disclosures_create"
