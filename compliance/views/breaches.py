"""The breach register: the list, reporting a suspected breach, an incident's page with its clock
and the records managers' steps, and the copies of the notices as sent."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from compliance import breach_clock, breach_forms as f, breach_lifecycle, breaches
from compliance.forms import add_errors
from compliance.models import BreachIncident, BreachNotification, CustomerComplaint, PretextingObservation
from compliance.selectors import breaches_with_clocks
from records.conflicts import error_status
from records.selectors import audit_events_for
from records.uploads import accepts_upload


@permission_required("compliance.view_breachincident", raise_exception=True)
def breach_list(request):
    page = Paginator(BreachIncident.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "compliance/breach_list.html", {
        "page": page, "rows": breaches_with_clocks(BreachIncident.objects.filter(pk__in=[i.pk for i in page])
                                                  .order_by("-discovered_at", "-id")),
        "can_report": request.user.has_perm("compliance.report_breachincident"),
    })


def breach_report(request):
    if not request.user.has_perm("compliance.report_breachincident"):
        raise PermissionDenied
    form = f.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = breaches.breach_report(actor=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if request.user.has_perm("compliance.view_breachincident"):
                messages.success(request, f"{incident.reference} is reported; assess it.")
                return redirect("breach-detail", pk=incident.pk)
            messages.success(request, f"Thank you: the suspected breach is reported as {incident.reference}. The records "
                                      "managers are told and will assess it.")
            return redirect("dashboard")
    return render(request, "compliance/breach_report.html", {"form": form}, status=400 if form.errors else 200)


def _forms(incident, bound=None):
    """The step forms of the incident's page, one of them `bound` ({step: form}) after a refused POST."""
    forms = {step.replace("-", "_"): make(incident, None, None) for step, make in STEP_FORMS.items()}
    forms.update({step.replace("-", "_"): form for step, form in (bound or {}).items()})
    return forms


@permission_required("compliance.view_breachincident", raise_exception=True)
def breach_detail(request, pk, bound=None, status=200):
    incident = get_object_or_404(BreachIncident.objects.select_related(
        "reported_by", "harm_assessed_by", "urgent_need_recorded_by"), pk=pk)
    clock = breach_clock.incident_clock(incident)
    manage = request.user.has_perm("compliance.change_breachincident") and incident.is_open
    return render(request, "compliance/breach_detail.html", {
        "incident": incident, "clock": clock, "today": timezone.localdate(),
        "notifications": incident.notifications.select_related("sent_by"),
        "directions": incident.directions.select_related("recorded_by", "extends"),
        "linked_records": incident.records.order_by("reference"),
        "complaints": incident.complaints.all(), "pretexting": incident.pretexting.all(),
        "retained_until": breach_clock.retained_until(incident),
        "events": audit_events_for(incident)[:100],
        "steps": breach_lifecycle.available_transitions(incident, request.user),
        "manage": manage, "forms": _forms(incident, bound),
        "unconfirmed_oral": incident.directions.filter(form="oral", confirmed_in_writing_on__isnull=True).exists(),
    }, status=status)


@permission_required("compliance.change_breachincident", raise_exception=True)
def breach_edit(request, pk):
    incident = get_object_or_404(BreachIncident, pk=pk)
    form = f.IncidentForm(request.POST or None, instance=BreachIncident.objects.get(pk=pk))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields, links = form.fields_and_links()
            try:
                breaches.breach_update(actor=request.user, incident=incident, fields=fields, links=links)
            except ValidationError as error:
                add_errors(form, error)
                status = error_status(error)
            else:
                messages.success(request, f"{incident.reference} is saved.")
                return redirect("breach-detail", pk=pk)
    return render(request, "compliance/breach_form.html", {"incident": incident, "form": form}, status=status)


def _step(name, form, incident, user):
    data = form.cleaned_data
    if name == "assess":
        return breaches.breach_assess(actor=user, incident=incident), "Assessment started."
    if name == "determine":
        incident = breaches.breach_determine(actor=user, incident=incident, **data)
        due = breach_clock.incident_clock(incident).duty("law_enforcement").due_on
        return incident, f"Determined a breach: law enforcement must be notified by {due:%A %-d %B %Y}."
    if name == "harm":
        return breaches.breach_assess_harm(actor=user, incident=incident, harm_likely=data["harm_likely"],
                                           reason=data["harm_reason"]), "The harm assessment is recorded."
    if name == "urgent-need":
        return breaches.breach_record_urgent_need(
            actor=user, incident=incident, reason=data["urgent_need"], agency=data["urgent_need_agency"],
            consulted_at=data["urgent_need_consulted_at"]), "The urgent need is recorded."
    if name == "notify":
        copy, copy_name = data.pop("copy")
        notification = breaches.breach_notification_record(actor=user, incident=incident, copy=copy,
                                                          copy_name=copy_name, **data)
        return incident, f"The notification of {notification.get_recipient_display()} is recorded."
    if name == "direction":
        breaches.breach_direction_record(actor=user, incident=incident, **data)
        return incident, "The law-enforcement direction is recorded."
    if name == "confirm-direction":
        breaches.breach_direction_confirm(actor=user, direction=data["direction"],
                                          confirmed_in_writing_on=data["confirmed_in_writing_on"])
        return incident, "The written confirmation is recorded."
    if name == "close":
        incident = breaches.breach_close(actor=user, incident=incident, note=data["closure_note"])
        return incident, f"{incident.reference} is closed; its record is kept until {breach_clock.retained_until(incident):%Y-%m-%d}."
    raise Http404("No such step.")


def _step_form(form_class, step, with_incident=False):
    """The form of `step`, its fields' ids its own (the incident's page shows every step's form)."""
    def make(incident, post, files):
        kwargs = {"incident": incident} if with_incident else {}
        return form_class(post, files, auto_id=f"id_{step}_%s", **kwargs)
    return make


STEP_FORMS = {
    "assess": _step_form(f.AssessForm, "assess"),
    "determine": _step_form(f.DetermineForm, "determine"),
    "harm": _step_form(f.HarmForm, "harm"),
    "urgent-need": _step_form(f.UrgentNeedForm, "urgent_need"),
    "notify": _step_form(f.NotificationForm, "notify"),
    "direction": _step_form(f.DirectionForm, "direction", with_incident=True),
    "confirm-direction": _step_form(f.ConfirmDirectionForm, "confirm_direction", with_incident=True),
    "close": _step_form(f.CloseForm, "close"),
}


@accepts_upload("BREACH_NOTICE_MAX_BYTES")
@require_POST
@permission_required("compliance.change_breachincident", raise_exception=True)
def breach_step(request, pk, step):
    if step not in STEP_FORMS:
        raise Http404("No such step.")
    incident = get_object_or_404(BreachIncident, pk=pk)
    form, status = STEP_FORMS[step](incident, request.POST, request.FILES), 400
    if form.is_valid():
        try:
            incident, message = _step(step, form, incident, request.user)
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, message)
            return redirect("breach-detail", pk=incident.pk)
    return breach_detail(request, pk, bound={step: form}, status=status)


@permission_required("compliance.view_breachnotification", raise_exception=True)
def notice_copy(request, pk):
    """The copy of a notice as it was sent, as the records manager uploaded it."""
    notification = get_object_or_404(BreachNotification.objects.exclude(copy_name=""), pk=pk)
    path = breaches.notice_copy_path(notification)
    if not path.is_file():
        return render(request, "404.html", {"message": "The copy of this notice is missing from the server's files."},
                      status=404)
    response = FileResponse(path.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, notification.copy_name)
    return response


ASSESSABLE = {"complaints": CustomerComplaint, "pretexting": PretextingObservation}


@require_POST
@permission_required("compliance.add_breachincident", raise_exception=True)
def register_assess_breach(request, kind, pk):
    """"Assess as a possible breach" on a complaint or a pretexting observation."""
    model = ASSESSABLE.get(kind)
    if model is None:
        raise Http404("Only complaints and pretexting observations are assessed as possible breaches.")
    entry = get_object_or_404(model, pk=pk)
    try:
        incident = breaches.breach_assess_register_entry(actor=request.user, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("register-list", kind=kind)
    messages.success(request, f"{incident.reference} is open, linked to the {entry}: assess it.")
    return redirect("breach-detail", pk=incident.pk)
