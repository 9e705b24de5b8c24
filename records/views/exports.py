"""CSV exports: streamed at once when small; when large, a page that starts the export job, and the
job's file downloaded from its page."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render

from records import export_jobs
from records.csv_export import csv_download


def export_response(request, name, record, back, **extra):
    """The answer to a CSV link (GET) or to starting its export job (POST). `record()` notes the
    download in the audit log when it streams; `back` is the page the link is on."""
    params = export_jobs.params_for(name, request, **extra)
    if request.method == "POST":
        job = export_jobs.export_start(actor=request.user, params=params)
        messages.success(request, "The export is being written; this page offers the file when it is done.")
        return redirect("job-detail", pk=job.pk)
    decision = export_jobs.decide(request.user, params)
    if decision.export is not None:
        record()
        return csv_download(decision.export)
    return render(request, "records/export_start.html", {
        "description": export_jobs.KINDS[name].build(request.user, params).description,
        "rows": decision.rows, "limit": export_jobs.inline_max(), "query": request.GET.urlencode(),
        "back": back, "hours": settings.EXPORT_FILE_HOURS,
    })


def job_download(request, pk):
    """The file of a finished export job, for its requester and those who may see all of it (the
    permission checked again now); each download is an audit event."""
    job, path, filename = export_jobs.export_file_for(request.user, pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type="text/csv; charset=utf-8")
