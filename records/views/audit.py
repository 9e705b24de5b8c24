"""The audit log: searching it, verifying its hash chain, and one record's full trail."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import audit, audit_words, selectors, verification
from records.forms import AuditFilterForm
from records.models import User
from records.pagination import CappedPaginator
from records.views.exports import export_response
from records.views.records import visible_record_or_404


@permission_required("records.view_auditevent", raise_exception=True)
def audit_log(request):
    form = AuditFilterForm(request.GET)
    form.is_valid()  # invalid filters are shown on the form and left out
    page = CappedPaginator(selectors.audit_log(**form.filters()), 100).get_page(request.GET.get("page"))
    return render(request, "records/audit_log.html", {
        "form": form, "page": page, "rows": audit_rows(page), "verified": verification.last_verifications(),
        "reliance": verification.RELIANCE,
    })


def audit_rows(events):
    """The events as people read them: the action in words, the actor's full name, the object's
    page and the details as lines; the names in one query."""
    events = list(events)
    names = {user.pk: str(user) for user in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})}
    return [
        {"event": event, "action": audit_words.action_words(event.action),
         "who": names.get(event.actor_id) or ("CPNI Track" if event.actor_name == "system" else event.actor_name),
         "url": audit_words.object_url(event), "details": audit_words.details_lines(event.payload, event.action)}
        for event in events
    ]


@require_http_methods(["GET", "POST"])
@permission_required("records.view_auditevent", raise_exception=True)
def audit_log_csv(request):
    """The events of the audit log page, with its filters, as CSV (a large export: by a job)."""
    form = AuditFilterForm(request.GET)
    form.is_valid()  # as on the page: the rows it lists, invalid filters left out
    filters = form.filters()
    return export_response(request, "audit_log", lambda: audit.audit_event_record(
        actor=request.user, action="export.audit_log",
        payload={"filters": {name: str(value) for name, value in filters.items() if value}}),
        back=f"{reverse('audit-log')}?{request.GET.urlencode()}")


@require_POST
@permission_required("records.verify_auditevent", raise_exception=True)
def audit_verify(request):
    """Start a verification of the chain ("mode": the new events, or everything from the start) and
    show its job: the walk itself runs in a worker."""
    mode = request.POST.get("mode", "")
    if mode not in verification.MODES:
        messages.error(request, "Choose what to verify: the new events, or everything from the start.")
        return redirect("audit-log")
    job = verification.chain_verify_start(actor=request.user, mode=mode)
    if job.already:
        messages.info(request, f"This verification is already under way (job #{job.pk}): here it is.")
    return redirect("job-detail", pk=job.pk)


@permission_required("records.view_auditevent", raise_exception=True)
def record_audit_trail(request, reference):
    """Everything that happened to one record: audit events and field history, newest first, a page
    at a time."""
    record = visible_record_or_404(request.user, reference)
    page = Paginator(selectors.record_trail(record), selectors.TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    timeline = selectors.record_trail_entries(record, list(page.object_list))
    return render(request, "records/record_audit.html", {"record": record, "page": page, "timeline": timeline})
