"""The audit log: searching it, verifying its hash chain, and one record's full trail."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import audit, selectors
from records.forms import AuditFilterForm
from records.pagination import CappedPaginator
from records.views.exports import export_response
from records.views.records import visible_record_or_404


@permission_required("records.view_auditevent", raise_exception=True)
def audit_log(request):
    form = AuditFilterForm(request.GET)
    form.is_valid()  # invalid filters are shown on the form and left out
    page = CappedPaginator(selectors.audit_log(**form.filters()), 100).get_page(request.GET.get("page"))
    return render(request, "records/audit_log.html", {"form": form, "page": page})


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
    report = audit.verify_chain()
    audit.audit_event_record(
        actor=request.user, action="audit.verified",
        payload={"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at, "problem": report.problem},
    )
    if report.ok:
        messages.success(request, f"The audit chain is intact: {report.checked} events verified, "
                                  f"{report.checkpoints} signed checkpoints match. Head: event #{report.head_sequence}, "
                                  f"hash {report.head_hash}.")
    else:
        messages.error(request, f"The audit chain is BROKEN after {report.checked} good events: {report.problem}.")
    return redirect("audit-log")


@permission_required("records.view_auditevent", raise_exception=True)
def record_audit_trail(request, reference):
    """Everything that happened to one record: audit events and field history, newest first, a page
    at a time."""
    record = visible_record_or_404(request.user, reference)
    page = Paginator(selectors.record_trail(record), selectors.TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    timeline = selectors.record_trail_entries(record, list(page.object_list))
    return render(request, "records/record_audit.html", {"record": record, "page": page, "timeline": timeline})
