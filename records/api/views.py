"""The API's views: each one checks its permission (records.api.permissions), finds the object
the caller may see, validates the request's shape and calls the same service as the web page.
Views never change `status` or write models themselves.

Order of checks, so a refusal never depends on the input: the role's permission (403), the
object's visibility (404), the lifecycle's own rules for this record and caller (403 custodian /
four eyes, 409 state or hold), then the request body (400), then the service (which checks it all
again under a row lock)."""

import re
from contextlib import contextmanager
from dataclasses import asdict

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from compliance.selectors import certification_years
from records import destruction, holds, jobs, lifecycle, retention, schedules, selectors, services
from records.models import Job, LegalHold, LegalMinimum, Record, RetentionSchedule, Status
from records.ratelimits import rate_check

from . import serializers as s
from .exceptions import Conflict, problem

RECORDS_TAG, SCHEDULES_TAG, HOLDS_TAG, CERTIFICATION_TAG, JOBS_TAG = "records", "schedules", "holds", "certification", "jobs"
_REFERENCE = re.compile(s.REFERENCE_PATTERN)
_CODE = re.compile(s.CODE_PATTERN)
_ID = re.compile(r"[1-9][0-9]{0,15}")

_PROBLEMS = {
    400: "The request is not valid: `errors` names each field.",
    401: "No valid token or session.",
    403: "The caller's role, or the lifecycle's rules for this record and caller, do not allow this.",
    404: "No such object, or none the caller may see.",
    409: "The object's state does not allow this (e.g. not due yet, under a legal hold, already done).",
    415: "The body must be JSON (application/json).",
    429: "Too many changes through the API in a while (RATE_LIMIT_API_WRITE): wait `retry_after` seconds "
         "(also in the Retry-After header).",
    503: "The database cannot be reached; nothing from this request was saved. Try again later.",
}


def problems(*codes):
    """The problem responses of an operation: 401, 403 and 503 always, `codes`, and 429 for a
    change (an operation that may answer 409 or 415)."""
    limited = {429} if {409, 415} & set(codes) else set()
    return {
        code: OpenApiResponse(s.ProblemSerializer, description=_PROBLEMS[code])
        for code in sorted({401, 403, 503, *codes, *limited})
    }


def _path(name, pattern, description):
    return OpenApiParameter(
        name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description, pattern=f"^{pattern}$"
    )


REFERENCE_PARAMETER = _path("reference", s.REFERENCE_PATTERN, "The record's reference, e.g. CPNI-2026-000123.")
CODE_PARAMETER = _path("code", s.CODE_PATTERN, "The schedule's code.")
HOLD_PARAMETER = OpenApiParameter(
    "hold_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The legal hold's id."
)


def example(name, value):
    return [OpenApiExample(name, value=value, request_only=True)]


EXAMPLES = {
    "record": example("A paper record with CPNI", {
        "title": "Toll detail printouts, March", "medium": "paper", "department": "billing", "custodian": "emma",
        "location": "HQ cabinet 3", "schedule": "TOLL-BILLING", "trigger_date": "2026-03-31",
        "cpni_categories": ["billing", "destination"], "label_verification": "visual", "label_confirmed": True,
    }),
    "record-change": example("A new location", {"location": "HQ cabinet 4"}),
    "extend": example("Two more years", {"period_value": 2, "period_unit": "years",
                                         "reason": "Billing dispute pending"}),
    "shredding": example("Shredded on site", {"destroyed_on": "2026-11-20", "method": "cross_cut_shredder",
                                              "witness": None, "notes": "Shredder in room 2.14"}),
    "hand-over": example("The serial number on the medium", {"serial_number": "SN-0001"}),
    "sanitization": example("Cryptographic erase", {
        "destroyed_on": "2026-11-20", "method_type": "purge", "method": "cryptographic_erase",
        "method_details": "ATA Sanitize Crypto Scramble", "tool_name": "hdparm", "tool_version": "9.65",
        "verification_method": "Full read-back sample of 10% of sectors", "verification_result": "No recoverable data",
        "destination": "recycling_facility", "media_make": "Seagate", "media_model": "ST2000DM008",
        "data_backed_up": False,
    }),
    "schedule": example("Toll billing records", {
        "code": "TOLL-BILLING-2", "title": "Toll billing records", "period_value": 18, "period_unit": "months",
        "legal_minimum_value": 18, "legal_minimum_unit": "months", "legal_citation": "47 CFR 42.6",
    }),
    "schedule-change": example("A longer period, confirmed", {"period_value": 24, "confirm": True}),
    "hold": example("Every record of a customer account", {
        "matter": "Smith v. Example Telecom", "reason": "Litigation hold", "customer_reference": "ACC-20931",
    }),
    "release": example("Settled", {"reason": "Matter settled; counsel released the hold"}),
    "correct": example("The serial number as printed on the medium", {
        "media_serial_number": "WX41A12345", "reason": "Serial mistyped at logging; read again from the label",
    }),
}


class ConfirmationRequired(Conflict):
    default_code = "confirmation_required"

    def __init__(self, impact):
        super().__init__(
            f"This change moves the expiry date of {impact.records_moved} record(s); nothing was changed. "
            "Send it again with confirm: true to apply it."
        )
        self.extra = {"impact": s.ScheduleImpactSerializer(impact).data}


class ApiView(GenericAPIView):
    # Base of every API view: DRF authenticates (token or session) and answers 401/403 as JSON, so
    # the site's LoginRequiredMiddleware must not redirect API calls to the sign-in page (DRF 3.16+
    # marks its views so too; saying it here keeps it true whatever DRF does). Comments, not a
    # docstring: the schema would show a docstring as each operation's description.

    permission_key = None
    http_method_names = ["get", "post", "patch", "head"]  # OPTIONS too is 405: the schema describes the API

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            rate_check(request, "api_write")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def body(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@csrf_exempt  # it changes nothing; a POST without a CSRF token gets the same JSON 404
@login_not_required
def api_not_found(request, *args, **kwargs):
    """Anything under /api/ that is not an API URL: a JSON 404, never the site's HTML page."""
    response = JsonResponse(problem(404, "There is no such API URL.", "not_found"), status=404)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Records


def _record(request, reference):
    """The record if the caller may see it; 404 otherwise, whether or not it exists."""
    if not _REFERENCE.fullmatch(reference):
        raise NotFound()
    try:
        record = selectors.record_for_user(request.user, reference)
    except Record.DoesNotExist:
        raise NotFound() from None
    record.active_holds = list(holds.active_holds_of(record))
    record.on_hold = bool(record.active_holds)
    return record


def _actions(record, user):
    """The action sub-resources `user` may POST to on `record` now."""
    actions = {s.TRANSITION_ACTIONS[name] for name in lifecycle.available_transitions(record, user)
               if name in s.TRANSITION_ACTIONS}
    if user.has_perm("records.extend_retention") and record.status in (Status.ACTIVE, Status.DUE):
        actions.add("extend")
    done = getattr(record, "destruction", None)
    if (done is not None and not done.validated_by_id and user.has_perm("records.validate_destruction")
            and user.pk not in (done.performed_by_id, record.custodian_id)):
        actions.add("validate")
    if user.has_perm("records.correct_record") and record.status in lifecycle.CORRECTABLE_STATUSES and not record.on_hold:
        actions.add("correct")
    return sorted(actions)


def record_response(request, reference, status_code=status.HTTP_200_OK, headers=None):
    record = _record(request, reference)
    record.actions = _actions(record, request.user)
    record.carried_minimums = list(record.legal_minimums.order_by("citation"))
    record.retention_terms = [
        {**asdict(term), "governs": governs} for term, governs in retention.governing_terms(record, record.carried_minimums)
    ]
    if not hasattr(record, "destruction"):
        record.destruction = None
    return Response(s.RecordDetailSerializer(record).data, status=status_code, headers=headers)


class RecordList(ApiView):
    permission_key = "record-list"
    serializer_class = s.RecordSerializer

    @extend_schema(
        tags=[RECORDS_TAG], operation_id="records_list",
        summary="List the records the caller may see",
        description="Employees see their own department's records; the other roles see all. Filters as on the "
        "record list page; `sort` orders (with a stable tie-break), pages of `page_size` (at most 200).",
        parameters=[s.RecordFilterSerializer],
        responses={200: s.RecordSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request):
        # A plain dict, not the QueryDict: DRF reads an empty form value as "not given", the API
        # as what it is (an empty status is not a status).
        filters = s.RecordFilterSerializer(data=request.query_params.dict(), context={"request": request})
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        records = selectors.record_list(
            request.user,
            search=data.get("search", "").strip(),
            status=data.get("status", ""),
            medium=data.get("medium", ""),
            department=data.get("department"),
            schedule=data.get("schedule"),
            expiry_from=data.get("expiry_from"),
            expiry_to=data.get("expiry_to"),
            on_hold=data.get("on_hold"),
            sort=data["sort"],
        ).select_related(
            "created_by", "label_attested_by", "label_import__requested_by"
        ).defer("label_import__content")
        if data.get("hold"):
            records = records.filter(held_by__hold_id=data["hold"])
        page = self.paginate_queryset(selectors.with_active_holds(records))
        for record in page:
            record.on_hold = bool(record.active_holds)
        return self.get_paginated_response(s.RecordSerializer(page, many=True).data)

    @extend_schema(
        tags=[RECORDS_TAG], operation_id="records_create",
        summary="Log a record",
        description="As the record form: the reference is numbered, the expiry derived from the schedule; a record "
        "logged already past its expiry is due for destruction at once (`status: \"due\"`). The trigger date lies "
        "between the day the company's records began and today. The serial number is stored in capitals without "
        "spaces and is unique among records not yet destroyed (400 naming the record that holds it). A record "
        "with CPNI needs the CONFIDENTIAL label attested: through the API by visual confirmation "
        "(`label_verification: \"visual\"`, `label_confirmed: true`); the file check (reading an uploaded "
        "document for the marking) is on the web page only, and a body with `label_document` is refused.",
        request=s.RecordWriteSerializer, examples=EXAMPLES["record"],
        responses={201: s.RecordDetailSerializer, **problems(400, 415)},
    )
    def post(self, request):
        data = self.body(s.RecordWriteSerializer)
        record = services.record_create(actor=request.user, **data)
        return record_response(request, record.reference, status.HTTP_201_CREATED,
                               headers={"Location": f"{request.path}{record.reference}/"})


class RecordDetail(ApiView):
    permission_key = "record-detail"
    serializer_class = s.RecordDetailSerializer

    @extend_schema(
        tags=[RECORDS_TAG], operation_id="records_retrieve", summary="One record, with the actions open to the caller",
        parameters=[REFERENCE_PARAMETER], responses={200: s.RecordDetailSerializer, **problems(404)},
    )
    def get(self, request, reference):
        return record_response(request, reference)

    @extend_schema(
        tags=[RECORDS_TAG], operation_id="records_partial_update",
        summary="Change a record's input fields",
        description="As the record form: a destroyed record is never changed (409), nor one under an active legal "
        "hold (409, naming the hold: \"CPNI-2026-000123 is under legal hold #3 (Smith v. Carrier): it cannot be "
        "changed until the hold is released.\"); the schedule and trigger date only while the record is active, and "
        "the expiry follows (due at once when it has passed); the medium, serial number, department and custodian "
        "only while it is active too (afterwards see `correct/`). A new label attestation is visual only.",
        parameters=[REFERENCE_PARAMETER], request=s.RecordWriteSerializer, examples=EXAMPLES["record-change"],
        responses={200: s.RecordDetailSerializer, **problems(400, 404, 409, 415)},
    )
    def patch(self, request, reference):
        record = _record(request, reference)
        if record.status not in lifecycle.EDITABLE_STATUSES:
            raise Conflict("A destroyed record cannot be changed.")
        if record.active_holds:
            raise Conflict(holds.frozen_message(record, record.active_holds))
        data = dict(self.body(s.RecordWriteSerializer, partial=True))
        attestation = {name: data.pop(name) for name in ("label_verification", "label_confirmed") if name in data}
        services.record_update(actor=request.user, record=record, **attestation, **data)
        return record_response(request, reference)


class RecordAction(ApiView):
    # POST /api/v1/records/{reference}/<action>/: one lifecycle step, answered with the record.

    transition = None  # the lifecycle transition checked before the body is read
    request_serializer = None

    def post(self, request, reference):
        record = _record(request, reference)
        self.check(record)
        data = self.body(self.request_serializer) if self.request_serializer else {}
        self.perform(record, data)
        return record_response(request, reference)

    def check(self, record):
        """Refuse (403/409) before reading the body: may this caller take this step on this record now?"""
        lifecycle.check_transition(record, self.transition, actor=self.request.user)

    def perform(self, record, data):
        raise NotImplementedError


def _action_schema(summary, description, request=None, extra=(), examples=None):
    return extend_schema(
        tags=[RECORDS_TAG], summary=summary, description=description, parameters=[REFERENCE_PARAMETER],
        request=request, examples=EXAMPLES[examples] if examples else None,
        responses={200: s.RecordDetailSerializer, **problems(404, 409, *extra)},
    )


class RecordExtend(RecordAction):
    permission_key = "record-extend"
    request_serializer = s.ExtendSerializer

    @_action_schema(
        "Keep a record longer", "Records managers. An active or due record is kept longer by a period, for a reason; "
        "a due record whose new expiry lies ahead becomes active again.", s.ExtendSerializer, (400, 415), "extend",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def check(self, record):
        if record.status not in (Status.ACTIVE, Status.DUE):
            raise Conflict(f"{record.reference} is {record.get_status_display().lower()}: only active or due "
                           "records can be kept longer.")

    def perform(self, record, data):
        services.record_extend_retention(actor=self.request.user, record=record, **data)


class RecordMarkForShredding(RecordAction):
    permission_key = "record-mark-for-shredding"
    transition = "mark_for_shredding"

    @_action_schema(
        "Mark due paper for shredding", "Its custodian or a records manager; the record must be due, paper and not "
        "under a legal hold. No body.",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def perform(self, record, data):
        destruction.record_mark_for_shredding(actor=self.request.user, record=record)


class RecordConfirmShredding(RecordAction):
    permission_key = "record-confirm-shredding"
    transition = "confirm_shredding"
    request_serializer = s.ShreddingSerializer

    @_action_schema(
        "Confirm the shredding", "The custodian, of paper pending shredding: the record is destroyed and gets a "
        "certificate number (see `destruction`). A witness is optional and someone else.",
        s.ShreddingSerializer, (400, 415), "shredding",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def perform(self, record, data):
        destruction.shredding_confirm(actor=self.request.user, record=record, **data)


class RecordHandOver(RecordAction):
    permission_key = "record-hand-over"
    transition = "request_handover"
    request_serializer = s.HandOverSerializer

    @_action_schema(
        "Hand a due medium over to Network Operations", "Its custodian or a records manager; the serial number read "
        "from the medium must match the record's.", s.HandOverSerializer, (400, 415), "hand-over",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def perform(self, record, data):
        with _as_serial_number_error():
            destruction.media_hand_over(actor=self.request.user, handovers=[(record, data["serial_number"])])


@contextmanager
def _as_serial_number_error():
    """A serial number that does not match the record's, refused as the serial_number field's error."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({"serial_number": error.messages}) from None


class RecordReceive(RecordAction):
    permission_key = "record-receive"
    transition = "receive_media"

    request_serializer = s.HandOverSerializer

    @_action_schema(
        "Acknowledge receipt of a medium", "The Director, Network Operations (never the medium's custodian), of a "
        "medium handed over and awaiting receipt; the serial number read off the medium on receipt must match the "
        "record's.", s.HandOverSerializer, (400, 415), "hand-over",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def perform(self, record, data):
        with _as_serial_number_error():
            destruction.media_receive(actor=self.request.user, receipts=[(record, data["serial_number"])])


class RecordConfirmSanitization(RecordAction):
    permission_key = "record-confirm-sanitization"
    transition = "confirm_media_destruction"
    request_serializer = s.SanitizationSerializer

    @_action_schema(
        "Confirm a medium's sanitization (NIST SP 800-88)", "The Director, Network Operations (never the medium's "
        "custodian), of a medium in custody: the record is destroyed and gets a certificate of sanitization. The "
        "method type, method and destination must be a combination NIST SP 800-88 allows for the medium (see the "
        "fields); anything else is refused (400) with the reason.",
        s.SanitizationSerializer, (400, 415), "sanitization",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def perform(self, record, data):
        data = dict(data)
        media = {record.pk: {name: data.pop(name) for name in destruction.PER_MEDIUM_FIELDS}}
        destruction.media_destruction_confirm(actor=self.request.user, records=[record], media=media, **data)


class RecordValidate(RecordAction):
    permission_key = "record-validate"

    @_action_schema(
        "Countersign a destruction", "Records managers or Network Operations, someone other than who destroyed the "
        "record and its custodian. 409 when the record has no destruction or it is validated already. No body.",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def check(self, record):
        done = getattr(record, "destruction", None)
        if done is None:
            raise Conflict(f"{record.reference} has not been destroyed: there is nothing to validate.")
        if done.validated_by_id:
            raise Conflict(f"The destruction of {record.reference} is validated already.")

    def perform(self, record, data):
        destruction.destruction_validate(actor=self.request.user, destruction=record.destruction)


# ---------------------------------------------------------------------------------------------
# Retention schedules


def _schedule(code, user):
    """The schedule with its counts of the records `user` sees."""
    if not _CODE.fullmatch(code):
        raise NotFound()
    try:
        return selectors.schedules_with_counts(user).get(code=code)
    except RetentionSchedule.DoesNotExist:
        raise NotFound() from None


class ScheduleList(ApiView):
    permission_key = "schedule-list"
    serializer_class = s.ScheduleSerializer

    @extend_schema(
        tags=[SCHEDULES_TAG], operation_id="schedules_list", summary="List the retention schedules (by code)",
        responses={200: s.ScheduleSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.schedules_with_counts(request.user))
        return self.get_paginated_response(s.ScheduleSerializer(page, many=True).data)

    @extend_schema(
        tags=[SCHEDULES_TAG], operation_id="schedules_create", summary="Create a retention schedule",
        description="Records managers.", request=s.ScheduleWriteSerializer, examples=EXAMPLES["schedule"],
        responses={201: s.ScheduleSerializer, **problems(400, 415)},
    )
    def post(self, request):
        data = self.body(s.ScheduleWriteSerializer)
        schedule = schedules.schedule_create(actor=request.user, **data)
        return Response(s.ScheduleSerializer(_schedule(schedule.code, request.user)).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"{request.path}{schedule.code}/"})


class ScheduleDetail(ApiView):
    permission_key = "schedule-detail"
    serializer_class = s.ScheduleSerializer

    @extend_schema(
        tags=[SCHEDULES_TAG], operation_id="schedules_retrieve", summary="One retention schedule",
        parameters=[CODE_PARAMETER], responses={200: s.ScheduleSerializer, **problems(404)},
    )
    def get(self, request, code):
        return Response(s.ScheduleSerializer(_schedule(code, request.user)).data)

    @extend_schema(
        tags=[SCHEDULES_TAG], operation_id="schedules_partial_update", summary="Change a retention schedule",
        description="Records managers. As on the web page, a change of the period or legal minimum moves the "
        "expiry date of every record on the schedule: without `confirm: true` nothing is changed and the answer is "
        "409 `confirmation_required` with the preview in `impact` (records moved, becoming due, returning to "
        "active, already in destruction). With it, the change is saved, every expiry recomputed with history, "
        "and the answer carries what it did in `impact`; a schedule with more records than can be recomputed at "
        "once is recomputed by a job: the answer is then 202 with the job in `job` (and in Location), which "
        "says what it did when done. A second change of the period while that job runs is refused (409 "
        "`state_conflict`).",
        parameters=[CODE_PARAMETER], request=s.ScheduleChangeSerializer, examples=EXAMPLES["schedule-change"],
        responses={
            200: s.ScheduleChangedSerializer,
            202: s.ScheduleChangedSerializer,
            **problems(400, 404, 415),
            409: OpenApiResponse(s.ConfirmationProblemSerializer, description="The change needs `confirm: true`."),
        },
    )
    def patch(self, request, code):
        schedule = _schedule(code, request.user)
        changes = dict(self.body(s.ScheduleChangeSerializer, partial=True))
        confirm = changes.pop("confirm", False)
        proposed = RetentionSchedule.objects.get(pk=schedule.pk)
        for name, value in changes.items():
            setattr(proposed, name, value)
        proposed.full_clean()  # as the web form: a schedule that could not be saved is never previewed
        if schedules.moves_expiries(schedule, changes, schedules.EXPIRY_FIELDS) and not confirm:
            raise ConfirmationRequired(schedules.schedule_change_impact(schedule, changes))
        saved, impact = schedules.schedule_update(actor=request.user, schedule=schedule, **changes)
        result = _schedule(saved.code, request.user)
        result.impact, result.job = (None, impact.job) if impact.job else (impact, None)
        if impact.job is None:
            return Response(s.ScheduleChangedSerializer(result).data)
        return Response(s.ScheduleChangedSerializer(result).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": reverse("api-job-detail", args=[impact.job.pk])})


class LegalMinimumList(ApiView):
    permission_key = "legal-minimum-list"
    serializer_class = s.LegalMinimumListSerializer

    @extend_schema(
        tags=[SCHEDULES_TAG], operation_id="legal_minimums_list",
        summary="List the further legal minimums a record may carry (by citation)",
        description="Besides its schedule's period and legal minimum, a record may fall under further legal minimums "
        "(`legal_minimums` on a record, by code); it expires when the longest has run, counted from its trigger "
        "date. Records managers keep the list on the web page.",
        responses={200: s.LegalMinimumListSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(LegalMinimum.objects.order_by("citation", "pk"))
        return self.get_paginated_response(s.LegalMinimumListSerializer(page, many=True).data)


# ---------------------------------------------------------------------------------------------
# Legal holds


def _holds():
    return LegalHold.objects.select_related("placed_by", "released_by").annotate(
        latest_job=Subquery(Job.objects.filter(kind__in=[Job.Kind.HOLD_PLACE, Job.Kind.HOLD_RELEASE], subject_id=OuterRef("pk"))
                            .order_by("-requested_at", "-pk").values("pk")[:1]),
        being_released=Exists(Job.objects.filter(kind=Job.Kind.HOLD_RELEASE, subject_id=OuterRef("pk"),
                                                 state__in=[Job.State.QUEUED, Job.State.RUNNING])) & Q(released_at__isnull=True),
    ).order_by("-placed_at", "-id")


def _hold(hold_id):
    if not _ID.fullmatch(str(hold_id)):
        raise NotFound()
    try:
        return holds.with_record_counts([_holds().get(pk=int(hold_id))])[0]
    except LegalHold.DoesNotExist:
        raise NotFound() from None


class HoldList(ApiView):
    permission_key = "hold-list"
    serializer_class = s.HoldSerializer

    @extend_schema(
        tags=[HOLDS_TAG], operation_id="holds_list", summary="List the legal holds (newest first)",
        responses={200: s.HoldSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request):
        page = holds.with_record_counts(self.paginate_queryset(_holds()))
        return self.get_paginated_response(s.HoldSerializer(page, many=True).data)

    @extend_schema(
        tags=[HOLDS_TAG], operation_id="holds_create", summary="Place a legal hold",
        description="Records managers. On exactly one of: `references` (the records listed), `schedule` (every "
        "record of a schedule, by code), `department` (by code) or `customer_reference`. Destroyed records are "
        "never held: the hold says which it left out (`destroyed_left_out`, with the date and certificate, for "
        "records listed by reference; `destroyed_left_out_count` for any scope; `left_out_notes` in words), and "
        "is refused (400, naming them) when nothing else matches. A held record never becomes due, is never "
        "destroyed and is never changed until released.\n\n"
        f"Up to {holds.INLINE_MAX:,} records, the hold is placed at once: 201. A larger scope is accepted at once and "
        "its records are linked by a job: 202, with `being_placed` true and `job` (poll `job.url` until `state` is "
        "`done`). Every record of the scope is held from the moment of the answer, linked yet or not.",
        request=s.HoldCreateSerializer, examples=EXAMPLES["hold"],
        responses={
            201: OpenApiResponse(s.HoldSerializer, description="Placed: every record is linked."),
            202: OpenApiResponse(s.HoldSerializer, description="Accepted and in force; a job links its records (`job`)."),
            **problems(400, 415),
        },
    )
    def post(self, request):
        data = self.body(s.HoldCreateSerializer)
        kind = next(name for name in s.HoldCreateSerializer.SCOPES if name in data)
        selection, scope = holds.selection_of(
            "customer" if kind == "customer_reference" else kind, actor=request.user,
            references=" ".join(data.get("references", [])), schedule=data.get("schedule"),
            department=data.get("department"), customer_reference=data.get("customer_reference", ""),
        )
        hold = holds.hold_place(actor=request.user, matter=data["matter"], reason=data["reason"], selection=selection,
                                scope=scope)
        return Response(s.HoldSerializer(_hold(hold.pk)).data,
                        status=status.HTTP_202_ACCEPTED if hold.job else status.HTTP_201_CREATED,
                        headers={"Location": f"{request.path}{hold.pk}/"})


class HoldDetail(ApiView):
    permission_key = "hold-detail"
    serializer_class = s.HoldSerializer

    @extend_schema(
        tags=[HOLDS_TAG], operation_id="holds_retrieve", summary="One legal hold",
        parameters=[HOLD_PARAMETER], responses={200: s.HoldSerializer, **problems(404)},
    )
    def get(self, request, hold_id):
        return Response(s.HoldSerializer(_hold(hold_id)).data)


JOB_PARAMETER = OpenApiParameter("job_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The job's id.")


class JobDetail(ApiView):
    permission_key = "job-detail"
    serializer_class = s.JobSerializer

    @extend_schema(
        tags=[JOBS_TAG], operation_id="jobs_retrieve", summary="One job: its progress, and when done what changed",
        description="Long work (a hold placed on or released from many records, a schedule's records recomputed, "
        "the audit chain verified) runs in the background; the answer that started it names its job. Poll this "
        "until `state` is `done` or `failed`. Only the person who started the job, and those who may see its work, "
        "find it (404 otherwise).",
        parameters=[JOB_PARAMETER], responses={200: s.JobSerializer, **problems(404)},
    )
    def get(self, request, job_id):
        job = Job.objects.select_related("requested_by").filter(pk=int(job_id)).first() if _ID.fullmatch(str(job_id)) else None
        if job is None or not jobs.may_view(request.user, job):
            raise NotFound()
        return Response(s.JobSerializer(job).data)


class HoldRelease(ApiView):
    permission_key = "hold-release"
    serializer_class = s.HoldSerializer

    @extend_schema(
        tags=[HOLDS_TAG], operation_id="holds_release", summary="Release a legal hold",
        description="Records managers, with a reason. Its records stay held by any other active hold. 409 when it "
        "was released already, is being released, or is still being placed.\n\n"
        f"A hold of up to {holds.INLINE_MAX:,} records is released at once: 200. A larger one is released by a job: "
        "202, with `being_released` true and `job`; it stays active, its records held, until the job is done.",
        parameters=[HOLD_PARAMETER], request=s.HoldReleaseSerializer, examples=EXAMPLES["release"],
        responses={
            200: OpenApiResponse(s.HoldSerializer, description="Released."),
            202: OpenApiResponse(s.HoldSerializer, description="Being released by a job (`job`)."),
            **problems(400, 404, 409, 415),
        },
    )
    def post(self, request, hold_id):
        hold = _hold(hold_id)
        if not hold.is_active:
            raise Conflict(f"Legal hold #{hold.pk} was released already.")
        data = self.body(s.HoldReleaseSerializer)
        released = holds.hold_release(actor=request.user, hold=hold, reason=data["reason"])
        return Response(s.HoldSerializer(_hold(hold.pk)).data,
                        status=status.HTTP_202_ACCEPTED if released.job else status.HTTP_200_OK)



class RecordCorrect(RecordAction):
    permission_key = "record-correct"
    request_serializer = s.CorrectionSerializer

    @_action_schema(
        "Correct what identifies a record", "Records managers, for a reason: the medium, serial number, department "
        "and custodian, which are frozen for edits once the record has left active. The values are checked as when "
        "a record is logged and the serial number stays unique; the correction is kept in the history, the audit "
        "trail (`record.corrected`, before and after) and the chain of custody. 409 for an active record (PATCH "
        "it), a destroyed one (never corrected) or one under a legal hold.", s.CorrectionSerializer, (400, 415), "correct",
    )
    def post(self, request, reference):
        return super().post(request, reference)

    def check(self, record):
        if record.status == Status.DESTROYED:
            raise Conflict(f"{record.reference} is destroyed: its record and certificate stand as issued.")
        if record.status == Status.ACTIVE:
            raise Conflict(f"{record.reference} is active: change it with PATCH; corrections are for records that "
                           "have left active.")
        if record.on_hold:
            raise Conflict(f"{record.reference} is under a legal hold: nothing about it may change until released.")

    def perform(self, record, data):
        data = dict(data)
        services.record_correct(actor=self.request.user, record=record, reason=data.pop("reason"), **data)


class CertificationList(ApiView):
    permission_key = "certification-list"
    serializer_class = s.CertificationYearSerializer

    @extend_schema(
        tags=[CERTIFICATION_TAG], operation_id="certifications_list",
        summary="Where each year's annual CPNI certification stands (newest year first)",
        description="One entry for every calendar year from the first with records up to the current one: its "
        "status, due date (47 CFR 64.2009(e), 1 March of the next year or the next business day), the package "
        "builds and the standing filing. Records managers, officers and auditors.",
        responses={200: s.CertificationYearSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(certification_years())
        return self.get_paginated_response(s.CertificationYearSerializer(page, many=True).data)
