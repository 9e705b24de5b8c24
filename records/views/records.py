"""Dashboard and the record inventory pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from records import certificates, holds, lifecycle, retention, selectors, services, stamped_copies
from records.audit import audit_event_record
from records.dashboard import attention_figures
from records.conflicts import StateConflict, error_status
from records.forms import ExtendRetentionForm, RecordCorrectionForm, RecordFilterForm, RecordForm, add_service_error
from records.models import LabelCheck, Record, Status, an_active_hold
from records.pagination import CappedPaginator
from records.roles import CUSTODY_PERMISSION, Role, roles_of
from records.uploads import accepts_upload
from records.views.exports import export_response
from compliance.my_tasks import tasks_for
from compliance.optout import open_failures_for


# Where each role lands after signing in, the most specific role first: its day's work.
ROLE_HOMES = (
    (Role.RECORDS_MANAGER, "dashboard"),  # the compliance dashboard
    (Role.NETOPS_DIRECTOR, "netops-queue"),
    (Role.OFFICER, "certification"),  # the certification, with its due date
    (Role.AUDITOR, "audit-log"),  # the audit log, with the chain's verification
    (Role.EMPLOYEE, "dashboard"),  # their records due for action and their open tasks
)


def home(request):
    """Send a person who just signed in to their role's page."""
    roles = roles_of(request.user)
    return redirect(next((name for role, name in ROLE_HOMES if role in roles), "dashboard"))


def dashboard(request):
    today = timezone.localdate()
    summary = selectors.dashboard_summary(request.user, today)
    can_hold_records = request.user.has_perm(CUSTODY_PERMISSION)
    my_due, my_held = selectors.my_due_records(request.user)
    return render(request, "records/dashboard.html", {
        "summary": summary,
        "certification_due": selectors.certification_due_for(request.user),
        "breaches": selectors.open_breaches_for(request.user),
        "optout_failures": open_failures_for(request.user),
        "tasks": tasks_for(request.user, today),
        "my_due": my_due[:20] if summary.due_in_my_custody else [],
        "my_held": my_held[:20] if summary.held_due_in_my_custody else [],
        "attention": attention_figures(summary, today, custodian=request.user.username if can_hold_records else None),
    })


# What the list's rows show (records_tags.record_rows) and no more, read as plain rows.
LIST_COLUMNS = (
    "reference", "title", "medium", "status", "expiry_date", "created_at", "department__name",
    "custodian__username", "custodian__first_name", "custodian__last_name", "schedule__code",
)


@permission_required("records.view_record", raise_exception=True)
def record_list(request):
    form = RecordFilterForm(request.GET, user=request.user)
    form.is_valid()  # invalid filters are shown on the form and left out of the query
    filters = form.filters()
    records = selectors.record_list(request.user, **filters)
    total = selectors.tallied_record_count(request.user, **filters)
    page = CappedPaginator(records, settings.RECORDS_PER_PAGE, total=total).get_page(request.GET.get("page"))
    # Whether each row shown is held, looked up row by row in the page's own query.
    rows = page.object_list.annotate(hold=an_active_hold()).values_list(*LIST_COLUMNS, "hold", named=True)
    return render(request, "records/record_list.html", {"form": form, "page": page, "rows": rows, "sort": filters["sort"]})


@require_http_methods(["GET", "POST"])
@permission_required("records.view_record", raise_exception=True)
def record_list_csv(request):
    """The records of the record list, with its filters and order, as CSV: of every department, or
    of the person's own, as the list shows them (a large export: by a job)."""
    form = RecordFilterForm(request.GET, user=request.user)
    form.is_valid()  # as on the list: the rows it shows, invalid filters left out
    filters = form.filters()
    return export_response(request, "record_list", lambda: audit_event_record(
        actor=request.user, action="export.record_list",
        payload={"filters": {name: str(value) for name, value in filters.items() if value is not None and value != ""}}),
        back=f"{reverse('record-list')}?{request.GET.urlencode()}")


def visible_record_or_404(user, reference):
    """The record if `user` may see it. Another department's record is answered exactly as a
    missing one, so the answer does not tell which references exist."""
    try:
        return selectors.record_for_user(user, reference)
    except Record.DoesNotExist:
        raise Http404("No record with that reference.") from None


def _latest(record):
    """The record's latest history entries and audit events (the page shows selectors.DETAIL_LATEST
    of each; the paged audit trail has them all)."""
    history, older_history = selectors.record_history_latest(record)
    events = list(selectors.audit_events_for(record)[: selectors.DETAIL_LATEST + 1])
    return {"history": history, "older_history": older_history, "events": events[: selectors.DETAIL_LATEST],
            "older_events": len(events) > selectors.DETAIL_LATEST, "latest": selectors.DETAIL_LATEST}


def _detail_context(request, record, extend_form=None, correct_form=None):
    can_extend = request.user.has_perm("records.extend_retention") and record.status in (Status.ACTIVE, Status.DUE)
    minimums = list(record.legal_minimums.order_by("citation"))
    can_correct = request.user.has_perm("records.correct_record") and record.status in lifecycle.CORRECTABLE_STATUSES
    record_holds = list(record.legal_holds.select_related("placed_by").order_by("-placed_at", "-pk"))
    active_holds = [hold for hold in reversed(record_holds) if hold.is_active]
    return {
        "record": record,
        "legal_minimums": minimums,
        "terms": retention.governing_terms(record, minimums),
        **_latest(record),
        "holds": record_holds,
        "frozen": holds.frozen_message(record, active_holds) if active_holds else "",
        "extensions": record.extensions.select_related("extended_by"),
        "can_edit": request.user.has_perm("records.change_record") and lifecycle.is_editable(record) and not active_holds,
        "actions": lifecycle.available_transitions(record, request.user),
        "custody": certificates.custody_chain(record),
        "can_validate": (
            hasattr(record, "destruction") and not record.destruction.validated_by_id
            and request.user.has_perm("records.validate_destruction")
            and request.user.pk not in (record.destruction.performed_by_id, record.custodian_id)
        ),
        "extend_form": (extend_form or ExtendRetentionForm()) if can_extend else None,
        "correct_form": (correct_form or RecordCorrectionForm(record=record, user=request.user)) if can_correct else None,
    }


@permission_required("records.view_record", raise_exception=True)
def record_detail(request, reference):
    record = visible_record_or_404(request.user, reference)
    return render(request, "records/record_detail.html", _detail_context(request, record))


def _save_record(request, form, save):
    """Run a create/update service for a valid form; service errors land beside their fields."""
    if request.method == "POST" and form.is_valid():
        try:
            return save(**form.service_arguments())
        except StateConflict:
            raise  # not the form's fault: records.middleware.ConflictMiddleware answers 409
        except ValidationError as error:
            add_service_error(form, _with_stamped_copy_offered(request.user, form, error))
    return None


def _with_stamped_copy_offered(user, form, error):
    """The service's refusal, with a stamped copy of the document offered right in it when the
    document was refused for lacking its CONFIDENTIAL marking."""
    refused = getattr(error, "error_dict", {}).get("label_document", [])
    if not any(item.code == LabelCheck.Outcome.NOT_LABELLED for item in refused):
        return error
    file_name, data = form.cleaned_data["label_document"]
    stamped = stamped_copies.stamped_copy_link(actor=user, file_name=file_name, data=data)
    if stamped is None:
        return error
    error.error_dict["label_document"] = [
        ValidationError(format_html(
            '{} <a href="{}" download="{}">Download a stamped copy of {}</a>, then choose it above and save again: '
            "everything else you typed is kept.", item.message, stamped.href, stamped.file_name, file_name,
        )) if item.code == LabelCheck.Outcome.NOT_LABELLED else item
        for item in refused
    ]
    return error


def _due_now_message(request, record, done):
    messages.warning(
        request,
        f"{record.reference} was {done} past its expiry ({record.expiry_date:%Y-%m-%d}): it is due for destruction now.",
    )


@accepts_upload("LABEL_CHECK_MAX_BYTES")
@permission_required("records.add_record", raise_exception=True)
def record_create(request):
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user)
    record = _save_record(request, form, lambda **values: services.record_create(actor=request.user, **values))
    if record:
        messages.success(request, f"{record.reference} was logged.")
        if record.status == Status.DUE:
            _due_now_message(request, record, "logged")
        return redirect(record)
    return render(request, "records/record_form.html", {"form": form})


@accepts_upload("LABEL_CHECK_MAX_BYTES")
@permission_required("records.change_record", raise_exception=True)
def record_edit(request, reference):
    record = visible_record_or_404(request.user, reference)
    if not lifecycle.is_editable(record):
        raise PermissionDenied("A destroyed record cannot be changed.")
    try:
        holds.refuse_change_while_held(record)
    except ValidationError as error:
        return render(request, "records/record_frozen.html", {"record": record, "message": error.messages[0]},
                      status=409 if request.method == "POST" else 200)
    form = RecordForm(request.POST or None, request.FILES or None, user=request.user, record=record)
    saved = _save_record(
        request, form, lambda **values: services.record_update(actor=request.user, record=record, **values)
    )
    if saved:
        messages.success(request, f"{saved.reference} was saved.")
        if record.status == Status.ACTIVE and saved.status == Status.DUE:
            _due_now_message(request, saved, "edited")
        return redirect(saved)
    return render(request, "records/record_form.html", {"form": form, "record": record})


@require_POST
@permission_required("records.extend_retention", raise_exception=True)
def record_extend(request, reference):
    record = visible_record_or_404(request.user, reference)
    form, status = ExtendRetentionForm(request.POST), 400
    if form.is_valid():
        try:
            record = services.record_extend_retention(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            status = error_status(error)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{record.reference} is now kept until {record.expiry_date or 'its trigger event plus the extended period'}.")
            return redirect(record)
    return render(request, "records/record_detail.html", _detail_context(request, record, extend_form=form), status=status)


@require_POST
@permission_required("records.correct_record", raise_exception=True)
def record_correct(request, reference):
    record = visible_record_or_404(request.user, reference)
    form, status = RecordCorrectionForm(request.POST, record=record, user=request.user), 400
    if form.is_valid():
        try:
            record = services.record_correct(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"{record.reference} was corrected.")
            return redirect(record)
    messages.error(request, f"{record.reference} was not corrected: see the correction form below.")
    return render(request, "records/record_detail.html", _detail_context(request, record, correct_form=form), status=status)
