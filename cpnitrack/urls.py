from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from records.ratelimits import sign_in_limited
from records.views.account import enrolment_codes, second_factor_setup, second_factor_verify
from records.views.health import favicon, healthz

handler500 = "records.views.errors.server_error"  # a 503 page when the database is unreachable

admin.site.site_header = "CPNI Track administration"
admin.site.site_title = "CPNI Track"
admin.site.login = sign_in_limited(admin.site.login)

urlpatterns = [
    path("accounts/login/", sign_in_limited(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", second_factor_setup, name="second-factor-setup"),
    path("accounts/second-factor/verify/", second_factor_verify, name="second-factor-verify"),
    path("accounts/enrolment-codes/", enrolment_codes, name="enrolment-codes"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("records.api.urls")),  # /api/v1/, /api/schema/, /api/docs/
    path("", include("records.urls")),
    path("", include("compliance.urls")),
]
