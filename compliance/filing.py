"""Asking for a year's certification package; the officer's signature, then their record that the
signed certification was filed in ECFS; withdrawing a step recorded in error; and amendments."""

import datetime
import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compliance import package as certification_package
from compliance.filed_years import is_locked
from compliance.models import (
    CertificationAmendment,
    CertificationFiling,
    CertificationPackage,
    CompanyProfile,
    signatory_problem,
)
from compliance.uploads import kept_path, write_whole
from records.audit import audit_event_record
from records.conflicts import StateConflict
from records.dates import past_date_error
from records.locks import JobLocked, job_lease
from records.queueing import STALLED_AFTER, queue_after_commit
from records.second_factor import WRONG_CODE, confirmed_device

FILINGS_FOLDER = "filings"


def is_draft_year(year):
    """A package of a year that has not ended is a draft: its year-end figures are projections."""
    return year >= timezone.localdate().year


def package_refusal(year):
    """Why no package may be built for `year` now, or "": a year not begun, a year whose filed
    certification locks it, or one whose certification is signed and awaits filing."""
    if year > timezone.localdate().year or year < 2000:
        return "Choose a calendar year that has begun."
    standing = CertificationFiling.objects.standing().filter(year=year).first()
    if standing is not None and not standing.is_filed:
        return (f"The {year} certification was signed on {standing.signed_on:%Y-%m-%d} with package #{standing.package_id} "
                "and awaits filing: file it, or withdraw the signature, before building another package.")
    if is_locked(year):
        return (f"The {year} certification was filed on {standing.filed_on:%Y-%m-%d}; its package is locked. Open an "
                "amendment to correct it.")
    return ""


def statement_refusal(year):
    """Why no final package may be built for `year`, or "": a final certification needs every
    section of the accompanying statement approved or recorded as not applicable (a draft package
    is built regardless, and its statement says what is missing)."""
    from compliance.statement_sections import missing_message, missing_sections

    if is_draft_year(year):
        return ""
    missing = missing_sections()
    return missing_message(missing) if missing else ""


def new_package(*, actor, year):
    """A queued package row for `year`: the year's next version, a draft while the year runs, and
    tied to the open amendment if the year was reopened."""
    version = (CertificationPackage.objects.filter(year=year).aggregate(last=Max("version"))["last"] or 0) + 1
    return CertificationPackage.objects.create(
        year=year, version=version, draft=is_draft_year(year), requested_by=actor, requested_at=timezone.now(),
        amendment=CertificationAmendment.objects.open().filter(year=year).first(),
    )


def certification_package_request(*, actor, year):
    """Queue a build of `year`'s package (built by a Celery task after commit). Refused for a year
    locked by its filing, a year not yet begun, or without a company profile. The package's `queued`
    says whether the build reached the task queue; if not, the reconcile task queues it later."""
    if not actor.has_perm("compliance.add_certificationpackage"):
        raise PermissionDenied("Only records managers and officers prepare the certification.")
    refusal = package_refusal(year)
    if refusal:
        raise ValidationError({"year": refusal})
    profile = CompanyProfile.objects.select_related("signatory").first()
    if profile is None:
        raise ValidationError("Fill in the company profile (company, Form 499 Filer ID, signatory) first.")
    if profile.signatory is None or signatory_problem(profile.signatory):
        problem = signatory_problem(profile.signatory) if profile.signatory else "No officer is named as the signatory."
        raise ValidationError(f"{problem} Choose the signing officer in the company profile first.")
    refusal = statement_refusal(year)
    if refusal:
        raise ValidationError(refusal)
    with transaction.atomic():
        package = new_package(actor=actor, year=year)
        audit_event_record(actor=actor, action="certification.package_requested", obj=package,
                           payload={"year": year, "version": package.version, "draft": package.draft,
                                    "amendment": package.amendment_id})
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
    failed = [name for name in ("password", "otp_token") if name in errors]
    if failed:  # someone at the officer's session who is not the officer: on the record
        audit_event_record(actor=actor, action="certification.reauthentication_failed", obj=actor,
                           payload={"failed": failed})
    return errors, device is not None


def certification_sign(*, actor, package, signed_on, password, otp_token="", personal_knowledge=False):
    """The officer named as the signatory records that they signed the year's certification as
    `package` holds it, after entering their password again (and their second factor's code where
    they have one) and attesting personal knowledge. Signing locks nothing yet: the year is locked
    when the signed certification is recorded as filed (certification_file)."""
    if not actor.has_perm("compliance.add_certificationfiling"):
        raise PermissionDenied("Only an officer signs the certification.")
    signer_errors, second_factor = _signer_checks(actor, password, otp_token, personal_knowledge)
    errors = {}
    # The certification covers a whole calendar year: it is signed after the year ended.
    message = past_date_error(signed_on, floor=datetime.date(package.year + 1, 1, 1),
                              floor_is=f"the first day after the year {package.year} it certifies", what="The signing date")
    if message:
        errors["signed_on"] = message
    package_error = _signable_error(package)
    if package_error:
        errors["package"] = package_error
    errors.update(signer_errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        standing = CertificationFiling.objects.select_for_update().standing().filter(year=package.year).first()
        amendment = CertificationAmendment.objects.select_for_update().open().filter(year=package.year).first()
        if standing is not None and not (amendment and standing.pk == amendment.amends_id):
            raise StateConflict(f"The {package.year} certification was already signed, on {standing.signed_on:%Y-%m-%d}.")
        if standing is not None:  # the filing the amendment corrects gives way to the amended one
            standing.superseded_at = timezone.now()
            standing._history_user, standing._change_reason = actor, "superseded by an amendment"
            standing.save(update_fields=["superseded_at"])
        filing = CertificationFiling(
            year=package.year, package=package, signed_by=actor, signed_on=signed_on, recorded_at=timezone.now(),
        )
        filing._history_user = actor
        filing.save()
        audit_event_record(
            actor=actor, action="certification.signed", obj=filing,
            payload={"year": package.year, "package": package.pk, "version": package.version, "sha256": package.sha256,
                     "signed_on": signed_on, "signatory": actor.get_username(),
                     "amends": amendment.amends_id if amendment else None,
                     "reauthenticated": "password and second factor" if second_factor else "password",
                     "personal_knowledge_attested": PERSONAL_KNOWLEDGE},
        )
    return filing


def _signable_error(package):
    if package.state != CertificationPackage.State.READY:
        return "Only a finished package can be signed."
    if package.draft:
        return f"Package #{package.pk} is a draft, built before {package.year} ended: build the year's final package to sign it."
    amendment = CertificationAmendment.objects.open().filter(year=package.year).first()
    if amendment is not None and package.amendment_id != amendment.pk:
        return (f"The {package.year} certification is being amended: sign a package built for the amendment "
                f"(after {timezone.localtime(amendment.opened_at):%Y-%m-%d %H:%M}).")
    return ""


ECFS_CONFIRMATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{5,39}")


def lock_notice(year):
    """What recording the filing of `year` locks, as the confirmation the officer ticks says it."""
    return (
        f"I filed this signed certification in ECFS. Recording it locks {year}: customer complaints, actions against "
        f"data brokers, pretexting observations and destructions dated in {year} become read-only, and no other "
        f"package can be built for {year}, until an amendment reopens the year."
    )


def certification_file(*, actor, filing, filed_on, ecfs_confirmation, signed_pdf, lock_confirmed=False):
    """The officer who signed the certification records it as filed in ECFS: the date filed, the ECFS
    confirmation number, and the signed PDF as filed (`signed_pdf`: its bytes; kept with its SHA-256,
    it holds no CPNI). The year is locked from then on (compliance.filed_years)."""
    if not actor.has_perm("compliance.add_certificationfiling") or actor.pk != filing.signed_by_id:
        raise PermissionDenied("Only the officer who signed the certification records its filing.")
    ecfs_confirmation = (ecfs_confirmation or "").strip()
    errors = {}
    message = past_date_error(filed_on, floor=filing.signed_on, floor_is="the day it was signed", what="The filing date")
    if message:
        errors["filed_on"] = message
    if not ECFS_CONFIRMATION.fullmatch(ecfs_confirmation):
        errors["ecfs_confirmation"] = "Enter the confirmation number ECFS gave the filing (letters, digits and dashes)."
    if not signed_pdf:
        errors["signed_pdf"] = "Attach the signed certification as filed (PDF)."
    elif len(signed_pdf) > settings.SIGNED_PDF_MAX_BYTES:
        errors["signed_pdf"] = f"The signed PDF is over {settings.SIGNED_PDF_MAX_BYTES // (1024 * 1024)} MB."
    elif not signed_pdf.startswith(b"%PDF-"):
        errors["signed_pdf"] = "That file is not a PDF: attach the signed certification as filed in ECFS."
    if not lock_confirmed:
        errors["lock_confirmed"] = f"Confirm that recording the filing locks {filing.year}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = CertificationFiling.objects.select_for_update().get(pk=filing.pk)
        if locked.withdrawn_at is not None or locked.superseded_at is not None:
            raise StateConflict("This signature was withdrawn: sign the certification again.")
        if locked.is_filed:
            raise StateConflict(f"The {locked.year} certification was already recorded as filed.")
        name, digest = _keep_signed_pdf(locked, signed_pdf)
        locked.filed_on, locked.filed_at, locked.ecfs_confirmation = filed_on, timezone.now(), ecfs_confirmation
        locked.signed_pdf_name, locked.signed_pdf_sha256, locked.signed_pdf_size = name, digest, len(signed_pdf)
        locked._history_user, locked._change_reason = actor, "filed"
        locked.save()
        CertificationAmendment.objects.open().filter(year=locked.year).update(filing=locked)
        audit_event_record(
            actor=actor, action="certification.filed", obj=locked,
            payload={"year": locked.year, "package": locked.package_id, "filed_on": filed_on,
                     "ecfs_confirmation": ecfs_confirmation, "signed_pdf_sha256": digest, "late": locked.is_late,
                     "due_on": locked.due_on, "locked": lock_notice(locked.year)},
        )
    return locked


def signed_pdf_path(filing):
    return kept_path(FILINGS_FOLDER, filing.signed_pdf_name)


def _keep_signed_pdf(filing, data):
    """Write the signed PDF whole (a temporary file renamed into place) and return its name and SHA-256."""
    name = f"cpni-certification-{filing.year}-filed-{filing.pk}.pdf"
    write_whole(FILINGS_FOLDER, name, data)
    return name, hashlib.sha256(data).hexdigest()


def amendment_open(*, actor, year, reason):
    """Reopen the filed `year` to correct it: its registers and destructions can change again and
    an amended certification is needed (built, signed and filed as the first was)."""
    if not actor.has_perm("compliance.add_certificationamendment"):
        raise PermissionDenied("Only records managers and officers amend the certification.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what the amendment corrects."})
    with transaction.atomic():
        filed = CertificationFiling.objects.select_for_update().standing().filter(year=year, filed_on__isnull=False).first()
        if filed is None:
            raise ValidationError(f"The {year} certification is not filed: it can be corrected without an amendment.")
        if CertificationAmendment.objects.open().filter(year=year).exists():
            raise StateConflict(f"An amendment of the {year} certification is already open.")
        amendment = CertificationAmendment(year=year, reason=reason, opened_by=actor, opened_at=timezone.now(), amends=filed)
        amendment._history_user = actor
        amendment.save()
        audit_event_record(actor=actor, action="certification.amendment_opened", obj=amendment,
                           payload={"year": year, "amends": filed.pk, "reason": reason})
    return amendment


def _is_filing_officer(actor, filing):
    return actor.has_perm("compliance.add_certificationfiling") and actor.pk == filing.signed_by_id


def _last_step_at(filing):
    return filing.filed_at or filing.recorded_at


def _within_withdrawal_period(filing):
    return timezone.now() <= _last_step_at(filing) + timedelta(days=CertificationFiling.WITHDRAWAL_DAYS)


def may_withdraw(actor, filing):
    """Whether `actor` may still withdraw `filing` (for offering the action)."""
    return (filing.withdrawn_at is None and filing.superseded_at is None and _is_filing_officer(actor, filing)
            and _within_withdrawal_period(filing))


def certification_withdraw(*, actor, filing, reason):
    """The officer who signed a certification withdraws its signature or filing as recorded in error,
    within CertificationFiling.WITHDRAWAL_DAYS of the last step and with a reason: the year unlocks
    (an amendment whose filing this was is open again); the filing and its package stay on record."""
    reason = reason.strip()
    if not _is_filing_officer(actor, filing):
        raise PermissionDenied("Only the officer who recorded the filing withdraws it.")
    if not reason:
        raise ValidationError({"reason": "Say why the filing was recorded in error."})
    if not _within_withdrawal_period(filing):
        raise ValidationError(
            f"A filing can be withdrawn within {CertificationFiling.WITHDRAWAL_DAYS} days of being recorded; the "
            f"{filing.year} filing was recorded on {timezone.localtime(_last_step_at(filing)):%Y-%m-%d}."
        )
    with transaction.atomic():
        locked = CertificationFiling.objects.select_for_update().get(pk=filing.pk)
        if locked.withdrawn_at is not None or locked.superseded_at is not None:
            raise StateConflict(f"The {locked.year} filing was already withdrawn or amended.")
        locked.withdrawn_at, locked.withdrawn_by, locked.withdrawal_reason = timezone.now(), actor, reason
        locked._history_user = actor
        locked._change_reason = "withdrawn"
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        CertificationAmendment.objects.filter(filing=locked).update(filing=None)
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
