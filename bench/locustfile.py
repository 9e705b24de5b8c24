"""Figure 5's load: 20 users, no think time, each on one page of a gunicorn on loopback.

Started by bench.run as `locust -f bench/locustfile.py --headless ... RecordListUser` (then
LoginPageUser), with BENCH_SESSION_COOKIE and BENCH_SESSION_KEYS (signed-in sessions made by
`bench.tasks sessions`, so no password hashing runs during the measurement)."""

import itertools
import os

from locust import FastHttpUser, constant, task

_KEYS = itertools.cycle([key for key in os.environ.get("BENCH_SESSION_KEYS", "").split(",") if key] or [""])
_COOKIE = os.environ.get("BENCH_SESSION_COOKIE", "sessionid")


class RecordListUser(FastHttpUser):
    """A signed-in records manager reading the record list (all records, newest first)."""

    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Cookie": f"{_COOKIE}={next(_KEYS)}"}

    @task
    def record_list(self):
        with self.client.get("/records/", headers=self.headers, name="record list", catch_response=True) as response:
            if response.status_code != 200 or b"CONFIDENTIAL" not in (response.content or b""):
                response.failure(f"status {response.status_code}")


class LoginPageUser(FastHttpUser):
    """An anonymous visitor on the sign-in page: the same server's floor."""

    wait_time = constant(0)

    @task
    def login_page(self):
        with self.client.get("/accounts/login/", name="login page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
