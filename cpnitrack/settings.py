"""
CPNI Track settings. Everything that differs between machines comes from the environment
(or an .env file beside manage.py); .env.example lists every variable. With nothing set the app
runs on embedded defaults: DEBUG on, SQLite and Celery's filesystem broker under var/.
"""

import datetime
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cpnitrack.client_address import client_address_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="cpnitrack-development-only-not-secret")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY")  # no default: a missing key stops start-up with a clear message
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Set the ALLOWED_HOSTS environment variable (comma-separated host names) when DEBUG is off."
        )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The Ed25519 key that signs the audit chain's head, its anchors and certification packages
# (records.signing): a PEM or base64 raw key in AUDIT_SIGNING_KEY, or a file named by
# AUDIT_SIGNING_KEY_FILE. It must live outside the database. With DEBUG on and neither set, a key
# file is made under VAR_DIR on first use.
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = env("AUDIT_SIGNING_KEY_FILE", default="")
AUDIT_SIGNING_KEY_CREATE = False
if not AUDIT_SIGNING_KEY and not AUDIT_SIGNING_KEY_FILE:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the AUDIT_SIGNING_KEY environment variable (an Ed25519 private key, PEM or base64) or "
            "AUDIT_SIGNING_KEY_FILE (a file holding one) when DEBUG is off; "
            "`python manage.py audit_key --create FILE` makes one."
        )
    AUDIT_SIGNING_KEY_FILE, AUDIT_SIGNING_KEY_CREATE = str(VAR_DIR / "audit-signing-key.pem"), True
# After the key is replaced: files holding the public keys (PEM) of the keys used before, so the
# checkpoints and anchors they signed still verify.
AUDIT_RETIRED_PUBLIC_KEY_FILES = env.list("AUDIT_RETIRED_PUBLIC_KEY_FILES", default=[])
# Where the daily signed anchors of the audit chain are written, one file each, never overwritten:
# point it at write-once storage (e.g. an object-locked bucket's mount) the database's
# administrators cannot change.
AUDIT_ANCHOR_DIR = Path(env("AUDIT_ANCHOR_DIR", default=str(VAR_DIR / "audit-anchors")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "records",
    "compliance",
    # The REST API (records.api): token authentication for service accounts, its OpenAPI schema
    # and the locally served Swagger UI.
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "records.api",
]

MIDDLEWARE = [
    # First: the response it sends task messages after is the one the server writes.
    "records.queueing.SendAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "records.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "records.middleware.RejectNulInPathMiddleware",
    "records.middleware.RequestBodyLimitMiddleware",
    "records.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "records.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "records.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "records.middleware.ConflictMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpnitrack.urls"
WSGI_APPLICATION = "cpnitrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's form templates, but <select> and checkbox/radio lists written in Python (the same markup).
FORM_RENDERER = "records.form_renderer.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cpnitrack.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers (web and worker)
    # queue instead of failing half-way; WAL lets readers proceed meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters travel apart from the SQL, and psycopg prepares a statement once it has run five
    # times on a connection: the persistent connections then skip parsing the pages' queries. Each
    # run is still planned for its values: a generic plan, made once for any value, looked for a
    # rare audit action (the sweep's last run) by reading 1.5 million events backwards.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5,
                                                          options="-c plan_cache_mode=force_custom_plan")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "records.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account/address is locked out
    "records.roles.RoleBackend",  # ModelBackend, with permissions from roles only
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's own page (records.views.records.ROLE_HOMES)
LOGOUT_REDIRECT_URL = "login"

# Sign-in protection. After LOGIN_FAILURE_LIMIT failed attempts for one username from one address,
# that pair is locked out for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, lockouts key on the client's address from X-Forwarded-For
# (cpnitrack.client_address); with no proxy on REMOTE_ADDR alone.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
vars().update(client_address_settings(TRUSTED_PROXY_COUNT))
# Rate limits (records.ratelimits), each "count/period" (s, m, h, d; "5/15m": five in fifteen
# minutes): failed sign-ins from one address (whatever the usernames; django-axes locks one
# username from one address besides), wrong second-factor codes of one person, label checks,
# imports and package builds of one person, API changes of one caller. Over a limit: 429.
RATE_LIMITS = {
    "sign_in": env("RATE_LIMIT_SIGN_IN", default="30/15m"),
    "second_factor": env("RATE_LIMIT_SECOND_FACTOR", default="5/15m"),
    "label_check": env("RATE_LIMIT_LABEL_CHECK", default="30/m"),
    "import": env("RATE_LIMIT_IMPORT", default="20/h"),
    "package_build": env("RATE_LIMIT_PACKAGE_BUILD", default="10/h"),
    "api_write": env("RATE_LIMIT_API_WRITE", default="600/m"),
}
# The counts live in their own cache: in memory of each process by default; with several web
# processes, a cache they share (RATELIMIT_CACHE_URL=redis://127.0.0.1:6379/1).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": env.cache("RATELIMIT_CACHE_URL", default="locmemcache://ratelimit"),
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "records.ratelimits.too_many_requests"
# Django's database sessions, read with a written-out query (records.sessions).
SESSION_ENGINE = "records.sessions"
# A session ends after this much inactivity (records.middleware.SessionRenewalMiddleware renews it
# at most once a minute) and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The privileged roles may turn on a TOTP second factor; with this on, they must.
REQUIRE_SECOND_FACTOR = env.bool("REQUIRE_SECOND_FACTOR", default=False)
# Setting one up takes a one-time enrolment code from a records manager, valid this many hours.
SECOND_FACTOR_ENROLMENT_CODE_HOURS = env.int("SECOND_FACTOR_ENROLMENT_CODE_HOURS", default=24)
OTP_TOTP_ISSUER = "CPNI Track"
# The administration pages never show another person's TOTP secret or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Transport security: on by default whenever DEBUG is off. SECURE_TRANSPORT=false only for a
# plain-HTTP rehearsal on loopback (make prod-local).
SECURE_TRANSPORT = env.bool("SECURE_TRANSPORT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_TRANSPORT
SECURE_SSL_REDIRECT = SECURE_TRANSPORT
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks talk plain HTTP inside the host
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_TRANSPORT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything comes from the app itself: no inline script, no other host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CPNI Track <cpnitrack@localhost>")
# The carrier, as named on certificates and the annual certification.
COMPANY_NAME = env("COMPANY_NAME", default="Example Telecom, Inc.")
# The app's own address, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Retention: records still due this many days after they became due escalate to the records managers.
RETENTION_ESCALATION_DAYS = env.int("RETENTION_ESCALATION_DAYS", default=14)
# Media in Network Operations custody this many days (each threshold once) alert the Director and
# the records managers.
NETOPS_CUSTODY_ALERT_DAYS = [int(days) for days in env.list("NETOPS_CUSTODY_ALERT_DAYS", default=["30", "60", "90"])]
# Days the carrier is closed besides weekends and US federal holidays (ISO dates, comma-separated):
# they are not business days for any deadline.
try:
    CARRIER_CLOSURES = sorted({datetime.date.fromisoformat(day) for day in env.list("CARRIER_CLOSURES", default=[])})
except ValueError as error:
    raise ImproperlyConfigured(f"CARRIER_CLOSURES: give dates as YYYY-MM-DD, comma-separated ({error}).") from None
# Marketing campaigns (47 CFR 64.2009(c), (d); procedure (b)): who approves or rejects a submitted
# campaign. "president": a person given the President duty (the "president" group, records.roles.Duty);
# "officer": anyone in the officer role. Never the campaign's requester (compliance.campaign_lifecycle).
CAMPAIGN_REVIEWER = env("CAMPAIGN_REVIEWER", default="president")
if CAMPAIGN_REVIEWER not in ("president", "officer"):
    raise ImproperlyConfigured(f"CAMPAIGN_REVIEWER is president or officer, not {CAMPAIGN_REVIEWER!r}.")
# Training (47 CFR 64.2009(b), compliance.training): new hires are assigned the current course due
# TRAINING_NEW_HIRE_DAYS days after they joined; when TRAINING_BARS_OVERDUE is true, a person whose
# training is overdue is refused as a record's custodian and for Network Operations steps.
TRAINING_NEW_HIRE_DAYS = env.int("TRAINING_NEW_HIRE_DAYS", default=30)
if not 1 <= TRAINING_NEW_HIRE_DAYS <= 366:
    raise ImproperlyConfigured(f"TRAINING_NEW_HIRE_DAYS is a number of days from 1 to 366, not {TRAINING_NEW_HIRE_DAYS}.")
TRAINING_BARS_OVERDUE = env.bool("TRAINING_BARS_OVERDUE", default=False)
# Breaches of CPNI (47 CFR 64.2011, compliance.breach_clock). BREACH_RULE says which text of the
# rule the carrier applies: "legacy" (in force before the 2023 amendments) or "2023" (FCC 23-111,
# whose effective date was delayed: check it is in force before choosing it). An incident keeps the
# rule it was determined under.
BREACH_RULE = env("BREACH_RULE", default="legacy")
if BREACH_RULE not in ("legacy", "2023"):
    raise ImproperlyConfigured(f"BREACH_RULE is legacy or 2023, not {BREACH_RULE!r}.")
# 2023 rule: customers are notified at the latest this many days after reasonable determination.
BREACH_CUSTOMER_NOTICE_DAYS = env.int("BREACH_CUSTOMER_NOTICE_DAYS", default=30)
# 2023 rule: the annual summary of small breaches (fewer than 500 customers, no harm reasonably
# likely) is due on this day (MM-DD) of the year after the breach was determined (unconfirmed).
try:
    BREACH_ANNUAL_SUMMARY_DUE = tuple(int(part) for part in env("BREACH_ANNUAL_SUMMARY_DUE", default="02-01").split("-"))
    datetime.date(2001, *BREACH_ANNUAL_SUMMARY_DUE)
except (TypeError, ValueError):
    raise ImproperlyConfigured("BREACH_ANNUAL_SUMMARY_DUE: give the day as MM-DD, e.g. 02-01.") from None
# An oral law-enforcement direction to delay customer notice holds only if confirmed in writing
# within this many business days of being given (unconfirmed).
BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS = env.int("BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS", default=3)
# Copies of breach notifications as sent are kept under VAR_DIR/breach-notices, up to this size.
BREACH_NOTICE_MAX_BYTES = 20 * 1024 * 1024
# The paper destruction methods the company's procedure allows (values of Destruction.PaperMethod:
# cross_cut_shredder, shredding_vendor, pulping, incineration); records.apps checks them at start-up.
PAPER_DESTRUCTION_METHODS = env.list("PAPER_DESTRUCTION_METHODS", default=["cross_cut_shredder", "shredding_vendor"])

# Celery: the filesystem broker keeps a laptop install free of servers; CELERY_BROKER_URL
# (e.g. redis://127.0.0.1:6379/0) switches to a real broker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dirs = {name: VAR_DIR / "celery" / name for name in ("queue", "processed", "control")}
    for _folder in _celery_dirs.values():
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dirs["queue"]),
        "data_folder_out": str(_celery_dirs["queue"]),
        "processed_folder": str(_celery_dirs["processed"]),
        "control_folder": str(_celery_dirs["control"]),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A job (the retention sweep) holds a lease it renews as it works; a killed worker's lease is
# free again after this long, and a run that found it taken tries again after as long.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
# A legal hold on more records than this is placed (and released) by a job rather than inside the
# request: the default is measured (records.holds).
HOLD_INLINE_MAX = env.int("HOLD_INLINE_MAX", default=1000)
# A CSV export of more rows than this is written to a file by a job rather than streamed inside the
# request (records.export_jobs: the default is measured); the files are deleted this many hours after
# the job finished (they may hold CPNI).
EXPORT_INLINE_MAX = env.int("EXPORT_INLINE_MAX", default=100_000)
EXPORT_FILE_HOURS = env.int("EXPORT_FILE_HOURS", default=24)

# CONFIDENTIAL label checks read uploaded documents up to this size (they are never stored);
# inventory imports accept sheets up to IMPORT_MAX_MB.
LABEL_CHECK_MAX_BYTES = env.int("LABEL_CHECK_MAX_MB", default=20) * 1024 * 1024
# The signed certification as filed in ECFS, uploaded by the officer with the filing.
SIGNED_PDF_MAX_BYTES = 20 * 1024 * 1024
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=50) * 1024 * 1024
# Uploads are held in memory only, never written to disk, and not kept beyond the size limit.
FILE_UPLOAD_HANDLERS = ["records.uploads.LimitedMemoryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # the non-file fields of a request
# Every request body is refused (413) by its Content-Length before it is read when it is larger
# than this, or for the upload views than their file limit and this (records.middleware).
REQUEST_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

# What reading one uploaded file may cost (records.budgets), in a child process (records.confined):
# the bytes its ZIP members really expand to, its XML elements, a PDF's pages, the seconds and the
# memory the reading takes. A file over any of them is refused with a message naming the limit.
DOCUMENT_MAX_EXPANDED_BYTES = env.int("DOCUMENT_MAX_EXPANDED_MB", default=100) * 1024 * 1024
DOCUMENT_MAX_ELEMENTS = env.int("DOCUMENT_MAX_ELEMENTS", default=2_000_000)
DOCUMENT_MAX_PAGES = env.int("DOCUMENT_MAX_PAGES", default=2_000)
DOCUMENT_MAX_SECONDS = env.float("DOCUMENT_MAX_SECONDS", default=20.0)  # below gunicorn's 30 s timeout
DOCUMENT_MAX_MEMORY_BYTES = env.int("DOCUMENT_MAX_MEMORY_MB", default=1024) * 1024 * 1024
IMPORT_MAX_EXPANDED_BYTES = env.int("IMPORT_MAX_EXPANDED_MB", default=500) * 1024 * 1024
IMPORT_MAX_ELEMENTS = env.int("IMPORT_MAX_ELEMENTS", default=20_000_000)
IMPORT_MAX_SECONDS = env.float("IMPORT_MAX_SECONDS", default=600.0)
IMPORT_MAX_MEMORY_BYTES = env.int("IMPORT_MAX_MEMORY_MB", default=2048) * 1024 * 1024

RECORDS_PER_PAGE = env.int("RECORDS_PER_PAGE", default=25)

# The REST API under /api/v1/ (records.api). Tokens for service accounts (`manage.py
# create_api_token`) or the signed-in browser session (CSRF-checked); never HTTP Basic. JSON in
# and out only; every error is a JSON problem body (records.api.exceptions).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",  # first: anonymous callers get 401
        "records.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["records.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["records.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "records.api.pagination.Pagination",
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS answers 405: the schema describes the API
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "records.api.exceptions.problem_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The OpenAPI schema at /api/schema/ (any signed-in person or token holder) and its Swagger UI at
# /api/docs/ (signed-in browsers), with Swagger UI's files served from here (sidecar), no CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "CPNI Track API",
    "DESCRIPTION": (
        "The records, retention schedules, legal holds and destruction steps of CPNI Track, with the "
        "same permissions and lifecycle rules as the web pages. Every successful response body carries "
        '`"marking": "CONFIDENTIAL"`. Errors are JSON problem bodies (`type`, `title`, `status`, `detail`, '
        "`code`, and `errors` per field for 400)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.TokenAuthentication",
        "records.api.authentication.VerifiedSessionAuthentication",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PaperMethodEnum": "records.models.Destruction.PaperMethod",
        "MediaMethodEnum": "records.models.Destruction.MediaMethod",
        "LabelVerificationEnum": "records.models.LabelVerification",
        "VisualLabelVerificationEnum": "records.api.serializers.VISUAL_ONLY",
        "PeriodUnitEnum": "records.models.PeriodUnit",
        "MediumEnum": "records.models.Medium",
        "CertificationStatusEnum": "compliance.selectors.STATUS_CHOICES",
        "StatusEnum": "records.models.Status",
        "BreachStatusEnum": "compliance.models.BreachIncident.Status",
        "BreachNotificationMethodEnum": "compliance.models.BreachNotification.Method",
        "OptOutFailureStatusEnum": "compliance.models.OptOutFailure.Status",
        "OptOutLetterMethodEnum": "compliance.models.OptOutFailure.LetterMethod",
        "CampaignStatusEnum": "compliance.models.Campaign.Status",
        "CampaignChannelEnum": "compliance.models.Campaign.Channel",
        "CampaignApprovalBasisEnum": "compliance.models.Campaign.ApprovalBasis",
        "DisclosurePurposeEnum": "compliance.models.Disclosure.Purpose",
        "NoticeMailingMethodEnum": "compliance.models.NoticeMailing.Method",
        "TrainingAssignmentStatusEnum": "compliance.models.TrainingAssignment.Status",
        "TrainingAssignmentReasonEnum": "compliance.models.TrainingAssignment.Reason",
        "BriefingKindEnum": "compliance.models.Briefing.Kind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "persistAuthorization": False},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools report every rendering step at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "fontTools", "axes")},
}
