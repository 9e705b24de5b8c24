from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from records.views.health import healthz

admin.site.site_header = "CPNI Track administration"
admin.site.site_title = "CPNI Track"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("records.urls")),
]
