"""The third-party releases register in the REST API: /api/v1/disclosures/ (GET: list; POST: record
a release) and /api/v1/disclosures/{id}/ (GET; PATCH: a correction, with its reason). Thin views
over compliance.disclosures, as the web pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, MarkingField, StrictCharField
from records.api.views import _ID, ApiView, problems
from records.models import CpniCategory

from . import disclosures
from .api import StrictDateField
from .models import Disclosure

TAG = "third-party releases"
DISCLOSURE_PARAMETER = OpenApiParameter("disclosure_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                        description="The release's id (TP-00012 is 12).")


class DisclosureSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    reference = serializers.CharField(read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), read_only=True)
    keep_until = serializers.SerializerMethodField(help_text="Kept at least until then: one year from the release.")

    class Meta:
        model = Disclosure
        fields = ["marking", "id", "reference", "disclosed_on", "recipient", "agreement_reference", "purpose",
                  "legal_basis", "cpni_categories", "customers_count", "customer_reference", "notes", "recorded_by",
                  "recorded_at", "corrected_at", "keep_until"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_keep_until(self, disclosure):
        return disclosure.keep_until.isoformat()


class DisclosureWriteSerializer(serializers.Serializer):
    disclosed_on = StrictDateField(help_text="The day the CPNI was released or access given (not in the future).")
    recipient = StrictCharField(max_length=200)
    agreement_reference = StrictCharField(max_length=200, help_text="The contract or NDA that binds the recipient.")
    purpose = serializers.ChoiceField(Disclosure.Purpose.choices,
                                      help_text="provision, installation, maintenance, repair, or other (then "
                                                "legal_basis is required).")
    legal_basis = StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), allow_empty=False,
                                            max_length=len(CpniCategory.choices))
    customers_count = serializers.IntegerField(min_value=1, max_value=2_000_000_000, required=False, allow_null=True)
    customer_reference = StrictCharField(max_length=64, required=False, allow_blank=True,
                                         help_text="An account or ticket reference, never the CPNI itself.")
    notes = StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True)


class DisclosureCorrectionSerializer(DisclosureWriteSerializer):
    reason = StrictCharField(max_length=disclosures.REASON_MAX, help_text="Why the release is corrected.")


def _disclosure(request, disclosure_id):
    if not _ID.fullmatch(str(disclosure_id)):
        raise NotFound()
    try:
        return disclosures.visible_disclosures(request.user).get(pk=int(disclosure_id))
    except Disclosure.DoesNotExist:
        raise NotFound() from None


def _response(request, disclosure_id, status_code=status.HTTP_200_OK, headers=None):
    return Response(DisclosureSerializer(_disclosure(request, disclosure_id)).data, status=status_code, headers=headers)


class DisclosureList(ApiView):
    permission_key = "disclosure-list"
    serializer_class = DisclosureSerializer

    @extend_schema(tags=[TAG], operation_id="disclosures_list", summary="The third-party releases register",
                   description="Latest release first. Records managers, officers, auditors, the Director, Network "
                   "Operations read it.", responses={200: DisclosureSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(disclosures.visible_disclosures(request.user).order_by("-disclosed_on", "-id"))
        return self.get_paginated_response(DisclosureSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="disclosures_create", summary="Record a release of CPNI to a third party",
                   description="Records managers. The customers concerned are a count or a customer reference (or "
                   "both), never the CPNI itself; a purpose of \"other\" needs its legal basis.",
                   request=DisclosureWriteSerializer, responses={201: DisclosureSerializer, **problems(400, 415)})
    def post(self, request):
        release = disclosures.disclosure_record(actor=request.user, fields=dict(self.body(DisclosureWriteSerializer)))
        return _response(request, release.pk, status.HTTP_201_CREATED, headers={"Location": f"{request.path}{release.pk}/"})


class DisclosureDetail(ApiView):
    permission_key = "disclosure-detail"
    serializer_class = DisclosureSerializer

    @extend_schema(tags=[TAG], operation_id="disclosures_retrieve", summary="One third-party release",
                   parameters=[DISCLOSURE_PARAMETER], responses={200: DisclosureSerializer, **problems(404)})
    def get(self, request, disclosure_id):
        return _response(request, disclosure_id)

    @extend_schema(tags=[TAG], operation_id="disclosures_partial_update", summary="Correct a release",
                   description="Records managers, with the reason for the correction (kept in the history and the "
                   "audit log).", parameters=[DISCLOSURE_PARAMETER], request=DisclosureCorrectionSerializer,
                   responses={200: DisclosureSerializer, **problems(400, 404, 415)})
    def patch(self, request, disclosure_id):
        release = _disclosure(request, disclosure_id)
        fields = dict(self.body(DisclosureCorrectionSerializer, partial=True))
        reason = fields.pop("reason", "")
        disclosures.disclosure_correct(actor=request.user, disclosure=release, fields=fields, reason=reason)
        return _response(request, release.pk)
