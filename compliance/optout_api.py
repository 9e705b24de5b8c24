"""The opt-out failures register in the REST API: /api/v1/opt-out-failures/ (GET: list; POST:
record a failure), /api/v1/opt-out-failures/{id}/ (GET; PATCH: its details) and
/api/v1/opt-out-failures/{id}/letter/ (POST: the letter to the FCC recorded as sent). Thin views
over compliance.optout, as the web pages; the copy of the customer notice is uploaded on the page."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, MarkingField, StrictBooleanField, StrictCharField
from records.api.views import _ID, ApiView, problems

from . import optout
from .api import AwareDateTimeField, StrictDateField
from .models import OptOutFailure

TAG = "opt-out failures"
FAILURE_PARAMETER = OpenApiParameter("failure_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The failure's id (OF-00012 is 12).")


class FailureSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    reference = serializers.CharField(read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    letter_method = serializers.CharField(read_only=True, help_text="How the letter was sent: ecfs, email or mail; "
                                                                    "empty until it is sent.")
    deadline = serializers.SerializerMethodField(help_text="The last day the letter to the FCC is on time: five "
                                                           "business days after the day of detection.")
    late = serializers.SerializerMethodField(help_text="Sent after the deadline, or unsent past it.")
    letter_missing = serializers.SerializerMethodField(help_text="What the letter still lacks (empty when complete).")
    retained_until = serializers.SerializerMethodField(help_text="A closed failure's record is kept until then.")

    class Meta:
        model = OptOutFailure
        fields = ["marking", "id", "reference", "status", "detected_at", "mechanisms", "problem", "remedy", "remedy_on",
                  "state_notified", "state_commissions", "state_action", "contact", "notice_original_name",
                  "notice_sha256", "notice_size", "letter_sent_at", "letter_method", "letter_reference", "closed_at",
                  "recorded_by", "recorded_at", "deadline", "late", "letter_missing", "retained_until"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_deadline(self, failure):
        return optout.deadline(failure).isoformat()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_late(self, failure):
        return optout.is_late(failure)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_letter_missing(self, failure):
        return optout.letter_missing(failure)

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_retained_until(self, failure):
        until = optout.retained_until(failure)
        return until.isoformat() if until else None


def _text(**kwargs):
    return StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True, **kwargs)


class FailureWriteSerializer(serializers.Serializer):
    detected_at = AwareDateTimeField()
    mechanisms = StrictCharField(max_length=MAX_TEXT, help_text="The opt-out mechanism(s) used.")
    problem = StrictCharField(max_length=MAX_TEXT, help_text="The problem(s) experienced. No CPNI.")
    remedy = _text(help_text="The remedy proposed.")
    remedy_on = StrictDateField(required=False, allow_null=True, help_text="When it was or will be implemented.")
    state_notified = StrictBooleanField(required=False, allow_null=True)
    state_commissions = StrictCharField(max_length=300, required=False, allow_blank=True)
    state_action = _text()
    contact = _text(help_text="Defaults to the company profile's signatory.")


class FailureChangeSerializer(FailureWriteSerializer):
    pass


class LetterSerializer(serializers.Serializer):
    sent_at = AwareDateTimeField()
    method = serializers.ChoiceField(OptOutFailure.LetterMethod.choices)
    reference = StrictCharField(max_length=200, required=False, allow_blank=True,
                                help_text="ECFS confirmation number (required for ECFS), message id or tracking number.")


def _failure(failure_id):
    if not _ID.fullmatch(str(failure_id)):
        raise NotFound()
    try:
        return OptOutFailure.objects.select_related("recorded_by").get(pk=int(failure_id))
    except OptOutFailure.DoesNotExist:
        raise NotFound() from None


def _response(failure_id, status_code=status.HTTP_200_OK, headers=None):
    return Response(FailureSerializer(_failure(failure_id)).data, status=status_code, headers=headers)


class FailureList(ApiView):
    permission_key = "optout-list"
    serializer_class = FailureSerializer

    @extend_schema(tags=[TAG], operation_id="opt_out_failures_list", summary="The opt-out failures register",
                   description="Newest detection first. Records managers, officers, auditors and the Director, "
                   "Network Operations read it.", responses={200: FailureSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(OptOutFailure.objects.select_related("recorded_by").order_by("-detected_at", "-id"))
        return self.get_paginated_response(FailureSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="opt_out_failures_create", summary="Record an opt-out failure",
                   description="Records managers. Recorded \"open\"; the letter to the FCC is due within five business "
                   "days of detection (47 CFR 64.2009(f)), and the records managers and officers are told.",
                   request=FailureWriteSerializer, responses={201: FailureSerializer, **problems(400, 409, 415)})
    def post(self, request):
        failure = optout.optout_record(actor=request.user, fields=dict(self.body(FailureWriteSerializer)))
        return _response(failure.pk, status.HTTP_201_CREATED, headers={"Location": f"{request.path}{failure.pk}/"})


class FailureDetail(ApiView):
    permission_key = "optout-detail"
    serializer_class = FailureSerializer

    @extend_schema(tags=[TAG], operation_id="opt_out_failures_retrieve", summary="One opt-out failure",
                   parameters=[FAILURE_PARAMETER], responses={200: FailureSerializer, **problems(404)})
    def get(self, request, failure_id):
        return _response(failure_id)

    @extend_schema(tags=[TAG], operation_id="opt_out_failures_partial_update", summary="Change a failure's details",
                   description="Records managers; not once it is closed (409), nor the detection once the letter is sent.",
                   parameters=[FAILURE_PARAMETER], request=FailureChangeSerializer,
                   responses={200: FailureSerializer, **problems(400, 404, 409, 415)})
    def patch(self, request, failure_id):
        failure = _failure(failure_id)
        data = dict(self.body(FailureChangeSerializer, partial=True))
        optout.optout_update(actor=request.user, failure=failure, fields=data)
        return _response(failure.pk)


class FailureLetter(ApiView):
    permission_key = "optout-letter"
    serializer_class = FailureSerializer

    @extend_schema(tags=[TAG], operation_id="opt_out_failures_letter_create",
                   summary="Record the letter to the FCC as sent",
                   description="Records managers, for an open failure whose letter lacks nothing the rule asks for "
                   "(400 says what it lacks). Answers with the failure, now \"letter_sent\".",
                   parameters=[FAILURE_PARAMETER], request=LetterSerializer,
                   responses={201: FailureSerializer, **problems(400, 404, 409, 415)})
    def post(self, request, failure_id):
        failure = _failure(failure_id)
        optout.optout_letter_record(actor=request.user, failure=failure, **self.body(LetterSerializer))
        return _response(failure.pk, status.HTTP_201_CREATED)
