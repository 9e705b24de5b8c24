"""Forms of the opt-out failures register: the shape of what is entered; the rules are compliance.optout's."""

from django import forms

from records.forms import DateInput

from .breach_forms import DateTimeInput, moment
from .models import OptOutFailure


class FailureForm(forms.ModelForm):
    state_notified = forms.TypedChoiceField(
        label="State commission(s) notified", required=False, empty_value=None,
        choices=[("", "Not decided yet"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
    )
    notice = forms.FileField(required=False, label="Copy of the notice provided to customers")

    class Meta:
        model = OptOutFailure
        fields = ["detected_at", "mechanisms", "problem", "remedy", "remedy_on", "state_notified",
                  "state_commissions", "state_action", "contact"]
        widgets = {"detected_at": DateTimeInput, "remedy_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        value = self.initial.get("state_notified")
        self.initial["state_notified"] = {True: "yes", False: "no"}.get(value, "")


class LetterSentForm(forms.Form):
    sent_at = moment("Sent at")
    method = forms.ChoiceField(choices=OptOutFailure.LetterMethod.choices, label="How")
    reference = forms.CharField(max_length=200, required=False, label="Reference (ECFS confirmation, message id, tracking number)")
