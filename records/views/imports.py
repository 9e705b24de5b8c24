"""Importing an existing inventory from a spreadsheet."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from records import import_templates, imports, queueing
from records.forms import ImportForm
from records.models import ImportJob
from records.ratelimits import rate_limited
from records.uploads import accepts_upload


@accepts_upload("IMPORT_MAX_BYTES")
@permission_required("records.add_importjob", raise_exception=True)
@rate_limited("import")
def import_list(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file_name, data = form.cleaned_data["sheet"]
        try:
            job = imports.import_job_create(
                actor=request.user, file_name=file_name, data=data, allow_reimport=form.cleaned_data["allow_reimport"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if job.queued.waiting_for_queue:
                messages.warning(request, queueing.waiting_for_queue_message(f"{job.file_name} is uploaded and saved.", "its check"))
            return redirect("import-detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("requested_by").defer("content")[:20]
    return render(request, "records/import_list.html", {"form": form, "jobs": jobs}, status=400 if form.errors else 200)


@permission_required("records.view_importjob", raise_exception=True)
def import_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("requested_by").defer("content"), pk=pk)
    working = job.state in (ImportJob.State.VALIDATING, ImportJob.State.IMPORTING)
    queued_at = job.confirmed_at if job.state == ImportJob.State.IMPORTING else job.requested_at
    waiting = working and queueing.not_started_for_long(queued_at, job.progress)
    return render(request, "records/import_detail.html", {
        "job": job, "working": working, "waiting_note": queueing.WAITING_NOTE if waiting else "",
    })


@require_POST
@permission_required("records.add_importjob", raise_exception=True)
def import_confirm(request, pk):
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    try:
        queued = imports.import_job_confirm(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if queued.waiting_for_queue:
            messages.warning(request, queueing.waiting_for_queue_message(
                f"Import #{job.pk} is confirmed.", f"the import of its {job.row_count} records"))
        else:
            messages.success(request, f"Importing {job.row_count} records.")
    return redirect("import-detail", pk=job.pk)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = {  # the template's format: (what makes it, its file name, its content type)
    "csv": (import_templates.template_csv, "cpnitrack-import-template.csv", "text/csv; charset=utf-8"),
    "xlsx": (import_templates.template_xlsx, "cpnitrack-import-template.xlsx", XLSX),
    "allowed-values.csv": (import_templates.allowed_values_csv, "cpnitrack-import-allowed-values.csv",
                           "text/csv; charset=utf-8"),
}


@permission_required("records.add_importjob", raise_exception=True)
def import_template(request, kind="csv"):
    make, file_name, content_type = TEMPLATES[kind]
    response = HttpResponse(make(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
