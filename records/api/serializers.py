"""What goes in and out of the API. Input serializers only check the shape of a request (types,
lengths, choices, that a named department, person or schedule exists and is one the caller may
choose); the rules themselves stay in the services, which the views call with the validated data.
Related objects are named by their code (departments, schedules) or username (people)."""

import re

from drf_spectacular.utils import extend_schema_field
from django.urls import reverse
from rest_framework import serializers

from compliance.selectors import STATUS_CHOICES, STATUSES

from records import jobs, sanitization, selectors
from records.destruction import paper_methods
from records.models import (
    CpniCategory,
    Department,
    Destruction,
    Job,
    LabelVerification,
    LegalHold,
    LegalMinimum,
    Medium,
    PeriodUnit,
    Record,
    RetentionSchedule,
    Status,
    User,
)
from compliance.models import CertificationPackage

from .pagination import MARKING

MAX_PERIOD = 1200  # as the web form's retention extension; keeps every derived date in the calendar
MAX_TEXT = 5000
MAX_REFERENCES = 1000
MAX_MINIMUMS = 50
REFERENCE_PATTERN = r"CPNI-[0-9]{4}-[0-9]{6,10}"
CODE_PATTERN = r"[-a-zA-Z0-9_]{1,40}"
_SURROGATE = re.compile("[\ud800-\udfff]")
# The label attestation the API takes: the file check reads an uploaded document, on the web page.
VISUAL_ONLY = [(LabelVerification.VISUAL.value, LabelVerification.VISUAL.label)]


@extend_schema_field(
    {"type": "string", "enum": [MARKING], "description": "Every response with record data is marked CONFIDENTIAL."}
)
class MarkingField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return MARKING


# JSON types as the schema says them: DRF would otherwise take 0 for false and 5 for "5", and a
# client sending `"contains_cpni": 0` would log a record as holding no CPNI, unlabelled.
class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class LookupField(serializers.SlugRelatedField):
    """A related object by its code or username. Text that cannot be one (too long, NUL or lone
    surrogate characters) is refused before it reaches the database."""

    def __init__(self, slug_field, *, max_length, **kwargs):
        self.max_length = max_length
        super().__init__(slug_field=slug_field, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not 0 < len(data) <= self.max_length:
            self.fail("invalid")
        if "\x00" in data or _SURROGATE.search(data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _code_field(queryset=None, **kwargs):
    """A schedule (or, given its queryset, a department) by its code; the serializer narrows the
    queryset to what the caller may choose."""
    queryset = RetentionSchedule.objects.none() if queryset is None else queryset
    return LookupField("code", max_length=40, queryset=queryset, **kwargs)


def _person_field(queryset=None, **kwargs):
    """A person by username; the serializer narrows the queryset to whom the caller may choose."""
    queryset = User.objects.none() if queryset is None else queryset
    return LookupField("username", max_length=150, queryset=queryset, **kwargs)


def _text(max_length, **kwargs):
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    if not kwargs["required"]:
        kwargs.setdefault("default", "")
    return StrictCharField(max_length=max_length, **kwargs)


# ---------------------------------------------------------------------------------------------
# Records


class DestructionSerializer(serializers.ModelSerializer):
    performed_by = serializers.SlugRelatedField("username", read_only=True)
    witness = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    validated_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    method = serializers.CharField(read_only=True)
    method_type = serializers.CharField(read_only=True)
    destination = serializers.CharField(read_only=True)
    awaiting_validation = serializers.BooleanField(
        read_only=True, help_text="A sanitized medium that left the organisation whose certificate no second person "
        "has countersigned yet (`validate`).",
    )

    class Meta:
        model = Destruction
        fields = [
            "certificate_number", "kind", "method", "method_type", "destroyed_on", "performed_by", "performed_at",
            "witness", "vendor_certificate_number", "verification_method", "verification_result", "destination",
            "awaiting_validation", "validated_by", "validated_at",
        ]
        read_only_fields = fields


class LegalMinimumSerializer(serializers.ModelSerializer):
    period_unit = serializers.ChoiceField(PeriodUnit.choices, read_only=True)

    class Meta:
        model = LegalMinimum
        fields = ["code", "citation", "title", "description", "period_value", "period_unit", "is_active"]
        read_only_fields = fields


class LegalMinimumListSerializer(LegalMinimumSerializer):
    marking = MarkingField()

    class Meta(LegalMinimumSerializer.Meta):
        fields = ["marking", *LegalMinimumSerializer.Meta.fields]
        read_only_fields = fields


class RetentionTermSerializer(serializers.Serializer):
    what = serializers.CharField(help_text="The schedule, the schedule's legal minimum, or a further legal minimum.")
    citation = serializers.CharField(help_text="The rule that sets it; empty for the schedule's own period.")
    period = serializers.CharField(help_text="e.g. 18 months.")
    ends_on = serializers.DateField(help_text="The trigger date plus the period.")
    additional = serializers.BooleanField(help_text="A further legal minimum the record carries.")
    governs = serializers.BooleanField(help_text="It ends last: the expiry (before extensions) is its end.")


class HoldReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalHold
        fields = ["id", "matter", "placed_at"]
        read_only_fields = fields


class RecordSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    cpni_categories = serializers.ListField(child=serializers.ChoiceField(CpniCategory.choices), read_only=True)
    department = serializers.SlugRelatedField("code", read_only=True)
    custodian = serializers.SlugRelatedField("username", read_only=True)
    schedule = serializers.SlugRelatedField("code", read_only=True)
    label_attested_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField("username", read_only=True)
    on_hold = serializers.BooleanField(
        read_only=True, help_text="Under an active legal hold: kept exactly as it is (no change, never due or "
        "destroyed) until every hold on it is released.",
    )
    active_holds = HoldReferenceSerializer(
        many=True, read_only=True,
        help_text="The active legal holds on the record, oldest first (empty when not on hold); each is "
        "GET /api/v1/holds/{id}/.",
    )
    label_verification = serializers.ChoiceField(
        LabelVerification.choices, allow_blank=True, read_only=True, help_text="Empty when not attested."
    )
    label_attestation_source = serializers.ChoiceField(
        [("app", "Attested in CPNI Track"), ("import", "Declared in an import")], allow_blank=True, read_only=True,
        help_text="`app`: `label_attested_by` attested it in CPNI Track at `label_attested_at`. `import`: the "
        "importing records manager (`label_declared_by`) declared it in import `label_import_id` on behalf of "
        "`label_attested_by`, who attested it on `label_attested_on` (a day: no time is known). Empty when not attested.",
    )
    label_attested_on = serializers.DateField(read_only=True, allow_null=True, help_text="The day of the attestation.")
    label_attested_at = serializers.DateTimeField(
        source="label_attested_time", read_only=True, allow_null=True,
        help_text="The moment of an attestation in CPNI Track; null for one declared in an import (a day only).",
    )
    label_import_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The import that declared the attestation, if one did."
    )
    label_declared_by = serializers.SlugRelatedField(
        "username", source="label_import.requested_by", read_only=True, allow_null=True,
        help_text="The records manager whose import declared the attestation.",
    )

    class Meta:
        model = Record
        fields = [
            "marking", "reference", "title", "contains_cpni", "cpni_categories", "medium", "media_serial_number",
            "department", "custodian", "location", "customer_reference", "schedule", "trigger_date",
            "expiry_date", "status", "status_changed_at", "on_hold", "active_holds", "notes", "label_verification",
            "label_attestation_source", "label_attested_by", "label_attested_on", "label_attested_at",
            "label_import_id", "label_declared_by", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


# The API's action for each lifecycle transition a person takes (the system's "expire" has none).
TRANSITION_ACTIONS = {
    "extend_retention": "extend",
    "mark_for_shredding": "mark-for-shredding",
    "confirm_shredding": "confirm-shredding",
    "request_handover": "hand-over",
    "receive_media": "receive",
    "confirm_media_destruction": "confirm-sanitization",
}
ACTIONS = sorted(set(TRANSITION_ACTIONS.values()) | {"validate", "correct"})


class RecordDetailSerializer(RecordSerializer):
    legal_minimums = LegalMinimumSerializer(
        source="carried_minimums", many=True, read_only=True, help_text="Legal minimums the record falls under besides its schedule's own."
    )
    retention_terms = RetentionTermSerializer(
        many=True, read_only=True,
        help_text="Every period the record is kept for, from its trigger date: the expiry is the end of the longest "
        "(`governs`), plus any extensions. Empty while the trigger event has not happened.",
    )
    destruction = DestructionSerializer(read_only=True, allow_null=True)
    actions = serializers.ListField(
        child=serializers.ChoiceField([(a, a) for a in ACTIONS]), read_only=True,
        help_text="The action sub-resources the caller may POST to now.",
    )

    class Meta(RecordSerializer.Meta):
        fields = RecordSerializer.Meta.fields + ["legal_minimums", "retention_terms", "destruction", "actions"]
        read_only_fields = fields


class RecordWriteSerializer(serializers.Serializer):
    """A record's input fields, as in the web form. The CONFIDENTIAL label is attested through the
    API by visual confirmation only (`label_verification: "visual"` and `label_confirmed: true`);
    the file check reads an uploaded document and is done on the web page."""

    title = StrictCharField(max_length=200)
    contains_cpni = StrictBooleanField(default=True)
    cpni_categories = serializers.ListField(
        child=serializers.ChoiceField(CpniCategory.choices), max_length=len(CpniCategory), default=list
    )
    medium = serializers.ChoiceField(Medium.choices)
    media_serial_number = _text(100)
    department = _code_field(Department.objects.none())
    custodian = _person_field()
    location = StrictCharField(max_length=200)
    customer_reference = _text(60)
    schedule = _code_field()
    trigger_date = serializers.DateField(required=False, allow_null=True, default=None)
    legal_minimums = serializers.ListField(
        child=LookupField("code", max_length=40, queryset=LegalMinimum.objects.all()), max_length=MAX_MINIMUMS,
        required=False,
        help_text="The codes of the further legal minimums the record falls under (GET /api/v1/legal-minimums/); "
        "on a change, the full list. It is kept until the longest of them and its schedule's has run.",
    )
    notes = _text(MAX_TEXT)
    label_verification = serializers.ChoiceField(
        VISUAL_ONLY, required=False, allow_blank=True,
        default="",
        help_text="`visual` to attest the CONFIDENTIAL marking now (the file check is on the web page only).",
    )
    label_confirmed = StrictBooleanField(
        default=False, help_text="I have seen the word CONFIDENTIAL marked on this document or medium."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # none while the schema is generated
        if request is not None:
            self.fields["department"].queryset = selectors.departments_for(request.user)
            self.fields["custodian"].queryset = selectors.custodians_for(request.user)
            self.fields["schedule"].queryset = selectors.schedules_in_use()

    def validate(self, data):
        # A document sent along would be neither read nor kept: refused rather than ignored, so that
        # no one takes a visual attestation here for a file check that never happened.
        if isinstance(self.initial_data, dict) and "label_document" in self.initial_data:
            raise serializers.ValidationError({"label_document": FILE_CHECK_ON_THE_WEB_PAGE})
        return data


FILE_CHECK_ON_THE_WEB_PAGE = (
    "The API takes no documents: the file check (reading a document for its CONFIDENTIAL marking) is on the web "
    "page, and a visual attestation does not stand in for a file that was not checked."
)


class CorrectionSerializer(serializers.Serializer):
    """A records manager's correction of what identifies a record; the fields left out stay as they are."""

    medium = serializers.ChoiceField(Medium.choices, required=False)
    media_serial_number = StrictCharField(max_length=100, required=False, allow_blank=True)
    department = _code_field(Department.objects.none(), required=False)
    custodian = _person_field(required=False)
    reason = StrictCharField(max_length=500, help_text="Why the record is corrected; kept with the correction.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["department"].queryset = selectors.departments_for(request.user)
            self.fields["custodian"].queryset = selectors.custodians_for(request.user)


class RecordFilterSerializer(serializers.Serializer):
    """The record list's filters (the web list's), checked: a bad value is a 400, not ignored."""

    search = _text(100, help_text="Part of the reference, title or custodian's name or username.")
    status = serializers.ChoiceField(Status.choices, required=False)
    medium = serializers.ChoiceField(Medium.choices, required=False)
    department = _code_field(Department.objects.none(), required=False, help_text="A department's code.")
    schedule = _code_field(required=False, help_text="A retention schedule's code.")
    expiry_from = serializers.DateField(required=False)
    expiry_to = serializers.DateField(required=False)
    hold = serializers.IntegerField(required=False, min_value=1, max_value=2**53, help_text="A legal hold's id.")
    on_hold = serializers.BooleanField(
        required=False, help_text="`true`: only records under an active legal hold; `false`: only the others.",
    )
    sort = serializers.ChoiceField(
        [(key, key) for name in selectors.RECORD_SORTS for key in (name, f"-{name}")], required=False,
        default="-created",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["department"].queryset = selectors.departments_for(request.user)
            self.fields["schedule"].queryset = RetentionSchedule.objects.all()

    def validate(self, data):
        if data.get("expiry_from") and data.get("expiry_to") and data["expiry_from"] > data["expiry_to"]:
            raise serializers.ValidationError({"expiry_to": "The end of the expiry range is before its start."})
        return data


class ExtendSerializer(serializers.Serializer):
    period_value = StrictIntegerField(min_value=1, max_value=MAX_PERIOD)
    period_unit = serializers.ChoiceField(PeriodUnit.choices)
    reason = StrictCharField(max_length=500)


class ShreddingSerializer(serializers.Serializer):
    destroyed_on = serializers.DateField(
        help_text="Between the day the record became due and today, in the carrier's time zone."
    )
    method = serializers.ChoiceField(Destruction.PaperMethod.choices)
    vendor_certificate_number = _text(100, help_text="Required for a shredding vendor.")
    witness = _person_field(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None,
        help_text="Optional: the username of someone else who saw it done.",
    )
    notes = _text(2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ", ".join(f"`{method}`" for method in paper_methods())
        self.fields["method"].help_text = f"How the paper was destroyed: the company allows {allowed} only."


class HandOverSerializer(serializers.Serializer):
    serial_number = _text(
        100, help_text="The serial number read from the medium; must match the record's (if it has one)."
    )


class SanitizationSerializer(serializers.Serializer):
    """The NIST SP 800-88 certificate of sanitization fields, as on the web page."""

    destroyed_on = serializers.DateField(
        help_text="Between the day Network Operations received the medium and today, in the carrier's time zone."
    )
    method_type = serializers.ChoiceField(Destruction.MethodType.choices, help_text=sanitization.method_type_help())
    method = serializers.ChoiceField(Destruction.MediaMethod.choices, help_text=sanitization.method_help())
    method_details = _text(2000)
    tool_name = _text(120, help_text="Required for clear and purge.")
    tool_version = _text(60, help_text="Required for clear and purge.")
    verification_method = StrictCharField(max_length=200)
    verification_result = StrictCharField(max_length=200)
    post_sanitization_classification = _text(120)
    destination = serializers.ChoiceField(Destruction.Destination.choices, help_text=sanitization.destination_help())
    destination_details = _text(200, help_text="Required for the destination `other`.")
    media_make = _text(120, help_text="This medium's make or vendor.")
    media_model = _text(120, help_text="This medium's model.")
    media_property_number = _text(120, help_text="This medium's property number.")
    media_source = _text(200)
    data_backed_up = StrictBooleanField(required=False, allow_null=True, default=None)
    backup_location = _text(200, help_text="Required when the data was backed up.")
    performer_location = _text(200)
    performer_phone = _text(40)
    notes = _text(2000)


# ---------------------------------------------------------------------------------------------
# Retention schedules


class ScheduleSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    applicable_media = serializers.ListField(
        child=serializers.ChoiceField(Medium.choices), read_only=True,
        help_text="Media the schedule applies to; empty means every medium.",
    )
    legal_minimum_unit = serializers.ChoiceField(PeriodUnit.choices, allow_blank=True, read_only=True)
    record_count = serializers.IntegerField(read_only=True, help_text="Records on it, not destroyed.")
    due_count = serializers.IntegerField(read_only=True, help_text="Records on it due for destruction and under no active legal hold.")

    class Meta:
        model = RetentionSchedule
        fields = [
            "marking", "code", "title", "description", "period_value", "period_unit", "trigger", "trigger_event",
            "legal_minimum_value", "legal_minimum_unit", "legal_citation", "default_disposition",
            "applicable_media", "is_active", "record_count", "due_count",
        ]
        read_only_fields = fields


class ScheduleWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40, help_text="Short code, e.g. TOLL-BILLING.")
    title = StrictCharField(max_length=200)
    description = _text(MAX_TEXT)
    period_value = StrictIntegerField(min_value=1, max_value=MAX_PERIOD)
    period_unit = serializers.ChoiceField(PeriodUnit.choices, default=PeriodUnit.MONTHS)
    trigger = serializers.ChoiceField(RetentionSchedule.Trigger.choices, default=RetentionSchedule.Trigger.CREATION)
    trigger_event = _text(120, help_text="For event triggers: the event, e.g. account closure.")
    legal_minimum_value = StrictIntegerField(
        min_value=1, max_value=MAX_PERIOD, required=False, allow_null=True, default=None
    )
    legal_minimum_unit = serializers.ChoiceField(PeriodUnit.choices, required=False, allow_blank=True, default="")
    legal_citation = _text(200, help_text="e.g. 47 CFR 42.6")
    default_disposition = serializers.ChoiceField(
        RetentionSchedule.Disposition.choices, default=RetentionSchedule.Disposition.DESTROY
    )
    applicable_media = serializers.ListField(
        child=serializers.ChoiceField(Medium.choices), max_length=len(Medium), default=list,
        help_text="Leave empty for a schedule that applies to every medium.",
    )
    is_active = StrictBooleanField(default=True)

    def validate_applicable_media(self, value):
        return list(dict.fromkeys(value))


class ScheduleChangeSerializer(ScheduleWriteSerializer):
    confirm = StrictBooleanField(
        default=False,
        help_text="A change of the period or legal minimum moves expiry dates: it is only applied with "
        "`confirm: true`; without it the answer is 409 with the preview (`impact`).",
    )


class ScheduleImpactSerializer(serializers.Serializer):
    records_moved = serializers.IntegerField(help_text="Records whose expiry date changes.")
    become_due = serializers.IntegerField(help_text="Active records past their new expiry: due at the next sweep.")
    return_to_active = serializers.IntegerField(help_text="Due records whose new expiry lies ahead: kept longer.")
    in_destruction = serializers.IntegerField(help_text="Records already on their way to destruction: unchanged.")


# ---------------------------------------------------------------------------------------------
# Legal holds


class DestroyedLeftOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    destroyed_on = serializers.DateField(allow_null=True)
    certificate_number = serializers.CharField(allow_null=True, help_text="Its certificate of destruction.")


class JobSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    requested_by = serializers.SlugRelatedField("username", read_only=True)
    percent = serializers.SerializerMethodField(help_text="How far it is, 0-100 (100 only when done).")
    seconds_left = serializers.SerializerMethodField(
        help_text="About how many seconds a running job still needs, from its pace so far; null when not running.")
    unit = serializers.SerializerMethodField(help_text="What `total` and `done` count: records or events.")
    result = serializers.JSONField(
        read_only=True, help_text="When done: `summary`, what changed in sentences, and the job's figures.")
    waiting_for_queue = serializers.SerializerMethodField(
        help_text="True while it has not started because the task queue could not be reached (or for as long as a lost "
        "task takes to be queued again): it starts by itself once the queue is back; there is no need to ask again.")

    class Meta:
        model = Job
        fields = [
            "marking", "id", "kind", "description", "state", "total", "done", "unit", "percent", "seconds_left",
            "requested_by", "requested_at", "started_at", "finished_at", "result", "error", "link", "waiting_for_queue",
        ]
        read_only_fields = fields

    def get_percent(self, job) -> int:
        return jobs.percent(job)

    def get_seconds_left(self, job) -> int | None:
        return jobs.seconds_left(job)

    def get_unit(self, job) -> str:
        return jobs.unit_of(job)

    def get_waiting_for_queue(self, job) -> bool:
        return jobs.waits_for_queue(job)


class ScheduleChangedSerializer(ScheduleSerializer):
    impact = ScheduleImpactSerializer(
        read_only=True, allow_null=True,
        help_text="What the change did to the schedule's records; null while a job recomputes them (see `job`).")
    job = JobSerializer(
        read_only=True, allow_null=True,
        help_text="When the schedule has too many records to recompute at once (the answer is then 202): the job "
        "that recomputes them. Follow it at /api/v1/jobs/{id}/ (the Location header); its result has the figures.")

    class Meta(ScheduleSerializer.Meta):
        fields = ScheduleSerializer.Meta.fields + ["impact", "job"]
        read_only_fields = fields


class JobReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="GET it for the job's progress and, when done, what changed.")


class HoldSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    being_placed = serializers.BooleanField(
        source="is_being_placed", read_only=True,
        help_text="Accepted, and a job is still linking its records (`record_count` so far). Every record of its "
        "scope is held meanwhile. It cannot be released until placed.",
    )
    being_released = serializers.BooleanField(
        read_only=True, help_text="A job is releasing it: it stays active (its records held) until the job is done.",
    )
    job = serializers.SerializerMethodField(
        help_text="The latest job that placed or released it (`GET` its `url` for the progress); null when both "
        "were done at once.",
    )
    placed_by = serializers.SlugRelatedField("username", read_only=True)
    released_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    record_count = serializers.IntegerField(
        read_only=True, help_text="Records it covers; list them with GET /api/v1/records/?hold={id}."
    )
    destroyed_left_out = DestroyedLeftOutSerializer(
        many=True, read_only=True,
        help_text="Destroyed records among those listed by reference, which the hold could not hold.",
    )
    destroyed_left_out_count = serializers.IntegerField(
        read_only=True, help_text="How many destroyed records matched the hold's scope and were left out.",
    )
    left_out_notes = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="The same, as the hold's page says it, e.g. \"CPNI-2026-000123 was destroyed on 2026-11-20 "
        "(certificate CD-2026-000045): not held.\"",
    )

    class Meta:
        model = LegalHold
        fields = [
            "marking", "id", "matter", "reason", "scope", "is_active", "being_placed", "being_released", "job",
            "record_count", "placed_by", "placed_at", "released_by", "released_at", "release_reason",
            "destroyed_left_out", "destroyed_left_out_count", "left_out_notes",
        ]
        read_only_fields = fields

    @extend_schema_field(JobReferenceSerializer(allow_null=True))
    def get_job(self, hold):
        if not hold.latest_job:
            return None
        return {"id": hold.latest_job, "url": reverse("api-job-detail", args=[hold.latest_job])}


class HoldCreateSerializer(serializers.Serializer):
    """A hold on exactly one of: the records listed by reference, every record of a schedule, of a
    department, or of a customer reference. Destroyed records are never held."""

    SCOPES = ("references", "schedule", "department", "customer_reference")

    matter = StrictCharField(max_length=200, help_text="The case, investigation or request.")
    reason = StrictCharField(max_length=MAX_TEXT)
    references = serializers.ListField(
        child=StrictCharField(max_length=20), required=False, min_length=1, max_length=MAX_REFERENCES,
        help_text="Record references, e.g. CPNI-2026-000123.",
    )
    schedule = _code_field(queryset=RetentionSchedule.objects.all(), required=False)
    department = _code_field(queryset=Department.objects.all(), required=False)
    customer_reference = StrictCharField(max_length=60, required=False)

    def validate(self, data):
        given = [name for name in self.SCOPES if name in data]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one of references, schedule, department or customer_reference."
            )
        return data


class HoldReleaseSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=MAX_TEXT, help_text="Why the hold is released.")


# ---------------------------------------------------------------------------------------------
# Problems (errors)


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(default="about:blank")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(
        help_text="Stable, for programs: validation_error, not_authenticated, authentication_failed, "
        "permission_denied, not_found, state_conflict, confirmation_required, conflict, method_not_allowed, "
        "not_acceptable, unsupported_media_type, parse_error, rate_limited."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="400 only: the messages per field (`non_field_errors` for the request as a whole).",
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="429 only: seconds to wait before trying again (as the Retry-After header)."
    )


class ConfirmationProblemSerializer(ProblemSerializer):
    impact = ScheduleImpactSerializer(help_text="What the change would do; nothing was changed.")


class CertificationPackageRefSerializer(serializers.ModelSerializer):
    built_at = serializers.DateTimeField(source="finished_at", allow_null=True, read_only=True)

    class Meta:
        model = CertificationPackage
        fields = ["id", "version", "state", "draft", "amendment", "requested_at", "built_at", "sha256"]
        read_only_fields = fields


class CertificationYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The calendar year the certification covers.")
    status = serializers.ChoiceField(
        STATUS_CHOICES, help_text="; ".join(f"`{name}`: {meaning}" for name, meaning in STATUSES.items())
    )
    due_date = serializers.DateField(help_text="1 March of the next year, or the next business day (47 CFR 1.4(j)).")
    overdue = serializers.BooleanField(help_text="Not filed and past its due date.")
    packages = CertificationPackageRefSerializer(many=True, help_text="The year's package builds, newest first.")
    signed_on = serializers.DateField(source="filing.signed_on", allow_null=True, default=None)
    signed_by = serializers.CharField(source="filing.signed_by.username", allow_null=True, default=None)
    filed_on = serializers.DateField(source="filing.filed_on", allow_null=True, default=None)
    filed_package = serializers.IntegerField(source="filing.package_id", allow_null=True, default=None)
    ecfs_confirmation = serializers.CharField(
        source="filing.ecfs_confirmation", allow_null=True, default=None, help_text="ECFS's confirmation of the filing."
    )
    signed_pdf_sha256 = serializers.CharField(
        source="filing.signed_pdf_sha256", allow_null=True, default=None, help_text="SHA-256 of the signed PDF as filed."
    )
    amended_certification_needed = serializers.BooleanField(
        help_text="The filed certification was reopened by an amendment not yet filed."
    )
