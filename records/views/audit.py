"""The audit log: searching it, verifying its hash chain, and one record's full trail."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from records import audit, selectors
from records.forms import AuditFilterForm
from records.pagination import CappedPaginator
from records.models import AuditEvent
from records.views.records import visible_record_or_404


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@permission_required("records.view_auditevent", raise_exception=True)
def audit_log(request):
    form = AuditFilterForm(request.GET)
    form.is_valid()  # invalid filters are shown on the form and left out
    data = form.cleaned_data
    events = AuditEvent.objects.order_by("-sequence")
    if data.get("actor"):
        events = events.filter(actor_name__iexact=data["actor"].strip())
    if data.get("action"):
        events = events.filter(action__startswith=data["action"].strip())
    if data.get("object"):
        term = data["object"].strip()
        events = events.filter(Q(object_repr__icontains=term) | Q(object_id=term))
    if data.get("since"):
        events = events.filter(occurred_at__gte=_local_midnight(data["since"]))
    if data.get("until") and data["until"] < date.max:
        events = events.filter(occurred_at__lt=_local_midnight(data["until"] + timedelta(days=1)))
    page = CappedPaginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "records/audit_log.html", {"form": form, "page": page})


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
    """Everything that happened to one record: audit events and field history, newest first."""
    record = visible_record_or_404(request.user, reference)
    timeline = sorted(
        [("event", e.occurred_at, e) for e in selectors.audit_events_for(record)]
        + [("change", h.when, h) for h in selectors.record_history(record)],
        key=lambda item: item[1],
        reverse=True,
    )
    return render(request, "records/record_audit.html", {"record": record, "timeline": timeline})
