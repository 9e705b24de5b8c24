"""Third-party releases of and access to CPNI (47 CFR 64.2009(c); procedure (a)): recording a
release, correcting one (records managers, saying why), who reads them, and the year's releases.
Each service checks the actor's permission, validates everything before it writes, writes in one
transaction with history and records an audit event. A release has no states: it is recorded, and
corrected when it was recorded wrong."""

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.dates import records_began_on
from records.models import CpniCategory

from .models import Disclosure

Purpose = Disclosure.Purpose
VIEW, ADD, CHANGE = "compliance.view_disclosure", "compliance.add_disclosure", "compliance.change_disclosure"
FIELDS = ("disclosed_on", "recipient", "agreement_reference", "purpose", "legal_basis", "cpni_categories",
          "customers_count", "customer_reference", "notes")
REASON_MAX = 4000
TEXT_MAX = 5000
# A customer reference names an account or a ticket; a telephone number (ten or eleven digits once
# spaces, dots, dashes and brackets are taken out) or anything with spaces in it is not one.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/#:-]{0,63}")
_PHONE = re.compile(r"\+?1?\d{10}")


def may_list(user):
    return user.has_perm(VIEW)


def visible_disclosures(user):
    queryset = Disclosure.objects.select_related("recorded_by")
    return queryset if user.has_perm(VIEW) else queryset.none()


def disclosures_of(year):
    return Disclosure.objects.filter(disclosed_on__gte=date(year, 1, 1), disclosed_on__lte=date(year, 12, 31))


def _clean_fields(fields):
    extra = sorted(set(fields) - set(FIELDS))
    if extra:
        raise ValidationError({"__all__": f"Not a field of a release: {', '.join(extra)}."})
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    if "cpni_categories" in cleaned:
        categories = cleaned["cpni_categories"] or []
        if isinstance(categories, str) or not isinstance(categories, (list, tuple)):
            raise ValidationError({"cpni_categories": "Give the CPNI released as a list of categories."})
        unknown = sorted(str(value) for value in categories if value not in CpniCategory.values)
        if unknown:
            raise ValidationError({"cpni_categories": f"Not a category of CPNI: {', '.join(unknown)}."})
        cleaned["cpni_categories"] = [value for value in CpniCategory.values if value in categories]
    if cleaned.get("customers_count", None) == "":
        cleaned["customers_count"] = None
    return cleaned


def _errors(disclosure):
    errors = {}
    today = timezone.localdate()
    if not isinstance(disclosure.disclosed_on, date):
        errors["disclosed_on"] = "Enter the day the CPNI was released."
    elif disclosure.disclosed_on > today:
        errors["disclosed_on"] = "A release is recorded once it has happened: the day cannot be in the future."
    elif disclosure.disclosed_on < records_began_on():
        errors["disclosed_on"] = (f"The day cannot be before {records_began_on():%Y-%m-%d}, when the company's "
                                  "records began.")
    for name, what, most in (("recipient", "Name the recipient of the CPNI.", 200),
                             ("agreement_reference", "Give the reference of the contract or NDA that binds the "
                                                     "recipient.", 200)):
        value = getattr(disclosure, name) or ""
        if not value.strip():
            errors[name] = what
        elif len(value) > most:
            errors[name] = f"At most {most} characters."
    if disclosure.purpose not in Purpose.values:
        errors["purpose"] = ("Choose the purpose: provisioning, installation, maintenance, repair, or other with its "
                             "legal basis.")
    elif disclosure.purpose == Purpose.OTHER and not (disclosure.legal_basis or "").strip():
        errors["legal_basis"] = ("The procedure releases CPNI to vendors only to provision, install, maintain or repair "
                                 "the service: for any other purpose, give the legal basis that allows the release.")
    elif disclosure.purpose != Purpose.OTHER and (disclosure.legal_basis or "").strip():
        errors["legal_basis"] = "A legal basis is given only when the purpose is other: leave it empty."
    for name in ("legal_basis", "notes"):
        if len(getattr(disclosure, name) or "") > TEXT_MAX:
            errors[name] = f"At most {TEXT_MAX} characters."
    if not disclosure.cpni_categories:
        errors["cpni_categories"] = "Say which CPNI was released."
    count, reference = disclosure.customers_count, disclosure.customer_reference or ""
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        errors["customers_count"] = "Give the number of customers as a whole number of at least 1."
    if reference:
        if _PHONE.fullmatch(re.sub(r"[\s().-]", "", reference)):
            errors["customer_reference"] = ("That looks like a telephone number: give an account or ticket reference, "
                                            "never the CPNI itself.")
        elif not _REFERENCE.fullmatch(reference):
            errors["customer_reference"] = ("A customer reference is one word of letters, digits and . _ / # : - (at "
                                            "most 64): an account or ticket reference, never the CPNI itself.")
    if count is None and not reference:
        errors["customers_count"] = "Say which customers are concerned: their number, or a customer reference."
    if errors:
        raise ValidationError(errors)


def _payload(disclosure):
    values = {name: getattr(disclosure, name) for name in FIELDS}
    return {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in values.items()}


def disclosure_record(*, actor, fields):
    """Record a release (records managers). Nothing is written unless all of it is valid."""
    if not actor.has_perm(ADD):
        raise PermissionDenied("Only records managers record releases of CPNI to third parties.")
    fields = _clean_fields(fields)
    disclosure = Disclosure(recorded_by=actor, recorded_at=timezone.now(), **fields)
    _errors(disclosure)
    with transaction.atomic():
        disclosure._history_user = actor
        disclosure.save()
        audit_event_record(actor=actor, action="disclosure.created", obj=disclosure, payload=_payload(disclosure))
    return disclosure


def disclosure_correct(*, actor, disclosure, fields, reason):
    """Correct a release recorded wrong (records managers), saying why; the history keeps what it was."""
    if not actor.has_perm(CHANGE):
        raise PermissionDenied("Only records managers correct a release of CPNI.")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "Say why the release is corrected."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"At most {REASON_MAX} characters."})
    fields = _clean_fields(fields)
    with transaction.atomic():
        locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        before = _payload(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _errors(locked)
        after = _payload(locked)
        changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
        if not changed:
            raise ValidationError({"__all__": "Nothing is changed: a correction changes at least one detail."})
        locked.corrected_at = timezone.now()
        locked._history_user, locked._change_reason = actor, reason[:100]
        locked.save()
        audit_event_record(actor=actor, action="disclosure.corrected", obj=locked,
                           payload={"reason": reason, "changed": changed})
    return locked


def disclosure_evidence(year):
    """True sentences about the year's releases, for the accompanying statement."""
    releases = list(disclosures_of(year))
    if not releases:
        return [f"No release of CPNI to a third party is recorded for {year}."]
    other = [r for r in releases if r.purpose == Purpose.OTHER]
    count = len(releases)
    sentence = f"{count} release{'s' if count != 1 else ''} of CPNI to third parties {'were' if count != 1 else 'was'} recorded in {year}"
    if not other:
        return [sentence + ", each to provision, install, maintain or repair the service."]
    return [sentence + f"; {len(other)} for another purpose, each with its legal basis recorded."]
