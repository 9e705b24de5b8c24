"""A JSON body nested deeper than the API needs is a 400 that says so, never a 500."""

from django.urls import reverse

from records.models import Record


def test_a_body_nested_a_thousand_levels_deep_is_a_clear_400(api, employee):
    body = "[" * 1000 + "]" * 1000

    response = api(employee).generic("POST", reverse("api-record-list"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "The JSON body is nested more than 32 levels deep."
    assert not Record.objects.exists()


def test_a_body_nested_just_past_the_limit_is_refused_and_one_within_it_is_read(api, employee):
    client = api(employee)
    too_deep = '{"title": ' + "[" * 32 + "]" * 32 + "}"
    within = '{"title": ' + "[" * 30 + "]" * 30 + "}"

    refused = client.generic("POST", reverse("api-record-list"), too_deep, content_type="application/json")
    read = client.generic("POST", reverse("api-record-list"), within, content_type="application/json")

    assert refused.status_code == 400 and "nested more than 32 levels" in refused.json()["detail"]
    assert read.status_code == 400 and read.json()["code"] == "validation_error"
