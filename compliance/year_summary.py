"""The figures of a calendar year (in settings.TIME_ZONE) that the certification reports: records
logged and destroyed, records due at the year's end, holds, label checks, the registers' counts and
the breaches of CPNI discovered in the year with their notifications made on time and late.
Plain set-based queries over stored data; none checks permissions (the callers do)."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum

from compliance.breach_clock import incident_clock
from compliance.models import BreachIncident, CustomerComplaint, DataBrokerAction, PretextingObservation
from records.models import Destruction, LabelCheck, LegalHold, Medium, Record, Status


def year_bounds(year):
    """(start, end): midnight of Jan 1 of `year` and of `year + 1` in settings.TIME_ZONE, as aware
    datetimes. A moment belongs to the year when start <= moment < end."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _during(field, start, end):
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def on_days_of(field, year):
    return _during(field, date(year, 1, 1), date(year + 1, 1, 1))


def in_year(field, year):
    return _during(field, *year_bounds(year))


@dataclass(frozen=True)
class YearSummary:
    """The year's figures. Counts by code (medium, destruction method) list the codes that occur,
    in their choices' order; complaints list all three FCC categories, zero or not."""

    year: int
    period_start: str
    period_end: str
    records_logged: int
    records_destroyed: int
    destroyed_by_medium: dict
    destroyed_by_method: dict
    records_due_at_year_end: int
    records_overdue_at_year_end: int
    overdue_after_days: int
    holds_placed: int
    holds_released: int
    holds_active_at_year_end: int
    label_checks_passed: int
    label_checks_failed: int
    label_checks_unreadable: int
    complaints_by_category: dict
    data_broker_actions: int
    pretexting_observations: int
    breaches_discovered: int
    breaches_determined: int
    breach_notifications_on_time: int
    breach_notifications_late: int
    optout_failures_detected: int = 0
    optout_letters_late: int = 0  # sent after the five business days, or not sent by then
    campaigns: int = 0  # marketing campaigns whose period overlaps the year (campaigns.csv)
    campaigns_using_cpni: int = 0
    third_party_releases: int = 0  # releases of CPNI to third parties in the year (disclosures.csv)
    approval_notice_mailings: int = 0  # mailings of the notice of CPNI rights sent in the year (approval-notices.csv)
    approval_notice_recipients: int = 0  # the customers those mailings went to
    approval_evidence_records: int = 0  # evidence of the approval-status system as of a day in the year
    training_assignments_due: int = 0  # training assignments due in the year (training.csv)
    training_completed_on_time: int = 0  # of them, signed on or before their due date
    training_acknowledgements: int = 0  # acknowledgements signed in the year
    briefings: int = 0  # supervisor briefings and staff meetings held in the year

    @property
    def training_on_time_rate(self):
        """The share of the year's assignments completed on time, in percent (None when none was due)."""
        if not self.training_assignments_due:
            return None
        return round(100 * self.training_completed_on_time / self.training_assignments_due)

    @property
    def complaints_total(self):
        return sum(self.complaints_by_category.values())

    def as_dict(self):
        return {**asdict(self), "complaints_total": self.complaints_total,
                "training_on_time_percent": self.training_on_time_rate}


def year_summary(year):
    """The figures of calendar `year`, each a set-based query (no rows are loaded). Records due and
    overdue are counted as they stood at the year's end, from the records' history, not from their
    status today."""
    start, end = year_bounds(year)
    destroyed = Destruction.objects.filter(on_days_of("destroyed_on", year))
    escalation_days = settings.RETENTION_ESCALATION_DAYS
    due_at_end = _records_as_of(end).filter(status=Status.DUE).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(status_changed_at__lte=end - timedelta(days=escalation_days)))
    )
    label_checks = _count_by(LabelCheck.objects.filter(in_year("checked_at", year)), "outcome")
    complaints = _count_by(CustomerComplaint.objects.filter(on_days_of("received_on", year)), "category")
    return YearSummary(
        year=year,
        period_start=start.isoformat(),
        period_end=end.isoformat(),
        records_logged=Record.objects.filter(in_year("created_at", year)).count(),
        records_destroyed=destroyed.count(),
        destroyed_by_medium=_in_choice_order(_count_by(destroyed, "record__medium"), Medium.values),
        destroyed_by_method=_in_choice_order(
            _count_by(destroyed, "method"), Destruction.PaperMethod.values + Destruction.MediaMethod.values
        ),
        records_due_at_year_end=due_at_end["due"],
        records_overdue_at_year_end=due_at_end["overdue"],
        overdue_after_days=escalation_days,
        holds_placed=LegalHold.objects.filter(in_year("placed_at", year)).count(),
        holds_released=LegalHold.objects.filter(in_year("released_at", year)).count(),
        holds_active_at_year_end=LegalHold.objects.filter(placed_at__lt=end)
        .filter(Q(released_at__isnull=True) | Q(released_at__gte=end))
        .count(),
        label_checks_passed=label_checks.get(LabelCheck.Outcome.LABELLED, 0),
        label_checks_failed=label_checks.get(LabelCheck.Outcome.NOT_LABELLED, 0),
        label_checks_unreadable=label_checks.get(LabelCheck.Outcome.UNREADABLE, 0),
        complaints_by_category={category: complaints.get(category, 0) for category in CustomerComplaint.Category.values},
        data_broker_actions=DataBrokerAction.objects.filter(on_days_of("taken_on", year)).count(),
        pretexting_observations=PretextingObservation.objects.filter(on_days_of("observed_on", year)).count(),
        **_breach_figures(year),
        **_optout_figures(year),
        **_campaign_figures(year),
        third_party_releases=_release_count(year),
        **_approval_figures(year),
        **_training_figures(year),
    )


def _campaign_figures(year):
    """The marketing campaigns whose period overlaps `year`, and those of them that use CPNI (47 CFR 64.2009(c))."""
    from compliance.campaigns import campaigns_of

    figures = campaigns_of(year).aggregate(campaigns=Count("pk"), campaigns_using_cpni=Count("pk", filter=Q(uses_cpni=True)))
    return {"campaigns": figures["campaigns"], "campaigns_using_cpni": figures["campaigns_using_cpni"]}


def _release_count(year):
    """The releases of CPNI to third parties made in `year` (47 CFR 64.2009(c))."""
    from compliance.disclosures import disclosures_of

    return disclosures_of(year).count()


def _approval_figures(year):
    """The mailings of the notice of CPNI rights sent in `year`, the customers they reached, and the
    evidence of the approval-status system as of a day in it (47 CFR 64.2008, 64.2009(a))."""
    from compliance.approval_notices import evidence_of, mailings_of

    figures = mailings_of(year).aggregate(mailings=Count("pk"), recipients=Sum("population"))
    return {"approval_notice_mailings": figures["mailings"], "approval_notice_recipients": figures["recipients"] or 0,
            "approval_evidence_records": evidence_of(year).count()}
def _training_figures(year):
    """Training (47 CFR 64.2009(b)): the assignments due in `year`, those signed on time, the
    acknowledgements signed and the briefings held in it."""
    from compliance.training import assignments_due_in, briefings_in, completions_in, on_time

    figures = assignments_due_in(year).aggregate(due=Count("pk"), on_time=Count("pk", filter=on_time()))
    return {"training_assignments_due": figures["due"], "training_completed_on_time": figures["on_time"],
            "training_acknowledgements": completions_in(year).count(), "briefings": briefings_in(year).count()}


def _optout_figures(year):
    """The opt-out failures detected in `year` and those whose letter to the FCC was or is late (47 CFR 64.2009(f))."""
    from compliance.optout import failures_detected_in, is_late

    failures = list(failures_detected_in(year))
    return {"optout_failures_detected": len(failures), "optout_letters_late": sum(map(is_late, failures))}


def _breach_figures(year):
    """The breaches discovered in `year`, those determined breaches, and their notifications with a
    deadline (law enforcement, the FCC, customers under the 2023 rule) made on or after it."""
    incidents = BreachIncident.objects.filter(in_year("discovered_at", year)).prefetch_related("notifications", "directions")
    discovered = determined = on_time = late = 0
    for incident in incidents.iterator(chunk_size=500):
        discovered += 1
        clock = incident_clock(incident)
        if clock.determined_on is None:
            continue
        determined += 1
        made = [duty for duty in clock.duties if duty.done_on and duty.due_on]
        late += sum(duty.late for duty in made)
        on_time += sum(not duty.late for duty in made)
    return {"breaches_discovered": discovered, "breaches_determined": determined,
            "breach_notifications_on_time": on_time, "breach_notifications_late": late}


def _records_as_of(moment):
    """Every record as its history last showed it before `moment`: Record.history.as_of, but with
    `moment` itself excluded (a year ends just before midnight) and ties on history_date broken
    by history_id so that no record counts twice. Records deleted by then are left out."""
    history = Record.history.filter(history_date__lt=moment)
    later = history.filter(id=OuterRef("id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return history.exclude(Exists(later)).exclude(history_type="-")


def _count_by(queryset, field):
    # order_by() drops the models' default ordering, which would otherwise join the GROUP BY.
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk")))


def _in_choice_order(counts, order):
    ranked = sorted(counts, key=lambda code: (order.index(code) if code in order else len(order), code))
    return {code: counts[code] for code in ranked}


def _plural(count, one, many=None):
    return f"{count} {one if count == 1 else (many or one + 's')}"


def training_evidence(year):
    """True sentences about the year's training (47 CFR 64.2009(b)), for the accompanying statement:
    the registers' own figures (_training_figures)."""
    figures = _training_figures(year)
    due, on_time = figures["training_assignments_due"], figures["training_completed_on_time"]
    if due:
        rate = round(100 * on_time / due)
        first = (f"{_plural(due, 'CPNI training assignment')} {'was' if due == 1 else 'were'} due in {year}; "
                 f"{on_time} {'was' if on_time == 1 else 'were'} completed and acknowledged on time ({rate}%).")
    else:
        first = f"No CPNI training assignment was due in {year}."
    return [first,
            f"{_plural(figures['training_acknowledgements'], 'acknowledgement')} of the procedures "
            f"{'was' if figures['training_acknowledgements'] == 1 else 'were'} signed and "
            f"{_plural(figures['briefings'], 'supervisor briefing or staff meeting', 'supervisor briefings and staff meetings')} "
            f"{'was' if figures['briefings'] == 1 else 'were'} recorded in {year}."]


def breach_evidence(year):
    """True sentences about the year's breaches (47 CFR 64.2011), for the accompanying statement."""
    figures = _breach_figures(year)
    discovered = figures["breaches_discovered"]
    if not discovered:
        return [f"No suspected breach of CPNI was reported in {year}."]
    determined = figures["breaches_determined"]
    sentences = [f"{_plural(discovered, 'suspected breach', 'suspected breaches')} of CPNI "
                 f"{'was' if discovered == 1 else 'were'} reported in {year}, of which {determined} "
                 f"{'was' if determined == 1 else 'were'} determined to be a breach."]
    on_time, late = figures["breach_notifications_on_time"], figures["breach_notifications_late"]
    if on_time or late:
        sentences.append(f"{_plural(on_time, 'notification')} with a deadline {'was' if on_time == 1 else 'were'} made "
                         f"on time and {late} late.")
    return sentences
