"""Jobs: a person's running and recent long work, and one job's progress and result."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from records import export_jobs, jobs, queueing
from records.models import ImportJob, Job


def job_list(request):
    """The signed-in person's jobs, newest first, and their latest imports (jobs of their own)."""
    mine = Job.objects.filter(requested_by=request.user).order_by("-requested_at", "-id")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    imports = ImportJob.objects.filter(requested_by=request.user).defer("content")[:10]
    return render(request, "records/job_list.html", {"page": page, "imports": imports})


def job_detail(request, pk):
    job = get_object_or_404(Job.objects.select_related("requested_by"), pk=pk)
    if not jobs.may_view(request.user, job):
        raise PermissionDenied("Only the person who started this job, and those who may see its work, follow it.")
    waiting = job.state == Job.State.QUEUED and queueing.not_started_for_long(job.requested_at, job.done)
    return render(request, "records/job_detail.html", {
        "job": job,
        "unit": jobs.unit_of(job),
        "percent": jobs.percent(job),
        "time_left": jobs.duration_words(jobs.seconds_left(job)),
        "waiting_note": queueing.WAITING_NOTE if waiting else "",
        "export_file": export_jobs.file_state(job),
    })
