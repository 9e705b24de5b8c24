"""The breach register in the REST API: /api/v1/breaches/ (GET: list; POST: open an incident),
/api/v1/breaches/{id}/ (GET; PATCH: details, links, the harm assessment, the determination, and
the steps "assessing" and "closed"), and its nested actions notifications/ and directions/ (POST).
Thin views over compliance.breaches, as the web pages; every deadline is a computed ISO date."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, MarkingField, StrictBooleanField, StrictCharField, StrictIntegerField
from records.api.views import _ID, ApiView, problems
from records.models import CpniCategory

from . import breach_clock, breaches
from .models import BreachIncident, BreachNotification, LawEnforcementDirection

BREACHES_TAG = "breaches"
BREACH_PARAMETER = OpenApiParameter("breach_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                    description="The incident's id (BR-00012 is 12).")


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its offset: a moment without one is ambiguous and refused."""

    default_error_messages = {"naive": "Give the date-time with its offset, e.g. 2026-11-20T14:30:00-05:00."}

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        parsed = super().to_internal_value(value)
        if not any(mark in value[10:] for mark in ("Z", "z", "+", "-")):
            self.fail("naive")
        return parsed


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class DutySerializer(serializers.Serializer):
    key = serializers.ChoiceField(["law_enforcement", "fcc", "customers"])
    label = serializers.CharField()
    citation = serializers.CharField()
    due_on = serializers.DateField(allow_null=True, help_text="The deadline; null where the rule sets none.")
    not_before = serializers.DateField(allow_null=True, help_text="Customers: the first day they may be told.")
    done_on = serializers.DateField(allow_null=True, help_text="The day of the first such notification.")
    required = serializers.BooleanField()
    is_open = serializers.BooleanField(help_text="Required and not yet done.")
    late = serializers.BooleanField(help_text="Done after its deadline.")
    note = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    sent_by = serializers.SlugRelatedField("username", read_only=True)

    class Meta:
        model = BreachNotification
        fields = ["id", "recipient", "notified_at", "method", "confirmation_number", "notes", "sent_by", "recorded_at",
                  "copy_sha256", "copy_size"]
        read_only_fields = fields


class DirectionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField("username", read_only=True)
    holds_until = serializers.SerializerMethodField(help_text="The last day it holds customer notice back (an oral "
                                                              "direction not confirmed in writing lapses).")

    class Meta:
        model = LawEnforcementDirection
        fields = ["id", "agency", "form", "given_on", "delay_until", "extends", "confirmed_in_writing_on", "holds_until",
                  "notes", "recorded_by", "recorded_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_holds_until(self, direction):
        return breach_clock.holds_until(direction).isoformat()


def _due(key, field="due_on"):
    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def read(self, incident):
        duty = incident.clock.duty(key)
        value = getattr(duty, field) if duty else None
        return value.isoformat() if value else None
    return read


class BreachSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    reference = serializers.CharField(read_only=True)
    reported_by = serializers.SlugRelatedField("username", read_only=True)
    harm_assessed_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    records = serializers.SlugRelatedField("reference", many=True, read_only=True)
    rule = serializers.SerializerMethodField(help_text="The rule its deadlines follow, fixed when it is determined "
                                                       "(null before).")
    law_enforcement_due = serializers.SerializerMethodField(help_text="USSS and FBI: 7 business days after determination.")
    fcc_due = serializers.SerializerMethodField(help_text="2023 rule: the FCC's deadline (the annual summary's for a "
                                                          "small breach without likely harm); null under the legacy rule.")
    customers_due = serializers.SerializerMethodField(help_text="2023 rule: the latest day to tell customers; null "
                                                                "where the rule sets none or none is needed.")
    customers_not_before = serializers.SerializerMethodField(help_text="The first day customers may be told; null "
                                                                       "until it is known.")
    customers_wait_reason = serializers.SerializerMethodField()
    next_deadline = serializers.SerializerMethodField(help_text="The earliest open deadline.")
    retained_until = serializers.SerializerMethodField(help_text="A closed incident's record is kept until then.")
    duties = serializers.SerializerMethodField()
    notifications = NotificationSerializer(many=True, read_only=True)
    directions = DirectionSerializer(many=True, read_only=True)

    get_law_enforcement_due = _due("law_enforcement")
    get_fcc_due = _due("fcc")
    get_customers_due = _due("customers")

    class Meta:
        model = BreachIncident
        fields = [
            "marking", "id", "reference", "status", "rule", "reported_by", "reported_at", "discovered_at",
            "reasonably_determined_at", "description", "circumstances", "occurred_from", "occurred_to",
            "customers_affected", "cpni_categories", "other_pii", "encrypted_key_safe", "estimated_loss", "harm_likely",
            "harm_reason", "harm_assessed_by", "harm_assessed_at", "urgent_need", "urgent_need_agency",
            "urgent_need_consulted_at", "closed_at", "closure_note", "records", "complaints", "pretexting",
            "law_enforcement_due", "fcc_due", "customers_due", "customers_not_before", "customers_wait_reason",
            "next_deadline", "retained_until", "duties", "notifications", "directions",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": BreachIncident.Rule.values, "nullable": True})
    def get_rule(self, incident):
        return incident.rule or None

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_customers_not_before(self, incident):
        return incident.clock.customers_from.isoformat() if incident.clock.customers_from else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_customers_wait_reason(self, incident):
        return incident.clock.customers_wait_reason

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_next_deadline(self, incident):
        duty = incident.clock.next_deadline
        return duty.due_on.isoformat() if duty else None

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_retained_until(self, incident):
        until = breach_clock.retained_until(incident)
        return until.isoformat() if until else None

    @extend_schema_field(DutySerializer(many=True))
    def get_duties(self, incident):
        return DutySerializer(incident.clock.duties, many=True).data


def _text(max_length=MAX_TEXT, **kwargs):
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class BreachWriteSerializer(serializers.Serializer):
    description = StrictCharField(max_length=MAX_TEXT, help_text="What happened. No CPNI.")
    discovered_at = AwareDateTimeField()
    reasonably_determined_at = AwareDateTimeField(
        required=False, help_text="When it was reasonably determined a breach: given, the incident is determined and "
                                  "its clock starts (only once).")
    circumstances = _text()
    occurred_from = StrictDateField(required=False, allow_null=True)
    occurred_to = StrictDateField(required=False, allow_null=True)
    customers_affected = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=10**9)
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), required=False,
                                            max_length=len(CpniCategory.choices))
    other_pii = _text()
    encrypted_key_safe = StrictBooleanField(required=False)
    estimated_loss = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                              min_value=0, coerce_to_string=False)
    records = serializers.ListField(child=StrictCharField(max_length=20), required=False, max_length=1000,
                                    help_text="References of the documents it concerns (the whole list).")
    complaints = serializers.ListField(child=StrictIntegerField(min_value=1, max_value=2**31), required=False,
                                       max_length=1000, help_text="Ids of the customer complaints it concerns.")
    pretexting = serializers.ListField(child=StrictIntegerField(min_value=1, max_value=2**31), required=False,
                                       max_length=1000, help_text="Ids of the pretexting observations it concerns.")


class BreachChangeSerializer(BreachWriteSerializer):
    status = serializers.ChoiceField(["assessing", "closed"], required=False,
                                     help_text="`assessing` to start assessing a reported incident; `closed` (with "
                                               "`closure_note`) to close one.")
    closure_note = _text()
    harm_likely = StrictBooleanField(required=False, help_text="The harm assessment (with `harm_reason`).")
    harm_reason = _text()


class NotificationWriteSerializer(serializers.Serializer):
    recipient = serializers.ChoiceField(BreachNotification.Recipient.choices)
    notified_at = AwareDateTimeField()
    method = serializers.ChoiceField(BreachNotification.Method.choices)
    confirmation_number = _text(100)
    notes = _text()


class DirectionWriteSerializer(serializers.Serializer):
    confirms = StrictIntegerField(required=False, min_value=1, max_value=2**31,
                                  help_text="An oral direction's id: records its written confirmation "
                                            "(`confirmed_in_writing_on`) instead of a new direction.")
    agency = StrictCharField(max_length=200, required=False)
    form = serializers.ChoiceField(LawEnforcementDirection.Form.choices, required=False)
    given_on = StrictDateField(required=False)
    delay_until = StrictDateField(required=False)
    extends = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=2**31)
    confirmed_in_writing_on = StrictDateField(required=False, allow_null=True)
    notes = _text()

    def validate(self, data):
        if "confirms" in data:
            if not data.get("confirmed_in_writing_on"):
                raise serializers.ValidationError({"confirmed_in_writing_on": "Give the day of the written confirmation."})
            return data
        missing = {name: "This field is required." for name in ("agency", "form", "given_on", "delay_until")
                   if name not in data}
        if missing:
            raise serializers.ValidationError(missing)
        return data


def _incidents():
    return BreachIncident.objects.select_related("reported_by", "harm_assessed_by").prefetch_related(
        "records", "complaints", "pretexting", "notifications__sent_by", "directions__recorded_by")


def _with_clock(incident):
    incident.clock = breach_clock.incident_clock(incident)
    return incident


def _incident(breach_id):
    if not _ID.fullmatch(str(breach_id)):
        raise NotFound()
    try:
        return _with_clock(_incidents().get(pk=int(breach_id)))
    except BreachIncident.DoesNotExist:
        raise NotFound() from None


def _response(breach_id, status_code=status.HTTP_200_OK, headers=None):
    return Response(BreachSerializer(_incident(breach_id)).data, status=status_code, headers=headers)


def _split(data):
    data = dict(data)
    links = {name: data.pop(name) for name in ("records", "complaints", "pretexting") if name in data}
    return data, links


EXAMPLE = [OpenApiExample("Determined at once", request_only=True, value={
    "description": "A billing clerk's account was used to look up call records without a customer request",
    "discovered_at": "2026-11-16T09:15:00-05:00", "reasonably_determined_at": "2026-11-17T16:00:00-05:00",
    "customers_affected": 40, "cpni_categories": ["billing", "destination"],
})]


class BreachList(ApiView):
    permission_key = "breach-list"
    serializer_class = BreachSerializer

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_list",
                   summary="The breach register (newest discovery first)",
                   description="Records managers, officers, auditors and the Director, Network Operations read it.",
                   responses={200: BreachSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(_incidents().order_by("-discovered_at", "-id"))
        return self.get_paginated_response(BreachSerializer([_with_clock(i) for i in page], many=True).data)

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_create", summary="Open a breach incident",
                   description="Records managers. Opened \"reported\"; with `reasonably_determined_at` it is determined "
                   "at once and its clock starts under the rule in force (BREACH_RULE). Moments are ISO 8601 with "
                   "their offset, none in the future, the determination not before the discovery. Documents linked "
                   "(by reference) are kept at least 2 years from the incident's last notification or closure. "
                   "(Employees report a suspected breach on the web page.)",
                   request=BreachWriteSerializer, examples=EXAMPLE,
                   responses={201: BreachSerializer, **problems(400, 409, 415)})
    def post(self, request):
        data, links = _split(self.body(BreachWriteSerializer))
        determined = data.pop("reasonably_determined_at", None)
        incident = breaches.breach_report(actor=request.user, fields=data, links=links,
                                          reasonably_determined_at=determined)
        return _response(incident.pk, status.HTTP_201_CREATED, headers={"Location": f"{request.path}{incident.pk}/"})


class BreachDetail(ApiView):
    permission_key = "breach-detail"
    serializer_class = BreachSerializer

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_retrieve",
                   summary="One incident, with every deadline and what is still open",
                   parameters=[BREACH_PARAMETER], responses={200: BreachSerializer, **problems(404)})
    def get(self, request, breach_id):
        return _response(breach_id)

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_partial_update", summary="Change an open incident",
                   description="Records managers. In this order, all or nothing: the harm assessment (`harm_likely` "
                   "with `harm_reason`); the details and links (each link the whole list); the determination "
                   "(`reasonably_determined_at`, once); then `status`: `assessing`, or `closed` with `closure_note` "
                   "(refused while a notification the rule asks for is open). A closed incident is not changed (409).",
                   parameters=[BREACH_PARAMETER], request=BreachChangeSerializer,
                   responses={200: BreachSerializer, **problems(400, 404, 409, 415)})
    def patch(self, request, breach_id):
        incident = _incident(breach_id)
        data, links = _split(self.body(BreachChangeSerializer, partial=True))
        step, note = data.pop("status", None), data.pop("closure_note", "")
        determined = data.pop("reasonably_determined_at", None)
        harm = {name: data.pop(name) for name in ("harm_likely", "harm_reason") if name in data}
        user = request.user
        with transaction.atomic():
            if harm:
                incident = breaches.breach_assess_harm(actor=user, incident=incident, harm_likely=harm.get("harm_likely"),
                                                       reason=harm.get("harm_reason", ""))
            if data or links:
                incident = breaches.breach_update(actor=user, incident=incident, fields=data, links=links)
            if determined is not None:
                incident = breaches.breach_determine(actor=user, incident=incident, reasonably_determined_at=determined)
            if step == "assessing":
                breaches.breach_assess(actor=user, incident=incident)
            elif step == "closed":
                breaches.breach_close(actor=user, incident=incident, note=note)
        return _response(incident.pk)


class BreachNotifications(ApiView):
    permission_key = "breach-notifications"
    serializer_class = BreachSerializer

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_notifications_create",
                   summary="Record a notification made for an incident",
                   description="Records managers, for a determined incident. A customer notice the rule does not "
                   "allow yet is refused (400), saying why and from which day it is. The copy of the notice as sent "
                   "is uploaded on the web page. Answers with the incident.",
                   parameters=[BREACH_PARAMETER], request=NotificationWriteSerializer,
                   responses={201: BreachSerializer, **problems(400, 404, 409, 415)})
    def post(self, request, breach_id):
        incident = _incident(breach_id)
        data = self.body(NotificationWriteSerializer)
        breaches.breach_notification_record(actor=request.user, incident=incident, **data)
        return _response(incident.pk, status.HTTP_201_CREATED)


class BreachDirections(ApiView):
    permission_key = "breach-directions"
    serializer_class = BreachSerializer

    @extend_schema(tags=[BREACHES_TAG], operation_id="breaches_directions_create",
                   summary="Record a law-enforcement direction to delay customer notice, or its confirmation",
                   description="Records managers. A first direction delays notice up to 30 days; `extends` names the "
                   "direction an extension extends. An oral direction holds only once confirmed in writing within "
                   "BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS business days (`confirmed_in_writing_on`, now or later "
                   "with `confirms`). Answers with the incident, whose customer dates move.",
                   parameters=[BREACH_PARAMETER], request=DirectionWriteSerializer,
                   responses={201: BreachSerializer, **problems(400, 404, 409, 415)})
    def post(self, request, breach_id):
        incident = _incident(breach_id)
        data = dict(self.body(DirectionWriteSerializer))
        directions = incident.directions.all()
        if "confirms" in data:
            direction = next((d for d in directions if d.pk == data["confirms"]), None)
            if direction is None:
                raise serializers.ValidationError({"confirms": "No such direction of this incident."})
            breaches.breach_direction_confirm(actor=request.user, direction=direction,
                                              confirmed_in_writing_on=data["confirmed_in_writing_on"])
            return _response(incident.pk, status.HTTP_201_CREATED)
        extends = data.pop("extends", None)
        if extends is not None:
            extends = next((d for d in directions if d.pk == extends), None)
            if extends is None:
                raise serializers.ValidationError({"extends": "No such direction of this incident."})
        breaches.breach_direction_record(actor=request.user, incident=incident, extends=extends, **data)
        return _response(incident.pk, status.HTTP_201_CREATED)
