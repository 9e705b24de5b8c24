"""The production files say what the operators rely on (no Docker engine runs here to try them)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_the_whole_stack_with_health_checks_and_persistent_data():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "migrate --noinput" in services["web"]["command"] and "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A cpnitrack worker")
    assert "DatabaseScheduler" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["env_file"] == ".env"
        assert service["environment"]["DEBUG"] == "false"
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_image_collects_static_files_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "collectstatic" in dockerfile and "USER cpnitrack" in dockerfile and "gunicorn" in dockerfile


def test_env_example_lists_every_setting_read_from_the_environment():
    settings_source = (ROOT / "cpnitrack" / "settings.py").read_text()
    import re

    read = set(re.findall(r'env(?:\.\w+)?\("([A-Z_]+)"', settings_source))
    listed = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")}
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
