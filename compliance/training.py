"""Training, acknowledgement and discipline (47 CFR 64.2009(b); the procedure's Compliance section:
every person is trained in when CPNI may be used, supervisors discuss its confidentiality with their
reports, staff meetings repeat it, and breaches of the procedures are disciplined).

Records managers record courses (each version with the text of the procedures acknowledged), assign
them (new hires within TRAINING_NEW_HIRE_DAYS of joining, everyone yearly), and record briefings and
disciplinary actions; each person completes their own training by signing its acknowledgement
(compliance.training_lifecycle). Disciplinary actions are read only by records managers and
officers. Each service checks the actor's permission, validates everything before it writes,
writes in one transaction with history and records an audit event."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from records.audit import audit_event_record
from records.dates import records_began_on
from records.models import Notification
from records.notifications import record_notification
from records.roles import Role

from . import training_lifecycle as lifecycle
from .models import (ACKNOWLEDGEMENT, BreachIncident, Briefing, CustomerComplaint, DisciplinaryAction,
                     TrainingAssignment, TrainingCompletion, TrainingCourse)

READ = "compliance.view_trainingcourse"
MANAGE = "compliance.add_trainingcourse"
ASSIGN = "compliance.add_trainingassignment"
BRIEF = "compliance.add_briefing"
READ_DISCIPLINE = "compliance.view_disciplinaryaction"
DISCIPLINE = "compliance.add_disciplinaryaction"
TEXT_MAX = 20000
Status = TrainingAssignment.Status
Reason = TrainingAssignment.Reason


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _require(actor, permission, message):
    if not actor.has_perm(permission):
        raise PermissionDenied(message)


def _active_person(person, field, what):
    if not isinstance(person, get_user_model()) or not person.is_active:
        raise ValidationError({field: f"Choose an active person as {what}."})
    return person


def _date(value, field, what, errors):
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[field] = f"Enter {what} as a date (YYYY-MM-DD)."
    elif value < records_began_on():
        errors[field] = f"{what[0].upper()}{what[1:]} cannot be before {records_began_on():%Y-%m-%d}, when the company's records began."


# --------------------------------------------------------------------------- courses

def course_create(*, actor, title, version, summary, effective_on):
    """A course, or a new version of one: the text of the procedures each person acknowledges."""
    _require(actor, MANAGE, "Only records managers record training courses.")
    title, version, summary = _text(title) or "", _text(version) or "", _text(summary) or ""
    errors = {}
    if not title:
        errors["title"] = "Give the course a title."
    elif len(title) > 200:
        errors["title"] = "At most 200 characters."
    if not version:
        errors["version"] = "Give the version (e.g. 2026.1)."
    elif len(version) > 30:
        errors["version"] = "At most 30 characters."
    if not summary:
        errors["summary"] = "Give the text of the procedures the person reads and acknowledges."
    elif len(summary) > TEXT_MAX:
        errors["summary"] = f"At most {TEXT_MAX} characters."
    _date(effective_on, "effective_on", "the effective date", errors)
    if not errors and TrainingCourse.objects.filter(title=title, version=version).exists():
        errors["version"] = f"{title} already has a version {version}: give the new text a new version."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        course = TrainingCourse(title=title, version=version, summary=summary, effective_on=effective_on,
                                recorded_by=actor, recorded_at=timezone.now())
        course._history_user = actor
        course.save()
        audit_event_record(actor=actor, action="training.course_created", obj=course, payload={
            "title": title, "version": version, "effective_on": effective_on.isoformat()})
    return course


def current_course(today=None):
    """The course in effect `today`: the latest effective on or before it."""
    today = today or timezone.localdate()
    return TrainingCourse.objects.filter(effective_on__lte=today).order_by("-effective_on", "-pk").first()


# --------------------------------------------------------------------------- assignments

def _assign(*, actor, course, person, due_on, reason, year=None):
    assignment = TrainingAssignment(course=course, person=person, due_on=due_on, reason=reason, year=year,
                                    assigned_by=actor, assigned_at=timezone.now())
    assignment._history_user = actor
    assignment.save()
    audit_event_record(actor=actor, action="training.assigned", obj=assignment, payload={
        "course": course.title, "version": course.version, "person": person.username, "due_on": due_on.isoformat(),
        "reason": reason, "year": year})
    return assignment


def assignment_create(*, actor, course, person, due_on, reason=Reason.OTHER, year=None):
    """A records manager assigns `course` to `person`, due `due_on`."""
    _require(actor, ASSIGN, "Only records managers assign training.")
    errors = {}
    try:
        _active_person(person, "person", "the person trained")
    except ValidationError as error:
        errors.update(error.message_dict)
    if reason not in Reason.values:
        errors["reason"] = "Choose why the training is assigned."
    if reason == Reason.YEARLY and not (isinstance(year, int) and 1990 <= year <= 9999):
        errors["year"] = "Say which year's training this is."
    if reason != Reason.YEARLY:
        year = None
    _date(due_on, "due_on", "the due date", errors)
    if not errors and due_on < course.effective_on:
        errors["due_on"] = f"The due date cannot be before the course is effective ({course.effective_on:%Y-%m-%d})."
    if not errors and TrainingAssignment.objects.filter(course=course, person=person, status=Status.ASSIGNED).exists():
        errors["person"] = f"{person} already has this course to complete."
    if not errors and year and TrainingAssignment.objects.filter(person=person, year=year).exists():
        errors["year"] = f"{person} already has the yearly training of {year}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _assign(actor=actor, course=course, person=person, due_on=due_on, reason=reason, year=year)


def assign_new_hires(today=None):
    """CPNI Track assigns the current course to every active person who has no assignment yet, due
    TRAINING_NEW_HIRE_DAYS days after they joined (never before today's course took effect).
    Returns the assignments made."""
    today = today or timezone.localdate()
    course = current_course(today)
    if course is None:
        return []
    made = []
    people = get_user_model().objects.filter(is_active=True, training_assignments__isnull=True).order_by("pk")
    for person in people:
        joined = timezone.localdate(person.date_joined)
        due_on = max(joined + datetime.timedelta(days=settings.TRAINING_NEW_HIRE_DAYS), course.effective_on)
        with transaction.atomic():
            made.append(_assign(actor=None, course=course, person=person, due_on=due_on, reason=Reason.NEW_HIRE))
    return made


def assign_yearly(*, actor, year, due_on, course=None):
    """The yearly training of `year`: `course` (the current one by default) for every active person
    who has no yearly assignment for that year. Returns the assignments made."""
    _require(actor, ASSIGN, "Only records managers assign training.")
    errors = {}
    if not isinstance(year, int) or not 1990 <= year <= 9999:
        errors["year"] = "Give the year as four digits."
    _date(due_on, "due_on", "the due date", errors)
    course = course or current_course()
    if course is None:
        errors["course"] = "Record a course first: no course is in effect today."
    if errors:
        raise ValidationError(errors)
    made = []
    with transaction.atomic():
        people = get_user_model().objects.filter(is_active=True).exclude(training_assignments__year=year).order_by("pk")
        for person in people:
            made.append(_assign(actor=actor, course=course, person=person, due_on=due_on, reason=Reason.YEARLY, year=year))
    return made


def visible_assignments(user):
    """Every assignment for those who read the training records; a person's own otherwise."""
    queryset = TrainingAssignment.objects.select_related("course", "person", "completion")
    return queryset if user.has_perm(READ) else queryset.filter(person=user)


def visible_courses(user):
    if user.has_perm(READ):
        return TrainingCourse.objects.all()
    return TrainingCourse.objects.filter(assignments__person=user).distinct()


def is_overdue(assignment, today=None):
    return assignment.status == Status.ASSIGNED and assignment.due_on < (today or timezone.localdate())


def overdue(today=None):
    return TrainingAssignment.objects.filter(status=Status.ASSIGNED, due_on__lt=today or timezone.localdate())


def _normal(name):
    return " ".join((name or "").split()).casefold()


def training_complete(*, actor, assignment, acknowledged, signature):
    """The person assigned signs: they tick that they have read and will follow the CPNI procedures
    and type their full name. Recorded with the time and the course's version."""
    lifecycle.check_transition(assignment, "complete", actor=actor)
    signature = " ".join((signature or "").split()) if isinstance(signature, str) else ""
    errors = {}
    if acknowledged is not True:
        errors["acknowledged"] = f"Tick \u201c{ACKNOWLEDGEMENT}\u201d to acknowledge the procedures."
    full_name = actor.get_full_name()
    if not signature:
        errors["signature"] = "Type your full name as your signature."
    elif len(signature) > 150:
        errors["signature"] = "At most 150 characters."
    elif full_name and _normal(signature) != _normal(full_name):
        errors["signature"] = f"Type your full name as CPNI Track knows it ({full_name}) as your signature."
    if errors:
        raise ValidationError(errors)
    return lifecycle.complete(assignment, actor=actor, signature=signature, acknowledgement=ACKNOWLEDGEMENT)


# --------------------------------------------------------------------------- the bar on overdue training

def training_bar(person, what):
    """When TRAINING_BARS_OVERDUE is true and `person`'s training is overdue: the message refusing
    them `what`; else None."""
    if not settings.TRAINING_BARS_OVERDUE or person is None:
        return None
    late = overdue().filter(person=person).select_related("course").order_by("due_on").first()
    if late is None:
        return None
    return (f"{person} cannot {what}: their CPNI training ({late.course}) was due {late.due_on:%Y-%m-%d} and is not "
            f"completed. They complete it under My training.")


# --------------------------------------------------------------------------- briefings

def briefing_create(*, actor, kind, held_on, led_by, attendees, topic):
    """A supervisor's briefing with their reports, or a staff meeting, on CPNI confidentiality."""
    _require(actor, BRIEF, "Only records managers record briefings and staff meetings.")
    errors = {}
    topic = _text(topic) or ""
    if kind not in Briefing.Kind.values:
        errors["kind"] = "Choose a supervisor briefing or a staff meeting."
    _date(held_on, "held_on", "the day it was held", errors)
    if not errors.get("held_on") and held_on > timezone.localdate():
        errors["held_on"] = "A briefing is recorded once it is held: the day cannot be in the future."
    try:
        _active_person(led_by, "led_by", "who led it")
    except ValidationError as error:
        errors.update(error.message_dict)
    attendees = list(attendees or [])
    if not attendees:
        errors["attendees"] = "Choose who attended."
    elif any(not isinstance(p, get_user_model()) for p in attendees):
        errors["attendees"] = "Choose the attendees among the people of CPNI Track."
    if not topic:
        errors["topic"] = "Say what was discussed."
    elif len(topic) > TEXT_MAX:
        errors["topic"] = f"At most {TEXT_MAX} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        briefing = Briefing(kind=kind, held_on=held_on, led_by=led_by, topic=topic, recorded_by=actor,
                            recorded_at=timezone.now())
        briefing._history_user = actor
        briefing.save()
        briefing.attendees.set(attendees)
        audit_event_record(actor=actor, action="training.briefing_recorded", obj=briefing, payload={
            "kind": kind, "held_on": held_on.isoformat(), "led_by": led_by.username,
            "attendees": sorted(p.username for p in attendees), "topic": topic})
    return briefing


# --------------------------------------------------------------------------- discipline

def may_read_discipline(user):
    return user.has_perm(READ_DISCIPLINE)


def discipline_create(*, actor, person, breached, action_taken, decided_by, decided_on, breach=None, complaint=None,
                      finding=""):
    """A disciplinary action for a breach of the procedures, tied to a breach incident, a customer
    complaint or a finding in words."""
    _require(actor, DISCIPLINE, "Only records managers record disciplinary actions.")
    errors = {}
    breached, action_taken, finding = _text(breached) or "", _text(action_taken) or "", _text(finding) or ""
    for field, person_ in (("person", person), ("decided_by", decided_by)):
        if not isinstance(person_, get_user_model()):
            errors[field] = "Choose a person of CPNI Track."
    if not breached:
        errors["breached"] = "Say what was breached."
    if not action_taken:
        errors["action_taken"] = "Say what action was taken."
    for name, value in (("breached", breached), ("action_taken", action_taken), ("finding", finding)):
        if len(value) > TEXT_MAX:
            errors[name] = f"At most {TEXT_MAX} characters."
    if breach is not None and not isinstance(breach, BreachIncident):
        errors["breach"] = "Choose a breach incident of the register."
    if complaint is not None and not isinstance(complaint, CustomerComplaint):
        errors["complaint"] = "Choose a customer complaint of the register."
    if breach is None and complaint is None and not finding:
        errors["finding"] = "Link the breach incident or the customer complaint, or describe the finding."
    _date(decided_on, "decided_on", "the day it was decided", errors)
    if not errors.get("decided_on") and decided_on > timezone.localdate():
        errors["decided_on"] = "The day it was decided cannot be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = DisciplinaryAction(person=person, breached=breached, breach=breach, complaint=complaint,
                                    finding=finding, action_taken=action_taken, decided_by=decided_by,
                                    decided_on=decided_on, recorded_by=actor, recorded_at=timezone.now())
        action._history_user = actor
        action.save()
        # The audit log is read more widely than the discipline itself: it says that one was recorded, not what.
        audit_event_record(actor=actor, action="training.discipline_recorded", obj=action, payload={
            "decided_on": decided_on.isoformat()})
    return action


# --------------------------------------------------------------------------- escalation

TEMPLATE = "compliance/email/training_overdue.txt"


def managers():
    return (get_user_model().objects.filter(is_active=True, groups__name=Role.RECORDS_MANAGER).distinct().order_by("pk"))


def training_escalations_prepare(today=None):
    """Assign new hires, then record one email per overdue assignment to its person and to each
    records manager (each once, however often this runs). Returns the emails newly recorded."""
    today = today or timezone.localdate()
    assign_new_hires(today)
    people = list(managers())
    created = []
    for assignment in overdue(today).filter(person__is_active=True).select_related("course", "person").order_by("pk"):
        subject = (f"CONFIDENTIAL: CPNI training overdue: {assignment.course} for {assignment.person}, "
                   f"due {assignment.due_on:%Y-%m-%d}")
        for recipient in dict.fromkeys([assignment.person, *people]):
            notification = record_notification(
                kind=Notification.Kind.TRAINING_OVERDUE, recipient=recipient, records=[], subject=subject[:200],
                template=TEMPLATE, context={"assignment": assignment, "today": today,
                                            "own": recipient.pk == assignment.person_id},
                key=f"training:{assignment.pk}:overdue:{recipient.pk}",
            )
            if notification:
                created.append(notification)
    return created


# --------------------------------------------------------------------------- the year

def assignments_due_in(year):
    return TrainingAssignment.objects.filter(due_on__gte=datetime.date(year, 1, 1), due_on__lte=datetime.date(year, 12, 31))


def completions_in(year):
    from .year_summary import in_year

    return TrainingCompletion.objects.filter(in_year("completed_at", year))


def briefings_in(year):
    return Briefing.objects.filter(held_on__year=year)


def on_time():
    """Completed assignments signed on or before their due date (in the company's time zone)."""
    return Q(status=Status.COMPLETED, completion__completed_at__date__lte=F("due_on"))
