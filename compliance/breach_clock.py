"""The clock of a breach of CPNI (47 CFR 64.2011): what is owed, to whom, by when, under the rule the
incident was determined under (the BREACH_RULE setting: "legacy" or "2023").

    legacy  US Secret Service and FBI (the central reporting facility): within 7 business days of
            reasonable determination. Customers: not before 7 full business days have passed
            after that notification, unless the carrier recorded an extraordinarily urgent need
            after consulting the agency; never while a law-enforcement direction holds them back.
    2023    The FCC, USSS and FBI: within 7 business days of reasonable determination. Customers:
            after those notifications, without unreasonable delay and at the latest
            BREACH_CUSTOMER_NOTICE_DAYS days after determination, or after the day a
            law-enforcement direction ends; none where no harm is reasonably likely. A breach of
            fewer than 500 customers with no harm reasonably likely goes to the FCC in the annual
            summary (due BREACH_ANNUAL_SUMMARY_DUE of the next year) instead.

Business days come from compliance.business_days. Plain functions of an incident and its rows."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from .business_days import add_business_days
from .models.breaches import BreachIncident, BreachNotification, LawEnforcementDirection

Rule, Recipient = BreachIncident.Rule, BreachNotification.Recipient
NOTICE_BUSINESS_DAYS = 7  # law enforcement (and the FCC under the 2023 rule), 64.2011(b)
LEGACY_WAIT_BUSINESS_DAYS = 7  # customers wait this long after law enforcement, legacy 64.2011(b)(1)
SMALL_BREACH_CUSTOMERS = 500  # 2023: fewer customers than this, no harm likely: the annual summary
RECORD_YEARS = 2  # 64.2011(d): the record of a breach is kept at least this long
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Duty:
    """One notification the rule asks for: its deadline (None where the rule sets none), the first
    day it may be given (customers), and the day it was given."""

    key: str  # law_enforcement, fcc, customers
    label: str
    citation: str
    due_on: datetime.date | None
    done_on: datetime.date | None
    not_before: datetime.date | None = None
    required: bool = True
    note: str = ""

    @property
    def is_open(self):
        return self.required and self.done_on is None

    @property
    def late(self):
        return bool(self.done_on and self.due_on and self.done_on > self.due_on)

    def overdue(self, today):
        return self.is_open and self.due_on is not None and today > self.due_on


def local_day(moment):
    return timezone.localdate(moment) if moment else None


def rule_of(incident):
    """The rule an incident follows: fixed when it was determined, else the setting."""
    return incident.rule or settings.BREACH_RULE


def law_enforcement_due(determined_on):
    """The 7th business day after reasonable determination (the day itself does not count)."""
    return add_business_days(determined_on, NOTICE_BUSINESS_DAYS)


def legacy_wait_over_on(notified_on):
    """The first day customers may be told under the legacy rule: the day after the 7th full
    business day following the law-enforcement notification."""
    return add_business_days(notified_on, LEGACY_WAIT_BUSINESS_DAYS) + ONE_DAY


def annual_summary_due(determined_on):
    return datetime.date(determined_on.year + 1, *settings.BREACH_ANNUAL_SUMMARY_DUE)


def oral_confirmation_by(direction):
    return add_business_days(direction.given_on, settings.BREACH_ORAL_CONFIRMATION_BUSINESS_DAYS)


def holds_until(direction):
    """The last day `direction` holds customer notice back: its end, or for an oral direction not
    confirmed in writing, no later than the last day it could have been confirmed."""
    if direction.form == LawEnforcementDirection.Form.ORAL and direction.confirmed_in_writing_on is None:
        return min(direction.delay_until, oral_confirmation_by(direction))
    return direction.delay_until


def is_small_without_harm(incident):
    return (incident.harm_likely is False and incident.customers_affected is not None
            and incident.customers_affected < SMALL_BREACH_CUSTOMERS)


@dataclass(frozen=True)
class Clock:
    """Every duty of an incident, and the first day (with the reason) customers may be told."""

    rule: str
    determined_on: datetime.date | None
    duties: list
    customers_from: datetime.date | None  # None: not yet (customers_wait_reason says why)
    customers_wait_reason: str

    def duty(self, key):
        return next((duty for duty in self.duties if duty.key == key), None)

    @property
    def open_deadlines(self):
        return [duty for duty in self.duties if duty.is_open and duty.due_on is not None]

    @property
    def next_deadline(self):
        return min(self.open_deadlines, key=lambda duty: duty.due_on, default=None)


def _first(notifications, recipient):
    return min((local_day(n.notified_at) for n in notifications if n.recipient == recipient), default=None)


def incident_clock(incident, notifications=None, directions=None):
    """The incident's clock. `notifications` and `directions` default to the incident's own rows;
    pass them to check a notification not yet saved against them."""
    notifications = list(incident.notifications.all()) if notifications is None else list(notifications)
    directions = list(incident.directions.all()) if directions is None else list(directions)
    rule = rule_of(incident)
    determined_on = local_day(incident.reasonably_determined_at)
    if determined_on is None:
        return Clock(rule, None, [], None, "The breach is not determined yet: the clock has not started.")
    law_done, fcc_done = _first(notifications, Recipient.LAW_ENFORCEMENT), _first(notifications, Recipient.FCC)
    customers_done = _first(notifications, Recipient.CUSTOMERS)
    le_due = law_enforcement_due(determined_on)
    duties = [Duty("law_enforcement", "US Secret Service and FBI, through the central reporting facility",
                   "47 CFR 64.2011(b)", le_due, law_done)]
    held = max((holds_until(direction) for direction in directions), default=None)
    if rule == Rule.LEGACY:
        customers_from, reason = _legacy_customers_from(incident, law_done, held)
        duties.append(Duty("customers", "Affected customers", "47 CFR 64.2011(c)", None, customers_done,
                           not_before=customers_from, note="No deadline: after the waiting period."))
    else:
        small = is_small_without_harm(incident)
        if small:
            duties.append(Duty("fcc", "FCC: annual summary of small breaches", "47 CFR 64.2011 (2023)",
                               annual_summary_due(determined_on), fcc_done,
                               note=f"Fewer than {SMALL_BREACH_CUSTOMERS} customers and no harm reasonably likely."))
        else:
            duties.append(Duty("fcc", "Federal Communications Commission, through the central reporting facility",
                               "47 CFR 64.2011(b) (2023)", le_due, fcc_done))
        customers_from, reason = _customers_from_2023(law_done, None if small else fcc_done, small, held)
        cap = determined_on + datetime.timedelta(days=settings.BREACH_CUSTOMER_NOTICE_DAYS)
        due = max(cap, held + ONE_DAY) if held else cap
        no_harm = incident.harm_likely is False
        duties.append(Duty(
            "customers", "Affected customers", "47 CFR 64.2011(c) (2023)", None if no_harm else due, customers_done,
            not_before=customers_from, required=not no_harm,
            note="Not required: no harm to customers is reasonably likely." if no_harm else "",
        ))
    return Clock(rule, determined_on, duties, customers_from, reason)


def _legacy_customers_from(incident, law_done, held):
    if law_done is None:
        return None, "Customers are told only after the US Secret Service and the FBI are notified (47 CFR 64.2011(b))."
    first = legacy_wait_over_on(law_done)
    reason = (f"7 full business days must pass after the law-enforcement notification of {law_done:%Y-%m-%d} "
              "(47 CFR 64.2011(b)(1))")
    urgent_on = local_day(incident.urgent_need_consulted_at)
    if incident.urgent_need and urgent_on is not None:
        first, reason = max(law_done, urgent_on), (
            f"the extraordinarily urgent need recorded after consulting {incident.urgent_need_agency} allows it from "
            f"{max(law_done, urgent_on):%Y-%m-%d}")
    if held is not None and held + ONE_DAY > first:
        first, reason = held + ONE_DAY, f"law enforcement directed a delay of customer notice until {held:%Y-%m-%d}"
    return first, reason


def _customers_from_2023(law_done, fcc_done, small, held):
    if law_done is None or (not small and fcc_done is None):
        return None, ("Customers are told after the FCC, the US Secret Service and the FBI are notified "
                      "(47 CFR 64.2011(b), 2023).")
    first = max(day for day in (law_done, fcc_done) if day is not None)
    reason = f"the agencies were notified on {first:%Y-%m-%d}"
    if held is not None and held + ONE_DAY > first:
        first, reason = held + ONE_DAY, f"law enforcement directed a delay of customer notice until {held:%Y-%m-%d}"
    return first, reason


def customer_notice_refusal(clock, notified_on):
    """Why a customer notice given on `notified_on` is not allowed yet, with until when; "" if it is."""
    if clock.customers_from is None:
        return clock.customers_wait_reason
    if notified_on < clock.customers_from:
        return (f"Customers may not be told before {clock.customers_from:%Y-%m-%d}: "
                f"{clock.customers_wait_reason}.")
    return ""


def last_notified_on(incident):
    return max((local_day(n.notified_at) for n in incident.notifications.all()), default=None)


def retained_until(incident):
    """The first day the closed incident's record may go: RECORD_YEARS after its last notification
    or its closure, whichever is later. None while it is open (kept)."""
    if incident.is_open or incident.closed_at is None:
        return None
    last = max(day for day in (local_day(incident.closed_at), last_notified_on(incident)) if day is not None)
    return last + relativedelta(years=RECORD_YEARS)


def records_kept_until(incident, today=None):
    """How long the documents linked to the incident are kept at least: its own retention once
    closed; while it is open, RECORD_YEARS from today or its last notification (extended again at
    each notification and at its closure)."""
    today = today or timezone.localdate()
    closed = retained_until(incident)
    if closed is not None:
        return closed
    last = max(day for day in (today, last_notified_on(incident)) if day is not None)
    return last + relativedelta(years=RECORD_YEARS)
