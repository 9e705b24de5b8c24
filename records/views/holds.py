"""Legal holds: placing, reviewing, releasing and reporting."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from records import holds
from records.audit import audit_event_record
from records.conflicts import error_status
from records.forms import HoldForm, ReleaseHoldForm
from records.models import LegalHold
from records.pagination import CountedPaginator
from records.views.exports import export_response


@permission_required("records.view_legalhold", raise_exception=True)
def hold_list(request):
    rows = LegalHold.objects.select_related("placed_by", "released_by").order_by("-placed_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = holds.with_record_counts(page.object_list)
    return render(request, "records/hold_list.html", {"page": page})


@permission_required("records.add_legalhold", raise_exception=True)
def hold_create(request):
    initial = {"search": request.GET.get("search", "")}
    if initial["search"]:
        initial["scope"] = "search"
    form = HoldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            selection, scope = holds.selection_of(
                data["scope"], actor=request.user, references=data["references"], schedule=data["schedule"],
                department=data["department"], customer_reference=data["customer_reference"], search=data["search"],
            )
            hold = holds.hold_place(actor=request.user, matter=data["matter"], reason=data["reason"],
                                    selection=selection, scope=scope)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if hold.job:
                messages.success(request, f"Legal hold #{hold.pk} is in force: every record of {hold.scope} is held "
                                          "from now on, and the records are being linked to it.")
                return redirect("job-detail", pk=hold.job.pk)
            held = hold.held_records.count()
            messages.success(request, f"Legal hold #{hold.pk} was placed on {held:,} record{'s' if held != 1 else ''}.")
            for note in hold.left_out_notes:
                messages.warning(request, note)
            return redirect("hold-detail", pk=hold.pk)
    search = form["search"].value()
    search_count = holds.search_count(actor=request.user, search=search) if search else None
    return render(request, "records/hold_form.html", {"form": form, "search_count": search_count})


@permission_required("records.view_legalhold", raise_exception=True)
def hold_detail(request, pk):
    hold = get_object_or_404(LegalHold.objects.select_related("placed_by", "released_by"), pk=pk)
    return _hold_page(request, hold, ReleaseHoldForm(), request.GET.get("page"))


def _hold_page(request, hold, release_form, page_number=1, status=200):
    held = hold.records.select_related("department", "custodian").order_by("reference")
    # Each of the hold's rows names one record: counted along the hold's index, not joined with each record.
    page = CountedPaginator(held, 50, count=hold.held_records.count()).get_page(page_number)
    releasing = holds.release_running(hold)
    return render(request, "records/hold_detail.html", {
        "hold": hold, "page": page, "release_form": release_form, "job": holds.latest_job_of(hold),
        "releasing": releasing, "may_release": hold.is_active and not hold.is_being_placed and not releasing,
    }, status=status)


@require_POST
@permission_required("records.change_legalhold", raise_exception=True)
def hold_release(request, pk):
    hold = get_object_or_404(LegalHold, pk=pk)
    form, status = ReleaseHoldForm(request.POST), 400
    if form.is_valid():
        try:
            released = holds.hold_release(actor=request.user, hold=hold, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
            status = error_status(error)
        else:
            if released.job:
                messages.success(request, f"Legal hold #{hold.pk} is being released: its records stay held until "
                                          "the release is written for every one of them.")
                return redirect("job-detail", pk=released.job.pk)
            messages.success(request, f"Legal hold #{hold.pk} was released.")
            return redirect("hold-detail", pk=hold.pk)
    return _hold_page(request, hold, form, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("records.view_legalhold", raise_exception=True)
def hold_report(request, pk):
    """The hold's records as CSV (a large report: by a job)."""
    hold = get_object_or_404(LegalHold, pk=pk)
    return export_response(request, "hold_report",
                           lambda: audit_event_record(actor=request.user, action="export.hold_report", obj=hold),
                           back=reverse("hold-detail", args=[hold.pk]), hold=hold.pk)
