"""Reads of the records domain: permission scoping and query shape live here."""

import functools
import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.contrib.auth.models import Group
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from records.models import (
    AuditEvent,
    Department,
    Destruction,
    ExpiryTally,
    HeldRecord,
    ImportJob,
    LegalHold,
    LegalMinimum,
    Record,
    RecordLegalMinimum,
    RetentionSchedule,
    Status,
    StatusTally,
    TransmittalItem,
    User,
    WaitingTally,
    active_hold_exists,
    an_active_hold,
)
from . import audit_words
from .serials import serial_key
from .roles import CUSTODY_PERMISSION, Role, roles_of, sees_all_departments

RECORD_SORTS = {
    "reference": ("reference",),
    "title": ("title", "id"),
    "status": ("status", "id"),
    "medium": ("medium", "title", "id"),
    "expiry": ("expiry_date", "id"),
    "created": ("created_at", "id"),
}


def _in_departments_seen_by(user, rows):
    """`rows` (records, or tallies of them) of every department, or of the user's own."""
    if not user.has_perm("records.view_record"):
        return rows.none()
    if not sees_all_departments(user):
        rows = rows.filter(department_id=user.department_id) if user.department_id else rows.none()
    return rows


def records_visible_to(user):
    """Every record the user may see: all of them, or their own department's."""
    return _in_departments_seen_by(user, Record.objects.all())


def with_active_holds(records):
    """`records`, each read with its active legal holds (oldest first) as `active_holds`: one
    query for all of them, over HeldRecord(record, hold)."""
    return records.prefetch_related(
        Prefetch("legal_holds", queryset=LegalHold.objects.active().order_by("pk"), to_attr="active_holds")
    )


def record_for_user(user, reference):
    """The record with that reference if the user may see it, else Record.DoesNotExist."""
    return records_visible_to(user).select_related(
        "department", "custodian", "schedule", "created_by", "label_attested_by", "label_check",
        "label_import__requested_by", "destruction__performed_by", "destruction__validated_by", "destruction__witness",
    ).defer("label_import__content").get(reference=reference)


# Records with CPNI and no label check, not destroyed (the dashboard's warning and its list).
MISSING_LABEL = Q(contains_cpni=True, label_attested_at__isnull=True) & ~Q(status=Status.DESTROYED)


def record_list(user, *, search="", status="", medium="", department=None, schedule=None, expiry_from=None,
                expiry_to=None, status_before=None, label="", on_hold=None, imported=None, sort="-created"):
    """The filtered, sorted record list for the list page. `status_before`: a day, for the records
    in their status since before it; `label` "missing": the records with CPNI and no label check.
    `on_hold`: True for the records under an active legal hold only, False for the others, None
    for all. `imported`: an import's id, for the records it logged."""
    records = records_visible_to(user).select_related("department", "custodian", "schedule")
    if imported is not None:
        job = ImportJob.objects.filter(pk=imported, state=ImportJob.State.DONE).exclude(first_reference="").first()
        records = records.filter(reference__gte=job.first_reference, reference__lte=job.last_reference) if job \
            else records.none()
    if search:
        records = records.filter(_search_matches(search))
    records = _with_status_department_schedule(records, status, department, schedule)
    if medium:
        records = records.filter(medium=medium)
    if expiry_from:
        records = records.filter(expiry_date__gte=expiry_from)
    if expiry_to:
        records = records.filter(expiry_date__lte=expiry_to)
    if status_before:
        records = records.filter(status_changed_at__lt=_local_midnight(status_before))
    if label == "missing":
        records = records.filter(MISSING_LABEL)
    if on_hold is not None:
        from .holds import held_now  # holds builds on this module's record_list

        # Held: linked to an active hold, or in the scope of a hold still being placed (as the sweep sees it).
        records = records.annotate(held=held_now()).filter(held=on_hold)
    descending = sort.startswith("-")
    columns = RECORD_SORTS.get(sort.lstrip("-"), RECORD_SORTS["created"])
    return records.order_by(*[f"-{c}" if descending else c for c in columns])


def _search_matches(search):
    """The records whose reference, title, serial number or custodian's name holds `search`. On
    PostgreSQL each condition is one of records' own indexed columns (record_search_trgm_idx, and
    the custodian's id: the people whose name matches are looked up first), so that a search reads
    the records it finds rather than every record."""
    custodians = User.objects.filter(
        Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
    )
    return (
        Q(reference__icontains=search)
        | Q(title__icontains=search)
        | Q(custodian_id__in=list(custodians.values_list("pk", flat=True)))
        | Q(media_serial_number__icontains=search)
        | Q(media_serial_key=serial_key(search))  # as written on the medium, spaces and case aside
    )


def tallied_record_count(user, *, search="", status="", medium="", department=None, schedule=None, expiry_from=None,
                         expiry_to=None, status_before=None, label="", on_hold=None, imported=None, sort=None):
    """How many records record_list(user, same filters) holds, read from the running tallies
    (records.tallies), or for the records on hold (of a department or all) from the holds' rows
    (held_record_count); None when a filter neither keeps (search, medium, expiry range, time in
    status, label check, legal hold with another filter) is set. The order (`sort`) changes no count."""
    if imported is not None or status_before or label:
        return None
    if on_hold is not None and LegalHold.objects.being_placed().exists():
        return None  # some held records are not linked yet: counted from the records themselves
    if on_hold and not (search or medium or expiry_from or expiry_to or status or schedule is not None):
        return held_record_count(user, department)
    if search or medium or expiry_from or expiry_to or on_hold is not None:
        return None
    tallies = _with_status_department_schedule(
        _in_departments_seen_by(user, StatusTally.objects.all()), status, department, schedule
    )
    return tallies.aggregate(n=Sum("count"))["n"] or 0


def _with_status_department_schedule(rows, status, department, schedule):
    """`rows` (records, or their status tallies) narrowed by the list's filters that both keep:
    one rule, so that the tallied size is the size of the list shown."""
    if status:
        rows = rows.filter(status=status)
    if department is not None:
        rows = rows.filter(department=department)
    if schedule is not None:
        rows = rows.filter(schedule=schedule)
    return rows


FILTER_CHOICES_CACHE_KEY = "records:list-filter-choices"
FILTER_CHOICES_SECONDS = 10


def list_filter_choices(user):
    """The record list's department and schedule filters as (id, label) pairs: the departments
    the user sees, and every schedule. Both lists are kept in the cache for FILTER_CHOICES_SECONDS
    and dropped whenever a department or schedule is saved (records.signals): reading both tables
    on every view of the busiest page cost 5% of it. Where the cache is each process's own, a
    department or schedule added through another process shows in the filters within that time."""
    departments, schedules = cache.get_or_set(FILTER_CHOICES_CACHE_KEY, _filter_choices, FILTER_CHOICES_SECONDS)
    if not sees_all_departments(user):
        departments = [(pk, name) for pk, name in departments if pk == user.department_id]
    return departments, schedules


def _filter_choices():
    # Labelled as Department.__str__ and RetentionSchedule.__str__ would, from plain values.
    return (
        list(Department.objects.values_list("pk", "name")),
        [(pk, f"{code} — {title}") for pk, code, title in RetentionSchedule.objects.values_list("pk", "code", "title")],
    )


def departments_for(user):
    departments = Department.objects.all()
    if not sees_all_departments(user):
        departments = departments.filter(pk=user.department_id)
    return departments


def custodians_for(user):
    """The people `user` may make a record's custodian: active, in a department and in a role
    whose people hold records."""
    custodians = (User.objects.filter(is_active=True, department__isnull=False).filter(in_custody_role())
                  .select_related("department"))
    if not sees_all_departments(user):
        custodians = custodians.filter(department_id=user.department_id)
    return custodians.order_by("last_name", "first_name", "username")


def officers():
    """Who may be named the certification's signatory: active users in the officer role."""
    return User.objects.filter(is_active=True, groups__name=Role.OFFICER).order_by("last_name", "first_name", "username")


def in_custody_role():
    """A filter on people: in a role whose people can hold records (roles.CUSTODY_PERMISSION)."""
    app_label, codename = CUSTODY_PERMISSION.split(".")
    return Exists(Group.objects.filter(
        user=OuterRef("pk"), permissions__content_type__app_label=app_label, permissions__codename=codename
    ))


def schedules_in_use():
    return RetentionSchedule.objects.filter(is_active=True)


def legal_minimums_offered(record=None):
    """The legal minimums a record may be given: the current ones, and any it carries already."""
    current = Q(is_active=True)
    if record is not None:
        current |= Q(pk__in=record.legal_minimum_links.values("minimum_id"))
    return LegalMinimum.objects.filter(current).order_by("citation")


@dataclass(frozen=True)
class MonthBar:
    month: object  # date of the month's first day
    count: int
    height: float  # 0..1 of the tallest bar


@dataclass(frozen=True)
class StatusBar:
    status: object  # Status
    count: int
    share: float  # 0..1 of the largest status


@dataclass(frozen=True)
class DashboardSummary:
    status_counts: list  # [(Status, count)] in lifecycle order
    total: int
    expiring_30: int
    expiring_90: int
    missing_label: int
    due_in_my_custody: int  # to be destroyed: due and not on hold
    held_due_in_my_custody: int  # due, but on hold: kept as they are
    on_hold: int  # records under an active legal hold
    active_past_expiry: int  # active records whose expiry day has passed (the sweep has yet to make them due)
    due_too_long: "CountSince"  # due and not on hold since before RETENTION_ESCALATION_DAYS ago
    custody_past: list  # [CountSince] media in Network Operations custody past each alert threshold
    expiries_by_month: list  # [MonthBar] for the next 12 months
    destructions_by_month: list  # [MonthBar] for this month and the 11 before

    @property
    def status_bars(self):
        largest = max((count for _, count in self.status_counts), default=0) or 1
        return [StatusBar(status, count, count / largest) for status, count in self.status_counts]


@dataclass(frozen=True)
class CountSince:
    """How many records (not on hold) are in a status since before `since`, more than `days` ago."""
    days: int
    since: date
    count: int


def _late_figures(user, records, today):
    """(due too long, [in custody past each alert threshold]): CountSince of the records the user
    sees, not on hold, in their status since before RETENTION_ESCALATION_DAYS (due) and each of
    NETOPS_CUSTODY_ALERT_DAYS (in Network Operations custody) days ago, from that day's local
    midnight as the record list's "in that status since before" filter reads it."""
    thresholds = [(Status.DUE, settings.RETENTION_ESCALATION_DAYS)]
    thresholds += [(Status.IN_NETOPS_CUSTODY, days) for days in sorted(settings.NETOPS_CUSTODY_ALERT_DAYS)]
    figures = [(status, today - timedelta(days=days)) for status, days in thresholds]
    if LegalHold.objects.being_placed().exists():  # its records are not all linked: read the records
        counts = _waiting_before_from_records(records, figures)
    else:
        counts = _waiting_before_from_tallies(user, figures)
    late = [CountSince(days, since, count) for (_, days), (_, since), count in zip(thresholds, figures, counts, strict=True)]
    return late[0], late[1:]


def _waiting_before_from_records(records, figures):
    """For each (status, day) of `figures`: how many of `records`, not on hold, are in that status
    since before the day's local midnight; one pass over the index of status and time in status."""
    from .holds import held_now  # holds builds on this module's record_list

    counts = (
        records.filter(status__in=sorted({status for status, _ in figures}),
                       status_changed_at__lt=_local_midnight(max(day for _, day in figures)))
        .annotate(held=held_now()).filter(held=False)
        .aggregate(**{f"n{n}": Count("pk", filter=Q(status=status, status_changed_at__lt=_local_midnight(day)))
                      for n, (status, day) in enumerate(figures)})
    )
    return [counts[f"n{n}"] for n in range(len(figures))]


def _waiting_before_from_tallies(user, figures):
    """The same counts as _waiting_before_from_records, of the records the user sees, while no hold
    is being placed: the waiting tally's whole UTC days before each midnight, plus the records that
    began waiting between that UTC day's start and the midnight, less the held ones (counted from
    the holds' rows linked while waiting: see HeldRecord)."""
    midnights = [_local_midnight(day) for _, day in figures]
    day_starts = [timezone.make_aware(datetime.combine(m.astimezone(UTC).date(), time.min), UTC) for m in midnights]
    statuses = sorted({status for status, _ in figures})

    def each(rows, count):
        found = rows.aggregate(**{f"n{n}": count(n, status) for n, (status, _) in enumerate(figures)})
        return [found[f"n{n}"] or 0 for n in range(len(figures))]

    tallied = each(_in_departments_seen_by(user, WaitingTally.objects.filter(status__in=statuses)),
                   lambda n, status: Sum("count", filter=Q(status=status, since__lt=day_starts[n].date())))
    windows = [Q(status=status, status_changed_at__gte=day_starts[n], status_changed_at__lt=midnights[n])
               for n, (status, _) in enumerate(figures)]
    begun = each(records_visible_to(user).filter(functools.reduce(operator.or_, windows)),
                 lambda n, status: Count("pk", filter=windows[n]))
    held_rows = HeldRecord.objects.filter(
        hold_id__in=active_hold_ids(), status_when_linked__in=statuses, in_status_since__lt=max(midnights),
        record__status=F("status_when_linked"))
    held = each(_in_departments_seen_by(user, held_rows), lambda n, status: Count(
        "record_id", distinct=True, filter=Q(status_when_linked=status, in_status_since__lt=midnights[n])))
    return [t + b - h for t, b, h in zip(tallied, begun, held, strict=True)]


def _month_bars(per_month, months):
    tallest = max(per_month.values(), default=0) or 1
    return [MonthBar(m, per_month.get(m, 0), per_month.get(m, 0) / tallest) for m in months]


ENDED_MONTH_SECONDS = 24 * 60 * 60


def destructions_per_month(user, months):
    """{month: destructions recorded in it} over `months` (their first days), of the records the
    user sees; one aggregate query on the destructions' (kind, performed_at) index. A destruction
    is dated when it is recorded (records.destruction), so a month that has ended gains none: its
    count is kept in the cache for a day, and only the months not kept (this one) are counted."""
    if not user.has_perm("records.view_destruction"):
        return {}
    scope = "all" if sees_all_departments(user) else f"department-{user.department_id}"
    this_month = timezone.localdate().replace(day=1)
    keys = {month: f"records:destructions:{scope}:{month:%Y-%m}" for month in months if month < this_month}
    kept = cache.get_many(keys.values())
    per_month = {month: kept[key] for month, key in keys.items() if key in kept}
    to_count = [month for month in months if month not in per_month]
    if not to_count:
        return per_month
    start = _local_midnight(to_count[0])
    end = _local_midnight(to_count[-1] + relativedelta(months=1))
    rows = destruction_register(user).filter(kind__in=Destruction.Kind.values, performed_at__gte=start,
                                             performed_at__lt=end)
    counted = rows.annotate(month=TruncMonth("performed_at")).values("month").annotate(n=Count("pk")).order_by()
    counted = {timezone.localtime(row["month"]).date(): row["n"] for row in counted}
    for month in to_count:
        per_month[month] = counted.get(month, 0)
    cache.set_many({keys[month]: per_month[month] for month in to_count if month in keys}, ENDED_MONTH_SECONDS)
    return per_month


def dashboard_summary(user, today=None):
    """The dashboard's numbers over the records the user may see, in a fixed number of queries
    that read the running tallies (records.tallies: a few rows per department, status and expiry
    day, whatever the number of records) rather than the records themselves."""
    today = today or timezone.localdate()
    records = records_visible_to(user)
    statuses = _in_departments_seen_by(user, StatusTally.objects.all())
    by_status = dict(statuses.values_list("status").annotate(n=Sum("count")).order_by())
    expiries = _in_departments_seen_by(user, ExpiryTally.objects.all())
    expiring = expiries.filter(expiry_date__gte=today)
    first_month = today.replace(day=1)
    end = first_month + relativedelta(months=12)
    per_month = {}
    per_day = expiries.filter(expiry_date__gte=first_month, expiry_date__lt=end)
    for day, count in per_day.values_list("expiry_date").annotate(n=Sum("count")).order_by():
        month = day.replace(day=1)
        per_month[month] = per_month.get(month, 0) + count
    months = [first_month + relativedelta(months=i) for i in range(12)]
    past_months = [first_month - relativedelta(months=i) for i in range(11, -1, -1)]
    due_too_long, custody_past = _late_figures(user, records, today)
    my_due = records.filter(status=Status.DUE, custodian_id=user.pk).annotate(hold=an_active_hold()).aggregate(
        to_destroy=Count("pk", filter=Q(hold__isnull=True)), held=Count("pk", filter=Q(hold__isnull=False))
    )
    return DashboardSummary(
        status_counts=[(status, by_status.get(status.value, 0)) for status in Status],
        total=sum(by_status.values()),
        expiring_30=expiring.filter(expiry_date__lte=today + timedelta(days=30)).aggregate(n=Sum("count"))["n"] or 0,
        expiring_90=expiring.filter(expiry_date__lte=today + timedelta(days=90)).aggregate(n=Sum("count"))["n"] or 0,
        # Read from a partial index holding exactly those records (a database constraint keeps it empty).
        missing_label=records.filter(MISSING_LABEL).count(),
        due_in_my_custody=my_due["to_destroy"],
        held_due_in_my_custody=my_due["held"],
        on_hold=held_record_count(user),
        active_past_expiry=expiries.filter(expiry_date__lt=today).aggregate(n=Sum("count"))["n"] or 0,
        due_too_long=due_too_long,
        custody_past=custody_past,
        expiries_by_month=_month_bars(per_month, months),
        destructions_by_month=_month_bars(destructions_per_month(user, past_months), past_months),
    )


def schedules_with_counts(user):
    """Every retention schedule, by code, with `record_count` (its records not destroyed) and
    `due_count` (its records due for destruction and under no active legal hold: what the record
    list shows with status "due" and "not on hold"), of the departments `user` sees, read from the
    running tallies (records.tallies) less the due records on the active holds' rows, never from
    the records themselves."""
    tallies = _in_departments_seen_by(user, StatusTally.objects.filter(schedule=OuterRef("pk"))).values("schedule")
    held = _held_due_by_schedule(user)
    held_due = Case(*(When(pk=pk, then=Value(n)) for pk, n in held.items()), default=Value(0)) if held else Value(0)
    return RetentionSchedule.objects.annotate(
        record_count=Coalesce(Subquery(tallies.exclude(status=Status.DESTROYED).annotate(n=Sum("count")).values("n")), 0),
        due_count=Coalesce(Subquery(tallies.filter(status=Status.DUE).annotate(n=Sum("count")).values("n")), 0) - held_due,
    ).order_by("code")


def _held_due_by_schedule(user):
    """{schedule id: how many of its due records that `user` sees are under an active legal hold},
    in one pass over the active holds' rows (read first by hold: the released holds keep theirs)."""
    rows = _in_departments_seen_by(user, HeldRecord.objects.filter(hold_id__in=active_hold_ids(), record__status=Status.DUE))
    return dict(rows.values("record__schedule").annotate(n=Count("record_id", distinct=True)).values_list("record__schedule", "n"))


def active_hold_ids():
    """The ids of the active legal holds, read first: the holds' rows are then read by hold, along
    their (hold, record) index, rather than joined with every hold (the rows of the released holds,
    which are kept, would be read too)."""
    return list(LegalHold.objects.active().values_list("pk", flat=True))


def held_record_count(user, department=None):
    """How many of the records the user sees (of `department`, if given) are under an active
    legal hold, counted from the holds' rows (HeldRecord, with each record's department) of the
    few active holds, never from the records themselves."""
    held = _in_departments_seen_by(user, HeldRecord.objects.filter(hold_id__in=active_hold_ids()))
    if department is not None:
        held = held.filter(department=department)
    return held.values("record_id").distinct().count()


def my_due_records(user):
    """(to destroy, on hold): the due records in the user's custody, soonest expired first; those
    on hold with their active holds (with_active_holds)."""
    due = (records_visible_to(user).filter(custodian=user, status=Status.DUE).annotate(hold=an_active_hold())
           .select_related("schedule").order_by("expiry_date", "pk"))
    return due.filter(hold__isnull=True), with_active_holds(due.filter(hold__isnull=False))


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    reason: str
    kind: str  # "+" created, "~" changed
    changes: list


def _display(field_name, value, lookups):
    if value in (None, "", []):
        return "—"
    if field_name in lookups:
        return lookups[field_name].get(value, f"#{value}")
    field = Record._meta.get_field(field_name)
    if field.choices:
        return dict(field.choices).get(value, value)
    if field_name == "cpni_categories":
        return ", ".join(Record(cpni_categories=value).cpni_category_labels)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


# Fields whose changes the history page lists (status included, though no form edits it).
HISTORY_FIELDS = [
    f for f in Record._meta.concrete_fields
    if f.name not in ("id", "updated_at", "label_check", "status_changed_at", "media_serial_key")
]


def record_history(record):
    """The record's field-level history, newest first: who changed what, when, old and new. The
    legal minimums added to or removed from it show as a change of its "legal minimums", in the
    entry of the record's change they were part of (the services give both the same moment)."""
    rows = list(record.history.select_related("history_user").order_by("history_date", "history_id"))
    links = list(
        RecordLegalMinimum.history.filter(record_id=record.pk).select_related("history_user", "minimum")
        .order_by("history_date", "history_id")
    )
    return [entry for _, entry in reversed(_history_entries(rows, links))]


#: History entries and audit events the record's page shows, the latest first; the rest are on the
#: paged audit trail (record_trail).
DETAIL_LATEST = 25


def record_history_latest(record, limit=None):
    """(the record's latest `limit` history entries as record_history gives them, whether there are
    older ones): the latest limit + 1 history rows (the oldest of them only to compare the next
    with) and the history of its legal minimums (a record has a few), whatever the length of the
    record's history."""
    limit = limit or DETAIL_LATEST
    rows = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows.reverse()
    links = list(
        RecordLegalMinimum.history.filter(record_id=record.pk).select_related("history_user", "minimum")
        .order_by("history_date", "history_id")
    )
    entries = [entry for _, entry in reversed(_history_entries(rows, links))]
    if len(rows) > limit:
        # The oldest row read is there only to be compared with: neither it nor what came before it is shown.
        return [entry for entry in entries if entry.when > rows[0].history_date][:limit], True
    return entries[:limit], len(entries) > limit


def _history_entries(rows, links):
    """[(anchor, HistoryEntry)], oldest first, from the record's history `rows` and its legal
    minimums' history `links` (both oldest first; the first row's changes are not shown: it is the
    record as logged, or the one before those asked about). The anchor of an entry is ("row",
    history_id) for a change of the record, ("links", when) for legal minimums changed alone."""
    ids = {"department": set(), "custodian": set(), "schedule": set(), "label_attested_by": set(), "created_by": set(),
           "label_import": set()}
    for row in rows:
        for name in ids:
            ids[name].add(getattr(row, f"{name}_id"))
    people = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in=ids["custodian"] | ids["label_attested_by"] | ids["created_by"])
    }
    lookups = {
        "department": {d.pk: str(d) for d in Department.objects.filter(pk__in=ids["department"])},
        "schedule": {s.pk: s.code for s in RetentionSchedule.objects.filter(pk__in=ids["schedule"])},
        "custodian": people,
        "label_attested_by": people,
        "created_by": people,
        "label_import": {pk: f"import #{pk}" for pk in ids["label_import"] if pk},
    }
    # Record rows and minimum rows in order of time; at equal times the record's row first, so
    # that the minimums join its entry.
    timeline = sorted([(row.history_date, 0, row.history_id, row) for row in rows]
                      + [(link.history_date, 1, link.history_id, link) for link in links], key=lambda item: item[:3])
    entries = []
    previous = None
    carried = {}  # minimum id -> its label, as the history goes
    carried_before = {}
    for when, is_link, _, row in timeline:
        if is_link and not (entries and entries[-1][1].when == when):
            entries.append((("links", when), _history_entry(row, [])))
            carried_before = dict(carried)
        if is_link:
            if row.history_type == "-":
                carried.pop(row.minimum_id, None)
            else:
                carried[row.minimum_id] = f"{row.minimum.citation} ({row.minimum.period_display})"
            _note_minimums(entries[-1][1], carried_before, carried)
            continue
        changes = [] if previous is None else _field_changes(previous, row, lookups)
        entries.append((("row", row.history_id), _history_entry(row, changes)))
        carried_before = dict(carried)
        previous = row
    return entries


#: Entries (audit events and changes) on each page of a record's audit trail.
TRAIL_PAGE_SIZE = 100
EVENT, CHANGE, MINIMUMS_CHANGE = 0, 1, 2


def record_trail(record):
    """Everything that happened to the record, newest first, as (when, kind, key) rows for a
    paginator: its audit events (EVENT, sequence), its history rows (CHANGE, history id) and the
    moments its legal minimums changed with no change of the record itself (MINIMUMS_CHANGE, the
    first of their history ids). One query (a UNION) for the page, one to count; the page's
    entries are then read with record_trail_entries."""
    label = record._meta.label_lower
    events = AuditEvent.objects.filter(object_type=label, object_id=str(record.pk)).annotate(
        when=F("occurred_at"), kind=Value(EVENT), key=F("sequence")
    ).values_list("when", "kind", "key").order_by()
    changes = record.history.order_by().annotate(
        when=F("history_date"), kind=Value(CHANGE), key=F("history_id")
    ).values_list("when", "kind", "key")
    minimums = (
        RecordLegalMinimum.history.filter(record_id=record.pk)
        .exclude(history_date__in=record.history.values("history_date"))
        .order_by()
        .values("history_date")
        .annotate(when=F("history_date"), kind=Value(MINIMUMS_CHANGE), key=Min("history_id"))
        .values_list("when", "kind", "key")
    )
    return events.union(changes, minimums, all=True).order_by("-when", "kind", "-key")


def record_trail_entries(record, items):
    """The page `items` (rows of record_trail) as ("event", when, AuditEvent) and ("change", when,
    HistoryEntry), in their order: a bounded number of queries and rows whatever the length of the
    trail. A change is shown against the record's history row before it, which may be on an
    earlier page; the legal minimums are followed from the first (a record has a few)."""
    events = {e.sequence: e for e in AuditEvent.objects.filter(sequence__in=[k for _, kind, k in items if kind == EVENT])}
    changes = {}
    times = [when for when, kind, _ in items if kind != EVENT]
    if times:
        oldest, newest = min(times), max(times)
        history = record.history.select_related("history_user")
        # The rows of the page, those at the same moments on the pages beside it, and the one before.
        rows = list(history.filter(history_date__gte=oldest, history_date__lte=newest).order_by("history_date", "history_id"))
        before = history.filter(history_date__lt=oldest).order_by("-history_date", "-history_id").first()
        links = list(
            RecordLegalMinimum.history.filter(record_id=record.pk, history_date__lte=newest)
            .select_related("history_user", "minimum").order_by("history_date", "history_id")
        )
        changes = dict(_history_entries([before, *rows] if before else rows, links))
    trail = []
    for when, kind, key in items:
        if kind == EVENT:
            trail.append(("event", when, events[key]))
        else:
            trail.append(("change", when, changes[("row", key) if kind == CHANGE else ("links", when)]))
    return trail


def _history_entry(row, changes):
    return HistoryEntry(
        when=row.history_date,
        who=str(row.history_user) if row.history_user else "system",
        reason=row.history_change_reason or "",
        kind=row.history_type if isinstance(row, Record.history.model) else "~",
        changes=changes,
    )


def _note_minimums(entry, before, after):
    """Show in `entry` the change of the record's legal minimums from `before` to `after`."""
    entry.changes[:] = [change for change in entry.changes if change.field != "legal minimums"]
    if before != after:
        entry.changes.append(FieldChange("legal minimums", "; ".join(sorted(before.values())) or "—",
                                         "; ".join(sorted(after.values())) or "—"))


def _field_changes(previous, row, lookups):
    changes = []
    for field in HISTORY_FIELDS:
        old, new = getattr(previous, field.attname), getattr(row, field.attname)
        if old != new:
            changes.append(FieldChange(str(field.verbose_name), _shown(field.name, old, previous, lookups),
                                       _shown(field.name, new, row, lookups)))
    return changes


def _shown(field_name, value, row, lookups):
    if field_name == "label_attested_at" and value and row.label_import_id:
        return timezone.localtime(value).strftime("%Y-%m-%d")  # declared in an import: a day, no time
    return _display(field_name, value, lookups)


def audit_events_for(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-sequence")


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(*, actor="", action="", object="", since=None, until=None, sign_ins=True):  # noqa: A002 (the form's field)
    """The audit log's events, newest first, narrowed by the log page's filters (AuditFilterForm):
    who (exactly, any case), the action (its start), the object (part of its name, or its id) and
    the days from `since` to `until` (both included, local time); sign-ins only with `sign_ins` or
    when the action asked for is one."""
    events = AuditEvent.objects.order_by("-sequence")
    if actor:
        events = events.filter(actor_name__iexact=actor.strip())
    if action:
        events = events.filter(action__startswith=action.strip())
    asked_for = action.strip() and any(code.startswith(action.strip()) for code in audit_words.SIGN_IN_ACTIONS)
    if not sign_ins and not asked_for:
        events = events.exclude(action__in=audit_words.SIGN_IN_ACTIONS)
    if object:
        term = object.strip()
        events = events.filter(Q(object_repr__icontains=term) | Q(object_id=term))
    if since:
        events = events.filter(occurred_at__gte=_local_midnight(since))
    if until and until < date.max:
        events = events.filter(occurred_at__lt=_local_midnight(until + timedelta(days=1)))
    return events


def destruction_register(user):
    """The destructions of the records the user may see, in the order they were recorded; none for
    a person who may not see destructions."""
    destructions = Destruction.objects.order_by("pk")
    if not user.has_perm("records.view_destruction"):
        return destructions.none()
    if not sees_all_departments(user):
        destructions = destructions.filter(record__department_id=user.department_id) if user.department_id else destructions.none()
    return destructions


@dataclass(frozen=True)
class CustodyItem:
    record: Record
    days_in_custody: int


#: Rows of each list on the Network Operations queue; the headings give the full counts.
NETOPS_LIST_LENGTH = 100


def media_in(status):
    """The records in `status` (a Network Operations stage), longest in it first."""
    return (
        Record.objects.filter(status=status)
        .select_related("department", "custodian")
        .order_by("status_changed_at", "pk")
    )


def netops_queue(today=None):
    """Network Operations' work: media awaiting hand-over and media in custody (longest-held first,
    with days in custody), the first NETOPS_LIST_LENGTH of each with the full counts, and the
    latest sanitizations. Media under a legal hold are not in either list but in their own, with
    their holds."""
    today = today or timezone.localdate()
    stages = (Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY)
    # Media whose destruction waits for a legal hold's release are not Network Operations' work:
    # counted per stage in one query (by a hash of the held records) and taken off each stage's
    # count, which is then read from the status index alone.
    held = (Record.objects.filter(status__in=stages).filter(active_hold_exists())
            .select_related("department", "custodian").order_by("status_changed_at", "pk"))
    held_in = dict(held.values_list("status").annotate(n=Count("pk")).order_by())
    in_custody = media_in(Status.IN_NETOPS_CUSTODY).filter(~active_hold_exists())
    return {
        "awaiting": list(awaiting_receipt()[:NETOPS_LIST_LENGTH]),
        "awaiting_count": media_in(Status.AWAITING_HANDOVER).count() - held_in.get(Status.AWAITING_HANDOVER, 0),
        "in_custody": [
            CustodyItem(record, (today - timezone.localdate(record.status_changed_at)).days)
            for record in in_custody[:NETOPS_LIST_LENGTH]
        ],
        "in_custody_count": media_in(Status.IN_NETOPS_CUSTODY).count() - held_in.get(Status.IN_NETOPS_CUSTODY, 0),
        **first_held(held, sum(held_in.values())),
        "length": NETOPS_LIST_LENGTH,
        "recently_destroyed": Destruction.objects.filter(kind=Destruction.Kind.SANITIZATION)
        .select_related("record", "performed_by", "validated_by")
        .order_by("-performed_at")[:20],
    }


def awaiting_receipt():
    """Media handed over and not yet received, not on hold, longest-waiting first, each with the
    id of its transmittal (hand-over receipt)."""
    transmittal = TransmittalItem.objects.filter(record=OuterRef("pk"), received_at__isnull=True)
    return (media_in(Status.AWAITING_HANDOVER).filter(~active_hold_exists())
            .annotate(transmittal_id=Subquery(transmittal.values("transmittal_id")[:1])))


def is_database_id(value):
    """Whether `value` (as sent in a form) can be a record's id: digits that fit a bigint."""
    return str(value).isdigit() and int(value) < 2**63


def first_and_chosen(records, chosen_references=(), chosen_ids=()):
    """For a page of ticked rows over a list that may run to thousands: the first
    NETOPS_LIST_LENGTH of `records` and any of `records` the person chose (by reference from a
    record's page, or by id in the form sent back), in the list's order."""
    ids = [int(pk) for pk in chosen_ids if is_database_id(pk)]
    first = records.values("pk")[:NETOPS_LIST_LENGTH]
    return list(records.filter(Q(pk__in=first) | Q(reference__in=list(chosen_references)) | Q(pk__in=ids)))


def _due_media_of(user):
    """Due electronic records of the user's custody, or any a records manager sees."""
    records = records_visible_to(user).filter(status=Status.DUE).exclude(medium="paper")
    if Role.RECORDS_MANAGER not in roles_of(user):
        records = records.filter(custodian=user)
    return records.select_related("department", "custodian").order_by("expiry_date", "pk")


def due_media_for_handover(user):
    """Due electronic records the user may hand over: their own, or any a records manager sees,
    not under a legal hold."""
    return _due_media_of(user).filter(~active_hold_exists())


def held_media_not_for_handover(user):
    """The due electronic records the user would hand over but for a legal hold (first_held)."""
    return first_held(_due_media_of(user).filter(active_hold_exists()))


def first_held(held, count=None):
    """{"held": the first NETOPS_LIST_LENGTH of `held` (records on hold) with their holds,
    "held_count": how many (`count` when known)}. Counted first, by a hash of the held records,
    and listed only when there are some: listing none would probe every record of `held`'s other
    conditions."""
    count = held.count() if count is None else count
    return {"held": list(with_active_holds(held)[:NETOPS_LIST_LENGTH]) if count else [], "held_count": count}


def certification_due_for(user):
    """The next annual certification due, for those who prepare or sign it (else None)."""
    from compliance.selectors import certification_due

    if not user.has_perm("compliance.add_certificationpackage"):
        return None
    return certification_due()


def open_breaches_for(user):
    """The open breach incidents with their next deadline, for those who read the breach register
    (else None)."""
    from compliance.selectors import open_breaches_for as open_breaches

    return open_breaches(user)
