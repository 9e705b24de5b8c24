"""Load N realistic records into the (empty, migrated) database of DATABASE_URL, fast.

    python -m bench.generate --scale 1000000

What it makes, from the demo's own departments, roles, retention schedules and record templates
(records/management/commands/seed_demo.py):

- users per role: the demo users plus employees in proportion to N (one per 5,000 records in
  each department, at least two), every one with the same bench password;
- N records created over the past two calendar years (references CPNI-<year>-NNNNNN numbered in
  creation order), across media, schedules, custodians and statuses:

      10%  active and past expiry: what the retention sweep must move to due
      66%  active, expiring later          3%  active, trigger event not yet happened
       8%  due                             2%  pending shredding (paper)
       1%  awaiting hand-over              1%  in Network Operations custody
       8%  destroyed (with a Destruction and its certificate number)
       1%  under an active legal hold (half of them past expiry: the sweep must leave them)

- each record's history as django-simple-history writes it (one "+" row at creation, one "~" row
  per lifecycle step, with the acting user and reason) and its audit events (record.created, each
  transition, destruction.certificate_issued), in time order, chained exactly as records.audit
  does (records.audit.event_hash over the previous hash), so verify_chain passes;
- the chain head, the reference and certificate counters, three legal holds (one released) and
  the company profile.

Rows go in with COPY (three connections in parallel: records, history and audit events are
streamed while they are generated), foreign-key triggers off for the load only
(session_replication_role = replica: the generator makes consistent data), then identity
sequences are set past the loaded ids, the dashboard's tallies are counted (records.tallies), and
the tables are VACUUM ANALYZEd, as autovacuum would leave them in a database that has lived with
this data."""

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpnitrack.settings")
django.setup()

import psycopg  # noqa: E402
from dateutil.relativedelta import relativedelta  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from records.audit import GENESIS_HASH, event_hash, head_sign  # noqa: E402
from records.tallies import rebuild_tallies  # noqa: E402
from records.management.commands.seed_demo import (  # noqa: E402
    DEMO_USERS,
    DEPARTMENTS,
    LOCATIONS,
    RECORD_TEMPLATES,
    SCHEDULES,
)
from records.models import (
    AuditChainHead,
    CertificateCounter,
    Department,
    LegalHold,
    Medium,
    Record,
    ReferenceCounter,
    RetentionSchedule,
    User,
)
from compliance.models import CompanyProfile
from records.retention import add_period  # noqa: E402
from records.roles import Role  # noqa: E402

BENCH_PASSWORD = "bench-password-not-a-secret"  # noqa: S105 (a throw-away benchmark database)
SEED = 20261123
UTC = dt_timezone.utc

# Category shares (percent of N); "sweep" is what the retention sweep must move.
SHARES = [
    ("sweep", 10), ("future", 66), ("no_trigger", 3), ("due", 8), ("pending_shred", 2),
    ("awaiting_handover", 1), ("in_custody", 1), ("destroyed", 8), ("held", 1),
]
STEPS = {  # the lifecycle steps each category has been through, in order
    "sweep": [], "future": [], "no_trigger": [], "held": [],
    "due": ["expire"],
    "pending_shred": ["expire", "mark_for_shredding"],
    "awaiting_handover": ["expire", "request_handover"],
    "in_custody": ["expire", "request_handover", "receive_media"],
    "destroyed_paper": ["expire", "mark_for_shredding", "confirm_shredding"],
    "destroyed_media": ["expire", "request_handover", "receive_media", "confirm_media_destruction"],
}
TARGET = {
    "expire": "due", "mark_for_shredding": "pending_shred", "confirm_shredding": "destroyed",
    "request_handover": "awaiting_handover", "receive_media": "in_netops_custody",
    "confirm_media_destruction": "destroyed",
}
FIRST_NAMES = ["Alex", "Blake", "Casey", "Dana", "Eli", "Fran", "Gabe", "Hana", "Ivan", "Jo", "Kai", "Lena",
               "Mo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Theo", "Uma", "Vic", "Wen", "Yara", "Zane"]
LAST_NAMES = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones", "Khan", "Lopez",
              "Meyer", "Novak", "Okafor", "Park", "Quist", "Reyes", "Silva", "Tran", "Ueda", "Vargas", "Wong", "Young"]

RECORD_COLUMNS = (
    "id", "reference", "title", "contains_cpni", "cpni_categories", "medium", "media_serial_number", "location",
    "trigger_date", "expiry_date", "status", "notes", "label_verification", "label_attested_at", "created_at",
    "updated_at", "created_by_id", "custodian_id", "department_id", "label_attested_by_id", "label_check_id",
    "schedule_id", "customer_reference", "status_changed_at", "media_serial_key",
)
HISTORY_COLUMNS = (
    "id", "reference", "title", "contains_cpni", "cpni_categories", "medium", "media_serial_number", "location",
    "trigger_date", "expiry_date", "status", "notes", "label_verification", "label_attested_at", "created_at",
    "history_id", "history_date", "history_change_reason", "history_type", "created_by_id", "custodian_id",
    "department_id", "history_user_id", "label_attested_by_id", "label_check_id", "schedule_id",
    "customer_reference", "status_changed_at",
)
EVENT_COLUMNS = (
    "id", "sequence", "occurred_at", "actor_name", "action", "object_type", "object_id", "object_repr", "payload",
    "previous_hash", "hash", "actor_id",
)
DESTRUCTION_COLUMNS = (
    "id", "certificate_number", "kind", "method", "method_type", "method_details", "destroyed_on", "performed_at",
    "performer_title", "performer_organization", "performer_location", "performer_phone",
    "vendor_certificate_number", "notes", "media_make", "media_model", "media_property_number", "media_source",
    "media_classification", "data_backed_up", "backup_location", "tool_name", "tool_version",
    "verification_method", "verification_result", "post_sanitization_classification", "destination",
    "destination_details", "validated_at", "validator_title", "validator_organization", "performed_by_id",
    "record_id", "validated_by_id", "witness_id",
)


def _text(value):
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _line(values):
    return "\t".join(map(_text, values)) + "\n"


def _conninfo():
    db = settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"],
             "password": db["PASSWORD"]}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _iso(microseconds):
    """UTC datetime from epoch microseconds, and its isoformat as records.audit hashes it."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=microseconds)
    return moment, moment.isoformat()


def _epoch_us(moment):
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000 + moment.microsecond


class Generator:
    def __init__(self, scale, progress=True):
        self.scale = scale
        self.progress = progress
        self.rng = random.Random(SEED + scale)
        self.today = timezone.localdate()
        self.now_us = _epoch_us(timezone.now().replace(microsecond=0)) - 3600 * 1_000_000  # an hour ago
        zone = timezone.get_current_timezone()
        self.start_us = _epoch_us(datetime(self.today.year - 1, 1, 2, 9, tzinfo=zone).astimezone(UTC))

    # ------------------------------------------------------------------ the small tables (ORM)

    def people_and_rules(self):
        password = make_password(BENCH_PASSWORD)
        with transaction.atomic():
            self.departments = {
                code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
                for code, name in DEPARTMENTS
            }
            self.schedules = {s["code"]: RetentionSchedule.objects.get_or_create(code=s["code"], defaults=s)[0]
                              for s in SCHEDULES}
            groups = {role: Group.objects.get(name=role.value) for role in Role}
            users = []
            for username, first, last, title, department, role in DEMO_USERS:
                users.append((User(username=username, first_name=first, last_name=last, title=title,
                                   department=self.departments.get(department), password=password,
                                   is_staff=role == Role.RECORDS_MANAGER), role))
            per_department = max(2, self.scale // 5000)
            for code, _ in DEPARTMENTS:
                role = Role.RECORDS_MANAGER if code == "legal-compliance" else Role.EMPLOYEE
                for n in range(per_department):
                    first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                    users.append((User(username=f"{code}-{n:04d}", first_name=first, last_name=last,
                                       title="Records custodian", department=self.departments[code],
                                       password=password), role))
            for n in range(2):
                users.append((User(username=f"netops-director-{n}", first_name="Nora", last_name=f"Lind {n}",
                                   title="Director, Network Operations",
                                   department=self.departments["network-operations"], password=password),
                              Role.NETOPS_DIRECTOR))
                users.append((User(username=f"auditor-{n}", first_name="Ari", last_name=f"Stone {n}",
                                   title="Internal Auditor", password=password), Role.AUDITOR))
            User.objects.bulk_create([user for user, _ in users])
            saved = {u.username: u for u in User.objects.all()}
            User.groups.through.objects.bulk_create(
                [User.groups.through(user_id=saved[user.username].pk, group_id=groups[role].pk) for user, role in users]
            )
            CompanyProfile.objects.create(signatory=saved["oscar"]).companies.create(
                name=settings.COMPANY_NAME, filer_id="",
                no_filer_id_reason="Company does not provide interstate telecommunications service",
            )
        self.users = saved
        self.custodians = {}  # department code -> [User]
        for user, role in users:
            if role in (Role.EMPLOYEE, Role.RECORDS_MANAGER) and user.department is not None:
                self.custodians.setdefault(user.department.code, []).append(saved[user.username])
        self.netops = [saved["nate"]] + [saved[f"netops-director-{n}"] for n in range(2)]
        self.manager = saved["rita"]
        demo_department = {username: department for username, _, _, _, department, _ in DEMO_USERS}
        self.templates = [
            (title, medium, self.schedules[code], demo_department[custodian], categories)
            for title, medium, code, custodian, _age, categories in RECORD_TEMPLATES
        ]

    # ------------------------------------------------------------------ one record

    def _template_for(self, category):
        rng = self.rng
        while True:
            template = rng.choice(self.templates)
            medium = template[1]
            if category in ("pending_shred", "destroyed_paper") and medium != Medium.PAPER:
                continue
            if category in ("awaiting_handover", "in_custody", "destroyed_media") and medium == Medium.PAPER:
                continue
            if category == "no_trigger" and template[2].trigger != RetentionSchedule.Trigger.EVENT:
                continue
            if category != "no_trigger" and template[2].trigger == RetentionSchedule.Trigger.EVENT and rng.random() < 0.5:
                continue  # event-triggered records whose event happened: fewer of them
            return template

    def _dates(self, category, schedule, created_day):
        """(trigger_date, expiry_date) fitting the category (future expiry, past expiry, none), or
        None when this schedule cannot give it for a record created on `created_day`."""
        rng, today = self.rng, self.today
        period = relativedelta(**{schedule.period_unit: schedule.period_value})
        if category == "no_trigger":
            return None, None
        if category in ("future", "held_future"):
            # trigger no later than creation (a trigger date is never in the future), expiry after today
            low, high = max(today - period + timedelta(days=2), created_day - timedelta(days=900)), created_day
        elif category in ("sweep", "held"):
            # expired within the last 60 days and not yet swept: the backlog the sweep clears
            trigger = today - timedelta(days=rng.randint(0, 60)) - period
            if trigger > created_day:
                return None
            low = high = trigger
        else:
            # expired at least two days ago, so that the later lifecycle steps have happened since
            low, high = created_day - timedelta(days=1200), min(created_day, today - timedelta(days=2) - period)
        if low > high:
            return None
        trigger = low + timedelta(days=rng.randint(0, (high - low).days))
        expiry = add_period(trigger, schedule.period_value, schedule.period_unit)
        if schedule.legal_minimum_value:
            expiry = max(expiry, add_period(trigger, schedule.legal_minimum_value, schedule.legal_minimum_unit))
        return trigger, expiry

    def plan(self):
        """Every record's category, shuffled with a fixed seed: exact shares of N."""
        categories = []
        for name, share in SHARES:
            categories += [name] * (self.scale * share // 100)
        categories += ["future"] * (self.scale - len(categories))
        self.rng.shuffle(categories)
        return categories

    def _step_times(self, created_us, expiry, steps):
        """When each lifecycle step happened: the night after expiry (the sweep at 01:30), then
        the later steps spread towards now."""
        if not steps:
            return []
        zone = timezone.get_current_timezone()
        swept = datetime.combine(expiry + timedelta(days=1), datetime.min.time(), zone).replace(hour=1, minute=30)
        first = max(_epoch_us(swept.astimezone(UTC)) + self.rng.randint(0, 5_000_000), created_us + 3_600_000_000)
        first = min(first, self.now_us - 86_400_000_000)
        times = [first]
        span = self.now_us - first
        cuts = sorted(self.rng.random() for _ in steps[1:])
        times += [first + int(span * cut * 0.9) + n for n, cut in enumerate(cuts, start=1)]
        return times

    # ------------------------------------------------------------------ the load

    def load(self):
        categories = self.plan()
        n = len(categories)
        start, span = self.start_us, self.now_us - 86_400_000_000 - self.start_us
        year_counts = {}
        zone = timezone.get_current_timezone()
        records = []  # compact: per record what the events need
        events = []  # (time_us, record index, step number)
        held = []
        with psycopg.connect(_conninfo()) as conn:
            conn.execute("SET session_replication_role = replica")
            with conn.cursor().copy(f"COPY records_record ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as copy:
                bar = tqdm(total=n, desc="records", unit="rec", disable=not self.progress, mininterval=1)
                block = []
                for index, category in enumerate(categories):
                    record_id = index + 1
                    created_us = start + (span * index) // n + self.rng.randint(0, max(1, span // n - 1))
                    created, created_iso = _iso(created_us)
                    created_local = created.astimezone(zone)
                    kind = category
                    if category == "destroyed":
                        kind = "destroyed_paper" if self.rng.random() < 0.5 else "destroyed_media"
                    held_future = category == "held" and self.rng.random() < 0.5
                    while True:
                        title, medium, schedule, department_code, cpni = self._template_for(kind)
                        dates = self._dates("held_future" if held_future else kind, schedule, created_local.date())
                        if dates is not None:
                            break
                    trigger, expiry = dates
                    year = created_local.year
                    year_counts[year] = year_counts.get(year, 0) + 1
                    reference = f"CPNI-{year}-{year_counts[year]:06d}"
                    custodian = self.rng.choice(self.custodians[department_code])
                    steps = STEPS[kind]
                    times = self._step_times(created_us, expiry, steps) if steps else []
                    status = TARGET[steps[-1]] if steps else "active"
                    changed = _iso(times[-1])[1] if times else None
                    updated = changed or created_iso
                    serial = f"SN-{record_id:08d}" if medium in Medium.removable() else ""
                    customer = f"ACCT-{self.rng.randint(10000, 999999)}" if self.rng.random() < 0.4 else ""
                    full_title = f"{title}, batch {self.rng.randint(1, 9999):04d}"
                    location = LOCATIONS[record_id % len(LOCATIONS)]
                    categories_json = json.dumps(cpni)
                    values = (
                        record_id, reference, full_title, True, categories_json, medium, serial, location,
                        trigger, expiry, status, "", "visual", created_iso, created_iso, updated,
                        custodian.pk, custodian.pk, custodian.department_id, custodian.pk, None, schedule.pk,
                        customer, changed, serial or None,  # the serial is in its normal form already
                    )
                    block.append(_line(values))
                    if len(block) >= 2000:
                        copy.write("".join(block))
                        block = []
                        bar.update(2000)
                    records.append((reference, full_title, medium, serial, location, trigger, expiry, custodian,
                                    schedule, cpni, customer, created_iso, kind))
                    events.append((created_us, index, 0))
                    for number, moment in enumerate(times, start=1):
                        events.append((moment, index, number))
                    if category == "held":
                        held.append((record_id, custodian.department_id))
                if block:
                    copy.write("".join(block))
                    bar.update(len(block))
                bar.close()
        self.year_counts = year_counts
        self.held = held
        events.sort()
        self._events(records, events)

    def _events(self, records, events):
        """History rows and the audit chain, in time order, streamed on two connections; the
        destructions on a third, numbered in the order they happened."""
        departments = {d.pk: d for d in self.departments.values()}
        schedule_repr = {s.pk: str(s) for s in self.schedules.values()}
        history_id = sequence = destruction_id = 0
        previous = GENESIS_HASH
        certificates = {}
        encoder = DjangoJSONEncoder
        history_conn = psycopg.connect(_conninfo())
        audit_conn = psycopg.connect(_conninfo())
        destruction_conn = psycopg.connect(_conninfo())
        for conn in (history_conn, audit_conn, destruction_conn):
            conn.execute("SET session_replication_role = replica")
        bar = tqdm(total=len(events), desc="history and audit events", unit="ev", disable=not self.progress,
                   mininterval=1)
        with history_conn, audit_conn, destruction_conn, \
                history_conn.cursor().copy(f"COPY records_historicalrecord ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as history_copy, \
                audit_conn.cursor().copy(f"COPY records_auditevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as audit_copy, \
                destruction_conn.cursor().copy(f"COPY records_destruction ({', '.join(DESTRUCTION_COLUMNS)}) FROM STDIN") as destruction_copy:
            history_block, audit_block = [], []

            def audit(moment, moment_iso, actor, action, record_id, repr_, payload):
                nonlocal sequence, previous
                sequence += 1
                actor_name = actor.username if actor else "system"
                payload = json.loads(json.dumps(payload, cls=encoder))
                digest = event_hash(previous_hash=previous, sequence=sequence, occurred_at=moment,
                                    actor_id=actor.pk if actor else None, actor_name=actor_name, action=action,
                                    object_type="records.record", object_id=str(record_id), object_repr=repr_[:200],
                                    payload=payload)
                audit_block.append(_line((
                    sequence, sequence, moment_iso, actor_name, action, "records.record", str(record_id),
                    repr_[:200], json.dumps(payload), previous, digest, actor.pk if actor else None,
                )))
                previous = digest

            for moment_us, index, number in events:
                (reference, title, medium, serial, location, trigger, expiry, custodian, schedule, cpni, customer,
                 created_iso, kind) = records[index]
                record_id = index + 1
                moment, moment_iso = _iso(moment_us)
                repr_ = f"{reference} {title}"
                if number == 0:
                    status, actor, reason, history_type, changed = "active", custodian, "created", "+", None
                    payload = {
                        "title": title, "contains_cpni": True, "cpni_categories": cpni, "medium": medium,
                        "media_serial_number": serial, "department": str(departments[custodian.department_id]),
                        "custodian": str(custodian), "location": location, "customer_reference": customer,
                        "schedule": schedule_repr[schedule.pk], "trigger_date": trigger, "notes": "",
                        "expiry_date": expiry, "status": "active", "label_verification": "visual",
                    }
                    audit(moment, moment_iso, actor, "record.created", record_id, repr_, payload)
                else:
                    step = STEPS[kind][number - 1]
                    old = "active" if number == 1 else TARGET[STEPS[kind][number - 2]]
                    status, changed, history_type = TARGET[step], moment_iso, "~"
                    if step == "expire":
                        actor, reason = None, "retention period ended"
                    elif step in ("receive_media", "confirm_media_destruction"):
                        actor, reason = self.netops[record_id % len(self.netops)], step.replace("_", " ")
                    else:
                        actor, reason = custodian, step.replace("_", " ")
                    payload = {"from": old, "to": status, "reason": reason if step == "expire" else ""}
                    destroyed_on = moment.astimezone(timezone.get_current_timezone()).date()
                    if step == "request_handover":
                        payload["serial_confirmed"] = serial
                    elif step == "confirm_shredding":
                        payload.update(method="cross_cut_shredder", destroyed_on=destroyed_on)
                    elif step == "confirm_media_destruction":
                        payload.update(method_type="purge", method="block_erase", destroyed_on=destroyed_on)
                    audit(moment, moment_iso, actor, f"record.{step}", record_id, repr_, payload)
                    if step in ("confirm_shredding", "confirm_media_destruction"):
                        certificates[destroyed_on.year] = certificates.get(destroyed_on.year, 0) + 1
                        destruction_id += 1
                        number_text = f"CD-{destroyed_on.year}-{certificates[destroyed_on.year]:06d}"
                        shredding = step == "confirm_shredding"
                        fields = dict.fromkeys(DESTRUCTION_COLUMNS, "")
                        fields.update(
                            id=destruction_id, certificate_number=number_text,
                            kind="shredding" if shredding else "sanitization",
                            method="cross_cut_shredder" if shredding else "block_erase",
                            destroyed_on=destroyed_on, performed_at=moment_iso, performed_by_id=actor.pk,
                            record_id=record_id, data_backed_up=None, validated_at=None, validated_by_id=None,
                            witness_id=None,
                        )
                        if not shredding:
                            fields.update(
                                method_type="purge", method_details="ATA secure erase, verified",
                                performer_location="Data center, room 1.12", media_source="Returned from the archive",
                                data_backed_up=False, tool_name="Secure erase tool", tool_version="4.2",
                                verification_method="Sampled read-back", verification_result="No data recovered",
                                post_sanitization_classification="Unclassified, no CPNI",
                                destination="recycling_facility",
                            )
                            if record_id % 3 == 0:
                                fields.update(validated_at=moment_iso, validated_by_id=self.manager.pk)
                        destruction_copy.write(_line(fields.values()))
                        moment_cert, moment_cert_iso = _iso(moment_us + 1)
                        audit(moment_cert, moment_cert_iso, actor, "destruction.certificate_issued", record_id, repr_,
                              {"certificate_number": number_text, "kind": "shredding" if shredding else "sanitization",
                               "method": "cross_cut_shredder" if shredding else "block_erase"})
                history_id += 1
                history_block.append(_line((
                    record_id, reference, title, True, json.dumps(cpni), medium, serial, location, trigger, expiry,
                    status, "", "visual", created_iso, created_iso, history_id, moment_iso, reason, history_type,
                    custodian.pk, custodian.pk, custodian.department_id, actor.pk if actor else None, custodian.pk,
                    None, schedule.pk, customer, changed,
                )))
                if len(audit_block) >= 2000:
                    audit_copy.write("".join(audit_block))
                    history_copy.write("".join(history_block))
                    bar.update(len(history_block))
                    audit_block, history_block = [], []
            if audit_block:
                audit_copy.write("".join(audit_block))
            if history_block:
                history_copy.write("".join(history_block))
                bar.update(len(history_block))
            bar.close()
        self.sequence, self.previous, self.certificates = sequence, previous, certificates

    def finish(self):
        with transaction.atomic():
            head = AuditChainHead(id=1, last_sequence=self.sequence, last_hash=self.previous)
            head_sign(head, timezone.now())
            AuditChainHead.objects.update_or_create(
                id=1, defaults={"last_sequence": self.sequence, "last_hash": self.previous,
                                "signed_at": head.signed_at, "signature": head.signature},
            )
            for year, count in self.year_counts.items():
                ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": count})
            for year, count in self.certificates.items():
                CertificateCounter.objects.update_or_create(year=year, defaults={"last_number": count})
            now = timezone.now()
            holds = [
                LegalHold.objects.create(matter=f"Customer dispute {n + 1}", reason="Keep until resolved.",
                                         placed_by=self.manager, placed_at=now - timedelta(days=30 * (n + 1)),
                                         scope="chosen records")
                for n in range(2)
            ]
            LegalHold.objects.create(matter="Closed matter", reason="Settled.", placed_by=self.manager,
                                     placed_at=now - timedelta(days=200), scope="chosen records",
                                     released_by=self.manager, released_at=now - timedelta(days=100),
                                     release_reason="Matter settled.")
            through = LegalHold.records.through
            through.objects.bulk_create(
                [through(hold=holds[n % 2], record_id=record_id, department_id=department_id,
                         added_at=holds[n % 2].placed_at)
                 for n, (record_id, department_id) in enumerate(self.held)],
                batch_size=5000,
            )
            record = Record.objects.filter(pk=OuterRef("record_id"))
            through.objects.update(status_when_linked=Subquery(record.values("status")[:1]),
                                   in_status_since=Subquery(record.values("status_changed_at")[:1]))
        with connection.cursor() as cursor:
            for table, column in (("records_record", "id"), ("records_historicalrecord", "history_id"),
                                  ("records_auditevent", "id"), ("records_destruction", "id")):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608 (fixed names)
                    f"GREATEST((SELECT max({column}) FROM {table}), 1))"
                )
        rebuild_tallies()  # the load ran with triggers off
        connection.close()
        with psycopg.connect(_conninfo(), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generator = Generator(args.scale, progress=not args.quiet)
    generator.people_and_rules()
    generator.load()
    generator.finish()
    print(json.dumps({"records": args.scale, "audit_events": generator.sequence,
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
