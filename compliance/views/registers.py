"""The certification registers (complaints, data-broker actions, pretexting) and the company profile."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from compliance.forms import CompanyProfileForm, ComplaintForm, CoveredCompanyFormSet, DataBrokerActionForm, PretextingForm
from compliance.models import CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation
from compliance.registers import company_profile_save, register_save


@dataclass(frozen=True)
class Register:
    model: type
    form: type
    title: str
    columns: tuple  # (field name, heading)

    def permission(self, action):
        return f"compliance.{action}_{self.model._meta.model_name}"


REGISTERS = {
    "complaints": Register(
        CustomerComplaint, ComplaintForm, "Customer complaints about unauthorized release of CPNI",
        (("received_on", "Received"), ("category_label", "Category"), ("summary", "Summary"), ("resolved_on", "Resolved")),
    ),
    "data-broker-actions": Register(
        DataBrokerAction, DataBrokerActionForm, "Actions against data brokers",
        (("taken_on", "Date"), ("forum", "Forum"), ("description", "Description"), ("outcome", "Outcome")),
    ),
    "pretexting": Register(
        PretextingObservation, PretextingForm, "Pretexter methods observed and steps taken",
        (("observed_on", "Observed"), ("method", "Method"), ("steps_taken", "Steps taken")),
    ),
}


def _register(kind, user, action):
    register = REGISTERS.get(kind)
    if register is None:
        raise Http404("No such register.")
    if not user.has_perm(register.permission(action)):
        raise PermissionDenied
    return register


def register_list(request, kind):
    register = _register(kind, request.user, "view")
    page = Paginator(register.model.objects.all(), 50).get_page(request.GET.get("page"))
    rows = [[entry, [_cell(entry, name) for name, _ in register.columns]] for entry in page]
    return render(
        request,
        "compliance/register_list.html",
        {
            "register": register, "kind": kind, "page": page, "rows": rows,
            "can_add": request.user.has_perm(register.permission("add")),
            "can_change": request.user.has_perm(register.permission("change")),
            "can_assess_breach": kind in ("complaints", "pretexting") and request.user.has_perm("compliance.add_breachincident"),
        },
    )


def _cell(entry, name):
    display = getattr(entry, f"get_{name}_display", None)
    value = display() if display else getattr(entry, name)
    return value if value not in (None, "") else "—"


def register_edit(request, kind, pk=None):
    register = _register(kind, request.user, "add" if pk is None else "change")
    instance = register.model() if pk is None else get_object_or_404(register.model, pk=pk)
    form = register.form(request.POST or None, instance=register.model.objects.get(pk=pk) if pk else None)
    if request.method == "POST" and form.is_valid():
        try:
            register_save(actor=request.user, instance=instance, fields=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Saved.")
            return redirect("register-list", kind=kind)
    return render(request, "compliance/register_form.html", {"register": register, "kind": kind, "form": form, "entry": pk})


def company_profile(request):
    if not request.user.has_perm("compliance.view_companyprofile"):
        raise PermissionDenied
    profile = CompanyProfile.objects.first()
    can_edit = request.user.has_perm("compliance.change_companyprofile")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = formset = None
    if can_edit:
        instance = profile or CompanyProfile()
        form = CompanyProfileForm(request.POST or None, instance=CompanyProfile.objects.filter(pk=instance.pk).first())
        formset = CoveredCompanyFormSet(request.POST or None, instance=instance, prefix="companies")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            company_profile_save(actor=request.user, profile=instance, fields=form.cleaned_data,
                                 companies=formset.companies())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The company profile was saved.")
            return redirect("company-profile")
    companies = profile.companies.all() if profile else []
    return render(request, "compliance/company_profile.html",
                  {"profile": profile, "companies": companies, "form": form, "formset": formset})
