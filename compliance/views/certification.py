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
from compliance.selectors import certification_due
from compliance.forms import FilingForm, PackageRequestForm, WithdrawFilingForm
from records.audit import audit_event_record
from compliance.models import CertificationFiling, CertificationPackage, CompanyProfile
from records.second_factor import has_confirmed_device


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def certification_home(request, request_form=None):
    filings = list(CertificationFiling.objects.standing().select_related("signed_by", "package").order_by("-year"))
    return render(
        request,
        "compliance/certification.html",
        {
            "profile": CompanyProfile.objects.first(),
            "next_due": certification_due(),
            "packages": CertificationPackage.objects.select_related("requested_by")[:50],
            "filings": filings,
            "request_form": request_form or PackageRequestForm(),
        },
    )


@require_POST
@permission_required("compliance.add_certificationpackage", raise_exception=True)
def package_request(request):
    form = PackageRequestForm(request.POST)
    if form.is_valid():
        try:
            package = filing.certification_package_request(actor=request.user, year=form.cleaned_data["year"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The {package.year} package is being built.")
            return redirect("package-detail", pk=package.pk)
    response = certification_home(request, request_form=form)
    response.status_code = 400
    return response


@permission_required("compliance.view_certificationpackage", raise_exception=True)
def package_detail(request, pk, filing_form=None, withdraw_form=None):
    package = get_object_or_404(CertificationPackage.objects.select_related("requested_by"), pk=pk)
    filed = CertificationFiling.objects.standing().filter(year=package.year).select_related("signed_by", "package").first()
    profile = CompanyProfile.objects.select_related("signatory").first()
    signatory = profile.signatory if profile else None
    return render(
        request,
        "compliance/package_detail.html",
        {
            "package": package,
            "filed": filed,
            "building": package.state in (CertificationPackage.State.QUEUED, CertificationPackage.State.BUILDING),
            "filing_form": filing_form or FilingForm(),
            "withdrawals": CertificationFiling.objects.filter(package=package, withdrawn_at__isnull=False)
            .select_related("signed_by", "withdrawn_by"),
            "can_withdraw": filed is not None and filed.package_id == package.pk and filing.may_withdraw(request.user, filed),
            "withdraw_form": withdraw_form or WithdrawFilingForm(),
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
def package_file(request, pk):
    package = get_object_or_404(CertificationPackage, pk=pk)
    form = FilingForm(request.POST)
    if form.is_valid():
        try:
            filing.certification_file(actor=request.user, package=package, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The {package.year} certification is recorded as filed; the year is locked.")
            return redirect("package-detail", pk=package.pk)
    response = package_detail(request, pk, filing_form=form)
    response.status_code = 400
    return response


@require_POST
@permission_required("compliance.add_certificationfiling", raise_exception=True)
def filing_withdraw(request, pk):
    filed = get_object_or_404(CertificationFiling, pk=pk)
    form = WithdrawFilingForm(request.POST)
    if form.is_valid():
        try:
            filing.certification_withdraw(actor=request.user, filing=filed, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"The {filed.year} filing is withdrawn; the year is open again.")
            return redirect("package-detail", pk=filed.package_id)
    response = package_detail(request, filed.package_id, withdraw_form=form)
    response.status_code = 400
    return response
