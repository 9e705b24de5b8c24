from django.urls import path

from .views import certification, registers

urlpatterns = [
    path("registers/<slug:kind>/", registers.register_list, name="register-list"),
    path("registers/<slug:kind>/new/", registers.register_edit, name="register-create"),
    path("registers/<slug:kind>/<int:pk>/", registers.register_edit, name="register-edit"),
    path("company/", registers.company_profile, name="company-profile"),
    path("certification/", certification.certification_home, name="certification"),
    path("certification/packages/", certification.package_request, name="package-request"),
    path("certification/packages/<int:pk>/", certification.package_detail, name="package-detail"),
    path("certification/packages/<int:pk>/download/", certification.package_download, name="package-download"),
    path("certification/packages/<int:pk>/file/", certification.package_file, name="package-file"),
    path("certification/packages/<int:pk>/certification.pdf", certification.package_certification_pdf,
         name="package-certification-pdf"),
    path("certification/packages/<int:pk>/public-filing.pdf", certification.package_public_filing,
         name="package-public-filing"),
    path("certification/filings/<int:pk>/withdraw/", certification.filing_withdraw, name="filing-withdraw"),
]
