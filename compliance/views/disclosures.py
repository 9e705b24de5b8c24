"""The third-party releases register: the list (by purpose and year), recording a release, its page
and its correction with a reason."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from compliance import disclosure_forms as f, disclosures
from compliance.forms import add_errors
from compliance.models import Disclosure
from records.selectors import audit_events_for


def _may_list(request):
    if not disclosures.may_list(request.user):
        raise PermissionDenied


def _disclosure(request, pk):
    try:
        return disclosures.visible_disclosures(request.user).get(pk=pk)
    except Disclosure.DoesNotExist:
        raise Http404("No such release.") from None


def disclosure_list(request):
    _may_list(request)
    filters = f.FilterForm(request.GET or None)
    queryset = disclosures.visible_disclosures(request.user)
    if filters.is_valid():
        if filters.cleaned_data["purpose"]:
            queryset = queryset.filter(purpose=filters.cleaned_data["purpose"])
        if filters.cleaned_data["year"]:
            queryset = queryset.filter(pk__in=disclosures.disclosures_of(filters.cleaned_data["year"]).values("pk"))
    return render(request, "compliance/disclosure_list.html", {
        "disclosures": queryset[:500], "filters": filters, "can_add": request.user.has_perm(disclosures.ADD),
    }, status=400 if filters.errors else 200)


def _form_page(request, form, disclosure=None):
    return render(request, "compliance/disclosure_form.html", {"form": form, "disclosure": disclosure},
                  status=400 if form.errors else 200)


def disclosure_create(request):
    if not request.user.has_perm(disclosures.ADD):
        raise PermissionDenied
    form = f.DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = disclosures.disclosure_record(actor=request.user, fields=form.service_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{disclosure.reference} is recorded.")
            return redirect("disclosure-detail", pk=disclosure.pk)
    return _form_page(request, form)


def disclosure_correct(request, pk):
    if not request.user.has_perm(disclosures.CHANGE):
        raise PermissionDenied
    disclosure = _disclosure(request, pk)
    form = f.DisclosureForm(request.POST or None, instance=Disclosure.objects.get(pk=pk), correcting=True)
    if request.method == "POST" and form.is_valid():
        try:
            disclosures.disclosure_correct(actor=request.user, disclosure=disclosure, fields=form.service_fields(),
                                           reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{disclosure.reference} is corrected.")
            return redirect("disclosure-detail", pk=pk)
    return _form_page(request, form, disclosure)


def disclosure_detail(request, pk):
    _may_list(request)
    disclosure = _disclosure(request, pk)
    return render(request, "compliance/disclosure_detail.html", {
        "disclosure": disclosure, "may_correct": request.user.has_perm(disclosures.CHANGE),
        "events": audit_events_for(disclosure)[:100],
    })
