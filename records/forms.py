import json
from html import escape

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import audit_words, sanitization, selectors, services
from .destruction import paper_methods
from .form_renderer import attrs_html
from .sanitization import METHOD_TYPE_DESCRIPTIONS, MethodType
from .serials import DUPLICATE_SERIAL, DuplicateSerial
from records.models import (
    CpniCategory,
    Department,
    Destruction,
    LabelVerification,
    LegalMinimum,
    Medium,
    PeriodUnit,
    Record,
    RetentionSchedule,
    Status,
    User,
)


class ListSelect(forms.Select):
    """A <select> whose options are written here rather than through a template each: on the
    record list, rendered on every page, Django's option templates cost more than the table."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) == chosen else ""}>{escape(str(label))}</option>'
            for key, label in self.choices
        )
        return format_html("<select name=\"{}\"{}>{}</select>", name, attrs_html(self.build_attrs(self.attrs, attrs)),
                           mark_safe(options))  # noqa: S308 (every key and label is escaped above)  # nosec B308 B703


class DateInput(forms.DateInput):
    input_type = "date"


class ListInputMixin:
    """An <input> written here, with the markup of Django's widget template: the record list's
    filters render three on every page, and the template cost more than the rest of the form."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], name, shown, attrs_html(widget["attrs"]))


class ListTextInput(ListInputMixin, forms.TextInput):
    pass


class ListDateInput(ListInputMixin, DateInput):
    pass


class CustodianSelect(forms.Select):
    """Each person's option names their department (data-department), so the form offers only the
    people of the department chosen (static/js/dependent_fields.js); the server checks it anyway."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["data-department"] = str(value.instance.department_id)
        return option


class CustodianChoiceField(forms.ModelChoiceField):
    widget = CustodianSelect

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs["data-filtered-by"] = "department"

    def label_from_instance(self, user):
        return f"{user} ({user.department})"


class LegalMinimumChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, minimum):
        return f"{minimum.citation} — {minimum.title} ({minimum.period_display})"


class ScheduleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, schedule):
        return f"{schedule.code} — {schedule.title} ({schedule.period_display})"


def read_upload(upload, limit=None):
    """The uploaded file's (name, bytes), refusing a file over the limit (by default the label
    check's) by its size, before reading it."""
    limit = limit or settings.LABEL_CHECK_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"{upload.name} is {upload.size / 1024 / 1024:.1f} MB; files up to "
            f"{limit // (1024 * 1024)} MB can be read."
        )
    return upload.name, upload.read()


class RecordForm(forms.Form):
    required_css_class = "required"
    #: The media that carry a serial number: the serial field is shown for them only.
    removable_media = " ".join(sorted(Medium.removable()))

    title = forms.CharField(max_length=200)
    contains_cpni = forms.BooleanField(required=False, initial=True, label="Contains CPNI")
    cpni_categories = forms.MultipleChoiceField(
        choices=CpniCategory.choices, required=False, widget=forms.CheckboxSelectMultiple, label="CPNI it holds"
    )
    medium = forms.ChoiceField(choices=Medium.choices)
    media_serial_number = forms.CharField(
        max_length=100, required=False, label="Media serial number",
        help_text="Required for hard disks, SSDs, USB drives, optical discs and tapes.",
    )
    department = forms.ModelChoiceField(queryset=None)
    custodian = CustodianChoiceField(queryset=None)
    location = forms.CharField(max_length=200, help_text="Where the record is kept, e.g. Building A, cabinet 3.")
    customer_reference = forms.CharField(
        max_length=60, required=False, label="Customer reference",
        help_text="The customer account the record concerns, if it concerns one.",
    )
    schedule = ScheduleChoiceField(queryset=None, label="Retention schedule")
    trigger_date = forms.DateField(
        required=False, widget=DateInput, label="Trigger date",
        help_text="The record's creation date, or for event-triggered schedules the event's date once it happened.",
    )
    legal_minimums = LegalMinimumChoiceField(
        queryset=None, required=False, label="Further legal minimums",
        help_text="Legal minimums the record falls under besides its schedule's, counted from the trigger date: "
        "it is kept until the longest has run.",
    )
    notes = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    label_verification = forms.ChoiceField(
        choices=[("", "No new attestation")] + LabelVerification.choices,
        required=False, widget=forms.RadioSelect, label="How the CONFIDENTIAL label was verified",
    )
    label_confirmed = forms.BooleanField(
        required=False, label="I have seen the word CONFIDENTIAL marked on this document or medium."
    )
    label_document = forms.FileField(
        required=False, label="Document to check",
        help_text="PDF, Word (.docx) or plain text. CPNI Track reads it for the marking and keeps only its fingerprint.",
    )

    def __init__(self, *args, user, record=None, **kwargs):
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": record.title,
                "contains_cpni": record.contains_cpni,
                "cpni_categories": record.cpni_categories,
                "medium": record.medium,
                "media_serial_number": record.media_serial_number,
                "department": record.department_id,
                "custodian": record.custodian_id,
                "location": record.location,
                "customer_reference": record.customer_reference,
                "schedule": record.schedule_id,
                "trigger_date": record.trigger_date,
                "legal_minimums": [minimum.pk for minimum in record.legal_minimums.all()],
                "notes": record.notes,
            }
        super().__init__(*args, **kwargs)
        self.record = record
        self.fields["department"].queryset = selectors.departments_for(user)
        self.fields["custodian"].queryset = selectors.custodians_for(user)
        self.fields["schedule"].queryset = selectors.schedules_in_use()
        self.fields["legal_minimums"].queryset = selectors.legal_minimums_offered(record)
        if record is None:
            self.fields["label_verification"].choices = LabelVerification.choices
            self.fields["trigger_date"].initial = timezone.localdate
            if user.department_id:
                self.fields["department"].initial = user.department_id
                self.fields["custodian"].initial = user.pk
        elif record.status != Status.ACTIVE:
            for name in ("schedule", "trigger_date", "legal_minimums"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Retention can only be changed while the record is active."
            for name in ("medium", "media_serial_number", "department", "custodian"):
                self.fields[name].disabled = True
                self.fields[name].help_text = (
                    "Frozen since the record left active: a records manager corrects it, with a reason, on the "
                    "record's page."
                )

    def clean_label_document(self):
        upload = self.cleaned_data.get("label_document")
        return read_upload(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # The service checks the values together only once every field is valid: check what
            # can be checked now, so that a person sees everything wrong at once, not in stages.
            self._add_unless_already(self._record_errors(cleaned))
        return cleaned

    def _record_errors(self, cleaned):
        errors = {}
        try:
            services.validate_record_values({name: cleaned.get(name) for name in services.RECORD_INPUT_FIELDS})
        except forms.ValidationError as error:
            errors.update(error.message_dict)
        attested = self.record is not None and self.record.label_attested_at is not None
        errors.update(services.label_attestation_errors(
            contains_cpni=cleaned.get("contains_cpni"), verification=cleaned.get("label_verification", ""),
            visually_confirmed=cleaned.get("label_confirmed"), has_document=bool(cleaned.get("label_document")),
            already_attested=attested,
        ))
        return errors

    def _add_unless_already(self, errors):
        for field, messages in errors.items():
            if field in self.fields and field not in self.errors and not self.fields[field].disabled:
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(field, message)

    def service_arguments(self):
        """The cleaned values as keyword arguments of services.record_create / record_update."""
        return dict(self.cleaned_data)


def add_service_error(form, error):
    """A service's ValidationError beside its fields; a duplicate serial number links to the
    record that holds it."""
    if isinstance(error, DuplicateSerial):
        link = format_html('<a href="{}">{}</a>', error.other.get_absolute_url(), error.other.reference)
        form.add_error("media_serial_number", format_html(DUPLICATE_SERIAL, serial=error.serial, other=link))
    else:
        form.add_error(None, error)


class RecordCorrectionForm(forms.Form):
    """A records manager's correction of what identifies a record (services.record_correct)."""

    medium = forms.ChoiceField(choices=Medium.choices)
    media_serial_number = forms.CharField(max_length=100, required=False, label="Media serial number")
    department = forms.ModelChoiceField(queryset=None)
    custodian = CustodianChoiceField(queryset=None)
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Why is it corrected?",
        help_text="Kept with the correction in the history, the audit trail and the chain of custody.",
    )

    def __init__(self, *args, record, user, **kwargs):
        kwargs.setdefault("initial", {
            "medium": record.medium, "media_serial_number": record.media_serial_number,
            "department": record.department_id, "custodian": record.custodian_id,
        })
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = selectors.departments_for(user)
        self.fields["custodian"].queryset = selectors.custodians_for(user)


class LabelDocumentForm(forms.Form):
    document = forms.FileField(
        label="Document", help_text="PDF, Word (.docx) or plain text; it is read, never stored."
    )

    def clean_document(self):
        return read_upload(self.cleaned_data["document"])


class RecordFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=ListTextInput(attrs={"placeholder": "Reference, title or custodian"}))
    status = forms.ChoiceField(choices=[("", "Any status")] + Status.choices, required=False, widget=ListSelect)
    medium = forms.ChoiceField(choices=[("", "Any medium")] + Medium.choices, required=False, widget=ListSelect)
    # Ids from a list read once, not ModelChoiceFields: those read their options through a
    # server-side cursor, three round trips each on every page of the list.
    department = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=ListSelect)
    schedule = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=ListSelect)
    expiry_from = forms.DateField(required=False, widget=ListDateInput, label="Expires from")
    expiry_to = forms.DateField(required=False, widget=ListDateInput, label="Expires to")
    status_before = forms.DateField(required=False, widget=ListDateInput, label="In that status since before")
    label = forms.ChoiceField(choices=[("", "Any label check"), ("missing", "CPNI, no label check")], required=False,
                              widget=ListSelect, label="Label check")
    on_hold = forms.TypedChoiceField(
        choices=[("", "Held or not"), ("yes", "On hold"), ("no", "Not on hold")], coerce=lambda value: value == "yes",
        empty_value=None, required=False, widget=ListSelect, label="Legal hold",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in selectors.RECORD_SORTS for key in (name, f"-{name}")],
    )
    imported = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments, schedules = selectors.list_filter_choices(user)
        self.fields["department"].choices = [("", "Any department"), *departments]
        self.fields["schedule"].choices = [("", "Any schedule"), *schedules]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("expiry_from"), cleaned.get("expiry_to")
        if start and end and start > end:
            self.add_error("expiry_to", "The end of the expiry range is before its start.")
        return cleaned

    def filters(self):
        """The valid filters only: a bad value is reported on the form and ignored."""
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "medium": data.get("medium") or "",
            "department": data.get("department"),
            "schedule": data.get("schedule"),
            "expiry_from": data.get("expiry_from"),
            "expiry_to": data.get("expiry_to"),
            "status_before": data.get("status_before"),
            "label": data.get("label") or "",
            "on_hold": data.get("on_hold"),
            "imported": data.get("imported"),
            "sort": data.get("sort") or "-created",
        }


class UnchangedStaysUnique:
    """For a ModelForm whose unique fields are each unique alone: editing a saved row, a unique
    field left as it was is not looked up again (the database keeps it unique); a new row's, or
    a changed field's, still is."""

    def validate_unique(self):
        exclude = self._get_validation_exclusions()
        if not self.instance._state.adding:
            exclude |= set(self.fields) - set(self.changed_data)
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


class ScheduleForm(UnchangedStaysUnique, forms.ModelForm):
    applicable_media = forms.MultipleChoiceField(
        choices=Medium.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for a schedule that applies to every medium.",
    )

    class Meta:
        model = RetentionSchedule
        fields = [
            "code", "title", "description", "period_value", "period_unit", "trigger", "trigger_event",
            "legal_minimum_value", "legal_minimum_unit", "legal_citation", "default_disposition",
            "applicable_media", "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def changes(self):
        """The submitted values as service keyword arguments."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LegalMinimumForm(UnchangedStaysUnique, forms.ModelForm):
    class Meta:
        model = LegalMinimum
        fields = ["code", "citation", "title", "description", "period_value", "period_unit", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def changes(self):
        """The submitted values as service keyword arguments."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ExtendRetentionForm(forms.Form):
    period_value = forms.IntegerField(min_value=1, max_value=36500, label="Keep longer by")
    period_unit = forms.ChoiceField(choices=PeriodUnit.choices, initial=PeriodUnit.MONTHS, label="Unit")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class HoldForm(forms.Form):
    SCOPES = [
        ("references", "The records I list"),
        ("schedule", "Every record of a retention schedule"),
        ("department", "Every record of a department"),
        ("customer", "Every record of a customer reference"),
        ("search", "The records matching the search I came from"),
    ]
    matter = forms.CharField(max_length=200, help_text="The case, investigation or request, e.g. Smith v. Carrier.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    scope = forms.ChoiceField(choices=SCOPES, widget=forms.RadioSelect, initial="references", label="Records to hold")
    references = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Record references",
        help_text="One per line, or separated by commas or spaces, e.g. CPNI-2026-000123.",
    )
    schedule = forms.ModelChoiceField(queryset=RetentionSchedule.objects.all(), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    customer_reference = forms.CharField(max_length=60, required=False)
    search = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.initial.get("search") and not self.data.get("search"):
            self.fields["scope"].choices = self.SCOPES[:-1]

    def clean(self):
        cleaned = super().clean()
        needed = {"schedule": "schedule", "department": "department", "customer": "customer_reference"}
        field = needed.get(cleaned.get("scope"))
        if field and not cleaned.get(field):
            self.add_error(field, "Choose which records to hold.")
        return cleaned


class ReleaseHoldForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is the hold released?")


def _active_people():
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class ShreddingForm(forms.Form):
    destroyed_on = forms.DateField(
        widget=DateInput, initial=timezone.localdate, label="Date destroyed",
        help_text="Not before the day the record became due, nor in the future.",
    )
    method = forms.ChoiceField(choices=Destruction.PaperMethod.choices)
    vendor_certificate_number = forms.CharField(
        max_length=100, required=False, label="Vendor's certificate number", help_text="Required for a shredding vendor."
    )
    witness = forms.ModelChoiceField(queryset=None, required=False, help_text="Optional: someone who saw it done.")
    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the methods the company allows are offered; any other known method is left for
        # destruction.shredding_confirm to refuse with the reason.
        self.fields["method"].widget.choices = [(method.value, method.label) for method in paper_methods()]
        self.fields["witness"].queryset = _active_people()


class HandoverForm(forms.Form):
    """One row per due electronic record: tick it and type the serial number read off the medium."""

    verb = "Hand over"
    none_ticked = "Tick the media you are handing over."

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = list(records)
        for record in self.records:
            self.fields[f"select_{record.pk}"] = forms.BooleanField(required=False, label=f"{self.verb} {record.reference}")
            self.fields[f"serial_{record.pk}"] = forms.CharField(
                max_length=100, required=False, label=f"Serial number read from {record.reference}"
            )

    def rows(self):
        return [(record, self[f"select_{record.pk}"], self[f"serial_{record.pk}"]) for record in self.records]

    def clean(self):
        cleaned = super().clean()
        chosen = [r for r in self.records if cleaned.get(f"select_{r.pk}")]
        if not chosen:
            raise forms.ValidationError(self.none_ticked)
        for record in chosen:
            if record.media_serial_number and not cleaned.get(f"serial_{record.pk}", "").strip():
                self.add_error(f"serial_{record.pk}", "Type the serial number printed on the medium.")
        return cleaned

    def handovers(self):
        return [(r, self.cleaned_data.get(f"serial_{r.pk}", "")) for r in self.records if self.cleaned_data.get(f"select_{r.pk}")]


class RecordChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value):
        # Ids the database cannot hold are refused here, not sent in an IN (...) query.
        for pk in value:
            if not selectors.is_database_id(pk):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)

    def label_from_instance(self, record):
        serial = f", serial {record.media_serial_number}" if record.media_serial_number else ""
        return f"{record.reference} {record.title} ({record.get_medium_display()}{serial})"


class ReceiveForm(HandoverForm):
    """One row per medium awaiting receipt: tick it and type the serial number read off it again."""

    verb = "Received"
    none_ticked = "Tick the media you received."


# Each medium's own identity on its certificate: (field, label, max_length).
PER_MEDIUM_INPUTS = (
    ("media_make", "Make / vendor", 120), ("media_model", "Model", 120), ("media_property_number", "Property number", 120),
)


class SanitizationForm(forms.Form):
    """The NIST SP 800-88 certificate fields, shared by the media confirmed together, and each
    medium's make, model and property number. The method type, method and destination offered are
    those records.sanitization allows for every chosen medium (a script narrows them as media are
    ticked); any other known value is left for the service to refuse with the table's reason."""

    records = RecordChoices(queryset=Record.objects.none(), label="Media sanitized")
    destroyed_on = forms.DateField(
        widget=DateInput, initial=timezone.localdate, label="Date sanitized",
        help_text="Not before the day Network Operations received the medium, nor in the future.",
    )
    method_type = forms.ChoiceField(
        choices=Destruction.MethodType.choices, widget=forms.RadioSelect, label="Method type (NIST SP 800-88)",
        help_text=" ".join(f"{MethodType(value).label} {text}." for value, text in METHOD_TYPE_DESCRIPTIONS.items()),
    )
    method = forms.ChoiceField(choices=Destruction.MediaMethod.choices, label="Method used")
    method_details = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tool_name = forms.CharField(max_length=120, required=False, label="Tool", help_text="Required for Clear and Purge.")
    tool_version = forms.CharField(max_length=60, required=False, label="Tool version",
                                   help_text="Required for Clear and Purge.")
    verification_method = forms.CharField(max_length=200, label="Verification method")
    verification_result = forms.CharField(max_length=200, label="Verification result")
    post_sanitization_classification = forms.CharField(
        max_length=120, required=False, initial="Unclassified — no CPNI", label="Classification after sanitization"
    )
    destination = forms.ChoiceField(
        choices=Destruction.Destination.choices, label="Media destination",
        help_text="Media leaving the organisation need Purge or Destroy and a second person's countersignature.",
    )
    destination_details = forms.CharField(max_length=200, required=False, help_text="Required for Other.")
    media_source = forms.CharField(max_length=200, required=False, label="Source (where the media came from)")
    data_backed_up = forms.TypedChoiceField(
        choices=[("", "Unknown"), ("yes", "Yes"), ("no", "No")], required=False, empty_value=None,
        coerce=lambda value: value == "yes", label="Was the data backed up?",
    )
    backup_location = forms.CharField(max_length=200, required=False)
    performer_location = forms.CharField(max_length=200, required=False, label="Your location")
    performer_phone = forms.CharField(max_length=40, required=False, label="Your phone")
    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, queryset, shown, **kwargs):
        """Any of `queryset` may be confirmed; the boxes offered, each with its make, model and
        property number, are those of `shown`."""
        super().__init__(*args, **kwargs)
        field = self.fields["records"]
        field.queryset = queryset
        self.shown = list(shown)
        field.widget.choices = [(record.pk, field.label_from_instance(record)) for record in self.shown]
        for record in self.shown:
            for name, label, length in PER_MEDIUM_INPUTS:
                self.fields[f"{name}_{record.pk}"] = forms.CharField(
                    max_length=length, required=False, label=f"{label} of {record.reference}"
                )
        offered = sanitization.allowed(record.medium for record in self.shown if record.pk in self._chosen_ids())
        for name, enum, position in (("method_type", MethodType, 0), ("method", Destruction.MediaMethod, 1),
                                     ("destination", Destruction.Destination, 2)):
            self.fields[name].widget.choices = sanitization.choices(enum, {combination[position] for combination in offered})

    def _chosen_ids(self):
        if self.is_bound:
            return {int(pk) for pk in self.data.getlist("records") if selectors.is_database_id(pk)}
        return {record.pk for record in self.initial.get("records", ())}

    def media_rows(self):
        """(record, its tick box, [its make, model and property number]) for each medium offered."""
        boxes = {str(box.data["value"]): box for box in self["records"]}
        return [
            (record, boxes[str(record.pk)], [self[f"{name}_{record.pk}"] for name, _, _ in PER_MEDIUM_INPUTS])
            for record in self.shown
        ]

    def table_for_script(self):
        """What static/js/sanitization.js narrows the choices with (JSON, in an attribute of the form:
        the pages have no inline script): each offered medium's kind and, per kind, the
        combinations records.sanitization allows."""
        return json.dumps({
            "media": {str(record.pk): record.medium for record in self.shown},
            "allowed": {medium: sorted(sanitization.combinations(medium)) for medium in sanitization.TABLE},
        })

    def service_arguments(self):
        """(records, the shared fields, {record pk: that medium's make, model and property number})."""
        data = self.cleaned_data
        shared = {name: data[name] for name in self.base_fields if name != "records"}
        media = {
            record.pk: {name: data.get(f"{name}_{record.pk}", "") for name, _, _ in PER_MEDIUM_INPUTS}
            for record in data["records"]
        }
        return data["records"], shared, media


def _audit_action_choices():
    """Each group: "anything about <group>" (the codes' common start), then its actions in words.
    Given to the field as a function: the choices are built when a chosen action is checked or the
    list is shown, not each time a form reads the filters."""
    return [("", "Any action")] + [
        (group, [(f"{codes[0][0].partition('.')[0]}.", f"Any: {group.lower()}"), *codes])
        for group, codes in audit_words.action_choices()
    ]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Who", help_text="Username, or 'system'.")
    action = forms.ChoiceField(required=False, label="What", choices=_audit_action_choices)
    object = forms.CharField(required=False, max_length=200, label="Object", help_text="Reference or name.")
    since = forms.DateField(required=False, widget=DateInput, label="From")
    until = forms.DateField(required=False, widget=DateInput, label="To")
    sign_ins = forms.BooleanField(required=False, label="Include sign-ins",
                                  help_text="Signing in and out, and failed attempts.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            self.add_error("until", "The end of the range is before its start.")
        return cleaned

    def filters(self):
        """The valid filters only (selectors.audit_log's arguments): a bad value is reported on
        the form and ignored."""
        data = self.cleaned_data
        return {"actor": data.get("actor") or "", "action": data.get("action") or "", "object": data.get("object") or "",
                "since": data.get("since"), "until": data.get("until"), "sign_ins": bool(data.get("sign_ins"))}


class ImportForm(forms.Form):
    sheet = forms.FileField(label="Spreadsheet", help_text="CSV or Excel (.xlsx) with the template's columns.")
    allow_reimport = forms.BooleanField(
        required=False, label="Import it again",
        help_text="Only if this very file was imported before and its records are to be logged a second time.",
    )

    def clean_sheet(self):
        return read_upload(self.cleaned_data["sheet"], limit=settings.IMPORT_MAX_BYTES)
