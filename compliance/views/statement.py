"""The accompanying statement, rule by rule: each section's approved text (or why it does not
apply), its pending draft, and the evidence CPNI Track computes for the year; records managers draft,
officers approve (compliance.statement_lifecycle checks who may, again, on every step)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from compliance import duty_evidence
from compliance import statement_lifecycle as lifecycle
from compliance import statement_sections
from compliance.forms import add_errors
from compliance.models import DutyEvidence, StatementSectionText
from compliance.models.statement import REASON_MAX, SUMMARY_MAX, TEXT_MAX
from records.conflicts import error_status
from records.forms import DateInput


class SectionDraftForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=TEXT_MAX,
                           label="Policy text", help_text="The company's policy for this duty, as the statement will print it.")
    not_applicable = forms.BooleanField(required=False, label="This section does not apply to the company")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=REASON_MAX,
                             label="Why not applicable", help_text="Required when the section does not apply.")


class DutyEvidenceForm(forms.Form):
    as_of = forms.DateField(widget=DateInput, label="As of")
    source = forms.CharField(max_length=duty_evidence.SOURCE_MAX, help_text="The system or process it comes from.")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=SUMMARY_MAX,
                              help_text="What the evidence shows; the statement quotes it.")
    file = forms.FileField(required=False, label="File", help_text="A report, export or screenshot (optional).")


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=9999, required=False)


def _default_year():
    return timezone.localdate().year - 1


@permission_required("compliance.view_statementsectiontext", raise_exception=True)
def statement_home(request, forms_by_key=None, evidence_forms=None, status=200):
    year_form = YearForm(request.GET)
    year = year_form.cleaned_data.get("year") if year_form.is_valid() else None
    if year is None or year > timezone.localdate().year:
        year = _default_year()
    approved = statement_sections.approved_texts()
    drafts = statement_sections.pending_drafts()
    forms_by_key, evidence_forms = forms_by_key or {}, evidence_forms or {}
    rows = []
    for section in statement_sections.SECTIONS:
        draft = drafts.get(section.key)
        initial = ({"text": draft.text, "not_applicable": draft.not_applicable, "reason": draft.reason} if draft else
                   {"text": approved[section.key].text, "not_applicable": approved[section.key].not_applicable,
                    "reason": approved[section.key].reason} if section.key in approved else {})
        rows.append({
            "section": section,
            "approved": approved.get(section.key),
            "draft": draft,
            "approved_paragraphs": statement_sections.paragraphs(approved[section.key].text) if section.key in approved else [],
            "can_approve": draft is not None and lifecycle.may_approve(request.user, draft),
            "own_draft": draft is not None and draft.drafted_by_id == request.user.pk,
            "evidence": section.evidence_sentences(year),
            "form": forms_by_key.get(section.key) or SectionDraftForm(initial=initial, prefix=section.key),
            "evidence_form": (evidence_forms.get(section.key) or DutyEvidenceForm(prefix=f"{section.key}-evidence")
                              if section.uploads else None),
            "uploaded": (list(duty_evidence.evidence_of(section.key, year).select_related("recorded_by"))
                         if section.uploads else []),
        })
    return render(request, "compliance/statement_sections.html", {
        "rows": rows,
        "year": year,
        "missing": statement_sections.missing_sections(approved),
        "can_draft": lifecycle.may_draft(request.user),
        "can_approve_any": request.user.has_perm(lifecycle.APPROVE),
        "can_add_evidence": request.user.has_perm(duty_evidence.ADD),
    }, status=status)


@require_POST
@permission_required(lifecycle.DRAFT, raise_exception=True)
def statement_draft(request, key):
    section = statement_sections.section_of(key)
    if section is None:
        raise Http404("There is no statement section with that name.")
    form = SectionDraftForm(request.POST, prefix=key)
    status = 400
    if form.is_valid():
        try:
            lifecycle.draft_save(actor=request.user, section=key, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"Your draft of {section.heading} is saved; an officer other than you approves it.")
            return redirect(f"{_page()}#section-{key}")
    return statement_home(request, forms_by_key={key: form}, status=status)


@require_POST
@permission_required(lifecycle.APPROVE, raise_exception=True)
def statement_approve(request, pk):
    text = get_object_or_404(StatementSectionText, pk=pk)
    try:
        approved = lifecycle.approve(actor=request.user, text=text)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return statement_home(request, status=403)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return statement_home(request, status=error_status(error))
    section = statement_sections.section_of(approved.section)
    messages.success(request, f"Version {approved.version} of {section.heading if section else approved.section} is "
                              "approved: the statement uses it from now on.")
    return redirect(f"{_page()}#section-{approved.section}")


@require_POST
@permission_required(duty_evidence.ADD, raise_exception=True)
def statement_evidence(request, key):
    section = statement_sections.section_of(key)
    if section is None or not section.uploads:
        raise Http404("Evidence is uploaded only for a duty carried out in another system.")
    form = DutyEvidenceForm(request.POST, request.FILES, prefix=f"{key}-evidence")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence = duty_evidence.record(actor=request.user, section=key, as_of=form.cleaned_data["as_of"],
                                            source=form.cleaned_data["source"], summary=form.cleaned_data["summary"],
                                            data=upload.read() if upload else None, file_name=upload.name if upload else "")
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{evidence.reference} is recorded for {section.heading}.")
            return redirect(f"{_page()}?year={evidence.as_of.year}#section-{key}")
    return statement_home(request, evidence_forms={key: form}, status=400)


@permission_required(duty_evidence.VIEW, raise_exception=True)
def statement_evidence_file(request, pk):
    evidence = get_object_or_404(DutyEvidence, pk=pk)
    path = duty_evidence.file_path(evidence)
    if path is None or not path.is_file():
        raise Http404("No file is kept with this evidence.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=evidence.file_original_name or evidence.file_name)


def _page():
    return reverse("statement-sections")
