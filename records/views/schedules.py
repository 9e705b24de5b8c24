"""Retention schedules and the further legal minimums, kept by records managers."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_celery_beat.models import PeriodicTask

from records import legal_minimums, minimum_lowering, schedules, selectors, sweep_timetable
from records.conflicts import StateConflict, error_status
from records.forms import LegalMinimumForm, ScheduleForm
from records.models import LegalMinimum, MinimumLowering, RetentionSchedule


@permission_required("records.view_retentionschedule", raise_exception=True)
def schedule_list(request):
    rows = selectors.schedules_with_counts(request.user)
    jobs = PeriodicTask.objects.filter(task__startswith="records.tasks.").select_related("crontab").order_by("name")
    pending = MinimumLowering.objects.filter(state=MinimumLowering.State.PENDING).select_related("schedule", "requested_by")
    return render(request, "records/schedule_list.html", {"schedules": rows, "jobs": jobs, "lowerings": pending,
                                                          "sweep_last_run": next(iter(sweep_timetable.last_runs(1)), None)})


@permission_required("records.add_retentionschedule", raise_exception=True)
def schedule_create(request):
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = schedules.schedule_create(actor=request.user, **form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Schedule {schedule.code} was created.")
            return redirect("schedule-list")
    return render(request, "records/schedule_form.html", {"form": form})


@permission_required("records.change_retentionschedule", raise_exception=True)
def schedule_edit(request, code):
    """Edit a schedule. A change that moves expiry dates is previewed first: how many records move,
    become due at once or return to active; saving needs a second, confirming submit."""
    schedule = get_object_or_404(RetentionSchedule, code=code)
    form = ScheduleForm(request.POST or None, instance=copy.copy(schedule))  # the form changes its instance
    if request.method == "POST" and form.is_valid() and schedules.lowers_legal_minimum(schedule, form.changes()):
        return _ask_for_lowering(request, schedule, form)
    return _edit_moving_expiries(
        request, schedule, form, expiry_fields=schedules.EXPIRY_FIELDS, preview=schedules.schedule_change_impact,
        save=lambda changes: schedules.schedule_update(actor=request.user, schedule=schedule, **changes),
        saved=f"Schedule {schedule.code}", done="schedule-list", template="records/schedule_form.html",
        context={"schedule": schedule, "minimum_wins": _minimum_wins(form.changes() if form.is_bound and form.is_valid()
                                                                     else form.initial)},
    )


def _edit_moving_expiries(request, obj, form, *, expiry_fields, preview, save, saved, done, template, context):
    """The edit page of a schedule or legal minimum: a change of `expiry_fields` moves the expiry of
    records, so it is previewed first (`preview(obj, changes)`: how many move, become due at once or
    return to active) and saved on a second, confirming submit."""
    impact, status = None, 200
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if schedules.moves_expiries(obj, changes, expiry_fields) and "confirm" not in request.POST:
            impact = preview(obj, changes)
        else:
            try:
                _, result = save(changes)
            except ValidationError as error:
                form.add_error(None, error)
                status = error_status(error)
            else:
                if result.job is None:
                    messages.success(
                        request,
                        f"{saved} was saved; {result.records_moved} record expiry dates were recomputed"
                        f" and {result.return_to_active} due records returned to active.",
                    )
                    return redirect(done)
                job = result.job
                messages.success(
                    request, f"{saved} was saved; the expiry dates of its {job.total:,} records are being recomputed (job #{job.pk}).")
                return redirect("job-detail", pk=job.pk)
    return render(request, template, {**context, "form": form, "impact": impact}, status=status)


def _ask_for_lowering(request, schedule, form):
    """A change that lowers the legal minimum: the old and new minimum and the records it moves,
    then, with a reason, a request for a second records manager's approval."""
    changes = form.changes()
    if "request_approval" in request.POST:
        try:
            lowering = minimum_lowering.minimum_lowering_request(
                actor=request.user, schedule=schedule, changes=changes, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The lowering of {schedule.code}'s legal minimum waits for a second records "
                                      "manager's approval; nothing has changed yet.")
            return redirect("minimum-lowering", pk=lowering.pk)
    return render(request, "records/schedule_form.html", {
        "schedule": schedule, "form": form, "minimum_wins": _minimum_wins(changes),
        "lowering": {"old": minimum_lowering.minimum_words(schedule.legal_minimum_value, schedule.legal_minimum_unit),
                     "new": minimum_lowering.minimum_words(changes.get("legal_minimum_value"),
                                                           changes.get("legal_minimum_unit")),
                     "impact": schedules.schedule_change_impact(schedule, changes),
                     "reason": request.POST.get("reason", "")},
    })


def _minimum_wins(values):
    return schedules.minimum_wins(values.get("period_value"), values.get("period_unit"),
                                  values.get("legal_minimum_value"), values.get("legal_minimum_unit"))


@permission_required("records.view_retentionschedule", raise_exception=True)
def lowering_detail(request, pk):
    lowering = get_object_or_404(MinimumLowering.objects.select_related("schedule", "requested_by", "decided_by"), pk=pk)
    can_decide = (request.user.has_perm("records.change_retentionschedule") and request.user.pk != lowering.requested_by_id
                  and lowering.state == MinimumLowering.State.PENDING)
    return render(request, "records/minimum_lowering.html", {"lowering": lowering, "can_decide": can_decide})


@require_POST
@permission_required("records.change_retentionschedule", raise_exception=True)
def lowering_decide(request, pk):
    lowering = get_object_or_404(MinimumLowering, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        _, impact = minimum_lowering.minimum_lowering_decide(actor=request.user, lowering=lowering, approve=approve,
                                                              note=request.POST.get("note", ""))
    except StateConflict:
        raise  # decided meanwhile: records.middleware.ConflictMiddleware answers 409
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if not approve:
            messages.success(request, "The lowering was rejected; the schedule is unchanged.")
        elif impact.job:
            messages.success(request, f"Approved and saved; the expiry dates of {impact.job.total:,} records are being "
                                      f"recomputed (job #{impact.job.pk}).")
            return redirect("job-detail", pk=impact.job.pk)
        else:
            messages.success(request, f"Approved and saved; {impact.records_moved} record expiry dates were recomputed.")
    return redirect("minimum-lowering", pk=lowering.pk)


@permission_required("records.view_legalminimum", raise_exception=True)
def legal_minimum_list(request):
    rows = LegalMinimum.objects.annotate(record_count=Count("record_links")).order_by("citation")
    return render(request, "records/legal_minimum_list.html", {"minimums": rows})


@permission_required("records.add_legalminimum", raise_exception=True)
def legal_minimum_create(request):
    form = LegalMinimumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            minimum = legal_minimums.minimum_create(actor=request.user, **form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Legal minimum {minimum.citation} was added.")
            return redirect("legal-minimum-list")
    return render(request, "records/legal_minimum_form.html", {"form": form})


@permission_required("records.change_legalminimum", raise_exception=True)
def legal_minimum_edit(request, code):
    """Edit a legal minimum. A new period moves the expiry of every record that carries it: the
    change is previewed first, and saved on a second, confirming submit (as for schedules)."""
    minimum = get_object_or_404(LegalMinimum, code=code)
    form = LegalMinimumForm(request.POST or None, instance=copy.copy(minimum))  # the form changes its instance
    return _edit_moving_expiries(
        request, minimum, form, expiry_fields=legal_minimums.EXPIRY_FIELDS, preview=legal_minimums.minimum_change_impact,
        save=lambda changes: legal_minimums.minimum_update(actor=request.user, minimum=minimum, **changes),
        saved=f"Legal minimum {minimum.citation}", done="legal-minimum-list", template="records/legal_minimum_form.html",
        context={"minimum": minimum},
    )
