"""Destroying records: shredding paper, handing media to Network Operations, its queue,
sanitization, validation, and the certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from records import certificates, destruction, selectors
from records.audit import audit_event_record
from records.forms import HandoverForm, ReceiveForm, SanitizationForm, ShreddingForm
from records.conflicts import StateConflict
from records.lifecycle import TransitionNotAllowed
from records.models import Status, Transmittal, active_hold_exists
from records.views.exports import export_response
from records.views.records import visible_record_or_404


def _refused(request, record, error):
    messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    return redirect(record)


@require_POST
@permission_required("records.mark_for_destruction", raise_exception=True)
def mark_for_shredding(request, reference):
    record = visible_record_or_404(request.user, reference)
    try:
        destruction.record_mark_for_shredding(actor=request.user, record=record)
    except TransitionNotAllowed as error:
        return _refused(request, record, error)
    messages.success(request, f"{record.reference} is marked for shredding. Shred it, then confirm here.")
    return redirect(record)


@permission_required("records.confirm_shredding", raise_exception=True)
def confirm_shredding(request, reference):
    record = visible_record_or_404(request.user, reference)
    if record.status == Status.DESTROYED:
        messages.info(request, f"{record.reference} is already destroyed: its certificate is on its page.")
        return redirect(record)
    if record.status != Status.PENDING_SHRED:
        raise StateConflict(f"{record.reference} is {record.get_status_display().lower()}: only a record marked for "
                            "shredding has its shredding confirmed.")
    if record.custodian_id != request.user.pk:
        raise PermissionDenied(f"Only {record.custodian}, the record's custodian, confirms its shredding.")
    form = ShreddingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = destruction.shredding_confirm(actor=request.user, record=record, **form.cleaned_data)
        except TransitionNotAllowed as error:
            return _refused(request, record, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{record.reference} is destroyed; certificate {done.certificate_number}.")
            return redirect(record)
    return render(request, "records/shredding_form.html", {"record": record, "form": form})


@permission_required("records.hand_over_media", raise_exception=True)
def hand_over(request):
    chosen = set(request.GET.getlist("record"))
    ticked = [name.removeprefix("select_") for name in request.POST if name.startswith("select_")]
    due = selectors.due_media_for_handover(request.user)
    records = selectors.first_and_chosen(due, chosen_references=chosen, chosen_ids=ticked)
    form = HandoverForm(
        request.POST or None, records=records,
        initial={f"select_{r.pk}": True for r in records if r.reference in chosen},
    )
    if request.method == "POST" and form.is_valid():
        try:
            transmittal = destruction.media_hand_over(actor=request.user, handovers=form.handovers())
        except (ValidationError, TransitionNotAllowed) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            moved = len(transmittal.records)
            messages.success(request, f"{moved} medi{'um' if moved == 1 else 'a'} handed over to Network Operations: "
                                      "print this receipt for both of you to sign.")
            return redirect("transmittal", pk=transmittal.pk)
    return render(request, "records/handover_form.html", {"form": form, "due_count": due.count(),
                                                          "length": selectors.NETOPS_LIST_LENGTH,
                                                          **selectors.held_media_not_for_handover(request.user)})


@permission_required("records.receive_media", raise_exception=True)
def netops_queue(request, receipt_form=None):
    queue = selectors.netops_queue()
    receipt_form = receipt_form or ReceiveForm(records=queue["awaiting"])
    return render(request, "records/netops_queue.html", {"queue": queue, "receipt_form": receipt_form})


@require_POST
@permission_required("records.receive_media", raise_exception=True)
def netops_receive(request):
    ticked = [name.removeprefix("select_") for name in request.POST if name.startswith("select_")]
    awaiting = selectors.awaiting_receipt()
    form = ReceiveForm(request.POST, records=selectors.first_and_chosen(awaiting, chosen_ids=ticked))
    if form.is_valid():
        try:
            received = destruction.media_receive(actor=request.user, receipts=form.handovers())
        except (ValidationError, TransitionNotAllowed) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, f"Receipt of {len(received)} medi{'um' if len(received) == 1 else 'a'} acknowledged.")
            return redirect("netops-queue")
    return netops_queue(request, receipt_form=form)


def transmittal(request, pk):
    """The printable hand-over receipt: for the person who handed the media over, Network
    Operations and the roles that read every record."""
    found = get_object_or_404(Transmittal.objects.select_related("handed_over_by"), pk=pk)
    user = request.user
    if not (user.pk == found.handed_over_by_id or user.has_perm("records.receive_media")
            or user.has_perm("records.view_all_departments")):
        raise PermissionDenied
    items = found.items.select_related("record", "record__custodian", "record__department", "received_by")
    return render(request, "records/transmittal.html", {"transmittal": found, "items": items})


@permission_required("records.confirm_media_destruction", raise_exception=True)
def netops_destroy(request):
    in_custody = selectors.media_in(Status.IN_NETOPS_CUSTODY).exclude(custodian=request.user)
    chosen = request.GET.getlist("record")
    form = SanitizationForm(
        request.POST or None, queryset=in_custody,
        shown=selectors.first_and_chosen(in_custody.filter(~active_hold_exists()), chosen_references=chosen, chosen_ids=request.POST.getlist("records")),
        initial={"records": in_custody.filter(reference__in=chosen)},
    )
    if request.method == "POST" and form.is_valid():
        records, fields, media = form.service_arguments()
        try:
            done = destruction.media_destruction_confirm(actor=request.user, records=list(records), media=media, **fields)
        except (ValidationError, TransitionNotAllowed) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            numbers = ", ".join(d.certificate_number for d in done)
            messages.success(request, f"{len(done)} medi{'um' if len(done) == 1 else 'a'} sanitized; certificates {numbers}.")
            return redirect("netops-queue")
    return render(request, "records/sanitization_form.html", {"form": form})


@require_POST
@permission_required("records.validate_destruction", raise_exception=True)
def validate(request, reference):
    record = visible_record_or_404(request.user, reference)
    if not hasattr(record, "destruction"):
        raise Http404("This record has no destruction to validate.")
    try:
        destruction.destruction_validate(actor=request.user, destruction=record.destruction)
    except ValidationError as error:
        return _refused(request, record, error)
    messages.success(request, f"You countersigned certificate {record.destruction.certificate_number}.")
    return redirect(record)


@permission_required("records.view_record", raise_exception=True)
def certificate(request, reference):
    record = visible_record_or_404(request.user, reference)
    if not hasattr(record, "destruction"):
        raise Http404("This record has not been destroyed.")
    audit_event_record(actor=request.user, action="export.certificate", obj=record,
                       payload={"certificate_number": record.destruction.certificate_number})
    response = HttpResponse(certificates.certificate_pdf(record.destruction), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, certificates.certificate_filename(record.destruction))
    return response


@require_http_methods(["GET", "POST"])
@permission_required("records.view_destruction", raise_exception=True)
def destruction_register_csv(request):
    """Every destruction of the records the person may see, as CSV (a large export: by a job)."""
    return export_response(request, "destruction_register",
                           lambda: audit_event_record(actor=request.user, action="export.destruction_register"),
                           back=reverse("dashboard"))
