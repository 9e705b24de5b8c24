"""Jobs: a person's running and recent long work, and one job's progress and result."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from records import export_jobs, jobs, queueing
from records.models import ImportJob, Job


def job_list(request):
    """The signed-in person's jobs, newest first, and their latest imports (jobs of their own)."""
    mine = Job.objects.filter(requested_by=request.user).order_by("-requested_at", "-id")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    imports = ImportJob.objects.filter(requested_by=request.user).defer("content")[:10]
    return render(request, "records/job_list.html", {"page": page, "imports": imports})


def _followed_job(request, pk):
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=pk)
    if not jobs.may_view(request.user, job):
        raise PermissionDenied("Only the person who started this job, and those who may see its work, follow it.")
    return job


def job_detail(request, pk):
    job = _followed_job(request, pk)
    return render(request, "records/job_detail.html", {
        "job": job,
        "unit": jobs.unit_of(job),
        "percent": jobs.percent(job),
        "time_left": jobs.duration_words(jobs.seconds_left(job)),
        "waiting_note": queueing.WAITING_NOTE if jobs.waits_for_queue(job) else "",
        "export_file": export_jobs.file_state(job),
        "may_retry": job.state == Job.State.FAILED and jobs.may_retry(request.user, job),
    })


@require_POST
def job_retry(request, pk):
    job = _followed_job(request, pk)
    try:
        jobs.job_retry(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Job #{job.pk} runs again, on from where it stopped.")
    return redirect("job-detail", pk=job.pk)
