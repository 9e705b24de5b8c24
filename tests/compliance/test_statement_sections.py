"""The accompanying statement, rule by rule (47 CFR 64.2009(e); issue 20): each section's
officer-approved policy text or recorded reason, the evidence beside it, the refusal of a final
package while a section is missing, and who may draft and approve."""

import csv
import hashlib
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compliance import campaigns, disclosures, duty_evidence, filing, statement_lifecycle, statement_sections
from compliance.certification_pdf import certification_pdf
from compliance import package as packaging
from compliance.models import CertificationPackage, DutyEvidence, StatementSectionText
from compliance.public_filing import public_filing_pdf
from compliance.statement import procedures_statement
from compliance.statement_lifecycle import TransitionNotAllowed
from records.management.commands.seed_demo import STARTING_POLICY
from records.models import AuditEvent
from records.roles import Role
from tests.compliance.test_certification import pages_of
from tests.factories import UserFactory, approve_every_section, make_company_profile

Status = StatementSectionText.Status
CITATIONS = ["64.2005", "64.2007/64.2008", "64.2009(a)", "64.2009(b)", "64.2009(c)", "64.2009(d)", "64.2009(e)",
             "64.2009(f)", "64.2010", "64.2011"]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


@pytest.fixture
def olga(db):
    """A second officer."""
    return UserFactory(username="olga", first_name="Olga", last_name="Berg", title="CFO", role=Role.OFFICER)


def draft_and_approve(drafter, approver, key, **fields):
    text = statement_lifecycle.draft_save(actor=drafter, section=key, **fields)
    return statement_lifecycle.approve(actor=approver, text=text)


# --------------------------------------------------------------------------- the sections

def test_one_section_per_duty_each_headed_with_its_citation():
    citations = [section.citation for section in statement_sections.SECTIONS]
    assert citations[:len(CITATIONS)] == CITATIONS
    titles = " ".join(section.title.lower() for section in statement_sections.SECTIONS)
    for duty in ("labelling", "retention", "destruction", "vendors", "marketing", "web site"):
        assert duty in titles
    assert len({section.key for section in statement_sections.SECTIONS}) == len(statement_sections.SECTIONS)
    assert set(STARTING_POLICY) == {section.key for section in statement_sections.SECTIONS}  # the demo seeds each


def test_a_duty_in_another_system_is_never_claimed_as_enforced(db):
    for key in ("approval_status", "authentication"):
        sentences = statement_sections.section_of(key).evidence_sentences(2026)
        assert "not in CPNI Track" in sentences[0] and "does not enforce" in sentences[0]
    assert "not in CPNI Track" not in " ".join(statement_sections.section_of("breaches").evidence_sentences(2026))


# --------------------------------------------------------------------------- drafting and approving

def test_a_records_manager_drafts_and_another_officer_approves_superseding_the_last_text(records_manager, officer):
    first = draft_and_approve(records_manager, officer, "use", text="CPNI is used only to provide the service.")
    assert (first.version, first.status, first.approved_by) == (1, Status.APPROVED, officer)
    second = statement_lifecycle.draft_save(actor=records_manager, section="use", text="A better policy.")
    assert statement_sections.approved_texts()["use"].pk == first.pk  # the approved text holds until approval
    edited = statement_lifecycle.draft_save(actor=records_manager, section="use", text="A better policy, edited.")
    assert (edited.pk, edited.version) == (second.pk, 2)  # one draft a section, edited
    statement_lifecycle.approve(actor=officer, text=edited)
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED and first.superseded_at
    assert statement_sections.approved_texts()["use"].text == "A better policy, edited."
    assert list(AuditEvent.objects.filter(action__startswith="statement.").order_by("sequence").values_list(
        "action", flat=True)) == ["statement.drafted", "statement.approved", "statement.drafted",
                                  "statement.draft_edited", "statement.approved"]
    assert edited.history.count() >= 3


def test_not_applicable_needs_a_reason(records_manager, officer):
    with pytest.raises(ValidationError) as refused:
        statement_lifecycle.draft_save(actor=records_manager, section="procedure_marketing", not_applicable=True,
                                       reason="   ")
    assert "Give the reason why Company procedures (b) — Marketing does not apply" in refused.value.message_dict["reason"][0]
    text = draft_and_approve(records_manager, officer, "procedure_marketing", not_applicable=True,
                             reason="The company does not use CPNI for marketing; no campaigns in 2026.",
                             text="ignored")
    assert text.not_applicable and text.text == ""
    assert "procedure_marketing" not in [s.key for s in statement_sections.missing_sections()]


@pytest.mark.parametrize("section,fields,field,words", [
    ("use", {"text": ""}, "text", "Write the company's policy for 64.2005 — Use of CPNI"),
    ("use", {"text": "x" * 20001}, "text", "within 20000 characters"),
    ("use", {"text": "a\x00b"}, "text", "NUL byte"),
    ("no-such-section", {"text": "Policy"}, "section", "There is no statement section"),
])
def test_bad_input_gets_a_clear_message(records_manager, section, fields, field, words):
    with pytest.raises(ValidationError) as refused:
        statement_lifecycle.draft_save(actor=records_manager, section=section, **fields)
    assert words in refused.value.message_dict[field][0]
    assert not StatementSectionText.objects.exists()


def test_who_may_draft_and_approve(employee, auditor, records_manager, officer, olga):
    for person in (employee, auditor, officer):
        with pytest.raises(PermissionDenied, match="Only records managers draft"):
            statement_lifecycle.draft_save(actor=person, section="use", text="Policy")
    draft = statement_lifecycle.draft_save(actor=records_manager, section="use", text="Policy")
    for person in (employee, auditor, records_manager):
        with pytest.raises(PermissionDenied, match="Only an officer approves"):
            statement_lifecycle.approve(actor=person, text=draft)
    approved = statement_lifecycle.approve(actor=officer, text=draft)
    with pytest.raises(TransitionNotAllowed, match="only a draft can be approved"):
        statement_lifecycle.approve(actor=olga, text=approved)


def test_an_officer_never_approves_their_own_draft(records_manager, officer, olga):
    officer.groups.add(records_manager.groups.get())  # an officer who is also a records manager
    officer = type(officer).objects.get(pk=officer.pk)
    draft = statement_lifecycle.draft_save(actor=officer, section="breaches", text="Policy")
    with pytest.raises(PermissionDenied, match="another officer approves it, never its drafter"):
        statement_lifecycle.approve(actor=officer, text=draft)
    assert statement_lifecycle.approve(actor=olga, text=draft).status == Status.APPROVED


# --------------------------------------------------------------------------- the page

def test_the_page_shows_each_section_with_its_text_draft_and_evidence(client, records_manager, officer, now):
    draft_and_approve(records_manager, officer, "use", text="CPNI is used only to provide the service.")
    statement_lifecycle.draft_save(actor=records_manager, section="breaches", text="Report breaches at once.")
    client.force_login(officer)
    page = client.get(reverse("statement-sections"), {"year": "2026"}).content.decode()
    for section in statement_sections.SECTIONS:
        assert f'<h2 id="heading-{section.key}">{section.heading}</h2>' in page
    assert "CPNI is used only to provide the service." in page and "Report breaches at once." in page
    assert "No suspected breach of CPNI was reported in 2026." in page  # the evidence beside it
    assert "A final certification package cannot be built yet." in page and "64.2011 — Breaches" in page
    assert "Approve version 1" in page and "Save the draft" not in page  # officers approve, never draft
    assert reverse("statement-sections") in client.get(reverse("certification")).content.decode()


def test_the_pages_refusals(client, employee, auditor, records_manager, officer):
    url = reverse("statement-draft", args=["use"])
    for person in (employee, auditor, officer):
        client.force_login(person)
        assert client.post(url, {"use-text": "Policy"}).status_code == 403
    client.force_login(records_manager)
    response = client.post(url, {"use-not_applicable": "on", "use-reason": ""})
    assert response.status_code == 400 and "a section is not applicable only with a recorded reason" in response.content.decode()
    assert client.post(reverse("statement-draft", args=["nothing"]), {"nothing-text": "P"}).status_code == 404
    assert client.post(url, {"use-text": "Policy"}).status_code == 302
    draft = StatementSectionText.objects.get()
    assert client.post(reverse("statement-approve", args=[draft.pk])).status_code == 403  # a records manager
    client.force_login(officer)
    assert client.post(reverse("statement-approve", args=[draft.pk])).status_code == 302
    response = client.post(reverse("statement-approve", args=[draft.pk]))  # twice
    assert response.status_code == 409 and "only a draft can be approved" in response.content.decode()


def test_a_drafter_officer_is_refused_on_the_page(client, records_manager, officer):
    officer.groups.add(records_manager.groups.get())
    client.force_login(officer)
    assert client.post(reverse("statement-draft", args=["use"]), {"use-text": "Policy"}).status_code == 302
    draft = StatementSectionText.objects.get()
    response = client.post(reverse("statement-approve", args=[draft.pk]))
    assert response.status_code == 403 and "never its drafter" in response.content.decode()
    assert StatementSectionText.objects.get().status == Status.DRAFT


# --------------------------------------------------------------------------- evidence

def test_evidence_of_a_duty_in_another_system_is_recorded_and_quoted(client, records_manager, auditor, var_dir, now):
    client.force_login(records_manager)
    url = reverse("statement-evidence", args=["authentication"])
    response = client.post(url, {
        "authentication-evidence-as_of": "2026-10-31", "authentication-evidence-source": "Call centre QA review",
        "authentication-evidence-summary": "Forty recorded calls sampled; each caller was authenticated before CPNI.",
        "authentication-evidence-file": SimpleUploadedFile("qa-october.pdf", b"%PDF-1.4 review")})
    assert response.status_code == 302 and response.url.endswith("?year=2026#section-authentication")
    evidence = DutyEvidence.objects.get()
    assert (evidence.section, evidence.file_sha256) == ("authentication", hashlib.sha256(b"%PDF-1.4 review").hexdigest())
    sentences = statement_sections.section_of("authentication").evidence_sentences(2026)
    assert "does not enforce the duty itself" in sentences[0]
    assert sentences[1] == ("Evidence as of October 31, 2026, from Call centre QA review, recorded by "
                            f"{records_manager.get_full_name() or records_manager.username}: “Forty recorded calls sampled; each caller was authenticated before CPNI.” "
                            f"(file qa-october.pdf, SHA-256 {evidence.file_sha256}).")
    duty_evidence.record(actor=records_manager, section="procedure_website", as_of=date(2026, 11, 1),
                         source="Web team", summary="Privacy page reviewed.")
    assert statement_sections.section_of("procedure_website").evidence_sentences(2026)[1].endswith(
        ": “Privacy page reviewed.”")  # the summary's own full stop ends the sentence
    assert statement_sections.section_of("authentication").evidence_sentences(2025)[1] == (
        "No evidence of this duty is recorded for 2025.")
    assert AuditEvent.objects.filter(action="dutyevidence.created", object_id=str(evidence.pk)).exists()
    assert evidence.history.count() == 2
    client.force_login(auditor)  # reads the statement and downloads the file, records nothing
    page = client.get(reverse("statement-sections"), {"year": "2026"}).content.decode()
    assert "Forty recorded calls sampled" in page and "Record evidence from" not in page
    download = client.get(reverse("statement-evidence-file", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 review"
    assert client.post(url, {"authentication-evidence-as_of": "2026-10-31"}).status_code == 403


def test_evidence_of_a_duty_in_another_system_refuses_bad_input_and_other_people(client, employee, records_manager,
                                                                                now):
    fields = {"as_of": date(2026, 10, 1), "source": "Web team", "summary": "The privacy page was reviewed."}
    with pytest.raises(PermissionDenied):
        duty_evidence.record(actor=employee, section="procedure_website", **fields)
    for section, changes, field, words in [
            ("breaches", {}, "section", "only for a duty carried out in another system"),
            ("procedure_website", {"as_of": date(2026, 12, 1)}, "as_of", "cannot be in the future"),
            ("procedure_website", {"as_of": None}, "as_of", "Enter the day"),
            ("procedure_website", {"summary": "  "}, "summary", "Say what the evidence shows"),
            ("procedure_website", {"source": "x\x00"}, "source", "NUL byte"),
            ("procedure_website", {"data": b""}, "file", "The evidence file is empty.")]:
        with pytest.raises(ValidationError) as refused:
            duty_evidence.record(actor=records_manager, section=section, **{**fields, **changes})
        assert words in " ".join(refused.value.message_dict[field])
    assert not DutyEvidence.objects.exists()
    client.force_login(records_manager)
    response = client.post(reverse("statement-evidence", args=["procedure_website"]),
                           {"procedure_website-evidence-as_of": "2026-13-45", "procedure_website-evidence-source": "Web",
                            "procedure_website-evidence-summary": "Reviewed."})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    assert client.post(reverse("statement-evidence", args=["breaches"]), {}).status_code == 404
    client.force_login(employee)
    assert client.get(reverse("statement-evidence-file", args=[1])).status_code == 403
    assert not DutyEvidence.objects.exists()


def test_campaign_evidence_states_the_recorded_approval_basis_never_that_approval_was_obtained(records_manager, now):
    for basis in ("opt_out", "opt_out", "opt_in"):
        campaigns.campaign_create(actor=records_manager, fields={
            "description": "Upgrade offer.", "channel": "mail", "products": "Fiber", "uses_cpni": True,
            "cpni_categories": ["type"], "approval_basis": basis, "affiliate": "", "starts_on": date(2026, 12, 1),
            "ends_on": date(2026, 12, 31)})
    assert campaigns.campaign_evidence(2026)[1] == (
        "3 used CPNI; the customer approval basis recorded for them: 2 on opt-out approval and 1 on opt-in approval.")


def test_evidence_numbers_equal_the_registers(records_manager, officer, now):
    from compliance.year_summary import year_summary

    for purpose in ("installation", "repair"):
        disclosures.disclosure_record(actor=records_manager, fields={
            "disclosed_on": date(2026, 3, 1), "recipient": "Fiber Installers LLC", "agreement_reference": "MSA-1",
            "purpose": purpose, "cpni_categories": ["location"], "customers_count": 1})
    campaigns.campaign_create(actor=records_manager, fields={
        "description": "Spring mailing.", "channel": "mail", "products": "Fiber", "uses_cpni": False,
        "cpni_categories": [], "approval_basis": "none", "affiliate": "", "starts_on": date(2026, 12, 1),
        "ends_on": date(2026, 12, 31)})
    summary = year_summary(2026)
    rows = {row["key"]: row for row in statement_sections.statement_sections(2026)}
    assert (summary.third_party_releases, summary.campaigns) == (2, 1)
    assert rows["records"]["evidence"] == [
        "CPNI Track keeps the record of 1 sales or marketing campaign and 2 releases of CPNI to third parties for 2026, "
        "each for at least one year."]
    assert rows["use"]["evidence"] == [
        "No sales or marketing campaigns recorded for 2026 used CPNI; 2 releases of CPNI to third parties were recorded in 2026."]
    assert rows["procedure_vendors"]["evidence"] == disclosures.disclosure_evidence(2026)
    assert "2 releases of CPNI to third parties were recorded in 2026" in rows["procedure_vendors"]["evidence"][0]
    assert rows["supervisory_review"]["evidence"] == campaigns.campaign_evidence(2026)
    assert rows["training"]["evidence"][0] == "No CPNI training assignment was due in 2026."
    assert rows["procedure_records"]["evidence"] == procedures_statement()
    assert all(row["missing"] for row in rows.values())


# --------------------------------------------------------------------------- the package

@pytest.fixture
def company(officer):
    return make_company_profile(signatory=officer)


def test_a_final_package_is_refused_while_a_section_is_missing_and_names_it(client, company, records_manager, officer, now):
    approve_every_section(records_manager, officer)
    StatementSectionText.objects.filter(section__in=["breaches", "authentication"]).delete()
    with pytest.raises(ValidationError) as refused:
        filing.certification_package_request(actor=records_manager, year=2025)
    message = " ".join(refused.value.messages)
    assert "2 sections have neither officer-approved text nor a recorded reason" in message
    assert "64.2010 — Authentication and account-change notices" in message and "64.2011 — Breaches" in message
    client.force_login(records_manager)
    response = client.post(reverse("package-request"), {"year": "2025"})
    assert response.status_code == 400 and "64.2011 — Breaches" in response.content.decode()
    assert filing.certification_package_request(actor=records_manager, year=2026).draft  # a draft is still built
    draft_and_approve(records_manager, officer, "breaches", text="Breaches are reported at once.")
    draft_and_approve(records_manager, officer, "authentication", not_applicable=True,
                      reason="The company has no call centre; customers are served in person with photo ID.")
    assert not filing.certification_package_request(actor=records_manager, year=2025).draft


def test_the_officer_approved_text_appears_verbatim_with_its_evidence(records_manager, officer, company, now):
    approve_every_section(records_manager, officer)
    StatementSectionText.objects.filter(section="procedure_marketing").delete()
    words = "The company does not use CPNI for marketing; the President reviews every outbound campaign."
    draft_and_approve(records_manager, officer, "procedure_marketing", text=words)
    text = " ".join(pages_of(certification_pdf(2025)))
    assert "Company procedures (b) — Marketing" in text and words in text
    assert "64.2009(f) — Opt-out failures" in text and "In 2025 no opt-out failure was detected." in text
    heading = text.index("Company procedures (b) — Marketing")
    assert heading < text.index(words) < text.index("No sales or marketing campaign is recorded for 2025.", heading)
    public = " ".join(pages_of(public_filing_pdf(2025)))
    assert words in public and "64.2011 — Breaches" in public


def test_the_package_holds_the_evidence_of_duties_in_other_systems(records_manager, officer, company, now,
                                                                   time_machine):
    approve_every_section(records_manager, officer)
    entry = duty_evidence.record(actor=records_manager, section="authentication", as_of=date(2026, 6, 30),
                                 source="Call centre QA", summary="Thirty calls sampled; all authenticated.",
                                 data=b"call,method\n1,password\n", file_name="june.csv")
    duty_evidence.record(actor=records_manager, section="procedure_website", as_of=date(2025, 12, 31),
                         source="Web team", summary="Last year's review.")
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        rows = list(csv.DictReader(archive.read("duty-evidence.csv").decode().splitlines()[1:]))
        manifest = archive.read("manifest.json").decode()
        statement = " ".join(pages_of(archive.read("certification.pdf")))
    assert [(row["reference"], row["citation"], row["as_of"], row["file"], row["file_sha256"]) for row in rows] == [
        (entry.reference, "64.2010", "2026-06-30", "june.csv", entry.file_sha256)]
    assert "duty-evidence.csv" in manifest
    assert "“Thirty calls sampled; all authenticated.”" in statement and "Last year's review." not in statement


def test_a_draft_package_says_what_is_missing(records_manager, officer, company, now):
    text = " ".join(pages_of(certification_pdf(2026, draft=True)))
    assert "64.2005 — Use of CPNI" in text
    assert "No officer-approved text yet" in text


def test_the_public_filing_never_carries_the_marking_from_an_approved_text(records_manager, officer, company, now):
    approve_every_section(records_manager, officer)
    StatementSectionText.objects.filter(section="procedure_records").delete()
    draft_and_approve(records_manager, officer, "procedure_records", text='Employees write "CONFIDENTIAL" on CPNI.')
    public = " ".join(pages_of(public_filing_pdf(2025)))
    assert "CONFIDENTIAL" not in public and "Employees write the word “Confidential” in capital letters on CPNI." in public


def test_the_demo_seed_approves_every_section(db, settings, tmp_path):
    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert not statement_sections.missing_sections()
    assert "does not use CPNI for marketing" in statement_sections.approved_texts()["procedure_marketing"].text
