from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, Medium, RetentionSchedule, User


class RetentionScheduleForm(forms.ModelForm):
    applicable_media = forms.MultipleChoiceField(
        choices=Medium.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for a schedule that applies to every medium.",
    )

    class Meta:
        model = RetentionSchedule
        fields = "__all__"


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(SimpleHistoryAdmin):
    form = RetentionScheduleForm
    list_display = ("code", "title", "period_display", "trigger", "legal_citation", "is_active")
    list_filter = ("trigger", "is_active")
    search_fields = ("code", "title", "legal_citation")


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
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
