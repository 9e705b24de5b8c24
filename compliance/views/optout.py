"""The opt-out failures register: the list, recording a failure, its page with the deadline and the
letter to the FCC, and the copy of the customer notice."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from compliance import optout, optout_forms as f, optout_letter
from compliance.forms import add_errors
from compliance.models import OptOutFailure
from records.conflicts import StateConflict
from records.selectors import audit_events_for

VIEW, ADD, MANAGE = "compliance.view_optoutfailure", "compliance.add_optoutfailure", "compliance.change_optoutfailure"


def _service_fields(form):
    return {name: form.cleaned_data[name] for name in f.FailureForm.Meta.fields}


def _upload(request):
    upload = request.FILES.get("notice")
    return (upload.read(), upload.name) if upload else (None, "")


@permission_required(VIEW, raise_exception=True)
def optout_list(request):
    failures = OptOutFailure.objects.all()[:500]
    return render(request, "compliance/optout_list.html", {
        "rows": [(failure, optout.deadline(failure)) for failure in failures],
        "can_add": request.user.has_perm(ADD),
    })


@permission_required(ADD, raise_exception=True)
def optout_create(request):
    form = f.FailureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        notice, name = _upload(request)
        try:
            failure = optout.optout_record(actor=request.user, fields=_service_fields(form), notice=notice, notice_name=name)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{failure.reference} is recorded: the letter to the FCC is due by "
                                      f"{optout.deadline(failure):%A %-d %B %Y}.")
            return redirect("optout-detail", pk=failure.pk)
    return render(request, "compliance/optout_form.html", {"form": form}, status=400 if form.errors else 200)


@permission_required(MANAGE, raise_exception=True)
def optout_edit(request, pk):
    failure = get_object_or_404(OptOutFailure, pk=pk)
    form = f.FailureForm(request.POST or None, request.FILES or None, instance=failure)
    if request.method == "POST" and form.is_valid():
        notice, name = _upload(request)
        try:
            optout.optout_update(actor=request.user, failure=OptOutFailure.objects.get(pk=pk),
                                 fields=_service_fields(form), notice=notice, notice_name=name)
        except ValidationError as error:
            add_errors(form, error)
        except StateConflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{failure.reference} is updated.")
            return redirect("optout-detail", pk=pk)
    return render(request, "compliance/optout_form.html", {"form": form, "failure": failure},
                  status=400 if form.errors else 200)


@permission_required(VIEW, raise_exception=True)
def optout_detail(request, pk, letter_form=None, status=200):
    failure = get_object_or_404(OptOutFailure.objects.select_related("recorded_by"), pk=pk)
    return render(request, "compliance/optout_detail.html", {
        "failure": failure, "deadline": optout.deadline(failure), "late": optout.is_late(failure),
        "missing": optout.letter_missing(failure), "retained_until": optout.retained_until(failure),
        "manage": request.user.has_perm(MANAGE), "letter_form": letter_form or f.LetterSentForm(),
        "events": audit_events_for(failure)[:100],
    }, status=status)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def optout_letter_sent(request, pk):
    failure = get_object_or_404(OptOutFailure, pk=pk)
    form = f.LetterSentForm(request.POST)
    if form.is_valid():
        try:
            optout.optout_letter_record(actor=request.user, failure=failure, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        except StateConflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The letter about {failure.reference} is recorded as sent.")
            return redirect("optout-detail", pk=pk)
    return optout_detail(request, pk, letter_form=form, status=400)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def optout_close(request, pk):
    failure = get_object_or_404(OptOutFailure, pk=pk)
    try:
        optout.optout_close(actor=request.user, failure=failure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StateConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{failure.reference} is closed.")
    return redirect("optout-detail", pk=pk)


@permission_required(VIEW, raise_exception=True)
def optout_letter_pdf(request, pk):
    failure = get_object_or_404(OptOutFailure, pk=pk)
    try:
        pdf = optout_letter.optout_letter_pdf(failure)
    except optout_letter.LetterIncomplete as incomplete:
        return render(request, "compliance/optout_letter_incomplete.html",
                      {"failure": failure, "missing": incomplete.missing}, status=409)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{failure.reference}-letter-to-FCC.pdf")
    return response


@permission_required(VIEW, raise_exception=True)
def optout_notice(request, pk):
    failure = get_object_or_404(OptOutFailure, pk=pk)
    path = optout.notice_path(failure) if failure.notice_name else None
    if path is None or not path.is_file():
        raise Http404("No copy of the notice is kept.")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=failure.notice_original_name or failure.notice_name)
