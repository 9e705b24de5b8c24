"""Legal holds: placing, reviewing, releasing and reporting."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from records import exports, holds, selectors
from records.audit import audit_event_record
from records.conflicts import error_status
from records.csv_export import csv_download
from records.forms import HoldForm, RecordFilterForm, ReleaseHoldForm
from records.models import LegalHold, Record


@permission_required("records.view_legalhold", raise_exception=True)
def hold_list(request):
    rows = LegalHold.objects.select_related("placed_by", "released_by").annotate(record_count=Count("held_records")).order_by("-placed_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "records/hold_list.html", {"page": page})


def _records_in_scope(actor, data):
    scope = data["scope"]
    if scope == "references":
        return holds.records_by_references(data["references"]), "listed records"
    if scope == "schedule":
        return Record.objects.filter(schedule=data["schedule"]), f"schedule {data['schedule'].code}"
    if scope == "department":
        return Record.objects.filter(department=data["department"]), f"department {data['department']}"
    if scope == "customer":
        reference = data["customer_reference"].strip()
        return Record.objects.filter(customer_reference=reference), f"customer reference {reference}"
    search = RecordFilterForm(QueryDict(data["search"]), user=actor)
    search.is_valid()
    return selectors.record_list(actor, **search.filters()), f"records matching ?{data['search']}"[:300]


@permission_required("records.add_legalhold", raise_exception=True)
def hold_create(request):
    initial = {"search": request.GET.get("search", "")}
    if initial["search"]:
        initial["scope"] = "search"
    form = HoldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            records, scope = _records_in_scope(request.user, form.cleaned_data)
            hold = holds.hold_place(
                actor=request.user, matter=form.cleaned_data["matter"], reason=form.cleaned_data["reason"],
                records=records, scope=scope, listed=form.cleaned_data["scope"] == "references",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            held = hold.held_records.count()
            messages.success(request, f"Legal hold #{hold.pk} was placed on {held:,} record{'s' if held != 1 else ''}.")
            for note in hold.left_out_notes:
                messages.warning(request, note)
            return redirect("hold-detail", pk=hold.pk)
    return render(request, "records/hold_form.html", {"form": form})


@permission_required("records.view_legalhold", raise_exception=True)
def hold_detail(request, pk):
    hold = get_object_or_404(LegalHold.objects.select_related("placed_by", "released_by"), pk=pk)
    held = hold.records.select_related("department", "custodian").order_by("reference")
    page = Paginator(held, 50).get_page(request.GET.get("page"))
    return render(
        request, "records/hold_detail.html", {"hold": hold, "page": page, "release_form": ReleaseHoldForm()}
    )


@require_POST
@permission_required("records.change_legalhold", raise_exception=True)
def hold_release(request, pk):
    hold = get_object_or_404(LegalHold, pk=pk)
    form, status = ReleaseHoldForm(request.POST), 400
    if form.is_valid():
        try:
            holds.hold_release(actor=request.user, hold=hold, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
            status = error_status(error)
        else:
            messages.success(request, f"Legal hold #{hold.pk} was released.")
            return redirect("hold-detail", pk=hold.pk)
    held = hold.records.select_related("department", "custodian").order_by("reference")
    page = Paginator(held, 50).get_page(1)
    return render(request, "records/hold_detail.html", {"hold": hold, "page": page, "release_form": form}, status=status)


@permission_required("records.view_legalhold", raise_exception=True)
def hold_report(request, pk):
    """The hold's records as CSV."""
    hold = get_object_or_404(LegalHold.objects.select_related("placed_by", "released_by"), pk=pk)
    audit_event_record(actor=request.user, action="export.hold_report", obj=hold)
    return csv_download(filename=f"legal-hold-{hold.pk}.csv", description=f"legal hold report (hold #{hold.pk})",
                        columns=exports.HOLD_REPORT_COLUMNS, rows=exports.hold_report_rows(hold))
