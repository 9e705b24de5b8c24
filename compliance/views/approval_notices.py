"""The customer approvals and notices register: the notice versions with the current notice's
re-notice due and the evidence of the approval-status system, a notice's page with its mailings,
recording a notice, a mailing or evidence, correcting a notice with a reason, and the snapshot."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from compliance import approval_forms as f, approval_notices as service
from compliance.forms import add_errors
from compliance.models import ApprovalEvidence, ApprovalNotice
from records.selectors import audit_events_for


def _may_list(request):
    if not service.may_list(request.user):
        raise PermissionDenied


def _need(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _notice(pk):
    try:
        return ApprovalNotice.objects.select_related("recorded_by").get(pk=pk)
    except ApprovalNotice.DoesNotExist:
        raise Http404("No such notice.") from None


def approval_notice_list(request):
    _may_list(request)
    user = request.user
    return render(request, "compliance/approval_notice_list.html", {
        "notices": service.notices_with_mailings()[:200], "renotice": service.renotice(),
        "evidence": ApprovalEvidence.objects.select_related("recorded_by")[:200],
        "can_add": user.has_perm(service.ADD_NOTICE), "can_add_evidence": user.has_perm(service.ADD_EVIDENCE),
    })


def approval_notice_detail(request, pk):
    _may_list(request)
    notice = _notice(pk)
    return render(request, "compliance/approval_notice_detail.html", {
        "notice": notice, "mailings": notice.mailings.select_related("recorded_by"),
        "current": service.current_notice(), "keep_until": notice.keep_until,
        "may_correct": request.user.has_perm(service.CHANGE_NOTICE),
        "may_mail": request.user.has_perm(service.ADD_MAILING), "events": audit_events_for(notice)[:100],
    })


def _notice_form_page(request, form, notice=None):
    return render(request, "compliance/approval_notice_form.html", {"form": form, "notice": notice},
                  status=400 if form.errors else 200)


def approval_notice_create(request):
    _need(request, service.ADD_NOTICE)
    form = f.NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = service.notice_create(actor=request.user, fields=form.service_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{notice.reference} is recorded: record each mailing of it.")
            return redirect("approval-notice-detail", pk=notice.pk)
    return _notice_form_page(request, form)


def approval_notice_correct(request, pk):
    _need(request, service.CHANGE_NOTICE)
    notice = _notice(pk)
    form = f.NoticeForm(request.POST or None, instance=ApprovalNotice.objects.get(pk=pk), correcting=True)
    if request.method == "POST" and form.is_valid():
        try:
            service.notice_correct(actor=request.user, notice=notice, fields=form.service_fields(),
                                   reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "The notice is corrected.")
            return redirect("approval-notice-detail", pk=pk)
    return _notice_form_page(request, form, notice)


def approval_notice_mailing(request, pk):
    _need(request, service.ADD_MAILING)
    notice = _notice(pk)
    form = f.MailingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailing = service.mailing_record(actor=request.user, notice=notice, fields=form.service_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"The mailing of {notice.version_label} on {mailing.sent_on:%Y-%m-%d} is recorded: "
                                      f"the opt-out waiting period ends on {mailing.waiting_ends_on:%Y-%m-%d}.")
            return redirect("approval-notice-detail", pk=pk)
    return render(request, "compliance/approval_mailing_form.html", {"form": form, "notice": notice},
                  status=400 if form.errors else 200)


def evidence_create(request):
    _need(request, service.ADD_EVIDENCE)
    form = f.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("snapshot")
        try:
            evidence = service.evidence_record(actor=request.user, fields=form.service_fields(),
                                               snapshot=upload.read() if upload else None,
                                               snapshot_name=upload.name if upload else "")
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{evidence.reference} is recorded.")
            return redirect("approval-notice-list")
    return render(request, "compliance/approval_evidence_form.html", {"form": form},
                  status=400 if form.errors else 200)


def evidence_snapshot(request, pk):
    _may_list(request)
    evidence = ApprovalEvidence.objects.filter(pk=pk).first()
    path = service.snapshot_path(evidence) if evidence and evidence.snapshot_name else None
    if path is None or not path.is_file():
        raise Http404("No snapshot is kept.")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=evidence.snapshot_original_name or evidence.snapshot_name)
