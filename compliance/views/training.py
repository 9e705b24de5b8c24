"""Training, acknowledgement and discipline: the courses and assignments (records managers record
and assign them; the roles that read every register read them), My training (each person reads
their assigned course and signs its acknowledgement), briefings and staff meetings, and the
disciplinary actions (records managers and officers only)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance import training, training_forms as f
from compliance.forms import add_errors
from compliance.models import Briefing, DisciplinaryAction, TrainingAssignment, TrainingCourse
from records.conflicts import StateConflict


def _may_read(request):
    if not request.user.has_perm(training.READ):
        raise PermissionDenied


def training_list(request):
    _may_read(request)
    today = timezone.localdate()
    assignments = list(training.visible_assignments(request.user).order_by("due_on", "pk")[:500])
    for assignment in assignments:
        assignment.overdue = training.is_overdue(assignment, today)
    manager = request.user.has_perm(training.ASSIGN)
    yearly = f.YearlyForm(request.POST or None, initial={"year": today.year})
    return render(request, "compliance/training_list.html", {
        "courses": TrainingCourse.objects.annotate(assigned=Count("assignments"))[:200], "assignments": assignments, "current": training.current_course(today),
        "can_add": request.user.has_perm(training.MANAGE), "can_assign": manager, "yearly": yearly,
    }, status=400 if yearly.errors else 200)


@require_POST
def training_yearly(request):
    if not request.user.has_perm(training.ASSIGN):
        raise PermissionDenied
    form = f.YearlyForm(request.POST)
    if form.is_valid():
        try:
            made = training.assign_yearly(actor=request.user, year=form.cleaned_data["year"],
                                          due_on=form.cleaned_data["yearly_due_on"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{len(made)} yearly assignment{'s' if len(made) != 1 else ''} of "
                                      f"{form.cleaned_data['year']} made.")
            return redirect("training-list")
    messages.error(request, "The yearly training is not assigned: " + " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {message}".lstrip(": ")
        for name, errors in form.errors.items() for message in errors))
    return redirect("training-list")


def course_create(request):
    if not request.user.has_perm(training.MANAGE):
        raise PermissionDenied
    form = f.CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = training.course_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{course} is recorded: assign it to the people to train.")
            return redirect("training-course", pk=course.pk)
    return render(request, "compliance/training_form.html", {"form": form, "heading": "Record a training course",
                                                             "button": "Record the course"},
                  status=400 if form.errors else 200)


def course_detail(request, pk, assign_form=None, status=200):
    _may_read(request)
    try:
        course = TrainingCourse.objects.get(pk=pk)
    except TrainingCourse.DoesNotExist:
        raise Http404("No such course.") from None
    today = timezone.localdate()
    assignments = list(course.assignments.select_related("person", "completion").order_by("due_on", "pk"))
    for assignment in assignments:
        assignment.overdue = training.is_overdue(assignment, today)
    can_assign = request.user.has_perm(training.ASSIGN)
    return render(request, "compliance/training_course.html", {
        "course": course, "assignments": assignments, "can_assign": can_assign,
        "assign_form": assign_form or (f.AssignForm() if can_assign else None),
    }, status=status)


@require_POST
def course_assign(request, pk):
    if not request.user.has_perm(training.ASSIGN):
        raise PermissionDenied
    try:
        course = TrainingCourse.objects.get(pk=pk)
    except TrainingCourse.DoesNotExist:
        raise Http404("No such course.") from None
    form = f.AssignForm(request.POST)
    if form.is_valid():
        try:
            assignment = training.assignment_create(actor=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{course} is assigned to {assignment.person}, due {assignment.due_on:%Y-%m-%d}.")
            return redirect("training-course", pk=pk)
    return course_detail(request, pk, assign_form=form, status=400)


def my_training(request, forms=None, status=200):
    """Everyone's own training: the courses assigned, their text, and the acknowledgement to sign."""
    today = timezone.localdate()
    assignments = list(TrainingAssignment.objects.filter(person=request.user).select_related("course", "completion")
                       .order_by("status", "due_on", "pk"))
    forms = forms or {}
    for assignment in assignments:
        assignment.overdue = training.is_overdue(assignment, today)
        if assignment.status == TrainingAssignment.Status.ASSIGNED:
            assignment.form = forms.get(assignment.pk) or f.AcknowledgeForm(auto_id=f"id_{assignment.pk}_%s")
    return render(request, "compliance/training_mine.html", {"assignments": assignments}, status=status)


@require_POST
def training_complete(request, pk):
    try:
        assignment = TrainingAssignment.objects.select_related("course").get(pk=pk)
    except TrainingAssignment.DoesNotExist:
        raise Http404("No such assignment.") from None
    if assignment.person_id != request.user.pk:
        raise PermissionDenied("Only the person assigned the training signs its acknowledgement.")
    form = f.AcknowledgeForm(request.POST, auto_id=f"id_{pk}_%s")
    if form.is_valid():
        try:
            training.training_complete(actor=request.user, assignment=assignment,
                                       acknowledged=form.cleaned_data["acknowledged"],
                                       signature=form.cleaned_data["signature"])
        except StateConflict as error:
            messages.error(request, str(error))
            return redirect("training-mine")
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Thank you: your acknowledgement of {assignment.course} is signed and recorded.")
            return redirect("training-mine")
    return my_training(request, forms={pk: form}, status=400)


def briefing_list(request):
    _may_read(request)
    return render(request, "compliance/briefing_list.html", {
        "briefings": Briefing.objects.select_related("led_by").prefetch_related("attendees")[:500],
        "can_add": request.user.has_perm(training.BRIEF),
    })


def briefing_create(request):
    if not request.user.has_perm(training.BRIEF):
        raise PermissionDenied
    form = f.BriefingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            briefing = training.briefing_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The {briefing.get_kind_display().lower()} of {briefing.held_on:%Y-%m-%d} is recorded.")
            return redirect("briefing-list")
    return render(request, "compliance/training_form.html", {"form": form, "heading": "Record a briefing or staff meeting",
                                                             "button": "Record it"}, status=400 if form.errors else 200)


def _may_read_discipline(request):
    if not training.may_read_discipline(request.user):
        raise PermissionDenied


def discipline_list(request):
    _may_read_discipline(request)
    return render(request, "compliance/discipline_list.html", {
        "actions": DisciplinaryAction.objects.select_related("person", "decided_by", "breach", "complaint")[:500],
        "can_add": request.user.has_perm(training.DISCIPLINE),
    })


def discipline_create(request):
    _may_read_discipline(request)
    if not request.user.has_perm(training.DISCIPLINE):
        raise PermissionDenied
    form = f.DisciplineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training.discipline_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "The disciplinary action is recorded.")
            return redirect("discipline-list")
    return render(request, "compliance/training_form.html", {"form": form, "heading": "Record a disciplinary action",
                                                             "button": "Record it"}, status=400 if form.errors else 200)
