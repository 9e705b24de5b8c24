"""The configured Celery broker (filesystem by default, Redis in CI's second pass) carries messages."""

import os
import uuid

from django.conf import settings

from cpnitrack.celery import app


def test_the_configured_broker_delivers_a_message():
    expected = os.environ.get("CPNITRACK_EXPECT_BROKER")
    if expected:
        assert settings.CELERY_BROKER_URL.startswith(f"{expected}://")
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=2, interval_start=0.5)
        queue = connection.SimpleQueue(f"cpnitrack-test-{uuid.uuid4().hex}")
        try:
            queue.put({"ping": 1})
            message = queue.get(timeout=5)
            message.ack()
            assert message.payload == {"ping": 1}
        finally:
            queue.clear()
            queue.close()
