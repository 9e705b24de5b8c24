from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from . import labels, lifecycle, selectors, services
from .forms import LabelDocumentForm, RecordFilterForm, RecordForm
from .models import Record


def dashboard(request):
    summary = selectors.dashboard_summary(request.user)
    return render(request, "records/dashboard.html", {"summary": summary})


@permission_required("records.view_record", raise_exception=True)
def record_list(request):
    form = RecordFilterForm(request.GET, user=request.user)
    form.is_valid()  # invalid filters are shown on the form and left out of the query
    filters = form.filters()
    records = selectors.record_list(request.user, **filters)
    page = Paginator(records, settings.RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/record_list.html", {"form": form, "page": page, "sort": filters["sort"]})


def _visible_record_or_403(user, reference):
    try:
        return selectors.record_for_user(user, reference)
    except Record.DoesNotExist:
        get_object_or_404(Record, reference=reference)
        raise PermissionDenied("That record belongs to another department.") from None


@permission_required("records.view_record", raise_exception=True)
def record_detail(request, reference):
    record = _visible_record_or_403(request.user, reference)
    return render(
        request,
        "records/record_detail.html",
        {
            "record": record,
            "history": selectors.record_history(record),
            "events": selectors.audit_events_for(record),
            "can_edit": request.user.has_perm("records.change_record") and lifecycle.is_editable(record),
        },
    )


def _save_record(request, form, save):
    """Run a create/update service for a valid form; service errors land beside their fields."""
    if request.method == "POST" and form.is_valid():
        try:
            return save(**form.service_arguments())
        except ValidationError as error:
            form.add_error(None, error)
    return None


@permission_required("records.add_record", raise_exception=True)
def record_create(request):
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user)
    record = _save_record(request, form, lambda **values: services.record_create(actor=request.user, **values))
    if record:
        messages.success(request, f"{record.reference} was logged.")
        return redirect(record)
    return render(request, "records/record_form.html", {"form": form})


@permission_required("records.change_record", raise_exception=True)
def record_edit(request, reference):
    record = _visible_record_or_403(request.user, reference)
    if not lifecycle.is_editable(record):
        raise PermissionDenied("A destroyed record cannot be changed.")
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user, record=record)
    saved = _save_record(
        request, form, lambda **values: services.record_update(actor=request.user, record=record, **values)
    )
    if saved:
        messages.success(request, f"{saved.reference} was saved.")
        return redirect(saved)
    return render(request, "records/record_form.html", {"form": form, "record": record})


@permission_required("records.add_labelcheck", raise_exception=True)
def label_check(request):
    form = LabelDocumentForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        file_name, data = form.cleaned_data["document"]
        check = services.label_document_check(actor=request.user, file_name=file_name, data=data)
    return render(request, "records/label_check.html", {"form": form, "check": check})


@require_POST
@permission_required("records.add_labelcheck", raise_exception=True)
def label_stamp(request):
    """Return a copy of the uploaded document stamped CONFIDENTIAL; the document is not kept."""
    files = request.FILES.copy()
    if "label_document" in files:  # the record form's "Download a stamped copy" button
        files.setdefault("document", files["label_document"])
    form = LabelDocumentForm(request.POST, files)
    if form.is_valid():
        file_name, data = form.cleaned_data["document"]
        try:
            stamped = services.label_document_stamp(actor=request.user, file_name=file_name, data=data)
        except labels.StampError as error:
            form.add_error("document", str(error))
        else:
            response = HttpResponse(stamped.content, content_type=stamped.content_type)
            response["Content-Disposition"] = content_disposition_header(True, stamped.file_name)
            return response
    return render(request, "records/label_check.html", {"form": form, "check": None}, status=400)
