"""Forms of the customer approvals and notices register: the shape of what is entered; the rules are
compliance.approval_notices'."""

from django import forms

from records.forms import DateInput

from .models import ApprovalEvidence, ApprovalNotice, NoticeMailing

BIG = 2_000_000_000


class NoticeForm(forms.ModelForm):
    required_css_class = "required"

    class Meta:
        model = ApprovalNotice
        fields = ["version_label", "effective_on", "text"]
        widgets = {"effective_on": DateInput, "text": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        if correcting:
            self.fields["reason"] = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                                                    label="Reason for the correction",
                                                    help_text="Kept in the history and the audit log.")

    def validate_unique(self):
        """The service says it, in its own words."""

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MailingForm(forms.ModelForm):
    required_css_class = "required"
    population = forms.IntegerField(min_value=1, max_value=BIG, label="Customers sent to")

    class Meta:
        model = NoticeMailing
        fields = ["sent_on", "method", "method_detail", "population", "notes"]
        widgets = {"sent_on": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"method": "Mailed (mail or bill insert): the opt-out waiting period ends 33 days after sending; "
                                "otherwise 30 days (47 CFR 64.2008(d)(1))."}

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class EvidenceForm(forms.ModelForm):
    opt_out_count = forms.IntegerField(required=False, min_value=0, max_value=BIG, label="Customers with opt-out approval")
    opt_in_count = forms.IntegerField(required=False, min_value=0, max_value=BIG, label="Customers with opt-in approval")
    none_count = forms.IntegerField(required=False, min_value=0, max_value=BIG, label="Customers with no approval")
    snapshot = forms.FileField(required=False, label="Snapshot of the approval-status system",
                               help_text="An export or screenshot from billing; or give the three counts.")

    class Meta:
        model = ApprovalEvidence
        fields = ["as_of", "source", "opt_out_count", "opt_in_count", "none_count", "notes"]
        widgets = {"as_of": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
