"""The optional TOTP second factor for the privileged roles (django-otp's TOTP devices), set up
with a one-time enrolment code that a records manager issues: a stolen password alone cannot
enrol the thief's authenticator."""

import hashlib
import secrets
from base64 import b32encode
from datetime import timedelta

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_event_record
from .middleware import PRIVILEGED, needs_second_factor
from .models import EnrolmentCode, User
from .ratelimits import rate_count, rate_refuse_if_spent

DEVICE_NAME = "Authenticator app"
EXPIRED_OR_WRONG_CODE = "That code is not right (or has expired); enter the current one."
WRONG_CODE = "That code is not right; enter the current code from your app."
CODE_TO_TURN_OFF = "Enter the current code from your app to turn the second factor off."
WRONG_ENROLMENT_CODE = (
    "That enrolment code is not right, was used already or has expired: ask a records manager for a new one."
)
# Ten characters of an alphabet without look-alikes (no 0/O, 1/I/L), in two groups: 50 bits.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _code_hash(code):
    normalised = "".join(code.upper().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def enrolment_code_issue(*, actor, user):
    """A new one-time code with which `user` (of a privileged role) sets up their second factor,
    valid for SECOND_FACTOR_ENROLMENT_CODE_HOURS; an earlier unused one stops working. Returns
    (code, EnrolmentCode): the code itself is shown once and kept nowhere. `actor` is a records
    manager other than `user`, or None for the command line (the first records manager's)."""
    if actor is not None:
        if not actor.has_perm("records.issue_enrolmentcode"):
            raise PermissionDenied("Only records managers issue enrolment codes.")
        if actor.pk == user.pk:
            raise PermissionDenied("Another records manager must issue your enrolment code.")
    if not user.is_active or not needs_second_factor(user):
        raise ValidationError({"user": "Enrolment codes are for records managers, Network Operations, auditors and officers."})
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    now = timezone.now()
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
        issued = EnrolmentCode(
            user=user, code_hash=_code_hash(code), issued_by=actor, issued_at=now,
            expires_at=now + timedelta(hours=settings.SECOND_FACTOR_ENROLMENT_CODE_HOURS),
        )
        issued._history_user = actor
        issued.save()
        audit_event_record(
            actor=actor, action="auth.enrolment_code_issued", obj=user,
            payload={"expires_at": issued.expires_at.isoformat()},
        )
    return f"{code[:5]}-{code[5:]}", issued


def enrolment_candidates(actor):
    """Whom `actor` may issue an enrolment code: active people of the privileged roles but themselves."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[str(role) for role in PRIVILEGED])
        .exclude(pk=actor.pk).distinct().order_by("username")
    )


def recent_enrolment_codes(limit=20):
    return EnrolmentCode.objects.select_related("user", "issued_by")[:limit]


def _usable_enrolment_code(user, code):
    return (
        EnrolmentCode.objects.select_for_update()
        .filter(user=user, code_hash=_code_hash(code or ""), used_at=None, revoked_at=None,
                expires_at__gt=timezone.now())
        .first()
    )


def pending_device(user):
    """The user's unconfirmed device (made on first use), whose secret they load into their app."""
    if not needs_second_factor(user):
        raise PermissionDenied("The second factor is for records managers, Network Operations, auditors and officers.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def confirmed_device(user):
    return _confirmed_devices(user).first()


def has_confirmed_device(user):
    """Whether the person must enter a code: asked on every signed-in request, so read with the
    user when a session signed them in (records.roles.RoleBackend.get_user), else asked directly
    of the one kind of device CPNI Track offers rather than through django_otp.user_has_device,
    which walks every installed model and loads a device."""
    confirmed = getattr(user, "second_factor_confirmed", None)
    return _confirmed_devices(user).exists() if confirmed is None else bool(confirmed)


def provisioning(device):
    """The secret as text and as an SVG QR code (data URI, drawn here: no other host involved)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return secret, segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def _wrong_code(request, message, field="token"):
    """A wrong code: an audit event, and one more towards the limit of wrong codes."""
    audit_event_record(
        actor=request.user, action="auth.second_factor_failed", obj=request.user, payload={"code": field},
    )
    rate_count(request, "second_factor")
    return ValidationError({field: message})


def second_factor_enable(*, request, device, token, enrolment_code):
    """Confirm the device with a first code from the app and the person's enrolment code, which
    is used up; the session counts as verified."""
    rate_refuse_if_spent(request, "second_factor")
    with transaction.atomic():
        issued = _usable_enrolment_code(device.user, enrolment_code)
        right_token = issued is not None and device.verify_token(token)
        if right_token:
            issued.used_at = timezone.now()
            issued._history_user = device.user
            issued.save(update_fields=["used_at"])
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_event_record(actor=device.user, action="auth.second_factor_enabled", obj=device.user,
                               payload={"enrolment_code_issued_by": issued.issued_by_id})
    if issued is None:
        raise _wrong_code(request, WRONG_ENROLMENT_CODE, field="enrolment_code")
    if not right_token:
        raise _wrong_code(request, EXPIRED_OR_WRONG_CODE)
    otp_login(request, device)


def second_factor_verify(*, request, token):
    """Check a sign-in's code against the user's device. Each wrong code is an audit event; past
    RATE_LIMITS["second_factor"] of them no code is checked (RateLimited) until the period ends,
    besides django-otp's own growing delay between attempts."""
    rate_refuse_if_spent(request, "second_factor")
    device = confirmed_device(request.user)
    if device is None or not device.verify_token(token):
        raise _wrong_code(request, WRONG_CODE)
    otp_login(request, device)
    audit_event_record(actor=request.user, action="auth.second_factor_verified", obj=request.user)


def second_factor_disable(*, request, token):
    """Turn the second factor off, proven by a current code."""
    rate_refuse_if_spent(request, "second_factor")
    device = confirmed_device(request.user)
    if device is None or not device.verify_token(token):
        raise _wrong_code(request, CODE_TO_TURN_OFF)
    device.delete()
    audit_event_record(actor=request.user, action="auth.second_factor_disabled", obj=request.user)
