"""Training, acknowledgement and discipline (47 CFR 64.2009(b)): courses and their versions,
assignments (new hires, yearly), the acknowledgement each person signs themself, briefings,
disciplinary actions read only by records managers and officers, overdue training emailed once per
assignment, the TRAINING_BARS_OVERDUE setting, training.csv, the package and its figures, pages and API."""

import csv
import io
import json
import zipfile
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from compliance import training
from compliance.models import (Briefing, CertificationPackage, CustomerComplaint, DisciplinaryAction, TrainingAssignment,
                               TrainingCompletion, TrainingCourse)
from compliance.training_export import write_training
from records import destruction, services
from records.conflicts import StateConflict
from records.models import AuditEvent, Notification, Status as RecordStatus
from tests.api.conftest import token_client
from tests.factories import UserFactory, make_company_profile, make_record

pytestmark = pytest.mark.django_db
Status = TrainingAssignment.Status


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TRAINING_NEW_HIRE_DAYS = 30
    settings.TRAINING_BARS_OVERDUE = False
    return settings.VAR_DIR


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


@pytest.fixture
def course(now, records_manager):
    return training.course_create(actor=records_manager, title="CPNI procedures", version="2026.1",
                                  summary="Never disclose CPNI without authentication.", effective_on=date(2026, 1, 1))


def assign(actor, course, person, due_on=date(2026, 12, 15), **extra):
    return training.assignment_create(actor=actor, course=course, person=person, due_on=due_on, **extra)


def actions():
    return list(AuditEvent.objects.filter(action__startswith="training.").order_by("sequence").values_list("action", flat=True))


def sign(person, assignment, **extra):
    values = {"acknowledged": True, "signature": person.get_full_name(), **extra}
    return training.training_complete(actor=person, assignment=assignment, **values)


# --------------------------------------------------------------------------- courses and assignments

def test_a_records_manager_records_a_course_and_assigns_it_with_history_and_audit(course, records_manager, employee):
    assignment = assign(records_manager, course, employee)
    assert (assignment.status, assignment.assigned_by, assignment.reason) == (Status.ASSIGNED, records_manager, "other")
    assert course.history.count() == 1 and assignment.history.count() == 1
    assert actions() == ["training.course_created", "training.assigned"]
    assert AuditEvent.objects.get(action="training.assigned").payload["person"] == "emma"


@pytest.mark.parametrize("changes, field, message", [
    ({"title": " "}, "title", "Give the course a title."),
    ({"version": ""}, "version", "Give the version"),
    ({"summary": ""}, "summary", "text of the procedures"),
    ({"effective_on": "2026-01-01"}, "effective_on", "as a date"),
    ({"effective_on": date(1900, 1, 1)}, "effective_on", "cannot be before"),
    ({"version": "2026.1"}, "version", "already has a version 2026.1"),
])
def test_bad_course_input_says_what_and_writes_nothing(course, records_manager, changes, field, message):
    values = {"title": "CPNI procedures", "version": "2026.2", "summary": "Text", "effective_on": date(2026, 6, 1),
              **changes}
    with pytest.raises(ValidationError) as error:
        training.course_create(actor=records_manager, **values)
    assert message in " ".join(error.value.message_dict[field])
    assert TrainingCourse.objects.count() == 1


@pytest.mark.parametrize("role", ["employee", "auditor", "officer", "netops"])
def test_only_records_managers_record_and_assign(request, course, role, colleague):
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        training.course_create(actor=person, title="T", version="1", summary="S", effective_on=date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        assign(person, course, colleague)
    with pytest.raises(PermissionDenied):
        training.briefing_create(actor=person, kind="staff_meeting", held_on=date(2026, 11, 1), led_by=person,
                                 attendees=[colleague], topic="CPNI")
    assert TrainingAssignment.objects.count() == 0 and Briefing.objects.count() == 0


def test_an_assignment_is_refused_twice_or_for_nobody(course, records_manager, employee):
    assign(records_manager, course, employee)
    with pytest.raises(ValidationError, match="already has this course"):
        assign(records_manager, course, employee)
    employee.is_active = False
    employee.save()
    with pytest.raises(ValidationError, match="active person"):
        assign(records_manager, course, employee)
    with pytest.raises(ValidationError, match="cannot be before the course is effective"):
        assign(records_manager, course, records_manager, due_on=date(2025, 12, 1))
    with pytest.raises(ValidationError, match="which year"):
        assign(records_manager, course, records_manager, reason="yearly")
    assert TrainingAssignment.objects.count() == 1


def test_new_hires_get_the_current_course_due_after_the_setting_days_once(now, settings, records_manager, employee):
    assert training.assign_new_hires() == []  # no course yet
    training.course_create(actor=records_manager, title="Old", version="1", summary="S", effective_on=date(2025, 1, 1))
    current = training.course_create(actor=records_manager, title="New", version="2", summary="S",
                                     effective_on=date(2026, 6, 1))
    training.course_create(actor=records_manager, title="Future", version="3", summary="S", effective_on=date(2027, 1, 1))
    employee.date_joined = datetime(2026, 11, 10, 15, tzinfo=dt_timezone.utc)
    employee.save()
    settings.TRAINING_NEW_HIRE_DAYS = 10
    made = training.assign_new_hires()
    mine = next(a for a in made if a.person == employee)
    assert (mine.course, mine.due_on, mine.reason, mine.assigned_by) == (current, date(2026, 11, 20), "new_hire", None)
    assert training.assign_new_hires() == []  # once
    out = io.StringIO()
    call_command("assign_training", stdout=out)
    assert "0 new hire assignments made." in out.getvalue()


def test_the_yearly_training_for_everyone_once_a_year(course, records_manager, employee, colleague):
    made = training.assign_yearly(actor=records_manager, year=2026, due_on=date(2026, 12, 31))
    assert {a.person.username for a in made} >= {"emma", "colin", "rita"}
    assert all(a.reason == "yearly" and a.year == 2026 for a in made)
    assert training.assign_yearly(actor=records_manager, year=2026, due_on=date(2026, 12, 31)) == []
    out = io.StringIO()
    call_command("assign_training", "--year", "2027", "--due", "2027-01-31", "--by", "rita", stdout=out)
    assert f"{len(made)} yearly assignments of 2027 made." in out.getvalue()
    with pytest.raises(Exception, match="due date"):
        call_command("assign_training", "--year", "2028", "--due", "soon", "--by", "rita")
    with pytest.raises(Exception, match="Only records managers"):
        call_command("assign_training", "--year", "2028", "--due", "2028-01-31", "--by", "emma")


# --------------------------------------------------------------------------- the signed acknowledgement

def test_the_person_signs_their_acknowledgement_recorded_with_time_and_version(course, records_manager, employee):
    assignment = assign(records_manager, course, employee)
    completion = sign(employee, assignment, signature=f"  {employee.get_full_name().upper()} ")
    assignment.refresh_from_db()
    assert assignment.status == Status.COMPLETED
    assert (completion.course_version, completion.acknowledgement) == ("2026.1", "I have read and will follow the CPNI procedures")
    assert completion.completed_at == timezone.now()
    assert completion.history.count() == 1 and assignment.history.count() == 2
    event = AuditEvent.objects.get(action="training.complete")
    assert (event.actor, event.payload["version"], event.payload["on_time"]) == (employee, "2026.1", True)
    with pytest.raises(StateConflict, match="already completed"):
        sign(employee, assignment)


def test_nobody_signs_for_someone_else(course, records_manager, employee, colleague, officer):
    assignment = assign(records_manager, course, employee)
    for other in (records_manager, colleague, officer):
        with pytest.raises(PermissionDenied, match="Only the person assigned"):
            sign(other, assignment, signature=employee.get_full_name())
    assert TrainingCompletion.objects.count() == 0


@pytest.mark.parametrize("extra, field, message", [
    ({"acknowledged": False}, "acknowledged", "Tick"),
    ({"signature": ""}, "signature", "Type your full name"),
    ({"signature": "Somebody Else"}, "signature", "as CPNI Track knows it"),
])
def test_an_unsigned_or_wrongly_signed_acknowledgement_is_refused(course, records_manager, employee, extra, field, message):
    assignment = assign(records_manager, course, employee)
    with pytest.raises(ValidationError) as error:
        sign(employee, assignment, **extra)
    assert message in " ".join(error.value.message_dict[field])
    assignment.refresh_from_db()
    assert assignment.status == Status.ASSIGNED and TrainingCompletion.objects.count() == 0


# --------------------------------------------------------------------------- briefings and discipline

def test_briefings_are_recorded_and_bad_ones_refused(now, records_manager, employee, colleague):
    briefing = training.briefing_create(actor=records_manager, kind="supervisor", held_on=date(2026, 11, 20),
                                        led_by=records_manager, attendees=[employee, colleague], topic="Pretexting calls")
    assert set(briefing.attendees.values_list("username", flat=True)) == {"emma", "colin"}
    assert actions() == ["training.briefing_recorded"]
    assert set(briefing.history.first().attendees.values_list("user__username", flat=True)) == {"emma", "colin"}
    with pytest.raises(ValidationError) as error:
        training.briefing_create(actor=records_manager, kind="party", held_on=date(2026, 12, 20), led_by=records_manager,
                                 attendees=[], topic=" ")
    assert set(error.value.message_dict) == {"kind", "held_on", "attendees", "topic"}
    assert Briefing.objects.count() == 1


def _discipline(actor, person, **extra):
    values = {"breached": "Read a customer's call detail without a reason", "action_taken": "Written warning",
              "decided_by": actor, "decided_on": date(2026, 11, 20), "finding": "Audit of access logs", **extra}
    return training.discipline_create(actor=actor, person=person, **values)


def test_discipline_is_recorded_linked_and_kept_out_of_the_audit_words(now, records_manager, employee):
    complaint = CustomerComplaint.objects.create(received_on=date(2026, 11, 2), category="employee_access", summary="S",
                                                 recorded_by=records_manager)
    action = _discipline(records_manager, employee, complaint=complaint, finding="")
    assert action.complaint == complaint and action.history.count() == 1
    assert AuditEvent.objects.get(action="training.discipline_recorded").payload == {"decided_on": "2026-11-20"}
    with pytest.raises(ValidationError) as error:
        _discipline(records_manager, employee, finding="", breached="", decided_on=date(2027, 1, 1))
    assert set(error.value.message_dict) == {"finding", "breached", "decided_on"}
    with pytest.raises(PermissionDenied):
        training.discipline_create(actor=employee, person=employee, breached="B", action_taken="A", decided_by=employee,
                                   decided_on=date(2026, 11, 1), finding="F")


def test_discipline_is_read_only_by_records_managers_and_officers(now, client, records_manager, officer, employee,
                                                                   auditor, netops):
    _discipline(records_manager, employee)
    for person, status in ((records_manager, 200), (officer, 200), (employee, 403), (auditor, 403), (netops, 403)):
        client.force_login(person)
        page = client.get(reverse("discipline-list"))
        assert page.status_code == status, person
        if status == 200:
            assert "Written warning" in page.content.decode()
        api = token_client(person).get("/api/v1/disciplinary-actions/")
        assert api.status_code == status
        assert (api.json()["count"] if status == 200 else api.json()["code"]) == (1 if status == 200 else "permission_denied")
    client.force_login(auditor)
    assert "Written warning" not in client.get(reverse("audit-log")).content.decode()
    assert client.get(reverse("training-list")).status_code == 200
    assert "disciplinary actions" not in client.get(reverse("training-list")).content.decode()


# --------------------------------------------------------------------------- escalation and the bar

def test_overdue_training_is_emailed_to_the_person_and_records_managers_once(time_machine, course, records_manager,
                                                                             employee, colleague):
    late = assign(records_manager, course, employee, due_on=date(2026, 11, 20))
    assign(records_manager, course, colleague, due_on=date(2026, 11, 30))  # not yet due
    done = assign(records_manager, course, records_manager, due_on=date(2026, 11, 1))
    sign(records_manager, done)
    other_manager = UserFactory(username="rob", role="records_manager")
    first = training.training_escalations_prepare()
    late_ones = [n for n in first if n.key.startswith(f"training:{late.pk}:")]
    assert {n.recipient.username for n in late_ones} == {"emma", "rita", "rob"}
    assert all(n.kind == Notification.Kind.TRAINING_OVERDUE for n in late_ones)
    assert not any(n.key.startswith(f"training:{done.pk}:") for n in first)
    own = next(n for n in late_ones if n.recipient == employee)
    assert "Your CPNI training" in own.body and "/training/mine/" in own.body
    assert "was due Friday 20 November 2026" in next(n for n in late_ones if n.recipient == other_manager).body
    again = training.training_escalations_prepare()
    assert not [n for n in again if n.key.startswith(f"training:{late.pk}:")]
    time_machine.move_to("2026-12-05 09:00 -0500", tick=False)
    later = training.training_escalations_prepare()
    assert {n.key.split(":")[1] for n in later} == {str(TrainingAssignment.objects.get(person=colleague).pk)}


def test_the_daily_task_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Overdue training")
    assert task.task == "compliance.tasks.send_training_escalations" and task.crontab.hour == "6"


def test_the_bar_off_lets_overdue_people_be_custodians_and_take_network_operations_steps(
        course, records_manager, employee, netops):
    assign(records_manager, course, employee, due_on=date(2026, 11, 1))
    assign(records_manager, course, netops, due_on=date(2026, 11, 1))
    assert make_record(custodian=employee).custodian == employee
    assert destruction.media_receive(actor=netops, receipts=[]) == []


def test_the_bar_on_refuses_overdue_people_as_custodians_and_for_network_operations(
        settings, course, records_manager, employee, colleague, netops):
    settings.TRAINING_BARS_OVERDUE = True
    record = make_record(custodian=employee)  # nothing overdue yet
    pending = make_record(custodian=employee, status=RecordStatus.PENDING_SHRED)
    assign(records_manager, course, employee, due_on=date(2026, 11, 1))
    assign(records_manager, course, colleague, due_on=date(2026, 11, 1))
    assign(records_manager, course, netops, due_on=date(2026, 11, 1))
    with pytest.raises(ValidationError) as error:
        make_record(custodian=employee)
    assert "cannot be made a record's custodian: their CPNI training" in error.value.message_dict["custodian"][0]
    with pytest.raises(ValidationError, match="cannot be made a record's custodian"):
        services.record_update(actor=records_manager, record=record, custodian=colleague)
    assert services.record_update(actor=records_manager, record=record, location="Vault").location == "Vault"
    with pytest.raises(ValidationError, match="cannot be made a record's custodian"):
        services.record_correct(actor=records_manager, record=pending, reason="Wrong person", custodian=colleague)
    with pytest.raises(ValidationError, match="cannot receive or destroy media for Network Operations"):
        destruction.media_receive(actor=netops, receipts=[])
    with pytest.raises(ValidationError, match="cannot receive or destroy media"):
        destruction.media_destruction_confirm(actor=netops, records=[], destroyed_on=date(2026, 11, 24))
    sign(netops, TrainingAssignment.objects.get(person=netops))
    assert destruction.media_receive(actor=netops, receipts=[]) == []


# --------------------------------------------------------------------------- the year: CSV, package, figures

def _year(records_manager, employee, colleague):
    on_time = assign(records_manager, TrainingCourse.objects.get(), employee, due_on=date(2026, 12, 15))
    sign(employee, on_time)
    assign(records_manager, TrainingCourse.objects.get(), colleague, due_on=date(2026, 11, 20))  # overdue
    training.briefing_create(actor=records_manager, kind="staff_meeting", held_on=date(2026, 11, 2),
                             led_by=records_manager, attendees=[employee, colleague], topic='=HYPERLINK("x")')
    _discipline(records_manager, employee)


def test_training_csv_holds_courses_assignments_acknowledgements_and_briefings_not_discipline(
        course, records_manager, employee, colleague):
    _year(records_manager, employee, colleague)
    out = io.StringIO()
    write_training(out, 2026)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL")
    rows = list(csv.DictReader(lines[1:]))
    assert [r["row"] for r in rows] == ["course", "assignment", "assignment", "briefing"]
    signed = next(r for r in rows if r["person"] == "emma")
    assert (signed["status"], signed["completed_on_time"], signed["course_version_signed"], signed["signature"]) == (
        "completed", "yes", "2026.1", employee.get_full_name())
    assert next(r for r in rows if r["person"] == "colin")["status"] == "assigned"
    assert rows[-1]["topic"].startswith("'=") and rows[-1]["attendees"] == "colin; emma"
    assert "Written warning" not in out.getvalue() and "warning" not in out.getvalue().lower()


def test_the_package_holds_training_csv_and_its_figures(time_machine, course, records_manager, employee, colleague,
                                                          officer):
    from compliance import package as packaging
    from compliance.year_summary import year_summary

    make_company_profile(companies=[("Example Telecom, Inc.", "831234")], signatory=officer)
    _year(records_manager, employee, colleague)
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        rows = list(csv.DictReader(archive.read("training.csv").decode().splitlines()[1:]))
        summary = json.loads(archive.read("summary.json"))
        names = archive.namelist()
    assert len(rows) == 4 and not any("discipl" in name for name in names)
    assert (summary["training_assignments_due"], summary["training_completed_on_time"],
            summary["training_acknowledgements"], summary["briefings"], summary["training_on_time_percent"]) == (
        2, 1, 1, 1, 50)
    figures = year_summary(2026)
    assert figures.training_on_time_rate == 50
    assert year_summary(2025).training_on_time_rate is None


# --------------------------------------------------------------------------- pages

def test_pages_record_a_course_assign_it_and_the_employee_signs(now, client, records_manager, employee, colleague):
    client.force_login(records_manager)
    bad = client.post(reverse("training-course-create"), {"title": "", "version": "1", "summary": "S",
                                                           "effective_on": "2026-01-01"})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    made = client.post(reverse("training-course-create"), {"title": "CPNI procedures", "version": "1",
                                                            "summary": "Authenticate every caller.",
                                                            "effective_on": "2026-01-01"})
    course = TrainingCourse.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("training-course", args=[course.pk])
    twice = client.post(reverse("training-assign", args=[course.pk]), {"person": employee.pk, "due_on": "2026-12-15",
                                                                      "reason": "other"})
    assert twice.status_code == 302
    again = client.post(reverse("training-assign", args=[course.pk]), {"person": employee.pk, "due_on": "2026-12-15",
                                                                      "reason": "other"})
    assert again.status_code == 400 and "already has this course" in again.content.decode()
    assignment = TrainingAssignment.objects.get()

    client.force_login(colleague)
    assert client.post(reverse("training-complete", args=[assignment.pk]),
                       {"acknowledged": "on", "signature": employee.get_full_name()}).status_code == 403
    assert client.get(reverse("training-list")).status_code == 403
    assert "No training is assigned to you." in client.get(reverse("training-mine")).content.decode()

    client.force_login(employee)
    page = client.get(reverse("training-mine")).content.decode()
    assert "Authenticate every caller." in page and "I have read and will follow the CPNI procedures" in page
    refused = client.post(reverse("training-complete", args=[assignment.pk]), {"signature": employee.get_full_name()})
    assert refused.status_code == 400 and "Tick" in refused.content.decode()
    signed = client.post(reverse("training-complete", args=[assignment.pk]),
                         {"acknowledged": "on", "signature": employee.get_full_name()}, follow=True)
    assert "your acknowledgement of CPNI procedures (version 1) is signed" in signed.content.decode()
    assert "Completed: you signed on 2026-11-24" in signed.content.decode()
    assert client.post(reverse("training-complete", args=[999999]), {}).status_code == 404


def test_pages_of_briefings_and_discipline(now, client, records_manager, employee, auditor):
    client.force_login(records_manager)
    refused = client.post(reverse("training-yearly"), {"year": "2026"}, follow=True).content.decode()
    assert "The yearly training is not assigned: Due on (everyone): This field is required." in refused
    training.course_create(actor=records_manager, title="T", version="1", summary="S", effective_on=date(2026, 1, 1))
    done = client.post(reverse("training-yearly"), {"year": "2026", "yearly_due_on": "2026-12-31"}, follow=True)
    assert "yearly assignments of 2026 made." in done.content.decode()
    assert TrainingAssignment.objects.filter(person=employee, year=2026).exists()
    bad = client.post(reverse("briefing-create"), {"kind": "staff_meeting", "held_on": "2026-11-20",
                                                   "led_by": records_manager.pk, "topic": "CPNI"})
    assert bad.status_code == 400
    ok = client.post(reverse("briefing-create"), {"kind": "staff_meeting", "held_on": "2026-11-20",
                                                  "led_by": records_manager.pk, "attendees": [employee.pk],
                                                  "topic": "Confidentiality of CPNI"})
    assert ok.status_code == 302
    assert "Confidentiality of CPNI" in client.get(reverse("briefing-list")).content.decode()
    no_basis = client.post(reverse("discipline-create"), {"person": employee.pk, "breached": "B", "action_taken": "A",
                                                          "decided_by": records_manager.pk, "decided_on": "2026-11-20"})
    assert no_basis.status_code == 400 and "Link the breach incident" in no_basis.content.decode()
    assert DisciplinaryAction.objects.count() == 0
    client.force_login(auditor)
    assert client.get(reverse("briefing-list")).status_code == 200
    assert client.get(reverse("briefing-create")).status_code == 403
    assert client.get(reverse("discipline-create")).status_code == 403


# --------------------------------------------------------------------------- API

def test_api_courses_assignments_and_the_signed_acknowledgement(now, records_manager, employee, colleague):
    manager, emma, colin = token_client(records_manager), token_client(employee), token_client(colleague)
    bad = manager.post("/api/v1/trainings/", {"title": "T", "version": "1", "summary": "", "effective_on": "soon"},
                       format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) >= {"effective_on"}
    created = manager.post("/api/v1/trainings/", {"title": "CPNI procedures", "version": "1", "summary": "Text",
                                                  "effective_on": "2026-01-01"}, format="json")
    assert created.status_code == 201 and created.json()["marking"] == "CONFIDENTIAL"
    url = f"/api/v1/trainings/{created.json()['id']}/"
    assert emma.post("/api/v1/trainings/", {}, format="json").status_code == 403
    assert emma.get(url).status_code == 404  # not assigned to her yet
    assigned = manager.post(f"{url}assignments/", {"person": "emma", "due_on": "2026-12-15"}, format="json")
    assert assigned.status_code == 201 and assigned.json()["status"] == "assigned"
    assert emma.get("/api/v1/trainings/").json()["count"] == 1 and colin.get("/api/v1/trainings/").json()["count"] == 0
    assert colin.post(f"{url}completions/", {"acknowledged": True, "signature": colleague.get_full_name()},
                      format="json").status_code == 404
    unsigned = emma.post(f"{url}completions/", {"acknowledged": False, "signature": employee.get_full_name()},
                         format="json")
    assert unsigned.status_code == 400
    signed = emma.post(f"{url}completions/", {"acknowledged": True, "signature": employee.get_full_name()}, format="json")
    assert signed.status_code == 201 and (signed.json()["person"], signed.json()["course_version"]) == ("emma", "1")
    assert emma.post(f"{url}completions/", {"acknowledged": True, "signature": employee.get_full_name()},
                     format="json").status_code == 409
    assert manager.get(f"{url}completions/").json()["count"] == 1
    assert manager.get("/api/v1/trainings/abc/").status_code == 404


def test_demo_data_trains_everyone_yearly_and_nobody_is_overdue(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    course = TrainingCourse.objects.get()
    assignments = TrainingAssignment.objects.filter(course=course)
    assert assignments.count() == TrainingAssignment.objects.count() > 5
    assert list(assignments.filter(status=Status.COMPLETED).values_list("person__username", flat=True)) == ["carl"]
    assert not training.overdue().exists() and Briefing.objects.count() == 1
    assert training.assign_new_hires() == []  # everyone has their yearly training


@pytest.mark.parametrize("path, body", [
    ("/api/v1/briefings/", {"kind": "staff_meeting", "held_on": "2026-11-20", "led_by": "rita\x00", "attendees": ["emma"],
                            "topic": "CPNI"}),
    ("/api/v1/briefings/", {"kind": "staff_meeting", "held_on": "2026-11-20", "led_by": "rita", "attendees": ["em\x00ma"],
                            "topic": "CPNI"}),
    ("/api/v1/disciplinary-actions/", {"person": "emma\x00", "breached": "x", "action_taken": "y", "decided_by": "rita",
                                       "decided_on": "2026-11-20"}),
])
def test_a_person_that_cannot_be_a_username_is_refused_before_the_database(now, records_manager, employee, path, body):
    """A NUL byte in a username is a 400, not a database error (PostgreSQL refuses NUL in text)."""
    response = token_client(records_manager).post(path, body, format="json")
    assert response.status_code == 400
