"""Forms of the third-party releases register: the shape of what is entered; the rules are compliance.disclosures'."""

from django import forms

from records.forms import DateInput
from records.models import CpniCategory

from .models import Disclosure


class DisclosureForm(forms.ModelForm):
    required_css_class = "required"
    cpni_categories = forms.MultipleChoiceField(choices=CpniCategory.choices, required=True,
                                                widget=forms.CheckboxSelectMultiple, label="CPNI released")
    customers_count = forms.IntegerField(required=False, min_value=1, max_value=2_000_000_000,
                                         label="Number of customers",
                                         help_text="How many customers' CPNI, or give a customer reference below.")

    class Meta:
        model = Disclosure
        fields = ["disclosed_on", "recipient", "agreement_reference", "purpose", "legal_basis", "cpni_categories",
                  "customers_count", "customer_reference", "notes"]
        widgets = {"disclosed_on": DateInput, "legal_basis": forms.Textarea(attrs={"rows": 2}),
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        if correcting:
            self.fields["reason"] = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                                                    label="Reason for the correction",
                                                    help_text="Kept in the history and the audit log.")

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FilterForm(forms.Form):
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *Disclosure.Purpose.choices], required=False)
    year = forms.IntegerField(required=False, min_value=1990, max_value=9999, label="Year")
