"""Forms of the breach register. They check the shape of what is entered; the rules (dates, the
clock, who may do what) are compliance.breaches'."""

import re

from django import forms

from records.forms import DateInput
from records.models import CpniCategory

from .models import BreachIncident, BreachNotification, CustomerComplaint, LawEnforcementDirection, PretextingObservation

NO_CPNI = "No CPNI: no customer names, telephone or account numbers, call details or bill amounts."


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def moment(label, **kwargs):
    return forms.DateTimeField(label=label, widget=DateTimeInput, **kwargs)


def text(label, rows=3, **kwargs):
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), max_length=5000, **kwargs)


class ReportForm(forms.Form):
    """What anyone who may report a suspected breach tells."""

    description = text("What happened", help_text=f"What you saw or suspect. {NO_CPNI}")
    discovered_at = moment("When it was discovered")
    circumstances = text("How it happened, if known", required=False)


class IncidentForm(forms.ModelForm):
    cpni_categories = forms.MultipleChoiceField(choices=CpniCategory.choices, widget=forms.CheckboxSelectMultiple,
                                                required=False, label="CPNI involved")
    records = forms.CharField(
        required=False, label="Documents linked (record references)", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="References such as CPNI-2026-000123, separated by spaces or commas. Each is kept at least 2 years "
                  "from the incident's last notification or closure.",
    )
    complaints = forms.ModelMultipleChoiceField(CustomerComplaint.objects.all(), required=False,
                                                widget=forms.CheckboxSelectMultiple, label="Complaints it concerns")
    pretexting = forms.ModelMultipleChoiceField(PretextingObservation.objects.all(), required=False,
                                                widget=forms.CheckboxSelectMultiple,
                                                label="Pretexting observations it concerns")

    class Meta:
        model = BreachIncident
        fields = ["description", "discovered_at", "circumstances", "occurred_from", "occurred_to", "customers_affected",
                  "cpni_categories", "other_pii", "encrypted_key_safe", "estimated_loss"]
        widgets = {"discovered_at": DateTimeInput, "occurred_from": DateInput, "occurred_to": DateInput,
                   "description": forms.Textarea(attrs={"rows": 3}), "circumstances": forms.Textarea(attrs={"rows": 3}),
                   "other_pii": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["records"] = " ".join(self.instance.records.order_by("reference").values_list("reference", flat=True))

    def clean_records(self):
        return [ref for ref in re.split(r"[\s,;]+", self.cleaned_data["records"].strip().upper()) if ref]

    def fields_and_links(self):
        data = dict(self.cleaned_data)
        links = {"records": data.pop("records"), "complaints": [c.pk for c in data.pop("complaints")],
                 "pretexting": [p.pk for p in data.pop("pretexting")]}
        return data, links


class DetermineForm(forms.Form):
    reasonably_determined_at = moment("Reasonably determined a breach at",
                                      help_text="The clock starts here: law enforcement within 7 business days.")


class HarmForm(forms.Form):
    harm_likely = forms.TypedChoiceField(
        label="Is harm to customers reasonably likely?", coerce=lambda value: value == "yes",
        choices=[("yes", "Yes"), ("no", "No: no harm to customers is reasonably likely")], widget=forms.RadioSelect,
    )
    harm_reason = text("Why", rows=2)


class UrgentNeedForm(forms.Form):
    urgent_need = text("The extraordinarily urgent need to tell customers sooner", rows=2,
                       help_text="The immediate and irreparable harm that telling them now avoids.")
    urgent_need_agency = forms.CharField(max_length=200, label="Agency consulted first")
    urgent_need_consulted_at = moment("Consulted at")


class NotificationForm(forms.Form):
    recipient = forms.ChoiceField(choices=BreachNotification.Recipient.choices, label="Who was notified")
    notified_at = moment("Notified at")
    method = forms.ChoiceField(choices=BreachNotification.Method.choices, label="How")
    confirmation_number = forms.CharField(max_length=100, required=False, label="Confirmation number")
    notes = text("Notes", rows=2, required=False)
    copy = forms.FileField(required=False, label="Copy of the notice as sent",
                           help_text="Kept with the incident's record (up to 20 MB).")

    def clean_copy(self):
        upload = self.cleaned_data.get("copy")
        return (upload.read(), upload.name) if upload else (None, "")


class DirectionForm(forms.Form):
    agency = forms.CharField(max_length=200, label="Agency")
    form = forms.ChoiceField(choices=LawEnforcementDirection.Form.choices, label="Given")
    given_on = forms.DateField(widget=DateInput, label="Given on")
    delay_until = forms.DateField(widget=DateInput, label="No customer notice until (inclusive)")
    extends = forms.ModelChoiceField(LawEnforcementDirection.objects.none(), required=False, label="Extends",
                                     empty_label="— a first direction —")
    confirmed_in_writing_on = forms.DateField(widget=DateInput, required=False, label="Oral: confirmed in writing on")
    notes = text("Notes", rows=2, required=False)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extends"].queryset = incident.directions.all()


class ConfirmDirectionForm(forms.Form):
    direction = forms.ModelChoiceField(LawEnforcementDirection.objects.none(), label="Oral direction")
    confirmed_in_writing_on = forms.DateField(widget=DateInput, label="Confirmed in writing on")

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = incident.directions.filter(
            form=LawEnforcementDirection.Form.ORAL, confirmed_in_writing_on__isnull=True)


class CloseForm(forms.Form):
    closure_note = text("Why it is closed", rows=2)


class AssessForm(forms.Form):
    pass
