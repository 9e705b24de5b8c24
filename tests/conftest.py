import os

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.factories import DepartmentFactory, UserFactory
from records.roles import Role

EXPECTED_DATABASE = os.environ.get("CPNITRACK_EXPECT_DATABASE", "")
EXPECTED_BROKER = os.environ.get("CPNITRACK_EXPECT_BROKER", "")


def pytest_collection_modifyitems(config, items):
    """Server-bound tests skip where the servers are not configured, except when CI expects the
    servers: then they run, and an unreachable server fails them."""
    on_postgres = EXPECTED_DATABASE == "postgresql" or django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = EXPECTED_BROKER == "redis" or django_settings.CELERY_BROKER_URL.startswith("redis://")
    needs = {
        "postgres": (on_postgres, "needs PostgreSQL (set DATABASE_URL)"),
        "celery_worker": (on_postgres and on_redis, "needs PostgreSQL and Redis (set DATABASE_URL and CELERY_BROKER_URL)"),
    }
    for item in items:
        for marker, (available, reason) in needs.items():
            if marker in item.keywords and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_expected_one(django_db_setup, django_db_blocker):
    if EXPECTED_DATABASE and connection.vendor != EXPECTED_DATABASE:
        pytest.exit(f"CI expected the {EXPECTED_DATABASE} database but the tests run on {connection.vendor}", 2)


# The audit tables refuse TRUNCATE (records migration 0031); a test database is reset between
# transactional tests with TRUNCATE, so the reset switches their triggers off for its duration, as
# the tables' owner may.
_AUDIT_TABLES = ("records_auditevent", "records_auditchainhead")


@pytest.fixture(scope="session", autouse=True)
def _test_database_resets_past_the_truncate_triggers():
    if connection.vendor != "postgresql":
        yield
        return
    operations = type(connection.ops)
    plain_sql_flush = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = plain_sql_flush(self, style, tables, **kwargs)
        guarded = [table for table in _AUDIT_TABLES if table in tables]
        if not statements or not guarded:
            return statements
        return ([f"ALTER TABLE {table} DISABLE TRIGGER USER;" for table in guarded] + statements
                + [f"ALTER TABLE {table} ENABLE TRIGGER USER;" for table in guarded])

    operations.sql_flush = sql_flush
    yield
    operations.sql_flush = plain_sql_flush


@pytest.fixture(autouse=True)
def _own_audit_anchor_dir(settings, tmp_path_factory):
    """Each test's audit anchors are its own, as its database is."""
    settings.AUDIT_ANCHOR_DIR = tmp_path_factory.mktemp("anchors")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Rate limits are off but where a test turns them on (tests/records/test_ratelimits.py): the
    fuzzing and schema tests send hundreds of requests a minute."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test's database starts afresh (rolled back), so must the cache of what was read from it,
    and the rate limits' counts."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()


@pytest.fixture
def department(db):
    return DepartmentFactory(name="Billing", code="billing")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(name="Customer Care", code="customer-care")


@pytest.fixture
def employee(department):
    return UserFactory(username="emma", role=Role.EMPLOYEE, department=department)


@pytest.fixture
def colleague(department):
    """Another employee of the same department."""
    return UserFactory(username="colin", role=Role.EMPLOYEE, department=department)


@pytest.fixture
def outsider(other_department):
    """An employee of another department."""
    return UserFactory(username="olga", role=Role.EMPLOYEE, department=other_department)


@pytest.fixture
def records_manager(db):
    return UserFactory(
        username="rita", role=Role.RECORDS_MANAGER, department=DepartmentFactory(name="Legal", code="legal")
    )


@pytest.fixture
def netops(db):
    return UserFactory(
        username="nate", role=Role.NETOPS_DIRECTOR, department=DepartmentFactory(name="Network Ops", code="netops")
    )


@pytest.fixture
def auditor(db):
    return UserFactory(username="ann", role=Role.AUDITOR)


@pytest.fixture
def officer(db):
    return UserFactory(username="oscar", first_name="Oscar", last_name="Tanaka", title="President and CEO", role=Role.OFFICER)


@pytest.fixture
def approved_statement(records_manager, officer):
    """Every section of the accompanying statement approved, so final packages build."""
    from tests.factories import approve_every_section

    return approve_every_section(records_manager, officer)


@pytest.fixture
def users_by_role(employee, records_manager, netops, auditor, officer):
    return {
        Role.EMPLOYEE: employee,
        Role.RECORDS_MANAGER: records_manager,
        Role.NETOPS_DIRECTOR: netops,
        Role.AUDITOR: auditor,
        Role.OFFICER: officer,
    }


TODAY = "2026-11-23 12:00 -0500"


@pytest.fixture
def frozen_today(time_machine):
    """The clock stands at noon on 2026-11-23 in the carrier's time zone (it still ticks)."""
    time_machine.move_to(TODAY)
