"""The marketing campaigns register (47 CFR 64.2009(c), (d); procedure (b)): drafting, what a
campaign must say, the review by the reviewer the CAMPAIGN_REVIEWER setting names (never the
requester), running and closing, retention, the year's CSV and package, the pages and the API."""

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from compliance import campaigns
from compliance.campaign_export import write_campaigns
from compliance.campaign_lifecycle import TransitionNotAllowed, available, may_review
from compliance.models import Campaign, CertificationPackage
from records.conflicts import StateConflict
from records.models import AuditEvent, RetentionSchedule, User
from records.roles import Duty, Role
from tests.api.conftest import token_client
from tests.factories import UserFactory, make_company_profile

pytestmark = pytest.mark.django_db
Status = Campaign.Status


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.CAMPAIGN_REVIEWER = "president"
    return settings.VAR_DIR


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


@pytest.fixture
def president(db):
    """The President: holds the President's duty beside the officer role."""
    return UserFactory(username="pia", first_name="Pia", last_name="Lund", title="President", role=Duty.PRESIDENT)


def fields(**extra):
    return {"description": "Spring mailing to every address in the service area.", "channel": "mail",
            "products": "Fiber internet plans", "uses_cpni": False, "cpni_categories": [], "approval_basis": "none",
            "affiliate": "", "starts_on": date(2026, 12, 1), "ends_on": date(2026, 12, 31), **extra}


def draft(actor, requested_by=None, **extra):
    return campaigns.campaign_create(actor=actor, fields=fields(**extra), requested_by=requested_by)


def fresh(user):
    return User.objects.get(pk=user.pk)


def actions():
    return list(AuditEvent.objects.filter(action__startswith="campaign.").order_by("sequence").values_list("action", flat=True))


# --------------------------------------------------------------------------- drafting

def test_a_records_manager_drafts_for_the_requester_with_history_and_an_audit_event(now, records_manager, employee):
    campaign = draft(records_manager, requested_by=employee)
    assert (campaign.status, campaign.requested_by, campaign.recorded_by) == (Status.DRAFT, employee, records_manager)
    assert campaign.reference == f"MC-{campaign.pk:05d}"
    assert campaign.history.count() == 1 and actions() == ["campaign.created"]
    assert AuditEvent.objects.get(action="campaign.created").payload["requested_by"] == "emma"


def test_an_employee_drafts_their_own_and_sees_only_their_own(now, records_manager, employee, colleague):
    mine = draft(employee)
    theirs = draft(records_manager)
    assert mine.requested_by == employee
    assert list(campaigns.visible_campaigns(fresh(employee))) == [mine]
    assert set(campaigns.visible_campaigns(fresh(records_manager))) == {mine, theirs}
    with pytest.raises(ValidationError) as caught:
        draft(employee, requested_by=colleague)
    assert "only records managers draft one for someone else" in caught.value.message_dict["requested_by"][0]
    with pytest.raises(PermissionDenied):
        campaigns.campaign_update(actor=fresh(colleague), campaign=mine, fields={"products": "TV"})
    with pytest.raises(PermissionDenied):
        campaigns.campaign_step(actor=fresh(colleague), campaign=mine, step="submit")


@pytest.mark.parametrize("role", ["auditor", "officer", "netops"])
def test_readers_do_not_draft(now, request, role, records_manager):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        draft(user)
    campaign = draft(records_manager)
    with pytest.raises(PermissionDenied):
        campaigns.campaign_update(actor=user, campaign=campaign, fields={"products": "TV"})
    assert Campaign.objects.get().products == "Fiber internet plans"


@pytest.mark.parametrize("extra, field, message", [
    ({"ends_on": date(2026, 11, 30)}, "ends_on", "The campaign cannot end before it starts."),
    ({"uses_cpni": True, "approval_basis": "opt_out"}, "cpni_categories", "Say which CPNI the campaign uses."),
    ({"uses_cpni": True, "cpni_categories": ["type"]}, "approval_basis",
     "A campaign that uses CPNI needs the customers' approval: choose opt-out or opt-in."),
    ({"cpni_categories": ["type"]}, "cpni_categories", "The campaign uses no CPNI: leave the CPNI used empty"),
    ({"cpni_categories": ["shoe size"]}, "cpni_categories", "Not a category of CPNI: shoe size."),
    ({"cpni_categories": "type"}, "cpni_categories", "Give the CPNI used as a list of categories."),
    ({"description": "  "}, "description", "Describe the campaign."),
    ({"products": ""}, "products", "Say which products and services the campaign offers."),
    ({"channel": "pigeon"}, "channel", "Choose the campaign's channel."),
    ({"approval_basis": "maybe"}, "approval_basis", "Choose the customer approval basis."),
    ({"starts_on": None}, "starts_on", "Enter the day the campaign starts."),
    ({"starts_on": date(1980, 1, 1)}, "starts_on", "The start cannot be before 1990-01-01"),
    ({"ends_on": None}, "ends_on", "Enter the day the campaign ends."),
    ({"status": "approved"}, "__all__", "Not a field of a campaign: status."),
])
def test_bad_input_says_what_and_writes_nothing(now, records_manager, extra, field, message):
    with pytest.raises(ValidationError) as caught:
        draft(records_manager, **extra)
    assert caught.value.message_dict[field][0].startswith(message)
    assert not Campaign.objects.exists() and not AuditEvent.objects.filter(action__startswith="campaign.").exists()


def test_a_campaign_using_cpni_with_approval_is_recorded(now, records_manager):
    campaign = draft(records_manager, uses_cpni=True, cpni_categories=["billing", "type"], approval_basis="opt_in")
    assert campaign.cpni_categories == ["type", "billing"]  # in the categories' order
    assert campaign.cpni_category_labels == ["Type of service", "Information in bills"]


def test_only_a_draft_changes(now, records_manager, employee):
    campaign = draft(records_manager, requested_by=employee)
    campaign = campaigns.campaign_update(actor=fresh(employee), campaign=campaign, fields={"products": "Fiber and TV"})
    assert campaign.products == "Fiber and TV"
    assert AuditEvent.objects.get(action="campaign.updated").payload["changed"] == {
        "products": ["Fiber internet plans", "Fiber and TV"]}
    with pytest.raises(ValidationError):
        campaigns.campaign_update(actor=records_manager, campaign=campaign, fields={"ends_on": date(2026, 1, 1)})
    campaigns.campaign_submit(actor=records_manager, campaign=campaign)
    with pytest.raises(StateConflict, match="only a draft is changed"):
        campaigns.campaign_update(actor=records_manager, campaign=campaign, fields={"products": "TV"})


# --------------------------------------------------------------------------- the state machine

def test_every_step_draft_submitted_approved_running_closed(now, records_manager, employee, president):
    campaign = draft(records_manager, requested_by=employee)
    campaign = campaigns.campaign_step(actor=fresh(employee), campaign=campaign, step="submit")
    assert campaign.status == Status.SUBMITTED
    campaign = campaigns.campaign_approve(actor=president, campaign=campaign, note="No CPNI; fine.")
    assert (campaign.status, campaign.reviewed_by, campaign.review_note) == (Status.APPROVED, president, "No CPNI; fine.")
    campaign = campaigns.campaign_start(actor=records_manager, campaign=campaign)
    assert campaign.status == Status.RUNNING
    campaign = campaigns.campaign_close(actor=records_manager, campaign=campaign)
    assert campaign.status == Status.CLOSED and campaign.closed_at is not None
    assert actions() == ["campaign.created", "campaign.submit", "campaign.approve", "campaign.start", "campaign.close"]
    assert [h.status for h in campaign.history.order_by("history_date", "history_id")] == [
        "draft", "submitted", "approved", "running", "closed"]
    assert AuditEvent.objects.get(action="campaign.approve").payload == {"from": "submitted", "to": "approved",
                                                                          "note": "No CPNI; fine."}


def test_rejected_goes_back_to_draft_and_round_again(now, records_manager, president):
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager))
    with pytest.raises(ValidationError) as caught:
        campaigns.campaign_reject(actor=president, campaign=campaign, note=" ")
    assert caught.value.message_dict["note"] == ["Say why the campaign is rejected."]
    campaign = campaigns.campaign_reject(actor=president, campaign=campaign, note="The list is built from call records.")
    assert campaign.status == Status.REJECTED and campaign.review_note.startswith("The list")
    with pytest.raises(TransitionNotAllowed):
        campaigns.campaign_start(actor=records_manager, campaign=campaign)
    campaign = campaigns.campaign_revise(actor=records_manager, campaign=campaign)
    assert (campaign.status, campaign.reviewed_by, campaign.review_note) == (Status.DRAFT, None, "")
    campaign = campaigns.campaign_update(actor=records_manager, campaign=campaign, fields={"description": "Purchased list."})
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=campaign)
    campaign = campaigns.campaign_approve(actor=president, campaign=campaign)
    assert campaign.status == Status.APPROVED
    assert actions() == ["campaign.created", "campaign.submit", "campaign.reject", "campaign.revise", "campaign.updated",
                         "campaign.submit", "campaign.approve"]


@pytest.mark.parametrize("steps, refused", [
    ([], "approve"), ([], "reject"), ([], "revise"), ([], "close"),
    (["submit"], "submit"), (["submit"], "start"), (["submit"], "revise"), (["submit"], "close"),
    (["submit", "approve"], "approve"), (["submit", "approve"], "reject"), (["submit", "approve"], "close"),
    (["submit", "approve", "start"], "start"), (["submit", "approve", "start", "close"], "close"),
    (["submit", "approve", "start", "close"], "submit"),
])
def test_steps_out_of_order_are_refused_and_change_nothing(now, records_manager, president, steps, refused):
    campaign = draft(records_manager)
    for step in steps:
        actor = president if step in ("approve", "reject") else records_manager
        campaign = campaigns.campaign_step(actor=actor, campaign=campaign, step=step, note="n")
    before = (campaign.status, campaign.history.count(), AuditEvent.objects.count())
    actor = president if refused in ("approve", "reject") else records_manager
    with pytest.raises(TransitionNotAllowed):
        campaigns.campaign_step(actor=actor, campaign=campaign, step=refused, note="n")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.history.count(), AuditEvent.objects.count()) == before


def test_an_unapproved_campaign_is_not_marked_running(now, records_manager):
    campaign = draft(records_manager)
    with pytest.raises(TransitionNotAllowed, match="An outbound campaign runs only once approved"):
        campaigns.campaign_start(actor=records_manager, campaign=campaign)
    with pytest.raises(TransitionNotAllowed):
        campaigns.campaign_step(actor=records_manager, campaign=campaign, step="launch")


def test_only_records_managers_mark_running_and_close(now, records_manager, employee, president):
    campaign = draft(employee)
    campaign = campaigns.campaign_submit(actor=fresh(employee), campaign=campaign)
    campaign = campaigns.campaign_approve(actor=president, campaign=campaign)
    for user in (employee, president):
        with pytest.raises(PermissionDenied, match="Only records managers"):
            campaigns.campaign_start(actor=fresh(user), campaign=campaign)


# --------------------------------------------------------------------------- the reviewer

def test_the_requester_never_approves_even_holding_the_reviewers_duty(now, records_manager, president, officer):
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager, requested_by=president))
    for step in ("approve", "reject"):
        with pytest.raises(PermissionDenied) as caught:
            campaigns.campaign_step(actor=president, campaign=campaign, step=step, note="Mine")
        assert "You requested" in str(caught.value) and "never its requester" in str(caught.value)
    assert Campaign.objects.get().status == Status.SUBMITTED
    assert [s.name for s in available(campaign, fresh(president))] == []


def test_reviewer_president(now, settings, records_manager, employee, officer, president, auditor):
    settings.CAMPAIGN_REVIEWER = "president"
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager, requested_by=employee))
    for user in (officer, records_manager, auditor):
        assert not may_review(fresh(user))
        with pytest.raises(PermissionDenied, match="Only the President approves or rejects"):
            campaigns.campaign_approve(actor=fresh(user), campaign=campaign)
    assert may_review(president)
    assert [s.name for s in available(campaign, fresh(president))] == ["approve", "reject"]
    assert campaigns.campaign_approve(actor=president, campaign=campaign).reviewed_by == president


def test_reviewer_officer(now, settings, records_manager, officer, president):
    settings.CAMPAIGN_REVIEWER = "officer"
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager))
    with pytest.raises(PermissionDenied, match="Only an officer approves or rejects"):
        campaigns.campaign_approve(actor=president, campaign=campaign)  # the duty alone is not the officer role
    campaign = campaigns.campaign_reject(actor=officer, campaign=campaign, note="Needs the President's memo.")
    assert (campaign.status, campaign.reviewed_by) == (Status.REJECTED, officer)
    own = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager, requested_by=officer))
    with pytest.raises(PermissionDenied, match="You requested"):
        campaigns.campaign_approve(actor=officer, campaign=own)


def test_the_setting_accepts_only_its_two_values(monkeypatch):
    import importlib

    import cpnitrack.settings as module
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("CAMPAIGN_REVIEWER", "ceo")
    with pytest.raises(ImproperlyConfigured, match="CAMPAIGN_REVIEWER is president or officer"):
        importlib.reload(module)
    monkeypatch.setenv("CAMPAIGN_REVIEWER", "officer")
    assert importlib.reload(module).CAMPAIGN_REVIEWER == "officer"
    monkeypatch.delenv("CAMPAIGN_REVIEWER")
    assert importlib.reload(module).CAMPAIGN_REVIEWER == "president"


# --------------------------------------------------------------------------- retention

def test_kept_at_least_a_year_from_the_end(time_machine, records_manager, president):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    campaign = draft(records_manager, starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 30))
    assert campaign.keep_until == date(2027, 11, 30)
    with pytest.raises(ValidationError, match="it is kept"):
        campaign.delete()
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=campaign)
    campaign = campaigns.campaign_approve(actor=president, campaign=campaign)
    campaign = campaigns.campaign_start(actor=records_manager, campaign=campaign)
    time_machine.move_to("2026-12-15 09:00 -0500", tick=False)
    campaign = campaigns.campaign_close(actor=records_manager, campaign=campaign)
    assert campaign.keep_until == date(2027, 12, 15), "closed after its planned end: a year from the closing"
    time_machine.move_to("2027-12-14 09:00 -0500", tick=False)
    with pytest.raises(ValidationError, match="kept until 2027-12-15"):
        campaign.delete()
    time_machine.move_to("2027-12-15 09:00 -0500", tick=False)
    campaign.delete()
    assert not Campaign.objects.exists()


def test_a_leap_day_end_is_kept_to_the_first_of_march(now, records_manager):
    campaign = draft(records_manager, starts_on=date(2024, 2, 1), ends_on=date(2024, 2, 29))
    assert campaign.keep_until == date(2025, 3, 1)


# --------------------------------------------------------------------------- the year's CSV and package

def _run(records_manager, president, **extra):
    campaign = campaigns.campaign_submit(actor=records_manager, campaign=draft(records_manager, **extra))
    return campaigns.campaign_approve(actor=president, campaign=campaign, note="OK")


def test_the_csv_holds_the_campaigns_overlapping_the_year_formula_safe(now, records_manager, president):
    december = _run(records_manager, president, description='=HYPERLINK("http://x")')
    spanning = draft(records_manager, starts_on=date(2025, 12, 1), ends_on=date(2026, 1, 15), uses_cpni=True,
                     cpni_categories=["type", "quantity"], approval_basis="opt_out", affiliate="Example Wireless LLC")
    draft(records_manager, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))  # 2025 only
    out = io.StringIO()
    write_campaigns(out, 2026)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL — ")
    rows = list(csv.DictReader(lines[1:]))
    assert [row["reference"] for row in rows] == [spanning.reference, december.reference]
    assert rows[0]["cpni_categories"] == "quantity; type" and rows[0]["uses_cpni"] == "yes"
    assert (rows[0]["approval_basis"], rows[0]["affiliate"], rows[0]["keep_until"]) == ("opt_out", "Example Wireless LLC",
                                                                                        "2027-01-15")
    assert rows[1]["description"].startswith("'=")
    assert (rows[1]["status"], rows[1]["reviewed_by"], rows[1]["review_note"]) == ("approved", "pia", "OK")
    out = io.StringIO()
    write_campaigns(out, 2025)
    assert len(out.getvalue().splitlines()) == 4  # the notice, the header and the two 2025 campaigns


def test_the_package_holds_campaigns_csv_and_its_figures(time_machine, records_manager, president, officer):
    from compliance import package as packaging
    from compliance.year_summary import year_summary

    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    make_company_profile(companies=[("Example Telecom, Inc.", "831234")], signatory=officer)
    plain = _run(records_manager, president)
    draft(records_manager, uses_cpni=True, cpni_categories=["type"], approval_basis="opt_in")
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        rows = list(csv.DictReader(archive.read("campaigns.csv").decode().splitlines()[1:]))
        summary = json.loads(archive.read("summary.json"))
        manifest = json.loads(archive.read("manifest.json"))
    assert plain.reference in [row["reference"] for row in rows] and len(rows) == 2
    assert (summary["campaigns"], summary["campaigns_using_cpni"]) == (2, 1)
    assert "campaigns.csv" in json.dumps(manifest)
    figures = year_summary(2025)
    assert (figures.campaigns, figures.campaigns_using_cpni) == (0, 0)


def test_evidence_sentences(now, records_manager, president):
    assert campaigns.campaign_evidence(2026) == ["No sales or marketing campaign is recorded for 2026."]
    _run(records_manager, president)
    assert campaigns.campaign_evidence(2026) == [
        "1 sales or marketing campaign ran or was planned in 2026; 1 was approved by the President before running.",
        "None used CPNI."]


# --------------------------------------------------------------------------- pages

def page_fields(**extra):
    return {"description": "Spring mailing", "channel": "mail", "products": "Fiber plans", "approval_basis": "none",
            "starts_on": "2026-12-01", "ends_on": "2026-12-31", **extra}


def test_pages_draft_filter_and_refuse(now, client, records_manager, employee, auditor, netops):
    client.force_login(netops)
    assert client.get(reverse("campaign-create")).status_code == 403
    client.force_login(employee)
    bad = client.post(reverse("campaign-create"), page_fields(ends_on="2026-11-01", uses_cpni="on"))
    text = bad.content.decode()
    assert bad.status_code == 400 and "The campaign cannot end before it starts." in text
    assert "Say which CPNI the campaign uses." in text and "Requested by" not in text
    assert client.post(reverse("campaign-create"), page_fields()).status_code == 302
    mine = Campaign.objects.get()
    assert mine.requested_by == employee
    client.force_login(records_manager)
    form = client.get(reverse("campaign-create")).content.decode()
    assert "Requested by" in form and "CONFIDENTIAL" in form
    assert client.post(reverse("campaign-create"), page_fields(starts_on="2025-05-01", ends_on="2025-05-31",
                                                               requested_by=employee.pk)).status_code == 302
    older = Campaign.objects.exclude(pk=mine.pk).get()
    assert older.requested_by == employee and older.recorded_by == records_manager
    campaigns.campaign_submit(actor=records_manager, campaign=older)
    listing = client.get(reverse("campaign-list")).content.decode()
    assert mine.reference in listing and older.reference in listing and "CONFIDENTIAL" in listing
    by_year = client.get(reverse("campaign-list"), {"year": "2025"}).content.decode()
    assert older.reference in by_year and mine.reference not in by_year
    by_status = client.get(reverse("campaign-list"), {"status": "submitted"}).content.decode()
    assert older.reference in by_status and mine.reference not in by_status
    bad_filter = client.get(reverse("campaign-list"), {"year": "next", "status": "nonsense"})
    assert bad_filter.status_code == 400 and "Enter a whole number." in bad_filter.content.decode()
    client.force_login(auditor)
    assert client.get(reverse("campaign-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("campaign-edit", args=[mine.pk])).status_code == 403
    assert client.post(reverse("campaign-step", args=[mine.pk, "submit"])).status_code == 403


def test_an_employee_sees_only_their_requests(now, client, records_manager, employee, colleague):
    theirs = draft(records_manager, requested_by=colleague)
    client.force_login(employee)
    assert theirs.reference not in client.get(reverse("campaign-list")).content.decode()
    assert client.get(reverse("campaign-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("campaign-edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("campaign-step", args=[theirs.pk, "submit"])).status_code == 404


def test_the_page_offers_each_person_their_steps(now, client, records_manager, employee, president):
    campaign = draft(records_manager, requested_by=employee)
    client.force_login(employee)
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert "Submit for review" in page and "Edit" in page and "Approve" not in page
    edited = client.post(reverse("campaign-edit", args=[campaign.pk]), page_fields(products="Fiber and TV"))
    assert edited.status_code == 302 and Campaign.objects.get().products == "Fiber and TV"
    assert client.post(reverse("campaign-step", args=[campaign.pk, "submit"])).status_code == 302
    refused = client.post(reverse("campaign-step", args=[campaign.pk, "approve"]), {"note": "Mine"})
    assert refused.status_code == 403 and "You requested" in refused.content.decode()
    assert client.get(reverse("campaign-edit", args=[campaign.pk])).status_code == 302  # no longer a draft
    client.force_login(president)
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert "Approve" in page and "Reject" in page and "Mark running" not in page
    no_reason = client.post(reverse("campaign-step", args=[campaign.pk, "reject"]), {"note": ""})
    assert no_reason.status_code == 400 and "Say why the campaign is rejected." in no_reason.content.decode()
    assert client.post(reverse("campaign-step", args=[campaign.pk, "approve"]), {"note": "Fine"}).status_code == 302
    client.force_login(records_manager)
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert "Mark running" in page and f"by {president}: Fine" in page and "Approve" not in page.replace("Approved", "")
    assert client.post(reverse("campaign-step", args=[campaign.pk, "start"])).status_code == 302
    again = client.post(reverse("campaign-step", args=[campaign.pk, "start"]), follow=True).content.decode()
    assert "is running; &#x27;Mark running&#x27; needs it to be approved" in again
    assert client.post(reverse("campaign-step", args=[campaign.pk, "close"])).status_code == 302
    page = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert "Closed" in page and "Kept until" in page and "2027-" in page
    assert client.post(reverse("campaign-step", args=[campaign.pk, "fly"])).status_code == 404


# --------------------------------------------------------------------------- API

def test_api_drafts_reviews_and_refuses(now, records_manager, employee, president):
    manager, requester, reviewer = token_client(records_manager), token_client(employee), token_client(president)
    bad = requester.post("/api/v1/campaigns/", {"description": "D", "channel": "mail", "products": "P",
                                                "starts_on": "2026-12-02", "ends_on": "2026-12-01", "uses_cpni": True,
                                                "approval_basis": "none"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"ends_on", "cpni_categories", "approval_basis"}
    nonsense = requester.post("/api/v1/campaigns/", {"channel": 3, "starts_on": 20261201}, format="json")
    assert nonsense.status_code == 400
    created = requester.post("/api/v1/campaigns/", {"description": "D", "channel": "email", "products": "P",
                                                    "starts_on": "2026-12-01", "ends_on": "2026-12-31"}, format="json")
    assert created.status_code == 201 and created.json()["requested_by"] == "emma"
    body = created.json()
    assert (body["marking"], body["status"], body["keep_until"]) == ("CONFIDENTIAL", "draft", "2027-12-31")
    url = f"/api/v1/campaigns/{body['id']}/"
    assert manager.post(f"{url}start/").status_code == 409
    assert requester.post(f"{url}submit/").json()["status"] == "submitted"
    assert requester.patch(url, {"products": "TV"}, format="json").status_code == 409
    own = requester.post(f"{url}approve/", {"note": "x"}, format="json")
    assert own.status_code == 403
    manager_refused = manager.post(f"{url}approve/", {}, format="json")
    assert manager_refused.status_code == 403 and "Only the President" in manager_refused.json()["detail"]
    assert reviewer.post(f"{url}reject/", {}, format="json").status_code == 400
    approved = reviewer.post(f"{url}approve/", {"note": "Fine"}, format="json")
    assert approved.status_code == 200 and approved.json()["reviewed_by"] == "pia"
    assert manager.post(f"{url}start/").json()["status"] == "running"
    assert manager.post(f"{url}close/").json()["status"] == "closed"
    assert manager.get("/api/v1/campaigns/").json()["count"] == 1
    assert manager.get("/api/v1/campaigns/abc/").status_code == 404


def test_api_employee_sees_only_their_own(now, records_manager, employee, colleague):
    theirs = draft(records_manager, requested_by=colleague)
    client = token_client(employee)
    assert client.get("/api/v1/campaigns/").json()["count"] == 0
    assert client.get(f"/api/v1/campaigns/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/campaigns/{theirs.pk}/submit/").status_code == 404


def test_the_schema_describes_the_campaigns(client, records_manager):
    client.force_login(records_manager)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v1/campaigns/", "/api/v1/campaigns/{campaign_id}/", "/api/v1/campaigns/{campaign_id}/approve/",
            "/api/v1/campaigns/{campaign_id}/close/"} <= set(paths)
    assert paths["/api/v1/campaigns/"]["post"]["operationId"] == "campaigns_create"


# --------------------------------------------------------------------------- demo data

def test_demo_data_markets_without_cpni(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    assert not RetentionSchedule.objects.filter(code="MKT-CAMPAIGN").exists()
    assert not RetentionSchedule.objects.filter(title__icontains="campaign").exists()
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.uses_cpni, campaign.requested_by.username, campaign.reviewed_by.username) == (
        Status.CLOSED, False, "sam", "oscar")
    oscar = User.objects.get(username="oscar")
    assert oscar.groups.filter(name=Duty.PRESIDENT).exists() and oscar.groups.filter(name=Role.OFFICER).exists()


def test_a_requester_that_cannot_be_a_username_is_refused_before_the_database(now, records_manager, employee):
    """A NUL byte in the requester is a 400, not a database error (PostgreSQL refuses NUL in text)."""
    response = token_client(records_manager).post("/api/v1/campaigns/", {"requested_by": "emma\x00"}, format="json")
    assert response.status_code == 400 and "requested_by" in response.json()["errors"]
