"""The list pages write their filter fields with records_tags.filter_fields; the markup must be
what Django's own field template (as_field_group) writes, with and without errors."""

import re

import pytest

from records.forms import AuditFilterForm, RecordFilterForm
from records.templatetags.records_tags import filter_fields


def _tags(html):
    return re.sub(r">\s+<", "><", str(html)).strip()


def _as_field_groups(form, *left_out):
    return "".join(str(field.as_field_group()) for field in form if field.name not in left_out)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    {},
    {"q": 'a"<b>', "status": "due", "medium": "paper", "expiry_from": "2026-01-31"},
    {"status": "nope", "department": "x", "expiry_from": "31/01/2026", "expiry_to": "2026-01-01"},
    {"expiry_from": "2026-02-01", "expiry_to": "2026-01-01"},
])
def test_the_record_filters_are_written_as_djangos_field_template_writes_them(records_manager, department, data):
    form = RecordFilterForm(data, user=records_manager)
    form.is_valid()
    assert _tags(filter_fields(form, "sort")) == _tags(_as_field_groups(form, "sort"))
    assert 'name="sort"' not in filter_fields(form, "sort")


@pytest.mark.parametrize("data", [{}, {"actor": "<rita>", "since": "yesterday", "until": "2026-01-01"}])
def test_the_audit_filters_with_their_help_texts_are_written_as_djangos_template_writes_them(data):
    form = AuditFilterForm(data)
    form.is_valid()
    html = filter_fields(form)
    assert _tags(html) == _tags(_as_field_groups(form))
    assert 'id="id_actor_helptext"' in html
