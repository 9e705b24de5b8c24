from django.urls import path

from .views import breaches, certification, registers

urlpatterns = [
    path("registers/<slug:kind>/", registers.register_list, name="register-list"),
    path("registers/<slug:kind>/new/", registers.register_edit, name="register-create"),
    path("registers/<slug:kind>/<int:pk>/", registers.register_edit, name="register-edit"),
    path("registers/<slug:kind>/<int:pk>/assess-breach/", breaches.register_assess_breach, name="register-assess-breach"),
    path("breaches/", breaches.breach_list, name="breach-list"),
    path("breaches/report/", breaches.breach_report, name="breach-report"),
    path("breaches/<int:pk>/", breaches.breach_detail, name="breach-detail"),
    path("breaches/<int:pk>/edit/", breaches.breach_edit, name="breach-edit"),
    path("breaches/<int:pk>/steps/<slug:step>/", breaches.breach_step, name="breach-step"),
    path("breaches/notices/<int:pk>/copy/", breaches.notice_copy, name="notice-copy"),
    path("company/", registers.company_profile, name="company-profile"),
    path("certification/", certification.certification_home, name="certification"),
    path("certification/packages/", certification.package_request, name="package-request"),
    path("certification/packages/<int:pk>/", certification.package_detail, name="package-detail"),
    path("certification/packages/<int:pk>/download/", certification.package_download, name="package-download"),
    path("certification/packages/<int:pk>/sign/", certification.package_sign, name="package-sign"),
    path("certification/packages/<int:pk>/certification.pdf", certification.package_certification_pdf,
         name="package-certification-pdf"),
    path("certification/packages/<int:pk>/public-filing.pdf", certification.package_public_filing,
         name="package-public-filing"),
    path("certification/filings/<int:pk>/file/", certification.filing_file, name="filing-file"),
    path("certification/filings/<int:pk>/signed.pdf", certification.filing_signed_pdf, name="filing-signed-pdf"),
    path("certification/filings/<int:pk>/withdraw/", certification.filing_withdraw, name="filing-withdraw"),
    path("certification/filings/<int:pk>/amend/", certification.amendment_open, name="amendment-open"),
]
