"""records.form_renderer writes <select> and checkbox/radio lists in Python: the markup must be
what Django's own templates write, character for character, for every kind of choice, and a form
offering every person must render without a template per option."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test.utils import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings, strategies as st

from records.form_renderer import FormRenderer
from records.forms import CustodianChoiceField, RecordCorrectionForm
from records.models import User
from tests.factories import make_record

DJANGO, OURS = DjangoTemplates(), FormRenderer()
AWKWARD = ['a"<b>&\'', "Ann O'Neil <ann@example.com>", "é — ✓", mark_safe("<em>safe</em>"), "", " spaced ",
           gettext_lazy("Lazy <label>")]
CHOICES = [
    ("", "---------"),
    (1, "One"),
    ("Group <1>", [("g1", "In a group"), ("g2", AWKWARD[1])]),
    *enumerate(AWKWARD, start=2),
    ("", [("g3", "A group with no name")]),
]
WIDGETS = [
    lambda: forms.Select(choices=CHOICES),
    lambda: forms.Select(choices=CHOICES, attrs={"class": "wide", "data-filtered-by": "department", "disabled": True,
                                                 "hidden": False}),
    lambda: forms.SelectMultiple(choices=CHOICES),
    lambda: forms.NullBooleanSelect(),
    lambda: forms.CheckboxSelectMultiple(choices=CHOICES),
    lambda: forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"class": "columns"}),
    lambda: forms.RadioSelect(choices=CHOICES),
    lambda: forms.RadioSelect(choices=[]),
]
VALUES = [None, "", 1, "2", "g2", ["1", "g2", 3], "unknown", True, "true"]


@pytest.mark.parametrize(("make", "value"), [
    (make, value) for make in WIDGETS for value in VALUES
    if not (isinstance(make(), forms.NullBooleanSelect) and isinstance(value, list))  # Django's cannot take a list
])
@pytest.mark.parametrize("attrs", [None, {"id": "id_field"}, {"id": 'id_"x"', "required": True, "aria-describedby": "h"}])
def test_choices_are_written_as_djangos_templates_write_them(make, value, attrs):
    widget = make()
    assert widget.render("field", value, attrs, renderer=OURS) == widget.render("field", value, attrs, renderer=DJANGO)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=6), st.text(max_size=8))
def test_any_choices_are_written_as_djangos_templates_write_them(choices, value):
    for widget in (forms.Select(choices=choices), forms.CheckboxSelectMultiple(choices=choices),
                   forms.RadioSelect(choices=choices)):
        assert widget.render("f", value, {"id": "id_f"}, renderer=OURS) == widget.render("f", value, {"id": "id_f"},
                                                                                          renderer=DJANGO)


class _OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/input.html"


def test_a_widget_with_an_option_template_of_its_own_is_left_to_its_templates():
    widget = _OwnOption(choices=[("a", "A")])
    assert widget.render("f", "a", renderer=OURS) == widget.render("f", "a", renderer=DJANGO)
    assert "<input" in widget.render("f", "a", renderer=OURS)


@pytest.mark.django_db
def test_the_custodian_select_keeps_each_persons_department(records_manager, department, employee):
    field = CustodianChoiceField(queryset=User.objects.select_related("department").order_by("pk"))
    ours = field.widget.render("custodian", employee.pk, renderer=OURS)
    assert ours == field.widget.render("custodian", employee.pk, renderer=DJANGO)
    assert f'<option value="{employee.pk}" selected data-department="{employee.department_id}">' in ours


@pytest.mark.django_db
def test_the_project_renders_forms_with_it(records_manager, employee):
    record = make_record(custodian=employee)
    form = RecordCorrectionForm(record=record, user=records_manager)
    assert isinstance(form.renderer, FormRenderer)
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        get_default_renderer.cache_clear()
        try:
            expected = str(RecordCorrectionForm(record=record, user=records_manager)["custodian"])
        finally:
            get_default_renderer.cache_clear()
    assert str(form["custodian"]) == expected
