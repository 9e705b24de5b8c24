"""Forms of training, briefings and discipline: the shape of what is entered; the rules are compliance.training's."""

from django import forms

from records.forms import DateInput
from records.models import User

from .models import ACKNOWLEDGEMENT, BreachIncident, Briefing, CustomerComplaint, TrainingAssignment


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name() or user.username
        return f"{name}, {user.title}" if user.title else name


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


def people():
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class CourseForm(forms.Form):
    required_css_class = "required"
    title = forms.CharField(max_length=200)
    version = forms.CharField(max_length=30, help_text="E.g. 2026.1; a changed text is a new version.")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), label="Procedures acknowledged",
                              help_text="The text each person reads and acknowledges. No CPNI here.")
    effective_on = forms.DateField(widget=DateInput, label="Effective on")


class AssignForm(forms.Form):
    required_css_class = "required"
    person = PersonField(queryset=User.objects.none(), label="Person")
    due_on = forms.DateField(widget=DateInput, label="Due on")
    reason = forms.ChoiceField(choices=TrainingAssignment.Reason.choices, initial="other", label="Reason")
    year = forms.IntegerField(required=False, min_value=1990, max_value=9999, label="Year",
                              help_text="For a yearly assignment.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people()


class YearlyForm(forms.Form):
    required_css_class = "required"
    year = forms.IntegerField(min_value=1990, max_value=9999, label="Yearly training of")
    yearly_due_on = forms.DateField(widget=DateInput, label="Due on (everyone)")


class AcknowledgeForm(forms.Form):
    required_css_class = "required"
    acknowledged = forms.BooleanField(required=False, label=ACKNOWLEDGEMENT)
    signature = forms.CharField(max_length=150, required=False, label="Your full name (signature)")


class BriefingForm(forms.Form):
    required_css_class = "required"
    kind = forms.ChoiceField(choices=Briefing.Kind.choices, label="Kind")
    held_on = forms.DateField(widget=DateInput, label="Held on")
    led_by = PersonField(queryset=User.objects.none(), label="Led by")
    attendees = PeopleField(queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, label="Attendees")
    topic = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Topic",
                            help_text="What was said about the confidentiality of CPNI. No CPNI here.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["led_by"].queryset = people()
        self.fields["attendees"].queryset = people()


class DisciplineForm(forms.Form):
    required_css_class = "required"
    person = PersonField(queryset=User.objects.none(), label="Person")
    breached = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What was breached")
    breach = forms.ModelChoiceField(queryset=BreachIncident.objects.order_by("-pk"), required=False,
                                    label="Breach incident")
    complaint = forms.ModelChoiceField(queryset=CustomerComplaint.objects.order_by("-pk"), required=False,
                                       label="Customer complaint")
    finding = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Finding",
                              help_text="When neither a breach incident nor a complaint.")
    action_taken = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Action taken")
    decided_by = PersonField(queryset=User.objects.none(), label="Decided by")
    decided_on = forms.DateField(widget=DateInput, label="Decided on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.order_by("last_name", "first_name", "username")
        self.fields["decided_by"].queryset = people()
