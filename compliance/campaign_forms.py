"""Forms of the marketing campaigns register: the shape of what is entered; the rules are compliance.campaigns'."""

from django import forms

from records.forms import DateInput
from records.models import CpniCategory, User

from .models import Campaign


class RequesterField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name() or user.username
        return f"{name}, {user.title}" if user.title else name


class CampaignForm(forms.ModelForm):
    required_css_class = "required"
    cpni_categories = forms.MultipleChoiceField(choices=CpniCategory.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple, label="CPNI used",
                                                help_text="Only when the campaign uses CPNI.")
    requested_by = RequesterField(queryset=User.objects.none(), required=False, label="Requested by",
                                  help_text="Who asks for the campaign (you, when left empty). They cannot review it.")

    class Meta:
        model = Campaign
        fields = ["description", "channel", "products", "uses_cpni", "cpni_categories", "approval_basis", "affiliate",
                  "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput, "description": forms.Textarea(attrs={"rows": 3}),
                   "products": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, name_requester=False, **kwargs):
        super().__init__(*args, **kwargs)
        if name_requester:  # records managers draft for whoever asks for the campaign
            self.fields["requested_by"].queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name",
                                                                                              "username")
            if self.instance.pk:
                self.initial["requested_by"] = self.instance.requested_by_id
        else:
            del self.fields["requested_by"]

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReviewForm(forms.Form):
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Review note", help_text="Required to reject: say why.")


class FilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Campaign.Status.choices], required=False)
    year = forms.IntegerField(required=False, min_value=1990, max_value=9999, label="Year",
                              help_text="Campaigns whose period overlaps the year.")
