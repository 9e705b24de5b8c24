"""Customer approvals and notices in the REST API, under /api/v1/approval-notices/: the notice
versions with their mailings beneath (GET: list; POST: a version), one version (GET; PATCH: a
correction, with its reason), its mailings (POST), and the evidence of the approval-status system
at /api/v1/approval-notices/evidence/ (GET; POST: the counts by approval type; a snapshot file is
uploaded on the page). Thin views over compliance.approval_notices, as the web pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, MarkingField, StrictCharField
from records.api.views import _ID, ApiView, problems

from . import approval_notices as service
from .api import StrictDateField
from .models import ApprovalEvidence, ApprovalNotice, NoticeMailing

TAG = "customer approvals and notices"
NOTICE_PARAMETER = OpenApiParameter("notice_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                    description="The notice version's id.")
BIG = 2_000_000_000


class MailingSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    waiting_ends_on = serializers.DateField(read_only=True, help_text="The opt-out waiting period's end: 30 days "
                                            "after sending, 33 when mailed (mail or bill insert).")
    keep_until = serializers.DateField(read_only=True)

    class Meta:
        model = NoticeMailing
        fields = ["id", "sent_on", "method", "method_detail", "population", "notes", "waiting_ends_on", "keep_until",
                  "recorded_by", "recorded_at"]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    mailings = MailingSerializer(many=True, read_only=True)
    is_current = serializers.SerializerMethodField(help_text="The notice in effect today.")
    renotice_due_on = serializers.SerializerMethodField(help_text="For the current notice: two years after its last "
                                                        "mailing; null otherwise or before any mailing.")
    keep_until = serializers.SerializerMethodField(help_text="Null while it is the latest notice.")

    class Meta:
        model = ApprovalNotice
        fields = ["marking", "id", "version_label", "text", "effective_on", "is_current", "renotice_due_on", "mailings",
                  "recorded_by", "recorded_at", "corrected_at", "keep_until"]
        read_only_fields = fields

    def _renotice(self):
        if "renotice" not in self.context:
            self.context["renotice"] = service.renotice()
        return self.context["renotice"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_current(self, notice):
        current = self._renotice().notice
        return current is not None and current.pk == notice.pk

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_renotice_due_on(self, notice):
        renotice = self._renotice()
        due = renotice.due_on if renotice.notice is not None and renotice.notice.pk == notice.pk else None
        return due.isoformat() if due else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_keep_until(self, notice):
        until = notice.keep_until
        return until.isoformat() if until else None


class NoticeWriteSerializer(serializers.Serializer):
    version_label = StrictCharField(max_length=40)
    text = StrictCharField(max_length=service.TEXT_MAX, help_text="The notice as customers receive it.")
    effective_on = StrictDateField()


class NoticeCorrectionSerializer(NoticeWriteSerializer):
    reason = StrictCharField(max_length=service.REASON_MAX, help_text="Why the notice is corrected.")


class MailingWriteSerializer(serializers.Serializer):
    sent_on = StrictDateField(help_text="Not in the future.")
    method = serializers.ChoiceField(NoticeMailing.Method.choices)
    method_detail = StrictCharField(max_length=200, required=False, allow_blank=True, help_text="Only for other.")
    population = serializers.IntegerField(min_value=1, max_value=BIG, help_text="The customers it was sent to.")
    notes = StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True)


class EvidenceSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    reference = serializers.CharField(read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    keep_until = serializers.DateField(read_only=True)

    class Meta:
        model = ApprovalEvidence
        fields = ["marking", "id", "reference", "as_of", "source", "opt_out_count", "opt_in_count", "none_count",
                  "snapshot_original_name", "snapshot_sha256", "snapshot_size", "notes", "recorded_by", "recorded_at",
                  "keep_until"]
        read_only_fields = fields


class EvidenceWriteSerializer(serializers.Serializer):
    as_of = StrictDateField()
    source = StrictCharField(max_length=200, required=False, allow_blank=True)
    opt_out_count = serializers.IntegerField(min_value=0, max_value=BIG)
    opt_in_count = serializers.IntegerField(min_value=0, max_value=BIG)
    none_count = serializers.IntegerField(min_value=0, max_value=BIG, help_text="Customers with no approval.")
    notes = StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True)


def _notice(notice_id):
    if not _ID.fullmatch(str(notice_id)):
        raise NotFound()
    try:
        return ApprovalNotice.objects.get(pk=int(notice_id))
    except ApprovalNotice.DoesNotExist:
        raise NotFound() from None


def _notices():
    return ApprovalNotice.objects.select_related("recorded_by").prefetch_related("mailings__recorded_by")


def _notice_response(notice_id, status_code=status.HTTP_200_OK, headers=None):
    return Response(NoticeSerializer(_notices().get(pk=notice_id)).data, status=status_code, headers=headers)


class NoticeList(ApiView):
    permission_key = "approval-notice-list"
    serializer_class = NoticeSerializer

    @extend_schema(tags=[TAG], operation_id="approval_notices_list", summary="The notice versions with their mailings",
                   description="Latest effective first. Those who read every register.",
                   responses={200: NoticeSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(_notices().order_by("-effective_on", "-id"))
        return self.get_paginated_response(NoticeSerializer(page, many=True, context={}).data)

    @extend_schema(tags=[TAG], operation_id="approval_notices_create", summary="Record a notice version",
                   description="Records managers.", request=NoticeWriteSerializer,
                   responses={201: NoticeSerializer, **problems(400, 415)})
    def post(self, request):
        notice = service.notice_create(actor=request.user, fields=dict(self.body(NoticeWriteSerializer)))
        return _notice_response(notice.pk, status.HTTP_201_CREATED, headers={"Location": f"{request.path}{notice.pk}/"})


class NoticeDetail(ApiView):
    permission_key = "approval-notice-detail"
    serializer_class = NoticeSerializer

    @extend_schema(tags=[TAG], operation_id="approval_notices_retrieve", summary="One notice version and its mailings",
                   parameters=[NOTICE_PARAMETER], responses={200: NoticeSerializer, **problems(404)})
    def get(self, request, notice_id):
        return _notice_response(_notice(notice_id).pk)

    @extend_schema(tags=[TAG], operation_id="approval_notices_partial_update", summary="Correct a notice version",
                   description="Records managers, with the reason (kept in the history and the audit log).",
                   parameters=[NOTICE_PARAMETER], request=NoticeCorrectionSerializer,
                   responses={200: NoticeSerializer, **problems(400, 404, 415)})
    def patch(self, request, notice_id):
        notice = _notice(notice_id)
        fields = dict(self.body(NoticeCorrectionSerializer, partial=True))
        reason = fields.pop("reason", "")
        service.notice_correct(actor=request.user, notice=notice, fields=fields, reason=reason)
        return _notice_response(notice.pk)


class NoticeMailings(ApiView):
    permission_key = "approval-notice-mailings"
    serializer_class = NoticeSerializer

    @extend_schema(tags=[TAG], operation_id="approval_notices_mailings_create", summary="Record a mailing of a notice",
                   description="Records managers. Answers with the notice and its mailings; each mailing's opt-out "
                   "waiting period ends 30 days after sending, 33 when mailed.", parameters=[NOTICE_PARAMETER],
                   request=MailingWriteSerializer, responses={201: NoticeSerializer, **problems(400, 404, 415)})
    def post(self, request, notice_id):
        notice = _notice(notice_id)
        service.mailing_record(actor=request.user, notice=notice, fields=dict(self.body(MailingWriteSerializer)))
        return _notice_response(notice.pk, status.HTTP_201_CREATED)


class EvidenceList(ApiView):
    permission_key = "approval-evidence-list"
    serializer_class = EvidenceSerializer

    @extend_schema(tags=[TAG], operation_id="approval_evidence_list", summary="Evidence of the approval-status system",
                   description="Latest first. Those who read every register.",
                   responses={200: EvidenceSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(ApprovalEvidence.objects.select_related("recorded_by").order_by("-as_of", "-id"))
        return self.get_paginated_response(EvidenceSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="approval_evidence_create", summary="Record the counts by approval type",
                   description="Records managers: the customers with opt-out, opt-in and no approval as of a day (a "
                   "snapshot file is uploaded on the page).", request=EvidenceWriteSerializer,
                   responses={201: EvidenceSerializer, **problems(400, 415)})
    def post(self, request):
        evidence = service.evidence_record(actor=request.user, fields=dict(self.body(EvidenceWriteSerializer)))
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
