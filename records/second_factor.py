"""The optional TOTP second factor for the privileged roles (django-otp's TOTP devices)."""

from base64 import b32encode

import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_event_record
from .middleware import needs_second_factor

DEVICE_NAME = "Authenticator app"
EXPIRED_OR_WRONG_CODE = "That code is not right (or has expired); enter the current one."
WRONG_CODE = "That code is not right; enter the current code from your app."
CODE_TO_TURN_OFF = "Enter the current code from your app to turn the second factor off."


def pending_device(user):
    """The user's unconfirmed device (made on first use), whose secret they load into their app."""
    if not needs_second_factor(user):
        raise PermissionDenied("The second factor is for records managers, Network Operations and officers.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def confirmed_device(user):
    return _confirmed_devices(user).first()


def has_confirmed_device(user):
    """Whether the person must enter a code: asked on every signed-in request, so asked directly
    of the one kind of device CPNI Track offers rather than through django_otp.user_has_device,
    which walks every installed model and loads a device."""
    return _confirmed_devices(user).exists()


def provisioning(device):
    """The secret as text and as an SVG QR code (data URI, drawn here: no other host involved)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return secret, segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def second_factor_enable(*, request, device, token):
    """Confirm the device with a first code from the app; the session counts as verified."""
    if not device.verify_token(token):
        raise ValidationError({"token": EXPIRED_OR_WRONG_CODE})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_event_record(actor=device.user, action="auth.second_factor_enabled", obj=device.user)
    otp_login(request, device)


def second_factor_verify(*, request, token):
    """Check a sign-in's code against the user's device (django-otp throttles repeated failures)."""
    device = confirmed_device(request.user)
    if device is None or not device.verify_token(token):
        audit_event_record(actor=request.user, action="auth.second_factor_failed", obj=request.user)
        raise ValidationError({"token": WRONG_CODE})
    otp_login(request, device)
    audit_event_record(actor=request.user, action="auth.second_factor_verified", obj=request.user)


def second_factor_disable(*, request, token):
    """Turn the second factor off, proven by a current code."""
    device = confirmed_device(request.user)
    if device is None or not device.verify_token(token):
        raise ValidationError({"token": CODE_TO_TURN_OFF})
    device.delete()
    audit_event_record(actor=request.user, action="auth.second_factor_disabled", obj=request.user)
