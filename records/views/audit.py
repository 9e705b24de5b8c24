"""The audit log: searching it, verifying its hash chain, and one record's full trail."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from records import queueing, selectors, verification
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
    return render(request, "records/audit_log.html", {
        "form": form, "page": page, "verified": verification.last_verifications(), "reliance": verification.RELIANCE,
    })


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
    elif job.queued.waiting_for_queue:
        messages.warning(request, queueing.waiting_for_queue_message(f"Job #{job.pk} is saved.", "the verification"))
    return redirect("job-detail", pk=job.pk)


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
