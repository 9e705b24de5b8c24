"""Fuzzing the other forms: retention schedules (/schedules/new/, /schedules/<code>/edit/), legal
holds (/holds/new/, with fuzzed reference lists and searches), the certification registers
(/registers/<kind>/new/), the company profile (/company/), shredding confirmation
(/records/<ref>/confirm-shredding/) and Network Operations' sanitization form (/netops/destroy/).

For every submission: never a server error; a refused one added no row anywhere; an accepted one
added what it should, and its text is shown HTML-escaped where it is displayed."""

import itertools
import urllib.parse

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from records.models import Department, Destruction, LegalHold, Medium, Record, RetentionSchedule, Status, User
from compliance.models import CompanyProfile, CoveredCompany, CustomerComplaint, DataBrokerAction
from records.models.choices import PeriodUnit
from tests.factories import MEDIUM, SANITIZED, company_profile_data, make_company_profile, make_record
from tests.security.fuzzkit import (
    BOOL_TEXT,
    DATE_TEXT,
    INT_TEXT,
    Fuzzers,
    assert_no_injection,
    assert_no_server_error,
    assert_shown_escaped,
    choice,
    differences,
    fk,
    fuzz_settings,
    fuzzed_form,
    OMIT,
    hostile_text,
    junk,
    multi_choice,
    post_form,
    signed_in,
    table_counts,
    text_field,
)


@pytest.fixture
def manager(records_manager):
    return signed_in(records_manager)


def _refused(response, changed, ok=(200,)):
    assert response.status_code in ok, response.status_code
    assert changed == {}, f"a refused form left rows behind: {changed}"
    assert_no_injection(response)


# --------------------------------------------------------------------------- schedules

_codes = itertools.count(1)

PERIOD = st.one_of(st.integers(1, 120).map(str), st.sampled_from(["10000", "2147483647", "9223372036854775807"]), INT_TEXT)


@pytest.fixture
def schedule_fuzzers(schedule):
    return Fuzzers({
        "code": st.one_of(
            st.just(schedule.code), st.text("abcXYZ019-_", min_size=1, max_size=45), hostile_text(60),
            st.sampled_from(["../x", "a b", "ünï", "<script>", "x" * 41, "-", "_"]),
        ),
        "title": text_field(200),
        "description": text_field(400),
        "period_value": PERIOD,
        "period_unit": choice(PeriodUnit.values),
        "trigger": choice(RetentionSchedule.Trigger.values),
        "trigger_event": text_field(120),
        "legal_minimum_value": st.one_of(st.just(""), PERIOD),
        "legal_minimum_unit": st.one_of(st.just(""), choice(PeriodUnit.values)),
        "legal_citation": text_field(200),
        "default_disposition": choice(RetentionSchedule.Disposition.values),
        "applicable_media": multi_choice(Medium.values),
        "is_active": BOOL_TEXT,
    })


def valid_schedule_form():
    return {
        "code": f"FUZZ-{next(_codes)}", "title": "Fuzzed schedule", "description": "", "period_value": "18",
        "period_unit": "months", "trigger": "creation", "trigger_event": "", "legal_minimum_value": "",
        "legal_minimum_unit": "", "legal_citation": "47 CFR 64.2009", "default_disposition": "destroy",
        "applicable_media": [], "is_active": "on",
    }


def _record_form_for(schedule, custodian):
    """A valid record form that uses `schedule`."""
    medium = (schedule.applicable_media or [Medium.PAPER])[0]
    return {
        "title": "Logged on a fuzzed schedule", "contains_cpni": "on", "cpni_categories": ["billing"],
        "medium": medium, "media_serial_number": "SN-1" if medium in Medium.removable() else "",
        "department": str(custodian.department_id), "custodian": str(custodian.pk), "location": "HQ",
        "schedule": str(schedule.pk), "trigger_date": "2026-02-01", "label_verification": "visual", "label_confirmed": "on",
    }


@pytest.mark.django_db
@fuzz_settings(120)
@given(data=st.data())
def test_schedule_create(data, manager, schedule_fuzzers, employee):
    form = fuzzed_form(data, valid_schedule_form(), schedule_fuzzers, max_fuzzed=4)
    before = table_counts()
    response = post_form(manager, "/schedules/new/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("schedule refused")
        return _refused(response, changed, ok=(200, 400, 413))
    event("schedule created")
    assert changed == {"records.RetentionSchedule": 1, "records.HistoricalRetentionSchedule": 1, "records.AuditEvent": 1}, changed
    created = RetentionSchedule.objects.latest("pk")
    listing = manager.get("/schedules/")
    assert listing.status_code == 200
    assert_no_injection(listing)
    assert_shown_escaped(listing, created.title)
    # What is stored must be usable: the schedule's pages, and logging a record on it.
    assert_no_server_error(manager.get(f"/schedules/{created.code}/edit/"), created.code)
    if created.is_active:
        logged = post_form(manager, "/records/new/", _record_form_for(created, employee))
        assert_no_server_error(logged, f"logging a record on {created.code} ({created.period_display})")


@pytest.fixture
def scheduled_record(employee, schedule):
    return make_record(custodian=employee, schedule=schedule)


@pytest.mark.django_db
@fuzz_settings(60)
@given(data=st.data(), confirm=st.booleans())
def test_schedule_edit(data, confirm, manager, schedule_fuzzers, schedule, scheduled_record):
    """Editing a schedule that has a record: first the impact preview, then (confirm) the save."""
    schedule.refresh_from_db()
    base = {
        "code": schedule.code, "title": schedule.title, "description": schedule.description,
        "period_value": str(schedule.period_value), "period_unit": schedule.period_unit, "trigger": schedule.trigger,
        "trigger_event": schedule.trigger_event, "legal_minimum_value": schedule.legal_minimum_value or "",
        "legal_minimum_unit": schedule.legal_minimum_unit, "legal_citation": schedule.legal_citation,
        "default_disposition": schedule.default_disposition, "applicable_media": schedule.applicable_media,
        "is_active": "on" if schedule.is_active else "",
    }
    form = fuzzed_form(data, base, {k: v for k, v in schedule_fuzzers.items() if k != "code"}, max_fuzzed=3)
    if confirm:
        form["confirm"] = "1"
    before = table_counts()
    response = post_form(manager, f"/schedules/{schedule.code}/edit/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code == 302:
        event("schedule saved")
        assert changed.get("records.HistoricalRetentionSchedule", 0) in (0, 1), changed
        assert_no_injection(manager.get("/schedules/"))
    else:
        event("preview" if b'id="impact"' in response.content else "schedule edit refused")
        _refused(response, changed, ok=(200, 400, 413))


# --------------------------------------------------------------------------- legal holds

SEPARATORS = [",", " ", "\n", "\r\n", "\t", ", ", ";", "|", "\u00a0", "\u2028", "\x00", ",,,"]


@pytest.fixture
def hold_fuzzers(employee, outsider, schedule):
    records = [make_record(custodian=employee, schedule=schedule, title="<script>alert('held')</script>"),
               make_record(custodian=outsider, schedule=schedule, customer_reference="ACCT-1")]
    references = [r.reference for r in records]
    token = st.one_of(
        st.sampled_from(references), st.sampled_from(references).map(str.lower),
        st.sampled_from(references).map(lambda r: f" {r} "), hostile_text(30), st.sampled_from(["CPNI-2026-999999", "CPNI-", "*", "%"]),
    )
    reference_lists = st.one_of(
        st.tuples(st.lists(token, max_size=30), st.sampled_from(SEPARATORS)).map(lambda t: t[1].join(t[0])),
        st.integers(1, 3000).map(lambda n: " ".join(f"CPNI-2026-{i:06d}" for i in range(n))),
        junk(),
    )
    list_query = st.dictionaries(
        st.sampled_from(["q", "status", "medium", "department", "schedule", "expiry_from", "expiry_to", "sort", "page"]),
        st.one_of(hostile_text(40), st.sampled_from(["due", "paper", "-title", "2026-01-01", "9999-12-31"])),
        max_size=5,
    ).map(lambda d: urllib.parse.urlencode(d))
    return Fuzzers({
        "matter": text_field(200),
        "reason": text_field(500),
        "scope": choice(["references", "schedule", "department", "customer", "search"]),
        "references": reference_lists,
        "schedule": fk(RetentionSchedule.objects.values_list("pk", flat=True)),
        "department": fk(Department.objects.values_list("pk", flat=True)),
        "customer_reference": st.one_of(st.just("ACCT-1"), text_field(60)),
        "search": st.one_of(list_query, hostile_text(100), st.just("&" * 1200)),
    }), references


@pytest.mark.django_db
@fuzz_settings(120)
@given(data=st.data())
def test_hold_create(data, manager, hold_fuzzers):
    fuzzers, references = hold_fuzzers
    base = {"matter": "Smith v. Carrier", "reason": "Litigation hold", "scope": "references", "references": references[0]}
    form = fuzzed_form(data, base, fuzzers, max_fuzzed=4)
    before = table_counts()
    response = post_form(manager, "/holds/new/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("hold refused")
        return _refused(response, changed, ok=(200, 400, 413))
    hold = LegalHold.objects.latest("pk")
    held = hold.records.count()
    event(f"hold placed on {min(held, 3)}{'+' if held >= 3 else ''} records")
    assert held >= 1
    assert changed.get("records.LegalHold") == 1 and changed.get("records.HeldRecord") == held, changed
    assert changed.get("records.AuditEvent") == held + 1, changed
    page = manager.get(f"/holds/{hold.pk}/")
    assert page.status_code == 200
    assert_no_injection(page)
    assert_shown_escaped(page, hold.matter)
    assert_shown_escaped(page, hold.scope)


@pytest.mark.django_db
@fuzz_settings(50)
@given(search=st.one_of(hostile_text(200), st.binary(max_size=100).map(urllib.parse.quote_from_bytes)))
def test_hold_form_from_a_search(search, manager):
    response = manager.get("/holds/new/", {"search": search})
    assert_no_server_error(response, search)
    assert response.status_code == 200
    assert_no_injection(response)


# --------------------------------------------------------------------------- registers

REGISTERS = {
    "complaints": (
        {"received_on": "2026-03-01", "category": "employee_access", "summary": "Caller got a bill", "resolution": "", "resolved_on": ""},
        {"received_on": DATE_TEXT, "category": choice(CustomerComplaint.Category.values), "summary": text_field(500),
         "resolution": text_field(500), "resolved_on": st.one_of(st.just(""), DATE_TEXT)},
    ),
    "data-broker-actions": (
        {"taken_on": "2026-03-01", "forum": "court", "description": "Petition against a broker", "outcome": ""},
        {"taken_on": DATE_TEXT, "forum": choice(DataBrokerAction.Forum.values), "description": text_field(500),
         "outcome": text_field(500)},
    ),
    "pretexting": (
        {"observed_on": "2026-03-01", "method": "Caller posed as the account holder", "steps_taken": "Password reset"},
        {"observed_on": DATE_TEXT, "method": text_field(500), "steps_taken": text_field(500)},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(REGISTERS))
def test_register_entry(kind, manager):
    base, fuzzers = REGISTERS[kind]

    @fuzz_settings(50)
    @given(data=st.data())
    def fuzz(data):
        form = fuzzed_form(data, base, Fuzzers(fuzzers), max_fuzzed=3)
        before = table_counts()
        response = post_form(manager, f"/registers/{kind}/new/", form)
        assert_no_server_error(response, form)
        changed = differences(before, table_counts())
        if response.status_code != 302:
            event("entry refused")
            return _refused(response, changed, ok=(200, 400, 413))
        event("entry saved")
        assert sorted(changed.values()) == [1, 1, 1] and changed.get("records.AuditEvent") == 1, changed
        listing = manager.get(f"/registers/{kind}/")
        assert listing.status_code == 200
        assert_no_injection(listing)

    fuzz()


# --------------------------------------------------------------------------- company profile


@pytest.mark.django_db
@fuzz_settings(60)
@given(data=st.data())
def test_company_profile(data, manager, officer):
    base = company_profile_data(
        {"name": "Example Telecom, Inc.", "filer_id": "812345"},
        {"name": "Example Wireless LLC", "filer_id": "", "no_filer_id_reason": "Intrastate service only"},
        signatory=str(officer.pk),
    )
    fuzzers = Fuzzers({
        "companies-0-name": text_field(250), "companies-0-filer_id": st.one_of(st.just(""), text_field(40)),
        "companies-1-name": text_field(250), "companies-1-no_filer_id_reason": st.one_of(st.just(""), text_field(300)),
        "signatory": text_field(20),
    })
    form = fuzzed_form(data, base, fuzzers, max_fuzzed=3)
    before = table_counts()
    stored_before = list(CompanyProfile.objects.values()), list(CoveredCompany.objects.values())
    response = post_form(manager, "/company/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("profile refused")
        _refused(response, changed, ok=(200, 400, 413))
        assert (list(CompanyProfile.objects.values()), list(CoveredCompany.objects.values())) == stored_before
        return
    event("profile saved")
    assert CompanyProfile.objects.count() == 1
    assert set(changed) <= {"compliance.CompanyProfile", "compliance.HistoricalCompanyProfile", "compliance.CoveredCompany",
                            "compliance.HistoricalCoveredCompany", "records.AuditEvent"}, changed
    histories = changed.get("compliance.HistoricalCompanyProfile", 0) + changed.get("compliance.HistoricalCoveredCompany", 0)
    assert histories == changed.get("records.AuditEvent", 0) <= 5, changed  # the profile, two companies replaced
    page = manager.get("/company/")
    assert page.status_code == 200
    assert_no_injection(page)
    assert_shown_escaped(page, CoveredCompany.objects.first().name)


# --------------------------------------------------------------------------- shredding


class Pool:
    """Records waiting for a destruction step (`waiting`: a function returning them); when fewer
    than `size` are left, new ones are made with `make`."""

    def __init__(self, waiting, make, size=1):
        self.waiting, self.make, self.size = waiting, make, size

    def __call__(self):
        records = list(self.waiting())
        while len(records) < self.size:
            records.append(self.make())
        return records


@pytest.fixture
def shred_pool(employee, schedule):
    return Pool(
        waiting=lambda: Record.objects.filter(custodian=employee, status=Status.PENDING_SHRED).order_by("pk"),
        make=lambda: make_record(custodian=employee, schedule=schedule, status=Status.PENDING_SHRED,
                                 title="Shred me <img src=x onerror=alert(1)>"),
    )


@pytest.fixture
def custodian_client(employee):
    return signed_in(employee)


@pytest.mark.django_db
@fuzz_settings(60)
@given(data=st.data())
def test_confirm_shredding(data, custodian_client, shred_pool, employee, colleague, outsider):
    record = shred_pool()[0]
    fuzzers = Fuzzers({
        "destroyed_on": DATE_TEXT,
        "method": choice(Destruction.PaperMethod.values),
        "vendor_certificate_number": st.one_of(st.just(""), text_field(100)),
        "witness": st.one_of(st.just(""), fk(User.objects.values_list("pk", flat=True))),
        "notes": text_field(2000),
    })
    base = {"destroyed_on": "2026-11-23", "method": "cross_cut_shredder", "vendor_certificate_number": "", "witness": "", "notes": ""}
    form = fuzzed_form(data, base, fuzzers, max_fuzzed=3)
    before = table_counts()
    response = post_form(custodian_client, f"/records/{record.reference}/confirm-shredding/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    record.refresh_from_db()
    if record.status != Status.DESTROYED:
        event("shredding refused")
        return _refused(response, changed, ok=(200, 302, 400))
    event("shredded")
    assert response.status_code == 302
    assert changed.get("records.Destruction") == 1 and changed.get("records.AuditEvent", 0) >= 2, changed
    detail = custodian_client.get(record.get_absolute_url())
    assert detail.status_code == 200
    assert_no_injection(detail)


# --------------------------------------------------------------------------- sanitization


@pytest.fixture
def custody_pool(employee, netops, schedule):
    return Pool(
        waiting=lambda: Record.objects.filter(status=Status.IN_NETOPS_CUSTODY).order_by("pk"),
        make=lambda: make_record(custodian=employee, schedule=schedule, medium=Medium.HARD_DISK,
                                 status=Status.IN_NETOPS_CUSTODY, netops=netops),
        size=2,
    )


@pytest.fixture
def netops_client(netops):
    return signed_in(netops)


SANITIZATION_TEXT = {
    "method_details": 2000, "tool_name": 120, "tool_version": 60, "verification_method": 200,
    "verification_result": 200, "post_sanitization_classification": 120, "destination_details": 200,
    "media_source": 200, "backup_location": 200, "performer_location": 200, "performer_phone": 40, "notes": 2000,
}
PER_MEDIUM_TEXT = {"media_make": 120, "media_model": 120, "media_property_number": 120}


@pytest.mark.django_db
@fuzz_settings(60)
@given(data=st.data())
def test_sanitization(data, netops_client, custody_pool, hostile_records):
    in_custody = custody_pool()
    other_pks = [r.pk for r in hostile_records]
    fuzzers = Fuzzers({
        "records": st.one_of(
            st.lists(st.sampled_from([str(r.pk) for r in in_custody] + [str(pk) for pk in other_pks]), max_size=4),
            st.lists(INT_TEXT, max_size=3),
            junk(),
        ),
        "destroyed_on": DATE_TEXT,
        "method_type": choice(Destruction.MethodType.values),
        "method": choice(Destruction.MediaMethod.values),
        "destination": choice(Destruction.Destination.values),
        "data_backed_up": choice(["", "yes", "no"]),
        **{name: st.one_of(st.just(""), text_field(length)) for name, length in SANITIZATION_TEXT.items()},
        **{f"{name}_{record.pk}": st.one_of(st.just(""), text_field(length))
           for name, length in PER_MEDIUM_TEXT.items() for record in in_custody},
    })
    base = {**{k: v for k, v in SANITIZED.items() if k != "data_backed_up"}, "data_backed_up": "no",
            "records": [str(in_custody[0].pk)], "destroyed_on": "2026-11-23",
            **{f"{name}_{in_custody[0].pk}": value for name, value in MEDIUM.items()}}
    form = fuzzed_form(data, base, fuzzers, max_fuzzed=4)
    before = table_counts()
    response = post_form(netops_client, "/netops/destroy/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    destroyed = changed.get("records.Destruction", 0)
    if response.status_code != 302:
        event("sanitization refused")
        return _refused(response, changed, ok=(200, 400, 413))
    event(f"{destroyed} media sanitized")
    assert destroyed >= 1 and changed.get("records.AuditEvent", 0) >= 2 * destroyed, changed
    queue = netops_client.get("/netops/")
    assert queue.status_code == 200
    assert_no_injection(queue)


# --------------------------------------------------------------------------- the other small forms


@pytest.fixture
def hold_pool(employee, records_manager, schedule):
    from records import holds

    def place():
        record = make_record(custodian=employee, schedule=schedule)
        return holds.hold_place(actor=records_manager, matter="Smith <script>", reason="Litigation",
                                records=Record.objects.filter(pk=record.pk), scope="listed records")

    return Pool(waiting=lambda: LegalHold.objects.active().order_by("pk"), make=place)


@pytest.mark.django_db
@fuzz_settings(50)
@given(reason=st.one_of(text_field(500), junk()), released=st.booleans())
def test_hold_release(reason, released, manager, hold_pool):
    """Releasing an active hold, or (released) one already released."""
    hold = hold_pool()[0] if not released else (LegalHold.objects.exclude(released_at=None).first() or hold_pool()[0])
    form = {} if reason is OMIT else {"reason": reason}
    before = table_counts()
    response = post_form(manager, f"/holds/{hold.pk}/release/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("release refused")
        return _refused(response, changed, ok=(400, 409))  # 409: released already
    event("hold released")
    hold.refresh_from_db()
    assert not hold.is_active and changed.get("records.AuditEvent", 0) >= 2, changed
    page = manager.get(f"/holds/{hold.pk}/")
    assert_no_injection(page)
    assert_shown_escaped(page, hold.release_reason)


@pytest.fixture
def due_media(employee, schedule):
    numbers = itertools.count(42)  # serial numbers are unique
    return Pool(
        waiting=lambda: Record.objects.filter(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK).order_by("pk"),
        make=lambda: make_record(custodian=employee, schedule=schedule, status=Status.DUE, medium=Medium.HARD_DISK,
                                 media_serial_number=f"SN-<b>{next(numbers)}</b>", title="Backup disk <svg/onload=alert(1)>"),
        size=2,
    )


@pytest.mark.django_db
@fuzz_settings(60)
@given(data=st.data())
def test_hand_over(data, custodian_client, due_media):
    records = due_media()
    form = {}
    for record in records:
        own = record.media_serial_number
        matching = st.sampled_from([own, own.lower(), f" {own} ", own.replace("-", " - ")])
        serial = st.one_of(matching, matching, st.sampled_from(["", "SN-0001", f"{own}\x00"]), text_field(100))
        form[f"select_{record.pk}"] = data.draw(st.one_of(st.just("on"), BOOL_TEXT), label=f"select_{record.pk}")
        form[f"serial_{record.pk}"] = data.draw(serial, label=f"serial_{record.pk}")
    form = {name: value for name, value in form.items() if value is not OMIT}
    before = table_counts()
    response = post_form(custodian_client, "/hand-over/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("hand-over refused")
        return _refused(response, changed, ok=(200, 400, 413))
    moved = Record.objects.filter(pk__in=[r.pk for r in records], status=Status.AWAITING_HANDOVER).count()
    event(f"{moved} handed over")
    assert moved >= 1 and changed.get("records.AuditEvent") == moved, changed


@pytest.mark.django_db
@fuzz_settings(50)
@given(data=st.data())
def test_netops_receive(data, netops_client, employee, schedule, hostile_records):
    awaiting = Pool(
        waiting=lambda: Record.objects.filter(status=Status.AWAITING_HANDOVER).order_by("pk"),
        make=lambda: make_record(custodian=employee, schedule=schedule, medium=Medium.TAPE, status=Status.AWAITING_HANDOVER),
    )()
    pks = [str(r.pk) for r in awaiting] + [str(r.pk) for r in hostile_records]
    chosen = data.draw(st.one_of(
        st.lists(st.sampled_from([str(r.pk) for r in awaiting]), min_size=1, max_size=2),
        st.lists(st.sampled_from(pks), max_size=3), st.lists(INT_TEXT, max_size=3), junk(),
    ), label="records")
    serials = {str(r.pk): r.media_serial_number for r in awaiting}
    form = {}
    for pk in [] if chosen is OMIT else chosen if isinstance(chosen, list) else [chosen]:
        form[f"select_{pk}"] = "on"
        form[f"serial_{pk}"] = data.draw(st.one_of(st.just(serials.get(str(pk), "")), text_field(100)), label=f"serial {pk}")
    before = table_counts()
    response = post_form(netops_client, "/netops/receive/", form)
    assert_no_server_error(response, form)
    assert response.status_code in (200, 302)  # the queue again, with the form's errors, or after receipt
    changed = differences(before, table_counts())
    received = Record.objects.filter(pk__in=[r.pk for r in awaiting], status=Status.IN_NETOPS_CUSTODY).count()
    event(f"{received} received")
    if not received:
        assert changed == {}, changed
    queue = netops_client.get("/netops/")
    assert queue.status_code == 200
    assert_no_injection(queue)


@pytest.fixture
def officer_client(officer):
    return signed_in(officer)


@pytest.mark.django_db
@fuzz_settings(50)
@given(year=st.one_of(st.integers(1990, 2030).map(str), INT_TEXT), with_profile=st.booleans())
def test_certification_package_request(year, with_profile, officer_client, officer, records_manager):
    if with_profile and not CompanyProfile.objects.exists():
        make_company_profile(companies=[("Example Telecom", "812345")], signatory=officer)
    form = {} if year is OMIT else {"year": year}
    before = table_counts()
    response = post_form(officer_client, "/certification/packages/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code != 302:
        event("package refused")
        return _refused(response, changed, ok=(400,))
    event("package requested")
    assert changed == {"compliance.CertificationPackage": 1, "records.AuditEvent": 1}, changed
