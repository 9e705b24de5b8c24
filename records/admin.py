"""The administration pages: users, roles, departments and job schedules are kept here; domain
data (schedules, records, destructions, holds, registers, filings, audit events) only through the
pages and services, which check, audit and recompute. Here it can be read, never changed."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from .audit import audit_event_record
from .models import Department, RetentionSchedule, User

REVERT_REFUSED = "A past version cannot be restored here; make the change through the application's pages."
READ_ONLY = "This is kept through the application's pages, which check, audit and recompute every change."


class HistoryWithoutRevertAdmin(SimpleHistoryAdmin):
    """Field history to read; simple-history's "revert to this version" saves the old row as it
    was (no audit event, no recompute), so its page only shows the version."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(REVERT_REFUSED)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyDomainAdmin(HistoryWithoutRevertAdmin):
    """Domain data: visible with its history, changed only by the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(ReadOnlyDomainAdmin):
    list_display = ("code", "title", "period_display", "trigger", "legal_citation", "is_active")
    list_filter = ("trigger", "is_active")
    search_fields = ("code", "title", "legal_citation")


@admin.register(Department)
class DepartmentAdmin(HistoryWithoutRevertAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(User)
class CpniUserAdmin(UserAdmin):
    # Roles (groups) grant permissions; one person's own grants are not offered (records.roles.RoleBackend).
    fieldsets = tuple(
        (name, {**options, "fields": tuple(f for f in options["fields"] if f != "user_permissions")})
        for name, options in UserAdmin.fieldsets
    ) + (("CPNI Track", {"fields": ("department", "title")}),)
    filter_horizontal = ("groups",)
    list_display = ("username", "first_name", "last_name", "department", "is_active")
    list_filter = UserAdmin.list_filter + ("department",)


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class SecondFactorDeviceAdmin(TOTPDeviceAdmin):
    """A device is enrolled only by its owner (with an enrolment code where the role needs one):
    here one can be seen, or removed when its phone is lost, which is audited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        audit_event_record(actor=request.user, action="auth.second_factor_removed", obj=obj.user)

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            self.delete_model(request, device)
