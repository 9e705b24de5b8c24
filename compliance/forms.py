"""Forms of the CPNI program: the certification's registers, the company profile, and the
certification's package requests, filing and withdrawal."""

from django import forms
from django.utils import timezone

from records import selectors
from records.forms import DateInput

from . import filing
from .models import CompanyProfile, CoveredCompany, CustomerComplaint, DataBrokerAction, PretextingObservation


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = CustomerComplaint
        fields = ["received_on", "category", "other_category", "summary", "resolution", "resolved_on"]
        widgets = {"received_on": DateInput, "resolved_on": DateInput,
                   "summary": forms.Textarea(attrs={"rows": 3}), "resolution": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"summary": "What happened, in a sentence or two. No CPNI: no names, numbers, accounts or call details."}


class DataBrokerActionForm(forms.ModelForm):
    class Meta:
        model = DataBrokerAction
        fields = ["taken_on", "forum", "description", "outcome"]
        widgets = {"taken_on": DateInput, "description": forms.Textarea(attrs={"rows": 3}),
                   "outcome": forms.Textarea(attrs={"rows": 3})}


class PretextingForm(forms.ModelForm):
    class Meta:
        model = PretextingObservation
        fields = ["observed_on", "method", "steps_taken"]
        widgets = {"observed_on": DateInput, "method": forms.Textarea(attrs={"rows": 3}),
                   "steps_taken": forms.Textarea(attrs={"rows": 3})}


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = CompanyProfile
        fields = ["signatory", "records_began_on"]
        widgets = {"records_began_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records_began_on"].required = False
        self.fields["signatory"].queryset = selectors.officers()
        self.fields["signatory"].label_from_instance = lambda user: f"{user.get_full_name() or user}, {user.title or 'no title'}"

    def clean_records_began_on(self):
        """Left empty, the date stays as it was (1990-01-01 for a new profile)."""
        return self.cleaned_data["records_began_on"] or self.instance.records_began_on


class BaseCoveredCompanyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        names = [form.cleaned_data["name"].strip() for form in self.kept_forms()]
        if not names:
            raise forms.ValidationError("Name at least one company the certification covers.")
        seen = set()
        for name in names:
            if name.casefold() in seen:
                raise forms.ValidationError(f"Each company is named once: {name} is named more than once.")
            seen.add(name.casefold())

    def kept_forms(self):
        """The filled-in forms not marked for deletion, in their order."""
        return [form for form in self.forms
                if form.has_changed() or form.instance.pk
                if not (self.can_delete and self._should_delete_form(form))]

    def companies(self):
        """The companies as the service takes them: [{"id", "name", "filer_id", "no_filer_id_reason"}], in order."""
        return [
            {"id": form.instance.pk, **{name: form.cleaned_data[name] for name in COVERED_COMPANY_FIELDS}}
            for form in self.kept_forms()
        ]


COVERED_COMPANY_FIELDS = ["name", "filer_id", "no_filer_id_reason"]
CoveredCompanyFormSet = forms.inlineformset_factory(
    CompanyProfile, CoveredCompany, formset=BaseCoveredCompanyFormSet, fields=COVERED_COMPANY_FIELDS,
    extra=1, can_delete=True, max_num=50, validate_max=True,
)


class PackageRequestForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2999, initial=lambda: timezone.localdate().year - 1)


def add_errors(form, error):
    """A service's ValidationError on the form: beside the fields it names, and above the form for
    the rest (such as the package's state)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class SignForm(forms.Form):
    signed_on = forms.DateField(widget=DateInput, label="Signed on")
    personal_knowledge = forms.BooleanField(required=False, label=filing.PERSONAL_KNOWLEDGE)
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), required=False,
                               label="Your password", help_text="Entered again: the signature is yours.")
    otp_token = forms.CharField(required=False, max_length=12, label="Code from your authenticator app",
                                help_text="Only if you use a second factor.",
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class FileForm(forms.Form):
    signed_pdf = forms.FileField(label="The signed certification as filed (PDF)",
                                 help_text="The public filing, signed, exactly as uploaded to ECFS. It holds no CPNI.")
    ecfs_confirmation = forms.CharField(max_length=40, label="ECFS confirmation number")
    filed_on = forms.DateField(widget=DateInput, label="Filed in ECFS on")
    lock_confirmed = forms.BooleanField(required=False)

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lock_confirmed"].label = filing.lock_notice(year)

    def clean_signed_pdf(self):
        return self.cleaned_data["signed_pdf"].read()  # its size and kind are checked by filing.certification_file


class AmendmentForm(forms.Form):
    """Shown beside WithdrawFilingForm on a package's page: its ids differ from that form's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_amendment_%s", **kwargs)

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             label="What the amendment corrects",
                             help_text="Say what was wrong in the filed certification. No CPNI.")


class WithdrawFilingForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_withdrawal_%s", **kwargs)

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
                             label="Why it was recorded in error")
