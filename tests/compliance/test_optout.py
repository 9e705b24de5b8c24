"""The opt-out failures register (47 CFR 64.2009(f)): recording, the five-business-day deadline,
the state machine, the letter to the FCC and what it must contain, escalation emails, retention
and the year's evidence."""

import io
from datetime import date, datetime

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from compliance import optout, optout_letter, tasks
from compliance.models import OptOutFailure
from compliance.optout_lifecycle import TransitionNotAllowed
from records.models import AuditEvent
from records.roles import Role
from tests.factories import UserFactory, make_company_profile

pytestmark = pytest.mark.django_db
NOTICE = b"Dear customer, our opt-out line was out of service from 2 to 9 November. Call again to opt out."


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def profile(db):
    olivia = UserFactory(username="olivia", first_name="Olivia", last_name="Ortega", title="President and CEO",
                         email="olivia@example.com", role=Role.OFFICER)
    return make_company_profile(companies=[("Example Telecom, Inc.", "831234")], signatory=olivia)


def complete_fields(**extra):
    return {
        "detected_at": at("2026-11-23 10:00"), "mechanisms": "Toll-free opt-out line and web form.",
        "problem": "The web form discarded submissions for a week.", "remedy": "Form fixed; submissions replayed.",
        "remedy_on": date(2026, 11, 24), "state_notified": True, "state_commissions": "Vermont Public Utility Commission",
        "state_action": "None so far.", **extra,
    }


def record(actor, notice=NOTICE, **extra):
    return optout.optout_record(actor=actor, fields=complete_fields(**extra), notice=notice, notice_name="notice.pdf")


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


def test_record_keeps_the_notice_and_fills_the_contact_from_the_profile(now, profile, records_manager, var_dir):
    failure = record(records_manager)
    assert failure.status == OptOutFailure.Status.OPEN
    assert "Olivia Ortega" in failure.contact and "olivia@example.com" in failure.contact
    assert optout.notice_path(failure).read_bytes() == NOTICE
    import hashlib
    assert failure.notice_sha256 == hashlib.sha256(NOTICE).hexdigest()
    assert failure.history.count() >= 1
    assert AuditEvent.objects.filter(action="optout.recorded").count() == 1


@pytest.mark.parametrize("role", ["employee", "auditor", "officer", "netops"])
def test_only_records_managers_record_or_change(now, profile, request, role, records_manager):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        record(user)
    failure = record(records_manager)
    with pytest.raises(PermissionDenied):
        optout.optout_update(actor=user, failure=failure, fields={"problem": "x"})
    with pytest.raises(PermissionDenied):
        optout.optout_letter_record(actor=user, failure=failure, sent_at=at("2026-11-24 08:00"), method="email")
    assert OptOutFailure.objects.get().problem == complete_fields()["problem"]


def test_bad_input_says_what_and_writes_nothing(now, profile, records_manager):
    with pytest.raises(ValidationError) as caught:
        optout.optout_record(actor=records_manager, fields={
            "detected_at": at("2026-12-24 10:00"), "mechanisms": " ", "problem": "",
            "remedy_on": date(2020, 1, 1), "state_commissions": "VT PUC"}, notice=b"")
    errors = caught.value.message_dict
    assert set(errors) == {"detected_at", "mechanisms", "problem", "remedy_on", "state_notified", "notice"}
    assert "future" in errors["detected_at"][0]
    assert not OptOutFailure.objects.exists()
    with pytest.raises(ValidationError):
        optout.optout_record(actor=records_manager, fields={"status": "closed", **complete_fields()})


def test_deadline_counts_five_business_days_across_a_weekend_and_thanksgiving(now, profile, records_manager):
    # Monday 23 November 2026: 24, 25, (26 Thanksgiving), 27, (weekend), 30, 1 December.
    assert optout.deadline(record(records_manager)) == date(2026, 12, 1)
    # Friday 20 November: 23, 24, 25, (26), 27, (weekend), 30.
    assert optout.deadline(record(records_manager, detected_at=at("2026-11-20 16:00"))) == date(2026, 11, 30)


def test_state_machine_open_letter_sent_closed(now, profile, records_manager):
    failure = record(records_manager)
    with pytest.raises(TransitionNotAllowed):
        optout.optout_close(actor=records_manager, failure=failure)
    with pytest.raises(ValidationError) as caught:
        optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"), method="ecfs")
    assert "reference" in caught.value.message_dict
    failure = optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"),
                                          method="ecfs", reference="2026112412345")
    assert failure.status == OptOutFailure.Status.LETTER_SENT and not optout.is_late(failure)
    with pytest.raises(TransitionNotAllowed):
        optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"), method="mail")
    failure = optout.optout_close(actor=records_manager, failure=failure)
    assert failure.status == OptOutFailure.Status.CLOSED
    assert list(AuditEvent.objects.filter(action__startswith="optout.").order_by("pk").values_list("action", flat=True)) == [
        "optout.recorded", "optout.send_letter", "optout.close"]
    assert [h.status for h in failure.history.order_by("history_date")][-2:] == ["letter_sent", "closed"]


def test_a_letter_lacking_an_element_is_refused_and_not_made(now, profile, records_manager):
    failure = record(records_manager, notice=None, remedy="", state_notified=None, state_commissions="")
    missing = optout.letter_missing(failure)
    assert missing == ["the remedy proposed", "whether the relevant state commission(s) have been notified",
                       "a copy of the notice provided to customers"]
    with pytest.raises(optout_letter.LetterIncomplete) as caught:
        optout_letter.optout_letter_pdf(failure)
    assert caught.value.missing == missing
    with pytest.raises(ValidationError) as refused:
        optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"), method="mail")
    assert "a copy of the notice provided to customers" in refused.value.message_dict["__all__"][0]


def test_the_letter_pdf_says_every_element_the_rule_asks_for(now, profile, records_manager):
    failure = record(records_manager)
    pdf = pypdf.PdfReader(io.BytesIO(optout_letter.optout_letter_pdf(failure)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for expected in ("CONFIDENTIAL", "Example Telecom, Inc.", "Toll-free opt-out line and web form.",
                     "The web form discarded submissions for a week.", "Form fixed; submissions replayed.",
                     "was implemented on November 24, 2026", "Vermont Public Utility Commission", "None so far.",
                     "copy of the notice provided to customers is enclosed", failure.notice_sha256[:16],
                     "Olivia Ortega", "olivia@example.com", "64.2009(f)"):
        assert expected in text, expected


@pytest.fixture
def people(records_manager, officer, employee, auditor):
    for number, user in enumerate([records_manager, officer, employee, auditor]):
        user.email = f"person{number}@example.com"
        user.save()


def run_on(time_machine, moment):
    time_machine.move_to(f"{moment} -0500", tick=False)
    mail.outbox.clear()
    tasks.send_breach_escalations()
    return sorted((message.to[0], message.subject) for message in mail.outbox)


def test_escalations_go_once_each_to_records_managers_and_officers(time_machine, profile, people, records_manager):
    time_machine.move_to("2026-11-23 11:00 -0500", tick=False)
    failure = record(records_manager)  # due Tuesday 1 December
    sent = run_on(time_machine, "2026-11-23 11:15")
    assert [to for to, _ in sent] == ["olivia@example.com", "person0@example.com", "person1@example.com"]
    assert "recorded" in sent[0][1] and failure.reference in sent[0][1]
    assert run_on(time_machine, "2026-11-23 11:30") == [], "a second run sends nothing"
    assert run_on(time_machine, "2026-11-24 08:00") == []
    three = run_on(time_machine, "2026-11-25 08:00")  # 3 business days before 1 December
    assert len(three) == 3 and "3 business days left" in three[0][1]
    assert run_on(time_machine, "2026-11-25 09:00") == []
    one = run_on(time_machine, "2026-11-30 08:00")
    assert len(one) == 3 and "1 business day left" in one[0][1]
    passed = run_on(time_machine, "2026-12-02 08:00")
    assert len(passed) == 3 and "has passed" in passed[0][1]
    assert run_on(time_machine, "2026-12-03 08:00") == []
    # The detection corrected: the new deadline is announced again.
    optout.optout_update(actor=records_manager, failure=failure, fields={"detected_at": at("2026-12-02 09:00"), "remedy_on": date(2026, 12, 3)})
    moved = run_on(time_machine, "2026-12-07 08:00")  # due Wednesday 9 December
    assert len(moved) == 3 and "Wednesday 9 December 2026 (2 business days left)" in moved[0][1]


def test_no_escalation_once_the_letter_is_sent(time_machine, profile, people, records_manager):
    time_machine.move_to("2026-11-23 11:00 -0500", tick=False)
    failure = record(records_manager)
    optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-23 10:30"), method="email")
    assert run_on(time_machine, "2026-12-02 08:00") == []


def test_kept_one_year_after_closing(time_machine, profile, records_manager):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    failure = record(records_manager)
    with pytest.raises(ValidationError):
        failure.delete()
    failure = optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"), method="mail")
    failure = optout.optout_close(actor=records_manager, failure=failure)
    assert optout.retained_until(failure) == date(2027, 11, 24)
    time_machine.move_to("2027-11-23 09:00 -0500", tick=False)
    with pytest.raises(ValidationError):
        failure.delete()
    time_machine.move_to("2027-11-24 09:00 -0500", tick=False)
    failure.delete()
    assert not OptOutFailure.objects.exists()


def test_evidence_is_true_of_the_year(time_machine, profile, records_manager):
    time_machine.move_to("2026-12-10 09:00 -0500", tick=False)
    assert optout.optout_evidence(2026) == ["In 2026 no opt-out failure was detected."]
    first = record(records_manager)
    optout.optout_letter_record(actor=records_manager, failure=first, sent_at=at("2026-11-30 08:00"), method="mail")
    assert optout.optout_evidence(2026) == [
        "In 2026 1 instance where the opt-out mechanisms did not work properly was detected; the FCC was notified "
        "by letter within five business days of it."]
    second = record(records_manager, detected_at=at("2026-11-02 09:00"), remedy_on=date(2026, 11, 3))
    optout.optout_letter_record(actor=records_manager, failure=second, sent_at=at("2026-11-20 08:00"), method="mail")
    record(records_manager, detected_at=at("2026-12-09 09:00"), remedy_on=date(2026, 12, 10))
    assert optout.optout_evidence(2026) == [
        "In 2026 3 instances where the opt-out mechanisms did not work properly were detected.",
        "The FCC was notified by letter within five business days of 1 of them.",
        "The FCC was notified by letter after five business days of 1 of them.",
        "No letter to the FCC is recorded yet for 1 of them.",
    ]
    assert optout.optout_evidence(2025) == ["In 2025 no opt-out failure was detected."]
    from compliance.year_summary import year_summary

    summary = year_summary(2026)
    assert (summary.optout_failures_detected, summary.optout_letters_late) == (3, 1)


def test_pages_record_show_and_refuse(now, profile, client, records_manager, employee, auditor):
    from django.urls import reverse

    client.force_login(employee)
    assert client.get(reverse("optout-list")).status_code == 403
    assert client.post(reverse("optout-create"), {}).status_code == 403
    client.force_login(records_manager)
    bad = client.post(reverse("optout-create"), {"detected_at": "", "mechanisms": "Web form", "problem": ""})
    assert bad.status_code == 400 and b"Web form" in bad.content
    response = client.post(reverse("optout-create"), {
        "detected_at": "2026-11-23T10:00", "mechanisms": "Web form", "problem": "Down", "remedy": "Fixed",
        "remedy_on": "2026-11-24", "state_notified": "no"})
    failure = OptOutFailure.objects.get()
    assert response.status_code == 302 and failure.state_notified is False
    page = client.get(reverse("optout-detail", args=[failure.pk]))
    assert b"Tuesday 1 December 2026" in page.content
    incomplete = client.get(reverse("optout-letter-pdf", args=[failure.pk]))
    assert incomplete.status_code == 409 and b"a copy of the notice provided to customers" in incomplete.content
    notice = io.BytesIO(NOTICE)
    notice.name = "notice.txt"
    edited = client.post(reverse("optout-edit", args=[failure.pk]), {
        "detected_at": "2026-11-23T10:00", "mechanisms": "Web form", "problem": "Down", "remedy": "Fixed",
        "remedy_on": "2026-11-24", "state_notified": "no", "contact": "Olivia Ortega", "notice": notice})
    assert edited.status_code == 302
    letter = client.get(reverse("optout-letter-pdf", args=[failure.pk]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    client.force_login(auditor)
    assert client.get(reverse("optout-detail", args=[failure.pk])).status_code == 200
    assert client.post(reverse("optout-close", args=[failure.pk])).status_code == 403


def test_the_years_failures_are_in_its_package_formula_safe(time_machine, profile, records_manager, var_dir):
    import csv
    import zipfile

    from compliance import package as packaging
    from compliance.models import CertificationPackage

    time_machine.move_to("2026-12-10 09:00 -0500", tick=False)
    sent = record(records_manager, problem="=HYPERLINK(\"http://x\")")
    optout.optout_letter_record(actor=records_manager, failure=sent, sent_at=at("2026-11-30 08:00"), method="ecfs",
                                reference="2026113000001")
    unsent = record(records_manager, detected_at=at("2026-12-01 09:00"), remedy_on=date(2026, 12, 2), notice=None)
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    record(records_manager, detected_at=at("2027-01-02 09:00"), remedy_on=date(2027, 1, 3))  # next year's
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        lines = archive.read("opt-out-failures.csv").decode().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL — ")
    rows = list(csv.DictReader(lines[1:]))
    assert [row["reference"] for row in rows] == [sent.reference, unsent.reference]
    assert rows[0]["problem"].startswith("'=")
    assert (rows[0]["letter_due"], rows[0]["letter_method"], rows[0]["late"]) == ("2026-12-01", "ecfs", "no")
    assert (rows[1]["letter_due"], rows[1]["letter_sent_at"], rows[1]["late"]) == ("2026-12-08", "", "yes")
    assert rows[1]["letter_missing"] == "a copy of the notice provided to customers"


def test_the_dashboard_shows_open_failures_with_their_deadline(now, profile, client, records_manager, employee):
    from django.urls import reverse

    failure = record(records_manager)
    client.force_login(records_manager)
    page = client.get(reverse("dashboard")).content.decode()
    assert failure.reference in page and "due Tue 2026-12-01 (4 business days left)" in page
    client.force_login(employee)
    assert failure.reference not in client.get(reverse("dashboard")).content.decode()


def test_once_sent_the_letter_stands(now, profile, records_manager):
    failure = record(records_manager, remedy_on=date(2026, 12, 15))
    failure = optout.optout_letter_record(actor=records_manager, failure=failure, sent_at=at("2026-11-24 08:00"),
                                          method="email", reference="<msg@example.com>")
    with pytest.raises(ValidationError) as caught:
        optout.optout_update(actor=records_manager, failure=failure, fields={"problem": "Something else"})
    assert "problem" in caught.value.message_dict
    failure = optout.optout_update(actor=records_manager, failure=failure, fields={
        "remedy_on": date(2026, 11, 24), "state_action": "The commission opened an inquiry."})
    text = " ".join(" ".join(page.extract_text().split()) for page in
                    pypdf.PdfReader(io.BytesIO(optout_letter.optout_letter_pdf(failure))).pages)
    assert "will be implemented by December 15, 2026" in text and "None so far." in text
    assert "inquiry" not in text
    failure = optout.optout_close(actor=records_manager, failure=failure)
    with pytest.raises(Exception, match="closed"):
        optout.optout_update(actor=records_manager, failure=failure, fields={"state_action": "Closed the inquiry."})


def test_pages_record_the_letter_and_close(now, profile, client, records_manager):
    from django.urls import reverse

    failure = record(records_manager)
    client.force_login(records_manager)
    refused = client.post(reverse("optout-close", args=[failure.pk]), follow=True)
    assert "needs it to be letter sent to the FCC" in refused.content.decode()
    bad = client.post(reverse("optout-letter-sent", args=[failure.pk]), {"sent_at": "2026-11-23T11:00", "method": "ecfs"})
    assert bad.status_code == 400 and "ECFS confirmation number" in bad.content.decode()
    sent = client.post(reverse("optout-letter-sent", args=[failure.pk]),
                       {"sent_at": "2026-11-23T11:00", "method": "ecfs", "reference": "20261123001"})
    assert sent.status_code == 302
    page = client.get(reverse("optout-detail", args=[failure.pk])).content.decode()
    assert "20261123001" in page and "optout.send_letter" in page
    assert client.post(reverse("optout-close", args=[failure.pk])).status_code == 302
    assert OptOutFailure.objects.get().status == OptOutFailure.Status.CLOSED
    assert client.get(reverse("optout-notice", args=[failure.pk])).getvalue() == NOTICE
