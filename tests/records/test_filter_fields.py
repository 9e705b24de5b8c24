"""The list pages write their filter fields with records_tags.filter_fields; the markup must be
what Django's own field template (as_field_group) writes, with and without errors, each field in
its own cell of the filter grid (so a label stays above its own control)."""

import re
from datetime import date

import pytest
from django import forms

from records.forms import AuditFilterForm, DateInput, ListDateInput, ListSelect, ListTextInput, RecordFilterForm
from records.templatetags.records_tags import filter_fields


def _tags(html):
    return re.sub(r">\s+<", "><", str(html)).strip()


def _as_field_groups(form, *left_out):
    return "".join(f'<div class="field">{field.as_field_group()}</div>' for field in form if field.name not in left_out)


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


@pytest.mark.parametrize("value", [None, "", 'a"<b>&', "2026-01-31", date(2026, 1, 31), "31/01/2026"])
@pytest.mark.parametrize("attrs", [{}, {"id": "id_x", "placeholder": "Reference, title", "maxlength": "100"},
                                   {"id": "id_x", "aria-invalid": "true", "aria-describedby": "id_x_error"}])
def test_the_list_inputs_write_what_djangos_input_template_writes(value, attrs):
    assert ListTextInput().render("q", value, attrs) == forms.TextInput().render("q", value, attrs)
    assert ListDateInput().render("d", value, attrs) == DateInput().render("d", value, attrs)


def test_the_list_select_writes_the_attributes_as_djangos_select_template_does():
    attrs = {"id": "id_s", "aria-invalid": "true", "aria-describedby": "id_s_error", "required": True, "hidden": False}
    ours, django = ListSelect(choices=[("", "Any")]).render("s", "", attrs), forms.Select(choices=[("", "Any")]).render("s", "", attrs)
    assert ours.split(">")[0] == django.split(">")[0]
