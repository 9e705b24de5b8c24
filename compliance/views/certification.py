"""The annual CPNI certification: packages built per year, downloaded, and the officer's filing."""

import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from compliance import filing, public_filing
from compliance.package import package_path
from compliance.selectors import certification_due, certification_years
from compliance.forms import AmendmentForm, FileForm, PackageRequestForm, SignForm, WithdrawFilingForm, add_errors
from records import queueing
from records.audit import audit_event_record
from records.conflicts import error_status
from records.ratelimits import rate_limited
from records.uploads import accepts_upload
from compliance.models import CertificationAmendment, CertificationFiling, CertificationPackage, CompanyProfile
from records.second_factor import has_confirmed_device


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def certification_home(request, request_form=None):
    years = certification_years()
    return render(
        request,
        "compliance/certification.html",
        {
            "profile": CompanyProfile.objects.first(),
            "next_due": certification_due(),
            "years": years,
            "amending": [y for y in years if y.amended_certification_needed],
            "packages": CertificationPackage.objects.select_related("requested_by")[:50],
            "request_form": request_form or PackageRequestForm(),
        },
    )


@require_POST
@permission_required("compliance.add_certificationpackage", raise_exception=True)
@rate_limited("package_build")
def package_request(request):
    form = PackageRequestForm(request.POST)
    if form.is_valid():
        try:
            package = filing.certification_package_request(actor=request.user, year=form.cleaned_data["year"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if package.queued.waiting_for_queue:
                messages.warning(request, queueing.waiting_for_queue_message(
                    f"Your request for the {package.year} package is saved.", "its build"))
            else:
                messages.success(request, f"The {package.year} package is being built.")
            return redirect("package-detail", pk=package.pk)
    response = certification_home(request, request_form=form)
    response.status_code = 400
    return response


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def package_detail(request, pk, sign_form=None, file_form=None, withdraw_form=None, amendment_form=None):
    package = get_object_or_404(CertificationPackage.objects.select_related("requested_by", "amendment"), pk=pk)
    standing = CertificationFiling.objects.standing().filter(year=package.year).select_related("signed_by", "package").first()
    profile = CompanyProfile.objects.select_related("signatory").first()
    signatory = profile.signatory if profile else None
    open_amendment = CertificationAmendment.objects.open().filter(year=package.year).first()
    ours = standing is not None and standing.package_id == package.pk
    return render(
        request,
        "compliance/package_detail.html",
        {
            "package": package,
            "standing": standing,
            "ours": ours,
            "open_amendment": open_amendment,
            "amendments": CertificationAmendment.objects.filter(year=package.year).select_related("opened_by", "filing"),
            "building": package.state in (CertificationPackage.State.QUEUED, CertificationPackage.State.BUILDING),
            "signable": not package.draft and package.state == CertificationPackage.State.READY
            and (standing is None or (open_amendment is not None and standing.pk == open_amendment.amends_id))
            and (open_amendment is None or package.amendment_id == open_amendment.pk),
            "sign_form": sign_form or SignForm(),
            "file_form": file_form or FileForm(year=package.year),
            "waiting_note": queueing.WAITING_NOTE if package.state == CertificationPackage.State.QUEUED
            and queueing.not_started_for_long(package.requested_at, package.progress) else "",
            "withdrawals": CertificationFiling.objects.filter(package=package, withdrawn_at__isnull=False)
            .select_related("signed_by", "withdrawn_by"),
            "can_withdraw": ours and filing.may_withdraw(request.user, standing),
            "can_record_filing": ours and not standing.is_filed and request.user.pk == standing.signed_by_id,
            "withdraw_form": withdraw_form or WithdrawFilingForm(),
            "amendment_form": amendment_form or AmendmentForm(),
            "can_amend": ours and standing.is_filed and open_amendment is None
            and request.user.has_perm("compliance.add_certificationamendment"),
            "signatory": signatory,
            "is_signatory": signatory is not None and signatory.pk == request.user.pk,
            "has_second_factor": has_confirmed_device(request.user),
        },
    )


@permission_required("compliance.add_certificationpackage", raise_exception=True)
def package_download(request, pk):
    package = get_object_or_404(CertificationPackage, pk=pk, state=CertificationPackage.State.READY)
    path = package_path(package)
    if not path.is_file():
        raise Http404("The package file is missing; build the package again.")
    audit_event_record(actor=request.user, action="certification.package_downloaded", obj=package,
                       payload={"year": package.year, "sha256": package.sha256})
    return FileResponse(path.open("rb"), as_attachment=True, filename=package.file_name, content_type="application/zip")


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def package_certification_pdf(request, pk):
    """The internal certification PDF of the package, to read in the browser before signing."""
    return _package_pdf(request, pk, "certification.pdf", "export.certification_pdf", "CONFIDENTIAL-cpni-certification")


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def package_public_filing(request, pk):
    """The public filing of the package, as the officer files it in ECFS."""
    return _package_pdf(request, pk, public_filing.FILE_NAME, "export.public_filing", "cpni-certification-public-filing")


def _package_pdf(request, pk, entry, action, stem):
    """The PDF `entry` as the package's ZIP holds it (what was built, not a new rendering), inline."""
    package = get_object_or_404(CertificationPackage, pk=pk)
    if package.state != CertificationPackage.State.READY:
        return _not_found(request, f"The {package.year} package is not built yet ({package.get_state_display()}): "
                                   f"its {entry} can be read once it is ready.")
    try:
        with zipfile.ZipFile(package_path(package)) as archive:
            data = archive.read(entry)
    except (FileNotFoundError, KeyError, zipfile.BadZipFile):
        return _not_found(request, f"Package #{package.pk} holds no {entry} (its file is missing or was built "
                                   f"before it had one): build the {package.year} package again.")
    audit_event_record(actor=request.user, action=action, obj=package,
                       payload={"year": package.year, "file": entry, "package_sha256": package.sha256})
    draft = "-DRAFT" if package.draft else ""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{stem}-{package.year}{draft}-{package.pk}.pdf")
    return response


def _not_found(request, message):
    return render(request, "404.html", {"message": message}, status=404)


@require_POST
@permission_required("compliance.add_certificationfiling", raise_exception=True)
def package_sign(request, pk):
    package = get_object_or_404(CertificationPackage, pk=pk)
    status, form = 400, SignForm(request.POST)
    if form.is_valid():
        try:
            filing.certification_sign(actor=request.user, package=package, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"Your signature of the {package.year} certification is recorded. File the public "
                                      "filing in ECFS, then record the filing here.")
            return redirect("package-detail", pk=package.pk)
    response = package_detail(request, pk, sign_form=form)
    response.status_code = status
    return response


@accepts_upload("SIGNED_PDF_MAX_BYTES")
@require_POST
@permission_required("compliance.add_certificationfiling", raise_exception=True)
def filing_file(request, pk):
    signed = get_object_or_404(CertificationFiling, pk=pk)
    status, form = 400, FileForm(request.POST, request.FILES, year=signed.year)
    if form.is_valid():
        try:
            filing.certification_file(
                actor=request.user, filing=signed, filed_on=form.cleaned_data["filed_on"],
                ecfs_confirmation=form.cleaned_data["ecfs_confirmation"], signed_pdf=form.cleaned_data["signed_pdf"],
                lock_confirmed=form.cleaned_data["lock_confirmed"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"The {signed.year} certification is recorded as filed; the year is locked.")
            return redirect("package-detail", pk=signed.package_id)
    response = package_detail(request, signed.package_id, file_form=form)
    response.status_code = status
    return response


@permission_required("compliance.view_certificationfiling", raise_exception=True)
def filing_signed_pdf(request, pk):
    """The signed certification as it was filed in ECFS, as the officer uploaded it."""
    filed = get_object_or_404(CertificationFiling, pk=pk, filed_on__isnull=False)
    path = filing.signed_pdf_path(filed)
    if not path.is_file():
        return _not_found(request, f"The signed PDF of the {filed.year} filing is missing from the server's files.")
    response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filed.signed_pdf_name)
    return response


@require_POST
@permission_required("compliance.add_certificationamendment", raise_exception=True)
def amendment_open(request, pk):
    filed = get_object_or_404(CertificationFiling, pk=pk)
    status, form = 400, AmendmentForm(request.POST)
    if form.is_valid():
        try:
            filing.amendment_open(actor=request.user, year=filed.year, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"The {filed.year} certification is open for amendment: correct the registers, "
                                      "then build, sign and file the amended certification.")
            return redirect("certification")
    response = package_detail(request, filed.package_id, amendment_form=form)
    response.status_code = status
    return response


@require_POST
@permission_required("compliance.add_certificationfiling", raise_exception=True)
def filing_withdraw(request, pk):
    filed = get_object_or_404(CertificationFiling, pk=pk)
    status, form = 400, WithdrawFilingForm(request.POST)
    if form.is_valid():
        try:
            filing.certification_withdraw(actor=request.user, filing=filed, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
            status = error_status(error)
        else:
            messages.success(request, f"The {filed.year} filing is withdrawn; the year is open again.")
            return redirect("package-detail", pk=filed.package_id)
    response = package_detail(request, filed.package_id, withdraw_form=form)
    response.status_code = status
    return response
