"""The opt-out failures register in the API: record, read, change, the letter recorded as sent;
bad input answered with what is wrong and nothing written; denials."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import OptOutFailure

pytestmark = pytest.mark.django_db
URL = "/api/v1/opt-out-failures/"


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


def test_record_read_change_and_letter(now, client, records_manager, auditor):
    client.force_login(records_manager)
    created = client.post(URL, {"detected_at": "2026-11-20T16:00:00-05:00", "mechanisms": "Web form",
                                "problem": "Down", "remedy": "Fixed", "remedy_on": "2026-11-23",
                                "state_notified": False, "contact": "Records desk"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["deadline"] == "2026-11-30" and body["status"] == "open" and body["marking"]
    assert body["letter_missing"] == ["a copy of the notice provided to customers"]
    detail = f"{URL}{body['id']}/"
    changed = client.patch(detail, {"problem": "Down a week"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["problem"] == "Down a week"
    refused = client.post(f"{detail}letter/", {"sent_at": "2026-11-23T10:00:00-05:00", "method": "mail"},
                          content_type="application/json")
    assert refused.status_code == 400 and "notice provided to customers" in refused.content.decode()
    failure = OptOutFailure.objects.get()
    failure.notice_name, failure.notice_sha256 = "kept", "0" * 64
    failure.save()
    sent = client.post(f"{detail}letter/", {"sent_at": "2026-11-23T10:00:00-05:00", "method": "mail"},
                       content_type="application/json")
    assert sent.status_code == 201 and sent.json()["status"] == "letter_sent" and sent.json()["late"] is False
    again = client.post(f"{detail}letter/", {"sent_at": "2026-11-23T10:00:00-05:00", "method": "mail"},
                        content_type="application/json")
    assert again.status_code == 409
    client.force_login(auditor)
    assert client.get(URL).status_code == 200
    assert client.patch(detail, {"problem": "x"}, content_type="application/json").status_code == 403
    assert OptOutFailure.objects.get().problem == "Down a week"


def test_bad_input_is_refused_and_nothing_written(now, client, records_manager):
    client.force_login(records_manager)
    response = client.post(URL, {"detected_at": "2026-11-20T16:00:00", "mechanisms": "", "problem": 3},
                           content_type="application/json")
    assert response.status_code == 400
    text = response.content.decode()
    assert "offset" in text and "mechanisms" in text and "problem" in text
    future = client.post(URL, {"detected_at": (timezone.now() + timedelta(days=2)).isoformat(),
                               "mechanisms": "Web", "problem": "Down"}, content_type="application/json")
    assert future.status_code == 400 and "future" in future.content.decode()
    assert client.get(f"{URL}abc/").status_code == 404
    assert not OptOutFailure.objects.exists()
