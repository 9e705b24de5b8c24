from functools import lru_cache
from html import escape
from urllib.parse import quote, urlencode

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from compliance.program import PROGRAM_PERMISSIONS
from records.models import Medium, Status
from records.sweep_timetable import timetable_words
from records.wording import period_words

register = template.Library()
MEDIUM_LABELS, STATUS_LABELS = dict(Medium.choices), dict(Status.choices)
URL_SAFE = "!$&'()*+,;=~:@"  # what django.urls.reverse leaves unquoted in a path segment
ON_HOLD_BADGE = ' <span class="status status-on-hold" title="Under an active legal hold: kept as it is">On hold</span>'


register.filter("period_words", period_words)
register.filter("timetable_words", timetable_words)


@register.simple_tag
def record_rows(rows):
    """The record list's table rows from its plain rows (records.views.records.LIST_COLUMNS, and
    `hold`: an active legal hold's id, for a record badged On hold after its status). Written here with the standard library's HTML escape, because the template language, or
    format_html for each cell, spent more on a page of rows than on the rest of the page."""
    # One reverse() for the page: the links differ only in the (URL-quoted) reference.
    link_start, link_end = reverse("record-detail", args=["~"]).rsplit("~", 1)
    zone = timezone.get_current_timezone()
    return mark_safe("\n".join(  # noqa: S308 (every value below is escaped)  # nosec B308 B703
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td><span class="status status-{}">{}</span>{}</td><td>{}</td><td>{}</td></tr>'.format(*map(escape, (
            f"{link_start}{quote(row.reference, safe=URL_SAFE)}{link_end}", row.reference, row.title,
            MEDIUM_LABELS[row.medium], row.department__name,
            # As User.__str__ names the custodian (get_full_name() or username), from the plain row.
            f"{row.custodian__first_name} {row.custodian__last_name}".strip() or row.custodian__username,
            row.schedule__code, row.status, STATUS_LABELS[row.status],
        )), ON_HOLD_BADGE if row.hold else "", *map(escape, (
            row.expiry_date.isoformat() if row.expiry_date else "—",
            row.created_at.astimezone(zone).date().isoformat(),
        )))
        for row in rows
    ))


@register.simple_tag
def filter_fields(form, *left_out):
    """A filter form's fields as Django's field template (`as_field_group`) writes them: label,
    help text, errors, control, each field in its own cell of the filter grid. Written here because
    on the record list that template costs a fifth of the page. Fields shown as a fieldset (several
    checkboxes) still use the template."""
    return mark_safe("\n".join(  # noqa: S308  # nosec B308 B703
        f'<div class="field">{_field_group(field)}</div>' for field in form if field.name not in left_out))


def _field_group(field):
    if field.use_fieldset:
        return field.as_field_group()
    parts = [format_html('<label for="{}">{}{}</label>', field.id_for_label, field.label, field.form.label_suffix)]
    if field.help_text:
        parts.append(format_html('<div class="helptext" id="{}_helptext">{}</div>', field.auto_id,
                                 mark_safe(field.help_text)))  # noqa: S308 (as Django's template: |safe)  # nosec B308 B703
    if field.errors:
        parts.append(str(field.errors))
    parts.append(str(field))
    return "".join(parts)


# The main navigation: the permission an item needs (None: everyone signed in; a tuple: any of them),
# its URL name, its label.
MAIN_NAV = (
    (None, "dashboard", "Dashboard"),
    ("records.view_record", "record-list", "Records"),
    ("records.add_record", "record-create", "Log a record"),
    ("records.hand_over_media", "hand-over", "Hand over media"),
    ("records.receive_media", "netops-queue", "Network Operations"),
    ("records.view_retentionschedule", "schedule-list", "Schedules"),
    ("records.view_legalhold", "hold-list", "Legal holds"),
    ("records.add_importjob", "import-list", "Import"),
    ("records.view_auditevent", "audit-log", "Audit log"),
    ("compliance.view_certificationpackage", "certification", "Certification"),
    (PROGRAM_PERMISSIONS, "program", "CPNI program"),  # breaches, campaigns and the other registers
    (None, "training-mine", "My training"),
    ("records.add_labelcheck", "label-check", "Check a label"),
)


@register.simple_tag(takes_context=True)
def main_nav(context):
    """The main navigation's items the person may use (and the admin for staff)."""
    user = context["user"]
    paths = _nav_paths(get_script_prefix())
    items = [(paths[name], label) for perm, name, label in MAIN_NAV if _may(user, perm)]
    if user.is_staff:
        items.append((paths["admin:index"], "Administration"))
    return format_html_join("\n", '<li><a href="{}">{}</a></li>', items)


def _may(user, perm):
    if perm is None:
        return True
    return any(user.has_perm(one) for one in perm) if isinstance(perm, tuple) else user.has_perm(perm)


@lru_cache(maxsize=4)
def _nav_paths(script_prefix):
    """The navigation's addresses, which change only with the script prefix: reversing them on
    every page cost 6% of the record list."""
    return {name: reverse(name) for name in [name for _, name, _ in MAIN_NAV] + ["admin:index"]}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    query = dict(context["request"].GET.lists())  # not GET.copy(), a deep copy, 14 times a page
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = [value]
    return "?" + urlencode(query, doseq=True) if query else "?"


@register.simple_tag(takes_context=True)
def sort_query(context, column):
    """Sort by `column`, ascending first; a second click reverses it. Back to page 1."""
    current = context.get("sort", "")
    next_sort = f"-{column}" if current == column else column
    return query_with(context, sort=next_sort, page=None)


@register.simple_tag(takes_context=True)
def sort_state(context, column):
    """aria-sort value of a column header."""
    current = context.get("sort", "")
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.filter
def role_labels(user):
    """The names of the user's roles for people, e.g. ['Records manager'] (read once per request)."""
    from records.roles import Duty, Role, roles_of

    names = roles_of(user)
    return [role.label for role in Role if role.value in names] + [duty.label.split(" (")[0] for duty in Duty
                                                                     if duty.value in names]


@register.filter
def may_use_second_factor(user):
    from records.middleware import needs_second_factor

    return needs_second_factor(user)
