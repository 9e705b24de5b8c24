"""The year's training as a CSV file of the package (training.csv): the courses in effect, each
assignment due in the year with its completion and signed acknowledgement, and the briefings and
staff meetings held in the year, one row each (`row` says which). Disciplinary actions are not in
it. CONFIDENTIAL and formula-safe like the other registers."""

from datetime import date

from django.utils import timezone

from compliance.exports import csv_header
from compliance.models import TrainingCourse
from compliance.training import assignments_due_in, briefings_in
from records.csv_safe import csv_line, iso

FILE_NAME = "training.csv"
FIELDS = (
    "row", "course", "version", "effective_on", "person", "reason", "due_on", "status", "completed_at",
    "completed_on_time", "course_version_signed", "acknowledgement", "signature", "held_on", "briefing_kind", "led_by",
    "attendees", "topic",
)


def _row(**values):
    return [values.get(name, "") for name in FIELDS]


def write_training(out, year):
    csv_header(out, f"CPNI Track training {year}", FIELDS)
    assignments = list(assignments_due_in(year).select_related("course", "person", "completion").order_by("due_on", "pk"))
    courses = TrainingCourse.objects.filter(effective_on__lte=date(year, 12, 31)).order_by("effective_on", "pk")
    used = {a.course_id for a in assignments}
    for course in courses:
        if course.pk in used or course.effective_on.year == year:
            out.write(csv_line(_row(row="course", course=course.title, version=course.version,
                                    effective_on=iso(course.effective_on))))
    for a in assignments:
        done = getattr(a, "completion", None) if a.status == "completed" else None
        out.write(csv_line(_row(
            row="assignment", course=a.course.title, version=a.course.version, person=a.person.username,
            reason=a.reason, due_on=iso(a.due_on), status=a.status, completed_at=iso(done.completed_at) if done else "",
            completed_on_time=("yes" if timezone.localdate(done.completed_at) <= a.due_on else "no") if done else "",
            course_version_signed=done.course_version if done else "", acknowledgement=done.acknowledgement if done else "",
            signature=done.signature if done else "")))
    for briefing in briefings_in(year).select_related("led_by").prefetch_related("attendees").order_by("held_on", "pk"):
        out.write(csv_line(_row(
            row="briefing", held_on=iso(briefing.held_on), briefing_kind=briefing.kind, led_by=briefing.led_by.username,
            attendees="; ".join(sorted(p.username for p in briefing.attendees.all())), topic=briefing.topic)))
