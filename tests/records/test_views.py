import base64
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from records import labels
from records.models import AuditEvent, Destruction, LabelCheck, Medium, Record, Status
from records.roles import Role
from tests.documents import docx_bytes, image_only_pdf_bytes, pdf_bytes
from tests.factories import ScheduleFactory, UserFactory, make_record
from django.core.files.uploadedfile import SimpleUploadedFile

ALL_ROLES = list(Role)
LOGGERS = {Role.EMPLOYEE, Role.RECORDS_MANAGER}


@pytest.fixture
def schedule(db):
    return ScheduleFactory(code="TOLL-BILLING", period_value=18, period_unit="months")


@pytest.fixture
def record(employee, schedule):
    return make_record(custodian=employee, schedule=schedule)


def form_data(custodian, schedule, /, **overrides):
    data = {
        "title": "Disputed invoice folder",
        "contains_cpni": "on",
        "cpni_categories": ["billing", "destination"],
        "medium": Medium.PAPER,
        "department": custodian.department_id,
        "custodian": custodian.pk,
        "location": "HQ cabinet 3",
        "schedule": schedule.pk,
        "trigger_date": "2026-02-01",
        "label_verification": "visual",
        "label_confirmed": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def page_urls(record):
    return {
        "dashboard": (reverse("dashboard"), set(Role)),
        "list": (reverse("record-list"), set(Role)),
        "detail": (reverse("record-detail", args=[record.reference]), set(Role)),
        "create": (reverse("record-create"), LOGGERS),
        "edit": (reverse("record-edit", args=[record.reference]), LOGGERS),
        "label-check": (reverse("label-check"), LOGGERS),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["dashboard", "list", "detail", "create", "edit", "label-check"])
def test_every_role_against_every_page(page, client, users_by_role, record):
    url, allowed = page_urls(record)[page]
    for role, user in users_by_role.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), (role, url)
        if role in allowed and page != "label-check":
            assert b"CONFIDENTIAL" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["dashboard", "list", "detail", "create", "edit", "label-check"])
def test_anonymous_is_sent_to_sign_in(page, client, record):
    url, _ = page_urls(record)[page]
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_anonymous_post_changes_nothing(client, employee, schedule):
    response = client.post(reverse("record-create"), form_data(employee, schedule))
    assert response.status_code == 302 and not Record.objects.exists()
    assert client.post(reverse("label-stamp"), {}).status_code == 302


@pytest.mark.django_db
def test_sign_in_with_the_login_page(client, employee):
    response = client.post(reverse("login"), {"username": "emma", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == reverse("home")  # then the role's own page
    client.logout()
    bad = client.post(reverse("login"), {"username": "emma", "password": "wrong"})
    assert bad.status_code == 200 and b"correct username and password" in bad.content
    assert AuditEvent.objects.filter(action="auth.sign_in_failed", object_repr="emma").count() == 1
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=employee).count() == 1


@pytest.mark.django_db
class TestDepartmentScope:
    def test_employee_sees_only_their_departments_records(self, client, employee, outsider, record):
        theirs = make_record(custodian=outsider, title="Care call notes")
        client.force_login(employee)
        listing = client.get(reverse("record-list")).content.decode()
        assert record.reference in listing and theirs.reference not in listing
        assert client.get(reverse("record-detail", args=[theirs.reference])).status_code == 404
        assert client.get(reverse("record-edit", args=[theirs.reference])).status_code == 404

    def test_employee_cannot_post_an_edit_to_another_departments_record(self, client, outsider, record, schedule):
        client.force_login(outsider)
        response = client.post(reverse("record-edit", args=[record.reference]), form_data(outsider, schedule))
        assert response.status_code == 404
        record.refresh_from_db()
        assert record.title == "Toll detail printouts" and record.history.count() == 1

    def test_employee_cannot_create_in_another_department(self, client, employee, outsider, schedule):
        client.force_login(employee)
        response = client.post(reverse("record-create"), form_data(outsider, schedule))
        assert response.status_code == 200 and not Record.objects.exists()
        assert "Select a valid choice" in response.content.decode()

    def test_other_roles_see_every_department(self, client, users_by_role, outsider, record):
        theirs = make_record(custodian=outsider, title="Care call notes")
        for role in (Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER):
            client.force_login(users_by_role[role])
            listing = client.get(reverse("record-list")).content.decode()
            assert record.reference in listing and theirs.reference in listing

    def test_unknown_record_is_404(self, client, employee):
        client.force_login(employee)
        assert client.get(reverse("record-detail", args=["CPNI-2026-999999"])).status_code == 404


@pytest.mark.django_db
class TestCreateAndEdit:
    def test_employee_logs_a_paper_record(self, client, employee, schedule):
        client.force_login(employee)
        response = client.post(reverse("record-create"), form_data(employee, schedule))
        record = Record.objects.get()
        assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
        assert record.status == Status.ACTIVE and record.created_by == employee
        assert record.cpni_categories == ["billing", "destination"]
        detail = client.get(record.get_absolute_url()).content.decode()
        assert "was logged" in detail and "Visual check" in detail

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({"trigger_date": "2999-01-01"}, "cannot be in the future"),
            ({"trigger_date": "not a date"}, "Enter a valid date"),
            ({"medium": Medium.HARD_DISK}, "needs its serial number"),
            ({"label_confirmed": None}, "Confirm that you saw the CONFIDENTIAL marking"),
            ({"title": ""}, "This field is required"),
            ({"schedule": "99999"}, "Select a valid choice"),
            ({"medium": "floppy"}, "Select a valid choice"),
        ],
    )
    def test_bad_input_shows_a_message_beside_the_field_and_saves_nothing(self, client, employee, schedule, overrides, message):
        client.force_login(employee)
        response = client.post(reverse("record-create"), form_data(employee, schedule, **overrides))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert 'value="HQ cabinet 3"' in response.content.decode(), "the user's input is kept"
        assert not Record.objects.exists()

    def test_unlabelled_pdf_is_refused_then_the_stamped_copy_is_accepted(self, client, employee, schedule):
        client.force_login(employee)
        original = pdf_bytes(["Call detail for account 5551234"], pages=2)
        upload = dict(form_data(employee, schedule, medium=Medium.FILE_SHARE), label_verification="file_check",
                      label_document=SimpleUploadedFile("calls.pdf", original, "application/pdf"))
        refused = client.post(reverse("record-create"), upload)
        assert refused.status_code == 200 and not Record.objects.exists()
        assert "No CONFIDENTIAL marking" in refused.content.decode() or "not" in refused.content.decode()
        assert "stamped copy" in refused.content.decode()

        # The stamped copy of that very file is offered in the error, and every value typed is kept.
        page = refused.content.decode()
        link = re.search(r'<a href="data:application/pdf;base64,([^"]+)" download="calls-CONFIDENTIAL.pdf">'
                         r'Download a stamped copy of calls.pdf</a>', page)
        assert link and 'value="HQ cabinet 3"' in page
        stamped = base64.b64decode(link.group(1))
        assert labels.check_document("calls-CONFIDENTIAL.pdf", stamped).labelled

        upload["label_document"] = SimpleUploadedFile("calls-CONFIDENTIAL.pdf", stamped, "application/pdf")
        accepted = client.post(reverse("record-create"), upload)
        record = Record.objects.get()
        assert accepted.status_code == 302
        assert record.label_verification == "file_check" and record.label_check.file_name == "calls-CONFIDENTIAL.pdf"
        assert list(LabelCheck.objects.values_list("outcome", flat=True).order_by("id")) == ["not_labelled", "labelled"]

    def test_every_error_of_a_submission_is_shown_at_once(self, client, employee, schedule):
        client.force_login(employee)
        data = {**form_data(employee, schedule, medium=Medium.USB_DRIVE, media_serial_number=""), "title": "",
                "label_verification": "visual"}
        data.pop("label_confirmed", None)
        page = client.post(reverse("record-create"), data).content.decode()
        assert "This field is required." in page  # the title: a form error ...
        assert "A USB drive needs its serial number." in page  # ... and the record's rules, in the same answer
        assert "Confirm that you saw the CONFIDENTIAL marking on the record." in page
        assert not Record.objects.exists()

    def test_the_form_shows_what_applies_and_marks_what_is_required(self, client, employee):
        client.force_login(employee)
        page = client.get(reverse("record-create")).content.decode()
        assert "js/dependent_fields.js" in page
        assert re.search(r'<div data-shown-when="medium=hard_disk optical_disc ssd tape usb_drive" '
                         r'class="required-when-shown">\s*<label for="id_media_serial_number"', page)
        assert 'data-shown-when="label_verification=visual"' in page
        assert 'data-shown-when="label_verification=file_check"' in page
        assert '<label for="id_title" class="required">' in page and '<label for="id_notes">' in page

    def test_labelled_docx_is_accepted(self, client, employee, schedule):
        client.force_login(employee)
        data = docx_bytes(["Customer approvals"], header="CONFIDENTIAL")
        upload = dict(form_data(employee, schedule, medium=Medium.EMAIL), label_verification="file_check",
                      label_document=SimpleUploadedFile("approvals.docx", data))
        assert client.post(reverse("record-create"), upload).status_code == 302
        assert Record.objects.get().label_check.outcome == "labelled"

    def test_image_only_scan_is_reported_unreadable_never_labelled(self, client, employee, schedule):
        client.force_login(employee)
        upload = dict(form_data(employee, schedule, medium=Medium.FILE_SHARE), label_verification="file_check",
                      label_document=SimpleUploadedFile("scan.pdf", image_only_pdf_bytes()))
        response = client.post(reverse("record-create"), upload)
        assert response.status_code == 200 and "no text layer" in response.content.decode()
        assert not Record.objects.exists()

    def test_a_file_over_the_limit_is_refused_before_it_is_read(self, client, employee, schedule, settings):
        settings.LABEL_CHECK_MAX_BYTES = 1024
        client.force_login(employee)
        upload = dict(form_data(employee, schedule, medium=Medium.FILE_SHARE), label_verification="file_check",
                      label_document=SimpleUploadedFile("big.txt", b"CONFIDENTIAL " * 200))
        response = client.post(reverse("record-create"), upload)
        assert "big.txt is 0.0 MB; files up to 0 MB can be read" in response.content.decode()
        assert not Record.objects.exists() and not LabelCheck.objects.exists()

    def test_edit_saves_and_history_shows_who_changed_what(self, client, employee, records_manager, record, schedule):
        client.force_login(records_manager)
        data = form_data(employee, schedule, title="Toll detail printouts", location="Records room B",
                         trigger_date=record.trigger_date.isoformat(), label_verification="", label_confirmed=None)
        response = client.post(reverse("record-edit", args=[record.reference]), data)
        assert response.status_code == 302
        detail = client.get(record.get_absolute_url()).content.decode()
        row = re.search(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>edited</td><td>Location</td><td>([^<]+)</td><td>([^<]+)</td>", detail)
        assert row and row.groups() == (str(records_manager), "HQ cabinet 3", "Records room B")

    def test_history_lists_status_changes_by_the_system_and_by_people(self, client, employee):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client.force_login(employee)
        page = client.get(record.get_absolute_url()).content.decode()
        expire = re.search(r"<td>system</td><td>expire</td><td>Status</td><td>Active</td><td>Due for destruction</td>", page)
        mark = re.search(rf"<td>{employee}</td><td>mark for shredding</td><td>Status</td><td>Due for destruction</td><td>Pending shredding</td>", page)
        assert expire and mark

    def test_destroyed_record_has_no_edit_page(self, client, employee, netops):
        destroyed = make_record(custodian=employee, status=Status.DESTROYED)
        client.force_login(employee)
        assert client.get(reverse("record-edit", args=[destroyed.reference])).status_code == 403
        assert "Edit</a>" not in client.get(destroyed.get_absolute_url()).content.decode()


@pytest.mark.django_db
class TestLabelCheckPage:
    def test_check_reports_the_outcome_and_keeps_only_the_fingerprint(self, client, employee):
        client.force_login(employee)
        response = client.post(reverse("label-check"), {"document": SimpleUploadedFile("memo.txt", b"Plain memo")})
        assert "Not labelled" in response.content.decode()
        check = LabelCheck.objects.get()
        assert check.checked_by == employee and check.size == 10 and check.record is None

    def test_a_failed_check_offers_the_stamped_copy_beside_its_result(self, client, employee, settings, tmp_path):
        settings.VAR_DIR = tmp_path
        client.force_login(employee)
        page = client.post(reverse("label-check"), {"document": SimpleUploadedFile("memo.txt", b"call detail memo")})
        link = re.search(r'<a class="button" href="data:text/plain[^"]*?;base64,([^"]+)" download="memo-CONFIDENTIAL.txt">'
                         r'Download a stamped copy of memo.txt</a>', page.content.decode())
        assert link, "offered beside the failed result, without choosing the file again"
        assert labels.check_document("memo-CONFIDENTIAL.txt", base64.b64decode(link.group(1))).labelled
        assert not any(tmp_path.rglob("*memo*")), "nothing is kept"
        labelled = client.post(reverse("label-check"), {"document": SimpleUploadedFile("ok.txt", b"CONFIDENTIAL memo")})
        assert "Download a stamped copy of" not in labelled.content.decode()

    def test_stamping_an_already_labelled_file_says_so(self, client, employee):
        client.force_login(employee)
        response = client.post(reverse("label-stamp"), {"document": SimpleUploadedFile("ok.txt", b"CONFIDENTIAL memo")})
        assert response.status_code == 200 and not response.get("Content-Disposition")
        assert "ok.txt is already marked CONFIDENTIAL" in response.content.decode()
        assert 'class="result ' not in response.content.decode(), "no result box: no check was recorded"

    def test_stamping_a_damaged_file_explains_why(self, client, employee):
        client.force_login(employee)
        response = client.post(reverse("label-stamp"), {"document": SimpleUploadedFile("x.pdf", b"%PDF-1.4 garbage")})
        assert response.status_code == 400 and "damaged" in response.content.decode().lower()

    def test_stamp_needs_post_and_permission(self, client, auditor, employee):
        client.force_login(employee)
        assert client.get(reverse("label-stamp")).status_code == 405
        client.force_login(auditor)
        response = client.post(reverse("label-stamp"), {"document": SimpleUploadedFile("m.txt", b"memo")})
        assert response.status_code == 403


@pytest.mark.django_db
class TestListAndDashboard:
    def test_filters_search_sort_and_paginate(self, client, records_manager, employee, schedule, settings):
        settings.RECORDS_PER_PAGE = 2
        for title in ("Alpha tolls", "Beta approvals", "Gamma tolls"):
            make_record(custodian=employee, title=title, schedule=schedule)
        make_record(custodian=employee, title="Delta disk", medium=Medium.HARD_DISK, status=Status.DUE)
        client.force_login(records_manager)

        page = client.get(reverse("record-list"), {"q": "tolls", "sort": "title"})
        assert page.context["page"].paginator.count == 2
        assert [r.title for r in page.context["page"].object_list] == ["Alpha tolls", "Gamma tolls"]

        due = client.get(reverse("record-list"), {"status": "due", "medium": "hard_disk"})
        assert [r.title for r in due.context["page"]] == ["Delta disk"]

        by_title_desc = client.get(reverse("record-list"), {"sort": "-title", "page": 2})
        assert [r.title for r in by_title_desc.context["page"]] == ["Beta approvals", "Alpha tolls"]

        search_custodian = client.get(reverse("record-list"), {"q": "emma"})
        assert search_custodian.context["page"].paginator.count == 4

    def test_a_medium_is_found_by_its_serial_number_as_written_on_it(self, client, netops, employee, schedule):
        disk = make_record(custodian=employee, title="Old switch disk", medium=Medium.HARD_DISK,
                           media_serial_number="WX41-A7731", schedule=schedule)
        make_record(custodian=employee, title="Other disk", medium=Medium.HARD_DISK, schedule=schedule)
        client.force_login(netops)
        for typed in ("WX41-A7731", "a7731", "wx 41-a7731"):
            found = client.get(reverse("record-list"), {"q": typed})
            assert [r.pk for r in found.context["page"]] == [disk.pk], typed

    def test_bad_filters_are_explained_and_ignored(self, client, records_manager, record):
        client.force_login(records_manager)
        response = client.get(reverse("record-list"), {"expiry_from": "yesterday", "department": "999", "page": "x", "sort": "drop table"})
        assert response.status_code == 200
        assert "were not understood" in response.content.decode()
        assert response.context["page"].paginator.count == 1

    def test_expiry_range_filter(self, client, records_manager, employee, schedule):
        record = make_record(custodian=employee, schedule=schedule)
        client.force_login(records_manager)
        inside = client.get(reverse("record-list"), {"expiry_from": record.expiry_date.isoformat(), "expiry_to": record.expiry_date.isoformat()})
        outside = client.get(reverse("record-list"), {"expiry_to": "2000-01-01"})
        assert inside.context["page"].paginator.count == 1 and outside.context["page"].paginator.count == 0

    def test_a_long_list_counts_to_the_cap_and_pages_through_its_first_rows(self, client, records_manager, employee,
                                                                          schedule, settings, monkeypatch):
        from records.pagination import CappedPaginator

        monkeypatch.setattr(CappedPaginator, "cap", 3)
        settings.RECORDS_PER_PAGE = 2
        for title in ("Ledger A", "Ledger B", "Ledger C", "Ledger D", "Ledger E"):
            make_record(custodian=employee, title=title, schedule=schedule)
        client.force_login(records_manager)
        first = client.get(reverse("record-list"), {"sort": "title"})
        assert "5 records: the first 3 are listed; narrow the filters to reach the rest" in first.content.decode(), \
            "the whole list's size is known from the tallies"
        assert first.context["page"].paginator.num_pages == 2
        searched = client.get(reverse("record-list"), {"q": "Ledger"})
        assert "More than 3 records: the first 3 are listed; narrow the filters to reach the rest" in searched.content.decode()
        last = client.get(reverse("record-list"), {"sort": "title", "page": "9"})
        assert [r.title for r in last.context["page"].object_list] == ["Ledger C"], "past the cap is the last page"
        narrowed = client.get(reverse("record-list"), {"q": "Ledger E"})
        assert "1 record" in narrowed.content.decode() and not narrowed.context["page"].paginator.capped
        client.force_login(UserFactory(username="ann2", role=Role.AUDITOR))
        events = client.get(reverse("audit-log")).content.decode()
        assert "More than 3 events: the first 3 are listed" in events

    def test_sort_and_page_links_keep_the_filters(self, client, records_manager, employee, schedule, settings):
        settings.RECORDS_PER_PAGE = 1
        for title in ("Ledger & co A", "Ledger & co B"):
            make_record(custodian=employee, title=title, schedule=schedule)
        client.force_login(records_manager)
        html = client.get(reverse("record-list"), {"q": "Ledger & co", "sort": "title", "page": "1"}).content.decode()
        assert 'href="?q=Ledger+%26+co&amp;sort=title&amp;page=2" rel="next"' in html
        assert 'href="?q=Ledger+%26+co&amp;sort=-title">Title</a>' in html, "sorting again reverses, back to page 1"
        assert 'href="?q=Ledger+%26+co&amp;sort=reference">Reference</a>' in html

    def test_the_filters_offer_a_new_schedule_and_a_renamed_department_at_once(self, client, records_manager,
                                                                               department, schedule):
        client.force_login(records_manager)
        before = client.get(reverse("record-list")).content.decode()
        assert f'<option value="{schedule.pk}">{schedule.code} — {schedule.title}</option>' in before
        added = ScheduleFactory(code="MARKETING-APPROVALS", title="Customer approvals")
        department.name = "Billing & Collections"
        department.save()
        after = client.get(reverse("record-list")).content.decode()
        assert f'<option value="{added.pk}">MARKETING-APPROVALS — Customer approvals</option>' in after
        assert f'<option value="{department.pk}">Billing &amp; Collections</option>' in after

    def test_an_employee_may_filter_by_their_own_department_only(self, client, employee, department, other_department):
        client.force_login(employee)
        html = client.get(reverse("record-list")).content.decode()
        assert f'<option value="{department.pk}">' in html and f'<option value="{other_department.pk}">' not in html
        refused = client.get(reverse("record-list"), {"department": other_department.pk})
        assert refused.context["form"].errors["department"]

    def test_dashboard_counts_what_the_user_may_see(self, client, employee, outsider, schedule):
        make_record(custodian=employee, schedule=schedule)
        make_record(custodian=employee, schedule=schedule, status=Status.DUE)
        make_record(custodian=outsider, schedule=schedule, status=Status.DUE)
        client.force_login(employee)
        summary = client.get(reverse("dashboard")).context["summary"]
        counts = dict(summary.status_counts)
        assert counts[Status.ACTIVE] == 1 and counts[Status.DUE] == 1 and summary.total == 2
        assert summary.due_in_my_custody == 1
        assert len(summary.expiries_by_month) == 12

    def test_the_dashboard_speaks_in_correct_plurals_and_of_custody_only_to_custodians(self, client, employee, auditor,
                                                                                      schedule):
        make_record(custodian=employee, schedule=schedule, status=Status.DUE)
        client.force_login(employee)
        page = re.sub(r"\s+", " ", client.get(reverse("dashboard")).content.decode())
        assert "1</span> due record in your custody" in page
        assert "0</span> records with CPNI have no label check" in page or "1</span> record with CPNI has no label check" in page
        assert "active records expire in" in page or "active record expires in" in page
        client.force_login(auditor)  # an auditor holds no records
        assert "in your custody" not in client.get(reverse("dashboard")).content.decode()

    def test_the_dashboard_charts_records_by_status_each_bar_a_link_and_destructions_per_month(
            self, client, records_manager, employee, schedule):
        make_record(custodian=employee, schedule=schedule, status=Status.DUE)
        make_record(custodian=employee, schedule=schedule, status=Status.DESTROYED)
        client.force_login(records_manager)
        response = client.get(reverse("dashboard"))
        page = response.content.decode()
        assert f'<a href="{reverse("record-list")}?status=due" aria-label="1 due for destruction: list them">' in page
        assert not re.search(r'class="card"><a href="/records/\?status=[a-z_]+">', page), "a chart, not a card per status"
        months = response.context["summary"].destructions_by_month
        assert len(months) == 12 and months[-1].month == timezone.localdate().replace(day=1)
        assert sum(bar.count for bar in months) == Destruction.objects.count()
        assert "Records destroyed per month" in page

    def test_a_destruction_recorded_now_is_in_this_months_bar_at_once_beside_the_months_that_ended(
            self, client, records_manager, employee, schedule):
        from dateutil.relativedelta import relativedelta

        earlier = make_record(custodian=employee, schedule=schedule, status=Status.DESTROYED)
        Destruction.objects.filter(record=earlier).update(performed_at=timezone.now() - relativedelta(months=1))
        client.force_login(records_manager)

        def bars():
            return [bar.count for bar in client.get(reverse("dashboard")).context["summary"].destructions_by_month]

        assert bars()[-2:] == [1, 0]
        make_record(custodian=employee, schedule=schedule, status=Status.DESTROYED)
        assert bars()[-2:] == [1, 1]  # the ended month as counted before, this one counted again
