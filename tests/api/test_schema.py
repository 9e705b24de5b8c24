"""The OpenAPI schema: generated without a warning, valid OpenAPI 3, and saying what the API does
(every operation's refusals, the marking, the authentication it takes)."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from records.api.permissions import API_PERMISSIONS


@pytest.fixture(scope="module")
def schema():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_schema_is_valid_and_generated_without_warnings(schema):
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "CPNI Track API"


def test_every_operation_is_documented_with_its_refusals(schema):
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) == sum(len(methods) for methods in API_PERMISSIONS.values())
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"401", "403"} <= set(responses), (method, path)
        assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, (method, path)
            assert {"400", "415"} <= set(responses), (method, path)
        success = next(code for code in responses if code.startswith("2"))
        reference = responses[success]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert "marking" in schema["components"]["schemas"][reference]["required"], (method, path)


def test_no_basic_authentication_is_offered(schema):
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_file_check_is_said_to_be_on_the_web_page_only(schema):
    create = schema["paths"]["/api/v1/records/"]["post"]
    assert "file check" in create["description"] and "web page only" in create["description"]
    request = schema["components"]["schemas"]["RecordWriteRequest"]["properties"]["label_verification"]
    assert {"$ref": "#/components/schemas/VisualLabelVerificationEnum"} in request["oneOf"]
    assert schema["components"]["schemas"]["VisualLabelVerificationEnum"]["enum"] == ["visual"]
