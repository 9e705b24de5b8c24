"""The marketing campaigns register in the REST API: /api/v1/campaigns/ (GET: list; POST: draft a
campaign), /api/v1/campaigns/{id}/ (GET; PATCH: a draft's details) and one action per step of the
state machine, /api/v1/campaigns/{id}/{submit,approve,reject,revise,start,close}/ (POST). Thin views
over compliance.campaigns, as the web pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, LookupField, MarkingField, StrictBooleanField, StrictCharField
from records.api.views import _ID, ApiView, problems
from records.models import CpniCategory, User

from . import campaign_lifecycle as lifecycle, campaigns
from .api import StrictDateField
from .models import Campaign

TAG = "marketing campaigns"
CAMPAIGN_PARAMETER = OpenApiParameter("campaign_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                      description="The campaign's id (MC-00012 is 12).")


class CampaignSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    reference = serializers.CharField(read_only=True)
    requested_by = serializers.SlugRelatedField("username", read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    reviewed_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), read_only=True)
    keep_until = serializers.SerializerMethodField(help_text="Kept at least until then: one year from the campaign's end.")

    class Meta:
        model = Campaign
        fields = ["marking", "id", "reference", "status", "description", "channel", "products", "uses_cpni",
                  "cpni_categories", "approval_basis", "affiliate", "starts_on", "ends_on", "requested_by",
                  "recorded_by", "recorded_at", "reviewed_by", "reviewed_at", "review_note", "closed_at", "keep_until"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_keep_until(self, campaign):
        return campaign.keep_until.isoformat()


class CampaignWriteSerializer(serializers.Serializer):
    description = StrictCharField(max_length=MAX_TEXT, help_text="What the campaign is. No CPNI.")
    channel = serializers.ChoiceField(Campaign.Channel.choices)
    products = StrictCharField(max_length=MAX_TEXT, help_text="The products and services offered.")
    uses_cpni = StrictBooleanField(required=False, default=False)
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), required=False,
                                            max_length=len(CpniCategory.choices), help_text="Only when it uses CPNI.")
    approval_basis = serializers.ChoiceField(Campaign.ApprovalBasis.choices, required=False, default="none",
                                             help_text="none (no CPNI used), opt_out or opt_in.")
    affiliate = StrictCharField(max_length=200, required=False, allow_blank=True)
    starts_on = StrictDateField()
    ends_on = StrictDateField()
    requested_by = LookupField("username", max_length=150, queryset=User.objects.filter(is_active=True), required=False,
                               help_text="Records managers may name who requested it (default: the caller).")


class CampaignChangeSerializer(CampaignWriteSerializer):
    uses_cpni = StrictBooleanField(required=False)
    approval_basis = serializers.ChoiceField(Campaign.ApprovalBasis.choices, required=False)


class NoteSerializer(serializers.Serializer):
    note = StrictCharField(max_length=campaigns.NOTE_MAX, required=False, allow_blank=True,
                           help_text="The review's note; required to reject.")


def _campaign(request, campaign_id):
    if not _ID.fullmatch(str(campaign_id)):
        raise NotFound()
    try:
        return campaigns.visible_campaigns(request.user).get(pk=int(campaign_id))
    except Campaign.DoesNotExist:
        raise NotFound() from None


def _response(request, campaign_id, status_code=status.HTTP_200_OK, headers=None):
    return Response(CampaignSerializer(_campaign(request, campaign_id)).data, status=status_code, headers=headers)


def _split(data):
    data = dict(data)
    return data.pop("requested_by", None), data


class CampaignList(ApiView):
    permission_key = "campaign-list"
    serializer_class = CampaignSerializer

    @extend_schema(tags=[TAG], operation_id="campaigns_list", summary="The marketing campaigns register",
                   description="Latest start first. Records managers, officers, auditors, the Director, Network "
                   "Operations and the President read every campaign; an employee, those they requested.",
                   responses={200: CampaignSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(campaigns.visible_campaigns(request.user).order_by("-starts_on", "-id"))
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="campaigns_create", summary="Draft a marketing campaign",
                   description="Records managers and employees. Drafted \"draft\"; a campaign that uses CPNI names its "
                   "categories and an opt-out or opt-in approval basis.",
                   request=CampaignWriteSerializer, responses={201: CampaignSerializer, **problems(400, 415)})
    def post(self, request):
        requested_by, fields = _split(self.body(CampaignWriteSerializer))
        campaign = campaigns.campaign_create(actor=request.user, fields=fields, requested_by=requested_by)
        return _response(request, campaign.pk, status.HTTP_201_CREATED, headers={"Location": f"{request.path}{campaign.pk}/"})


class CampaignDetail(ApiView):
    permission_key = "campaign-detail"
    serializer_class = CampaignSerializer

    @extend_schema(tags=[TAG], operation_id="campaigns_retrieve", summary="One marketing campaign",
                   parameters=[CAMPAIGN_PARAMETER], responses={200: CampaignSerializer, **problems(404)})
    def get(self, request, campaign_id):
        return _response(request, campaign_id)

    @extend_schema(tags=[TAG], operation_id="campaigns_partial_update", summary="Change a draft",
                   description="Records managers, and the employee who requested it; only a draft (409 otherwise).",
                   parameters=[CAMPAIGN_PARAMETER], request=CampaignChangeSerializer,
                   responses={200: CampaignSerializer, **problems(400, 404, 409, 415)})
    def patch(self, request, campaign_id):
        campaign = _campaign(request, campaign_id)
        requested_by, fields = _split(self.body(CampaignChangeSerializer, partial=True))
        campaigns.campaign_update(actor=request.user, campaign=campaign, fields=fields, requested_by=requested_by)
        return _response(request, campaign.pk)


STEP_DESCRIPTIONS = {
    "submit": "Records managers, and the employee who requested it: a draft goes to review.",
    "approve": "The reviewer the CAMPAIGN_REVIEWER setting names (the President, or an officer), never the campaign's "
               "requester (403 says why). A submitted campaign becomes \"approved\"; it may then be marked running.",
    "reject": "The reviewer, never the requester, with a note saying why (400 without one).",
    "revise": "Records managers, and the employee who requested it: a rejected campaign back to draft.",
    "start": "Records managers: an approved campaign is marked running (409 unless it is approved).",
    "close": "Records managers: a running campaign is closed; it is kept at least one year from its end.",
}


def _step_view(step):
    spec = lifecycle.TRANSITIONS[step]

    class CampaignStep(ApiView):
        permission_key = f"campaign-{step}"
        serializer_class = CampaignSerializer

        @extend_schema(tags=[TAG], operation_id=f"campaigns_{step}_create", summary=f"{spec.label} (marketing campaign)",
                       description=STEP_DESCRIPTIONS[step] + " Answers with the campaign.",
                       parameters=[CAMPAIGN_PARAMETER], request=NoteSerializer if step in campaigns.NOTED else None,
                       responses={200: CampaignSerializer, **problems(400, 404, 409, 415)})
        def post(self, request, campaign_id):
            campaign = _campaign(request, campaign_id)
            note = self.body(NoteSerializer).get("note", "") if step in campaigns.NOTED else ""
            campaigns.campaign_step(actor=request.user, campaign=campaign, step=step, note=note)
            return _response(request, campaign.pk)

    CampaignStep.__name__ = CampaignStep.__qualname__ = f"Campaign{step.capitalize()}"
    return CampaignStep


STEP_VIEWS = {step: _step_view(step) for step in lifecycle.TRANSITIONS}
