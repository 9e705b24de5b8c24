"""Configuration from the environment: embedded defaults, production guards, backend switches."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.DEBUG)"
)


def run_with(tmp_path, **env_vars):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "AUDIT_SIGNING_KEY",
                         "AUDIT_SIGNING_KEY_FILE")}
    env.update(DJANGO_SETTINGS_MODULE="cpnitrack.settings", VAR_DIR=str(tmp_path), **env_vars)
    return subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True)


def test_nothing_set_runs_on_sqlite_and_the_filesystem_broker(tmp_path):
    result = run_with(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]
    assert (tmp_path / "celery" / "queue").is_dir()


def test_urls_switch_to_postgresql_and_redis(tmp_path):
    result = run_with(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0", "True"]


def test_debug_off_without_secret_key_stops_with_a_clear_message(tmp_path):
    result = run_with(tmp_path, DEBUG="false", ALLOWED_HOSTS="cpni.example.com")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_debug_off_without_allowed_hosts_stops_with_a_clear_message(tmp_path):
    result = run_with(tmp_path, DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "Set the ALLOWED_HOSTS environment variable" in result.stderr


def test_debug_off_with_both_starts(tmp_path):
    result = run_with(tmp_path, DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="cpni.example.com",
                      AUDIT_SIGNING_KEY_FILE=str(tmp_path / "audit.pem"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_trusted_proxy_count_sets_where_lockouts_find_the_client(tmp_path):
    show = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.AXES_IPWARE_PROXY_COUNT, ','.join(settings.AXES_IPWARE_META_PRECEDENCE_ORDER))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cpnitrack.settings", "VAR_DIR": str(tmp_path)}

    def run(count):
        return subprocess.run([sys.executable, "-c", show], cwd=ROOT, env={**env, "TRUSTED_PROXY_COUNT": count},
                              capture_output=True, text=True)

    assert run("0").stdout.split() == ["None", "REMOTE_ADDR"]
    assert run("2").stdout.split() == ["1", "HTTP_X_FORWARDED_FOR,REMOTE_ADDR"]
    refused = run("-1")
    assert refused.returncode != 0 and "TRUSTED_PROXY_COUNT is the number of proxies" in refused.stderr
