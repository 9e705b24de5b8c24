"""The second factor: setting it up, and entering a code after signing in."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from records import second_factor
from records.middleware import needs_second_factor


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$", label="Code from your authenticator app", max_length=6,
        error_messages={"invalid": "Enter the 6 digits your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class EnableForm(TokenForm):
    enrolment_code = forms.CharField(
        label="Enrolment code from a records manager", max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class EnrolmentCodeForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Person")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = second_factor.enrolment_candidates(actor)
        self.fields["user"].label_from_instance = lambda user: f"{user} ({user.username})"


def second_factor_setup(request):
    if not needs_second_factor(request.user):
        raise PermissionDenied("The second factor is for records managers, Network Operations, auditors and officers.")
    enabled = second_factor.confirmed_device(request.user)
    form = (TokenForm if enabled else EnableForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if enabled:
                second_factor.second_factor_disable(request=request, token=form.cleaned_data["token"])
                messages.success(request, "The second factor is off.")
            else:
                device = second_factor.pending_device(request.user)
                second_factor.second_factor_enable(
                    request=request, device=device, token=form.cleaned_data["token"],
                    enrolment_code=form.cleaned_data["enrolment_code"],
                )
                messages.success(request, "The second factor is on: you will be asked for a code at each sign-in.")
            return redirect("second-factor-setup")
        except ValidationError as error:
            form.add_error(None, error)
    context = {"form": form, "enabled": enabled, "required": settings.REQUIRE_SECOND_FACTOR}
    if not enabled:
        context["secret"], context["qr_code"] = second_factor.provisioning(second_factor.pending_device(request.user))
    return render(request, "registration/second_factor_setup.html", context)


def second_factor_verify(request):
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            second_factor.second_factor_verify(request=request, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(next_url or "dashboard")
    return render(request, "registration/second_factor_verify.html", {"form": form, "next": next_url})


@permission_required("records.issue_enrolmentcode", raise_exception=True)
def enrolment_codes(request):
    """A records manager issues a person their one-time code to set up a second factor; the code
    is shown on this page once."""
    form = EnrolmentCodeForm(request.POST or None, actor=request.user)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            code, record = second_factor.enrolment_code_issue(actor=request.user, user=form.cleaned_data["user"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            issued = {"code": code, "record": record}
            form = EnrolmentCodeForm(actor=request.user)
    recent = second_factor.recent_enrolment_codes()
    status = 400 if form.errors else 200
    response = render(request, "registration/enrolment_codes.html",
                      {"form": form, "issued": issued, "recent": recent, "now": timezone.now()}, status=status)
    response["Cache-Control"] = "no-store"
    return response
