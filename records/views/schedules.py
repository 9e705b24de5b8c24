"""Retention schedules and the further legal minimums, kept by records managers."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django_celery_beat.models import PeriodicTask

from records import legal_minimums, queueing, schedules, selectors
from records.conflicts import error_status
from records.forms import LegalMinimumForm, ScheduleForm
from records.models import LegalMinimum, RetentionSchedule


@permission_required("records.view_retentionschedule", raise_exception=True)
def schedule_list(request):
    rows = selectors.schedules_with_counts()
    jobs = PeriodicTask.objects.filter(task__startswith="records.tasks.").select_related("crontab").order_by("name")
    return render(request, "records/schedule_list.html", {"schedules": rows, "jobs": jobs})


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
    form = ScheduleForm(request.POST or None, instance=RetentionSchedule.objects.get(pk=schedule.pk))
    return _edit_moving_expiries(
        request, schedule, form, expiry_fields=schedules.EXPIRY_FIELDS, preview=schedules.schedule_change_impact,
        save=lambda changes: schedules.schedule_update(actor=request.user, schedule=schedule, **changes),
        saved=f"Schedule {schedule.code}", done="schedule-list", template="records/schedule_form.html",
        context={"schedule": schedule},
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
                text = f"{saved} was saved; the expiry dates of its {job.total:,} records are being recomputed (job #{job.pk})."
                if job.queued.waiting_for_queue:
                    messages.warning(request, queueing.waiting_for_queue_message(text, "the recompute"))
                else:
                    messages.success(request, text)
                return redirect("job-detail", pk=job.pk)
    return render(request, template, {**context, "form": form, "impact": impact}, status=status)


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
    form = LegalMinimumForm(request.POST or None, instance=LegalMinimum.objects.get(pk=minimum.pk))
    return _edit_moving_expiries(
        request, minimum, form, expiry_fields=legal_minimums.EXPIRY_FIELDS, preview=legal_minimums.minimum_change_impact,
        save=lambda changes: legal_minimums.minimum_update(actor=request.user, minimum=minimum, **changes),
        saved=f"Legal minimum {minimum.citation}", done="legal-minimum-list", template="records/legal_minimum_form.html",
        context={"minimum": minimum},
    )
