"""What the security fuzz tests share: Hypothesis settings, hostile input strategies, signed-in
clients, a hand-made multipart encoder and the checks every response must pass.

Settings. Every fuzz test takes its settings from ``fuzz_settings(n)``: derandomized (the seed is
derived from the test itself, so CI and every developer see the same inputs and a failure is
reproducible), no example database (no failure found on one machine silently replays on another;
the caches Hypothesis keeps anyway go to the system temp folder, see conftest.py), no deadline (a request's time
depends on the machine), and the function-scoped-fixture / too-slow health checks suppressed
(the fixtures are deliberately shared by all examples of a test; every example is made
self-contained by comparing table counts before and after). The settings are applied per test,
not through a globally loaded profile, so other Hypothesis tests of the project keep their own.

Two environment variables widen a run by hand:
    CPNI_FUZZ_SCALE=10     ten times the examples of every test (a long local soak);
    CPNI_FUZZ_EXPLORE=1    random instead of derandomized inputs (new inputs on every run).
"""

import os
import re
import urllib.parse
from datetime import date

from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

SCALE = float(os.environ.get("CPNI_FUZZ_SCALE", "1"))
EXPLORE = os.environ.get("CPNI_FUZZ_EXPLORE", "") == "1"


def fuzz_settings(max_examples):
    return settings(
        max_examples=max(1, round(max_examples * SCALE)),
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        # The explain phase re-runs a failing example many times to annotate it; a request is too
        # slow for that to pay off.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --------------------------------------------------------------------------- hostile text

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    '"><img src=x onerror=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '" autofocus onfocus=alert(1) x="',
    "' onmouseover=alert(1) '",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "{{ request.user.password }}{% debug %}",
    "${7*7}<%= 7*7 %>",
    "javascript:alert(document.cookie)",
]
OTHER_PAYLOADS = [
    "' OR '1'='1' --",
    '"; DROP TABLE records_record; --',
    "%", "_", "%%__", "\\", "\\\\'", "*", "?", ".*",
    "\x00", "a\x00b", "\x00<script>alert(1)</script>",
    "\r\n", "\r\nSet-Cookie: x=1", "\t", "\x0b\x0c", "\x1b[31m", "\x7f",
    "\u202egnp.exe", "\u200b\u200c\u200d\ufeff", "Z\u0351\u0360\u0362a\u035c\u0362l\u0361g\u0362o",
    "\U0001f4a9\U0001f525", "ﬁ", "İı", "Straße", "日本語の文書", "مرحبا", "\u0000\u2028\u2029",
    "CPNI-2026-000001", "cpni-2026-000001", "CPNI-9999-999999",
    "-1", "0", "1e309", "NaN", "Infinity", "9" * 40, "-" + "9" * 40, "0x10", "1_000",
    "", " ", "   \n\t  ",
    "null", "None", "true", "[]", "{}", '{"a": 1}',
]
PAYLOADS = XSS_PAYLOADS + OTHER_PAYLOADS

# Any code point a browser can send (surrogates cannot be UTF-8 encoded, so a client cannot send them).
UNICODE_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
CONTROL_TEXT = st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Mn"]), max_size=30)


def huge_text(min_size=1_000, max_size=120_000):
    return st.builds(
        lambda unit, length: (unit * (length // max(1, len(unit)) + 1))[:length],
        st.sampled_from(["A", "é", "\U0001f525", "<script>alert(1)</script>", "x\x00", "CPNI-2026-000001 "]),
        st.integers(min_size, max_size),
    )


def hostile_text(max_size=300):
    """Text a hostile or careless user might type: unicode, control characters, NUL bytes,
    HTML/JS payloads, SQL-ish strings, very long strings, and payloads inside ordinary text."""
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.builds(lambda a, p, b: a + p + b, UNICODE_TEXT, st.sampled_from(XSS_PAYLOADS), UNICODE_TEXT),
        st.text(st.characters(codec="utf-8"), max_size=max_size),
        CONTROL_TEXT,
        huge_text(),
    )


def text_field(max_length):
    """Mostly storable text (HTML/JS payloads, unicode) so that many submissions are accepted and
    their text rendered; sometimes too long, NUL-bearing or a list."""
    return st.one_of(
        st.sampled_from(XSS_PAYLOADS),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=max_length),
        hostile_text(max_length + 50),
        junk(),
    )


class Fuzzers(dict):
    """Field name -> strategy, with a short repr (Hypothesis prints the fixtures of a failing test)."""

    def __repr__(self):
        return f"Fuzzers({', '.join(self)})"


class _Omit:
    def __repr__(self):
        return "OMIT"


OMIT = _Omit()  # the field is left out of the request


def junk(max_size=300):
    """A value for any field: missing, hostile text, or a list where one value is expected."""
    return st.one_of(
        st.just(OMIT),
        hostile_text(max_size),
        st.lists(st.one_of(hostile_text(40), st.sampled_from(["1", "on", "paper"])), min_size=0, max_size=4),
    )


def choice(values, max_size=60):
    """A choice field: one of its values, an unknown value, or junk."""
    values = sorted(str(v) for v in values)
    return st.one_of(
        st.sampled_from(values) if values else st.nothing(),
        st.sampled_from(values).map(str.upper) if values else st.nothing(),
        st.sampled_from(values).map(lambda v: f" {v} ") if values else st.nothing(),
        junk(max_size),
    )


def multi_choice(values):
    """A multiple-choice field: lists of known and unknown values, duplicates, or junk."""
    values = sorted(str(v) for v in values)
    return st.one_of(
        st.lists(st.sampled_from(values), max_size=len(values) + 2),
        st.lists(st.one_of(st.sampled_from(values), hostile_text(40)), max_size=5),
        junk(),
    )


INT_TEXT = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.integers(-5, 1300).map(str),
    st.sampled_from(["2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
                     "-2147483649", "1.5", "1,000", " 7 ", "١٢", "１２", "0b11", "1e3", "+5", "--5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    junk(40),
)


def _us(day):
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


DATE_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(_us),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)).map(date.isoformat),
    st.sampled_from([
        "0001-01-01", "9999-12-31", "9999-12-30", "10000-01-01", "0000-01-01", "2026-02-29", "2024-02-29",
        "2026-02-30", "2026-13-01", "2026-00-10", "-2026-01-01", "2026-1-1", "2026/01/01", "01/02/26",
        "2026-11-23", "2026-11-24", "2026-11-23T23:59:59", "20261123", "２０２６-０１-０１", "today", "now",
    ]),
    junk(40),
)

BOOL_TEXT = st.one_of(st.sampled_from(["on", "true", "True", "false", "False", "0", "1", "off", "yes", "no"]), junk(20))


def fk(pks):
    """A model-choice field: an existing pk, an unknown or absurd one, or junk."""
    pks = sorted(str(pk) for pk in pks)
    return st.one_of(
        st.sampled_from(pks) if pks else st.nothing(),
        INT_TEXT,
    )


def fuzzed_form(data, base, fuzzers, *, max_fuzzed=4, label="form"):
    """Draw a form: the valid `base` values with a few fields (drawn) replaced by fuzzed values."""
    names = data.draw(st.sets(st.sampled_from(sorted(fuzzers)), max_size=max_fuzzed), label=f"{label}: fuzzed fields")
    form = dict(base)
    for name in sorted(names):
        value = data.draw(fuzzers[name], label=f"{label}[{name}]")
        if value is OMIT:
            form.pop(name, None)
        else:
            form[name] = value
    return form


# --------------------------------------------------------------------------- clients and requests


def signed_in(user):
    """A test client signed in as `user` that returns a 500 as a response instead of raising."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


BOUNDARY = "cpnitrack-fuzz-7f3a9c1e5d"


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def filename_parameter(name, style):
    """The Content-Disposition filename parameter as a browser ("escaped"), a careless client
    ("raw") or an RFC 2231 client ("rfc2231") sends it."""
    if style == "rfc2231":
        return b"filename*=UTF-8''" + urllib.parse.quote(name, safe="").encode("ascii")
    if style == "escaped":
        name = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return b'filename="' + _bytes(name) + b'"'


def multipart(fields, files=()):
    """A multipart/form-data body, built by hand so that file names reach the server exactly as
    given (Django's test client would reduce "../../etc/passwd" to "passwd" before sending).
    fields: {name: value or list of values}; files: [(field, filename, style, content, content_type)]."""
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(
                b"--" + BOUNDARY.encode() + b"\r\n"
                + b'Content-Disposition: form-data; name="' + _bytes(name) + b'"\r\n\r\n'
                + _bytes(value) + b"\r\n"
            )
    for field, filename, style, content, content_type in files:
        parts.append(
            b"--" + BOUNDARY.encode() + b"\r\n"
            + b'Content-Disposition: form-data; name="' + _bytes(field) + b'"; ' + filename_parameter(filename, style) + b"\r\n"
            + b"Content-Type: " + _bytes(content_type) + b"\r\n\r\n"
            + content + b"\r\n"
        )
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


def post_multipart(client, path, fields, files=()):
    return client.post(path, data=multipart(fields, files), content_type=f"multipart/form-data; boundary={BOUNDARY}")


def post_form(client, path, form):
    """POST a urlencoded form; list values become repeated parameters."""
    return client.post(path, data=urllib.parse.urlencode(form, doseq=True), content_type="application/x-www-form-urlencoded")


# --------------------------------------------------------------------------- checks

# Markup that only an injection can put into a page (no template of the pages checked here
# contains any of it, but for the app's own scripts, OWN_SCRIPT); Django escapes "<", ">", quotes
# and "&" in every variable it renders.
OWN_SCRIPT = re.compile(rb'<script src="/static/js/[a-z_]+\.js" defer></script>')
INJECTION_MARKERS = [
    b"<script", b"<img", b"<iframe", b"<svg", b"<body onload", b"<details", b"<math",
    b'" autofocus onfocus', b"' onmouseover",
]


def assert_no_server_error(response, context=""):
    """Never a server error. Stricter than "not 500": a 503 for bad input is wrong as well."""
    assert response.status_code < 500, f"HTTP {response.status_code} for {context!r}"


def assert_no_injection(response, context=""):
    body = OWN_SCRIPT.sub(b"", response.content.lower())
    for marker in INJECTION_MARKERS:
        assert marker not in body, f"unescaped {marker!r} in the page for {context!r}"


def assert_shown_escaped(response, value):
    """The stored `value` appears in the page, HTML-escaped (only for fields rendered verbatim)."""
    if value and "\n" not in value and "\r" not in value:
        assert escape(value).encode() in response.content, f"{value!r} is not shown escaped"


def table_counts():
    """Row counts of every table of the records and compliance apps (historical tables included), in one query.
    The dashboard's tallies are left out: the database derives them from the records (a new
    expiry day is a new tally row), and tests/records/test_tallies.py checks them."""
    derived = {"records.StatusTally", "records.ExpiryTally", "records.WaitingTally"}
    models = [
        m for label in ("records", "compliance") for m in apps.get_app_config(label).get_models()
        if not m._meta.proxy and m._meta.label not in derived
    ]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(models, counts)}


def differences(before, after):
    return {label: after[label] - before.get(label, 0) for label in after if after[label] != before.get(label, 0)}
