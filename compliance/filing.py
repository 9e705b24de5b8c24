"""Asking for a year's certification package, and the officer's record that it was filed."""

import datetime
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from compliance import package as certification_package
from compliance.models import CertificationFiling, CertificationPackage, CompanyProfile, signatory_problem
from records.audit import audit_event_record
from records.dates import past_date_error
from records.locks import JobLocked, job_lease
from records.queueing import STALLED_AFTER, queue_after_commit
from records.second_factor import WRONG_CODE, confirmed_device


def is_draft_year(year):
    """A package of a year that has not ended is a draft: its year-end figures are projections."""
    return year >= timezone.localdate().year


def certification_package_request(*, actor, year):
    """Queue a build of `year`'s package (built by a Celery task after commit). Refused for a year
    already filed, a year not yet begun, or without a company profile. The package's `queued`
    says whether the build reached the task queue; if not, the reconcile task queues it later."""
    if not actor.has_perm("compliance.add_certificationpackage"):
        raise PermissionDenied("Only records managers and officers prepare the certification.")
    if year > timezone.localdate().year or year < 2000:
        raise ValidationError({"year": "Choose a calendar year that has begun."})
    if CertificationFiling.objects.standing().filter(year=year).exists():
        raise ValidationError({"year": f"The {year} certification was filed; its package is locked."})
    profile = CompanyProfile.objects.select_related("signatory").first()
    if profile is None:
        raise ValidationError("Fill in the company profile (company, Form 499 Filer ID, signatory) first.")
    if profile.signatory is None or signatory_problem(profile.signatory):
        problem = signatory_problem(profile.signatory) if profile.signatory else "No officer is named as the signatory."
        raise ValidationError(f"{problem} Choose the signing officer in the company profile first.")
    with transaction.atomic():
        package = CertificationPackage.objects.create(
            year=year, draft=is_draft_year(year), requested_by=actor, requested_at=timezone.now()
        )
        audit_event_record(actor=actor, action="certification.package_requested", obj=package,
                           payload={"year": year, "draft": package.draft})
        package.queued = queue_after_commit(lambda: _enqueue_build(package.pk), what=f"certification package #{package.pk}")
    return package


def _enqueue_build(package_id):
    from compliance.tasks import build_certification_package

    build_certification_package.delay(package_id)


PERSONAL_KNOWLEDGE = (
    "I have personal knowledge that the company has established operating procedures that are adequate to "
    "ensure compliance with the Commission's CPNI rules, and the statements in this certification are true."
)


def _signer_checks(actor, password, otp_token, personal_knowledge):
    """The signatory proves it is them now (password, and the second factor where they have one)
    and attests personal knowledge; returns the errors by field."""
    profile = CompanyProfile.objects.select_related("signatory").first()
    if profile is None or profile.signatory_id != actor.pk:
        named = f"{profile.signatory_name}, " if profile and profile.signatory_id else ""
        raise PermissionDenied(f"Only {named}the officer named in the company profile, signs the certification.")
    errors = {}
    if not actor.check_password(password or ""):
        errors["password"] = "That is not your password: enter it again to sign."  # nosec B105: a message, not a password
    device = confirmed_device(actor)
    if device is not None and not device.verify_token(otp_token or ""):
        errors["otp_token"] = WRONG_CODE
    if not personal_knowledge:
        errors["personal_knowledge"] = "Tick the attestation: the officer certifies from personal knowledge."
    return errors, device is not None


def certification_file(*, actor, package, signed_on, filed_on, password, otp_token="", personal_knowledge=False):
    """The officer named as the signatory records that the year's certification was signed and
    filed, after entering their password again (and their second factor's code where they have one)
    and attesting personal knowledge: the package becomes the year's record and no other package may
    be built for that year."""
    if not actor.has_perm("compliance.add_certificationfiling"):
        raise PermissionDenied("Only an officer records the signed and filed certification.")
    signer_errors, second_factor = _signer_checks(actor, password, otp_token, personal_knowledge)
    # The certification covers a whole calendar year: it is signed and filed after the year ended.
    year_ended, errors = datetime.date(package.year + 1, 1, 1), {}
    for field, value, what in (("signed_on", signed_on, "The signing date"), ("filed_on", filed_on, "The filing date")):
        message = past_date_error(
            value, floor=year_ended, floor_is=f"the first day after the year {package.year} it certifies", what=what
        )
        if message:
            errors[field] = message
    if "filed_on" not in errors and "signed_on" not in errors and filed_on < signed_on:
        errors["filed_on"] = "The certification is filed after it is signed."
    if package.state != CertificationPackage.State.READY:
        errors["package"] = "Only a finished package can be filed."
    elif package.draft:
        errors["package"] = (
            f"Package #{package.pk} is a draft, built before {package.year} ended: build the year's final package to file it."
        )
    errors.update(signer_errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if CertificationFiling.objects.select_for_update().standing().filter(year=package.year).exists():
            raise ValidationError(f"The {package.year} certification was already filed.")
        filing = CertificationFiling(
            year=package.year, package=package, signed_by=actor, signed_on=signed_on, filed_on=filed_on,
            recorded_at=timezone.now(),
        )
        filing._history_user = actor
        filing.save()
        audit_event_record(
            actor=actor, action="certification.filed", obj=filing,
            payload={"year": package.year, "package": package.pk, "sha256": package.sha256,
                     "signed_on": signed_on, "filed_on": filed_on, "signatory": actor.get_username(),
                     "reauthenticated": "password and second factor" if second_factor else "password",
                     "personal_knowledge_attested": PERSONAL_KNOWLEDGE},
        )
    return filing


def _is_filing_officer(actor, filing):
    return actor.has_perm("compliance.add_certificationfiling") and actor.pk == filing.signed_by_id


def _within_withdrawal_period(filing):
    return timezone.now() <= filing.recorded_at + timedelta(days=CertificationFiling.WITHDRAWAL_DAYS)


def may_withdraw(actor, filing):
    """Whether `actor` may still withdraw `filing` (for offering the action)."""
    return filing.withdrawn_at is None and _is_filing_officer(actor, filing) and _within_withdrawal_period(filing)


def certification_withdraw(*, actor, filing, reason):
    """The officer who recorded a filing withdraws it as recorded in error, within
    CertificationFiling.WITHDRAWAL_DAYS and with a reason: the year unlocks; the filing and its
    package stay on record."""
    reason = reason.strip()
    if not _is_filing_officer(actor, filing):
        raise PermissionDenied("Only the officer who recorded the filing withdraws it.")
    if not reason:
        raise ValidationError({"reason": "Say why the filing was recorded in error."})
    if not _within_withdrawal_period(filing):
        raise ValidationError(
            f"A filing can be withdrawn within {CertificationFiling.WITHDRAWAL_DAYS} days of being recorded; the "
            f"{filing.year} filing was recorded on {timezone.localtime(filing.recorded_at):%Y-%m-%d}."
        )
    with transaction.atomic():
        locked = CertificationFiling.objects.select_for_update().get(pk=filing.pk)
        if locked.withdrawn_at is not None:
            raise ValidationError(f"The {locked.year} filing was already withdrawn.")
        locked.withdrawn_at, locked.withdrawn_by, locked.withdrawal_reason = timezone.now(), actor, reason
        locked._history_user = actor
        locked._change_reason = "withdrawn"
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        audit_event_record(
            actor=actor, action="certification.filing_withdrawn", obj=locked,
            payload={"year": locked.year, "package": locked.package_id, "reason": reason},
        )
    return locked


def certification_package_build(package):
    """Build the package, its progress visible on the row as it goes, under a lease so two workers
    never build the same package at once (a second delivery of the task just returns). A failure is
    recorded on the package by the build and raised again, so the task retries."""
    try:
        with job_lease(f"certification-package-{package.pk}", ttl=timedelta(minutes=15)) as lease:

            def progress(percent, step):
                lease.renew()
                CertificationPackage.objects.filter(pk=package.pk).update(progress=min(int(percent), 99), step=step[:120])

            certification_package.build_package(package, progress=progress)
    except JobLocked:
        return None
    return package.pk


def stalled_packages(now=None, after=STALLED_AFTER):
    """Packages still queued or building long after they were asked for: their task was lost
    (a broker restarted without its queue) or its worker died."""
    now = now or timezone.now()
    return CertificationPackage.objects.filter(
        state__in=[CertificationPackage.State.QUEUED, CertificationPackage.State.BUILDING],
        requested_at__lte=now - after,
    )
