"""End-to-end harness: the real app started the way people start it (`make run`, or
`make prod-local` with E2E_SERVER=prod-local), on loopback, with its own database and var/
folder, driven by Debian's Chromium through Playwright. Screenshots of every step go to
artifacts/e2e/<server>/; a failing test also leaves each open page's HTML and screenshot there."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("E2E_SERVER", "dev")  # "dev" (make run) or "prod-local" (make prod-local)
STOP_SECONDS = 15  # one Ctrl-C stops the whole app within this
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("CPNITRACK_REQUIRE_E2E") == "1"


def pytest_collection_modifyitems(config, items):
    """The browser tests need Debian's chromium. CI installs it and never skips them."""
    if CHROMIUM or REQUIRED:
        return
    skip = pytest.mark.skip(reason="needs the chromium command (apt-get install chromium)")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup():
    """The browser tests use the app's own processes and database, not pytest-django's."""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_database(url):
    """A database of the e2e run's own beside the configured one (PostgreSQL), recreated empty."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_e2e"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _own_broker(url):
    """A Redis database of the e2e run's own, so no unit-test message reaches its worker."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/14")) if parts.scheme == "redis" else url


def _group_alive(group):
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _as_from_a_terminal():
    """Ctrl-C and Ctrl-\\ as a terminal delivers them: a test run started in the background (nohup,
    `&` in a script) ignores SIGINT and SIGQUIT, its children would inherit that, and a shell that
    starts out ignoring a signal cannot trap it (make run's stop would never run)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Stack:
    def __init__(self, tmp):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.var_dir = tmp / "var"
        # The rate limits count in the stack's own memory: a run never inherits an earlier run's counts.
        # A department of the demo (a dozen records) is a large scope for the holds: they are placed and
        # released by the stack's Celery worker, as a carrier's are, with a progress page.
        self.env = {**os.environ, "VAR_DIR": str(self.var_dir), "PYTHONUNBUFFERED": "1",
                    "RATELIMIT_CACHE_URL": "locmemcache://e2e", "HOLD_INLINE_MAX": "5"}
        for name in ("PYTEST_ADDOPTS", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(name, None)
        if os.environ.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = _own_database(os.environ["DATABASE_URL"])
        if os.environ.get("CELERY_BROKER_URL"):
            self.env["CELERY_BROKER_URL"] = _own_broker(os.environ["CELERY_BROKER_URL"])
        if SERVER == "prod-local":
            # Production settings, but plain HTTP on loopback: no TLS redirect or secure-only cookies.
            self.env.update(DEBUG="false", SECRET_KEY="e2e-" + os.urandom(32).hex(), ALLOWED_HOSTS="127.0.0.1,localhost",
                            SECURE_TRANSPORT="false")
        self.log = (tmp / "server.log").open("w")
        self.process = None

    target = "prod-local" if SERVER == "prod-local" else "run"

    def start(self):
        target = self.target
        self.process = subprocess.Popen(
            ["make", target, f"PORT={self.port}", "HOST=127.0.0.1"], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_as_from_a_terminal,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make {target} exited with {self.process.returncode}: see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the app did not come up in time: see {self.log.name}")

    def stop(self):
        """Stop make and everything it started (web, worker, beat: its own process group) the way a
        person does, with one Ctrl-C (SIGINT to the group); return what went wrong, if anything.
        Whatever is still running after STOP_SECONDS is killed."""
        problems = []
        if self.process:
            group = self.process.pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGINT)
            deadline = time.monotonic() + STOP_SECONDS
            while time.monotonic() < deadline and _group_alive(group):
                self.process.poll()  # reaps make once it exits
                time.sleep(0.2)
            if _group_alive(group):
                problems.append(f"make {self.target} was still running {STOP_SECONDS} s after Ctrl-C")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            self.process.wait()
        self.log.close()
        if self.process and "Segmentation fault" in Path(self.log.name).read_text(errors="replace"):
            problems.append(f"make {self.target} reported a segmentation fault as it stopped")
        return problems

    def password(self, username):
        return json.loads((self.var_dir / "demo-credentials.json").read_text())[username]

    def manage(self, *args):
        """Run a management command against the running app's database, as an operator would."""
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("e2e"))
    try:
        stack.start()
        yield stack
    finally:
        problems = stack.stop()
    assert not problems, "; ".join(problems)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM:
        pytest.fail("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts():
    folder = ROOT / "artifacts" / "e2e" / SERVER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


@pytest.fixture
def journey(request, browser, stack, artifacts):
    """A test's people in the browser; screenshots named after the test module."""
    from tests.e2e.journey import Journey

    journey = Journey(browser, stack, artifacts, request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
    yield journey
    if getattr(request.node, "failed_call", True):
        journey.keep_evidence()
    journey.close()
