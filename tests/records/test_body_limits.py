"""Request bodies are refused by their declared length before anything reads them: for anonymous
visitors and signed-in users alike, with a larger limit only on the views that take an upload."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from records.models import AuditEvent, ImportJob, LabelCheck

MB = 1024 * 1024


class UnreadBody(io.BytesIO):
    """A request body that remembers whether anything read it."""

    def __init__(self, data):
        super().__init__(data)
        self.was_read = False

    def read(self, *args):
        self.was_read = True
        return super().read(*args)

    def readline(self, *args):
        self.was_read = True
        return super().readline(*args)


def post_body(client, path, data, **extra):
    """POST ``data`` (a dict, sent as multipart) with a body that records whether it was read."""
    body = encode_multipart(BOUNDARY, data)
    stream = UnreadBody(body)
    environ = {"wsgi.input": stream, "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": MULTIPART_CONTENT}
    response = client.generic("POST", path, **environ, **extra)
    return response, stream


def test_an_anonymous_post_of_files_to_the_login_page_is_refused_unread(client, db):
    files = {f"file{n}": SimpleUploadedFile(f"big{n}.bin", b"\0" * MB) for n in range(3)}
    response, body = post_body(client, reverse("login"), {"username": "emma", "password": "x", **files})

    assert response.status_code == 413
    assert "This request is 3.0 MB; this page accepts at most 2.0 MB" in response.content.decode()
    assert not body.was_read
    assert not AuditEvent.objects.exists()  # not even a failed sign-in: nothing was read


def test_a_declared_length_alone_is_enough_to_refuse(client, employee):
    client.force_login(employee)
    stream = UnreadBody(b"")
    response = client.generic("POST", reverse("record-create"), b"", content_type=MULTIPART_CONTENT,
                              **{"wsgi.input": stream, "CONTENT_LENGTH": str(100 * MB)})

    assert response.status_code == 413 and not stream.was_read


def test_a_signed_in_upload_beyond_the_label_checks_limit_is_refused_unread(client, employee, settings):
    settings.LABEL_CHECK_MAX_BYTES = 100_000
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    client.force_login(employee)
    document = SimpleUploadedFile("memo.txt", b"CONFIDENTIAL " * 20_000)  # 260 kB

    response, body = post_body(client, reverse("label-check"), {"document": document})

    assert response.status_code == 413
    assert "this page accepts at most 0.1 MB" in response.content.decode()
    assert not body.was_read and not LabelCheck.objects.exists()


def test_the_label_check_takes_a_file_within_its_own_limit_that_other_pages_refuse(client, employee, settings):
    settings.LABEL_CHECK_MAX_BYTES = 300_000
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    client.force_login(employee)
    def document():
        return SimpleUploadedFile("memo.txt", b"CONFIDENTIAL " * 20_000)

    checked, _ = post_body(client, reverse("label-check"), {"document": document()})
    elsewhere, body = post_body(client, reverse("hold-create"), {"matter": "x", "document": document()})

    assert checked.status_code == 200 and LabelCheck.objects.get().outcome == "labelled"
    assert elsewhere.status_code == 413 and not body.was_read


def test_the_import_has_its_own_limit(client, records_manager, settings):
    settings.IMPORT_MAX_BYTES = 50_000
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    client.force_login(records_manager)
    sheet = SimpleUploadedFile("inventory.csv", b"title,medium\n" + b"Box,paper\n" * 10_000)

    response, body = post_body(client, reverse("import-list"), {"sheet": sheet})

    assert response.status_code == 413 and not body.was_read and not ImportJob.objects.exists()


def test_a_chunked_body_without_a_length_is_refused(client):
    response = client.generic("POST", reverse("login"), b"", content_type=MULTIPART_CONTENT,
                              HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")

    assert response.status_code == 411
    assert "must state its length" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_api_answers_a_json_problem(client, employee, signed_in):
    from tests.api.conftest import token_client

    api = token_client(employee) if signed_in else client
    stream = UnreadBody(b"")
    response = api.generic("POST", reverse("api-record-list"), b"", content_type="application/json",
                           **{"wsgi.input": stream, "CONTENT_LENGTH": str(3 * MB)})

    assert response.status_code == 413 and not stream.was_read
    problem = response.json()
    assert problem["code"] == "request_too_large" and problem["status"] == 413
    assert "accepts at most 2.0 MB" in problem["detail"]
