"""The project's form renderer (settings.FORM_RENDERER): Django's own templates, except for the
widgets that list every choice (<select>, and lists of checkboxes or radio buttons), whose markup
is written here, character for character as Django's templates write it. A form offering every
person at a carrier (a thousand or more) spent most of a record's page on Django's template per
option; written here it costs a few microseconds an option."""

from html import escape

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
MULTIPLE_INPUTS = ("django/forms/widgets/checkbox_select.html", "django/forms/widgets/radio.html")
OPTION_TEMPLATES = {
    SELECT: ("django/forms/widgets/select_option.html",),
    **dict.fromkeys(MULTIPLE_INPUTS, ("django/forms/widgets/checkbox_option.html",
                                      "django/forms/widgets/radio_option.html")),
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        # Every field, label and form template comes through here: only the lists are looked at.
        if template_name in OPTION_TEMPLATES and _standard_options(context["widget"], OPTION_TEMPLATES[template_name]):
            widget = context["widget"]
            return (select_html(widget) if template_name == SELECT else multiple_inputs_html(widget)).strip()
        return super().render(template_name, context, request)


def _standard_options(widget, templates):
    """Whether every option of `widget` uses one of Django's own option templates (a widget with
    an option template of its own is rendered by its templates)."""
    return all(option["template_name"] in templates for _, options, _ in widget["optgroups"] for option in options)


def _text(value):
    """{{ value }}, or {{ value|stringformat:'s' }}, with autoescaping: conditional_escape without
    its check for lazy arguments on every call (a third of the time of a thousand options)."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def attrs_html(attrs):
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    return mark_safe("".join(  # noqa: S308 (names and values escaped here)  # nosec B308 B703
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items() if value is not False
    ))


def select_html(widget):
    """django/forms/widgets/select.html with select_option.html for each option."""
    parts = [f'<select name="{_text(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(f'\n  <option value="{_text(option["value"])}"{attrs_html(option["attrs"])}>{_text(option["label"])}'
                     "</option>\n" for option in options)  # each include keeps its template's last newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def multiple_inputs_html(widget):
    """django/forms/widgets/multiple_input.html (checkbox_select.html, radio.html) with
    input_option.html for each option."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{_text(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{_text(attrs["class"])}"')
    parts.append(">")
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        parts.extend(f"<div>\n    {_input_option_html(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _input_option_html(option):
    """checkbox_option.html or radio_option.html, through input_option.html and input.html, each
    include with its template's last newline."""
    value = "" if option["value"] is None else f' value="{_text(option["value"])}"'
    control = f'<input type="{_text(option["type"])}" name="{_text(option["name"])}"{value}{attrs_html(option["attrs"])}>\n'
    if option["wrap_label"]:
        label_for = f' for="{_text(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
        control = f"<label{label_for}>{control} {_text(option['label'])}</label>"
    return f"{control}\n\n"
