"""The retention sweep's page: when it runs and when it last ran, a run now, its timetable."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from records import queueing, sweep_timetable


class TimetableForm(forms.Form):
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Time of day",
                           help_text="In the installation's time zone.")
    days = forms.MultipleChoiceField(choices=sweep_timetable.DAYS, widget=forms.CheckboxSelectMultiple, label="Days")
    enabled = forms.BooleanField(required=False, label="Run on this timetable (untick to pause)")


def _initial(task):
    if task is None or task.crontab is None or not (task.crontab.hour.isdigit() and task.crontab.minute.isdigit()):
        return {"days": sorted(sweep_timetable.EVERY_DAY), "enabled": True}
    crontab = task.crontab
    return {"time": f"{int(crontab.hour):02d}:{int(crontab.minute):02d}",
            "days": sorted(sweep_timetable.days_of(crontab) or sweep_timetable.EVERY_DAY), "enabled": task.enabled}


@permission_required(sweep_timetable.PERMISSION, raise_exception=True)
def sweep_page(request):
    task = sweep_timetable.sweep_task()
    form = TimetableForm(request.POST if request.POST.get("do") == "timetable" else None, initial=_initial(task))
    if request.method == "POST" and request.POST.get("do") == "run":
        queued = sweep_timetable.run_now(actor=request.user)
        text = "The retention sweep was asked to run now; its run appears below once the worker has done it."
        if queued.waiting_for_queue:
            messages.warning(request, queueing.waiting_for_queue_message(text, "the sweep"))
        else:
            messages.success(request, text)
        return redirect("sweep")
    if form.is_bound and form.is_valid():
        try:
            sweep_timetable.timetable_change(actor=request.user, hour=form.cleaned_data["time"].hour,
                                             minute=form.cleaned_data["time"].minute, days=form.cleaned_data["days"],
                                             enabled=form.cleaned_data["enabled"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The retention sweep now runs {sweep_timetable.timetable_words(sweep_timetable.sweep_task())}.")
            return redirect("sweep")
    return render(request, "records/sweep.html", {
        "form": form, "runs_when": sweep_timetable.timetable_words(task), "runs": sweep_timetable.last_runs(),
        "due_now": sweep_timetable.due_now_count(),
    }, status=400 if form.is_bound and form.errors else 200)
