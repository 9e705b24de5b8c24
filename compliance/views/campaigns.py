"""The marketing campaigns register: the list (by status and year), drafting and changing a
draft, and the campaign's page with the steps the person may take."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from compliance import campaign_forms as f, campaign_lifecycle as lifecycle, campaigns
from compliance.forms import add_errors
from compliance.models import Campaign
from records.conflicts import StateConflict
from records.selectors import audit_events_for


def _may_list(request):
    if not campaigns.may_list(request.user):
        raise PermissionDenied


def _campaign(request, pk):
    """The campaign if the person may read it; 404 whether it is someone else's or nobody's."""
    try:
        return campaigns.visible_campaigns(request.user).get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404("No such campaign.") from None


def campaign_list(request):
    _may_list(request)
    filters = f.FilterForm(request.GET or None)
    queryset = campaigns.visible_campaigns(request.user)
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            queryset = queryset.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["year"]:
            queryset = queryset.filter(campaigns.overlapping(filters.cleaned_data["year"]))
    return render(request, "compliance/campaign_list.html", {
        "campaigns": queryset[:500], "filters": filters, "can_add": request.user.has_perm(campaigns.DRAFT),
        "reviewer": lifecycle.reviewer_words(),
    }, status=400 if filters.errors else 200)


def _form_page(request, form, campaign=None):
    return render(request, "compliance/campaign_form.html", {"form": form, "campaign": campaign},
                  status=400 if form.errors else 200)


def campaign_create(request):
    if not request.user.has_perm(campaigns.DRAFT):
        raise PermissionDenied
    manager = request.user.has_perm(campaigns.MANAGE)
    form = f.CampaignForm(request.POST or None, name_requester=manager)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_create(actor=request.user, fields=form.service_fields(),
                                                 requested_by=form.cleaned_data.get("requested_by"))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{campaign.reference} is drafted: submit it for review by "
                                      f"{lifecycle.reviewer_words()} before it runs.")
            return redirect("campaign-detail", pk=campaign.pk)
    return _form_page(request, form)


def campaign_edit(request, pk):
    if not request.user.has_perm(campaigns.DRAFT):
        raise PermissionDenied
    campaign = _campaign(request, pk)
    if not lifecycle.may_draft(request.user, campaign):
        raise PermissionDenied("Only records managers, and the employee who requested it, change a campaign.")
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, f"{campaign.reference} is {campaign.get_status_display().lower()}: only a draft is changed.")
        return redirect("campaign-detail", pk=pk)
    manager = request.user.has_perm(campaigns.MANAGE)
    form = f.CampaignForm(request.POST or None, instance=Campaign.objects.get(pk=pk), name_requester=manager)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_update(actor=request.user, campaign=campaign, fields=form.service_fields(),
                                      requested_by=form.cleaned_data.get("requested_by"))
        except StateConflict as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{campaign.reference} is updated.")
            return redirect("campaign-detail", pk=pk)
    return _form_page(request, form, campaign)


def campaign_detail(request, pk, review_form=None, status=200):
    _may_list(request)
    campaign = _campaign(request, pk)
    steps = lifecycle.available(campaign, request.user)
    return render(request, "compliance/campaign_detail.html", {
        "campaign": campaign, "steps": [s for s in steps if s.name not in campaigns.NOTED],
        "review_steps": [s for s in steps if s.name in campaigns.NOTED],
        "review_form": review_form or f.ReviewForm(), "reviewer": lifecycle.reviewer_words(),
        "may_edit": campaign.status == Campaign.Status.DRAFT and lifecycle.may_draft(request.user, campaign),
        "events": audit_events_for(campaign)[:100],
    }, status=status)


@require_POST
def campaign_step(request, pk, step):
    _may_list(request)
    campaign = _campaign(request, pk)
    form = f.ReviewForm(request.POST)
    if step not in lifecycle.TRANSITIONS:
        raise Http404("No such step.")
    if not form.is_valid():
        return campaign_detail(request, pk, review_form=form, status=400)
    try:
        campaigns.campaign_step(actor=request.user, campaign=campaign, step=step, note=form.cleaned_data["note"])
    except StateConflict as error:
        messages.error(request, str(error))
    except ValidationError as error:
        add_errors(form, error)
        return campaign_detail(request, pk, review_form=form, status=400)
    else:
        done = Campaign.objects.get(pk=pk)
        messages.success(request, f"{done.reference} is {done.get_status_display().lower()}.")
    return redirect("campaign-detail", pk=pk)
