"""The dashboard's "needs attention" figures, each a number with the record list behind it,
filtered to exactly the records it counts (selectors.dashboard_summary)."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse


@dataclass(frozen=True)
class Figure:
    count: int
    words: str  # what follows the number
    url: str  # the record list of exactly these records
    warning: bool = False  # a number above zero means something is late


def _plural(count, one, many):
    return one if count == 1 else many


def _list_url(**filters):
    return f"{reverse('record-list')}?{urlencode(filters)}"


def attention_figures(summary, today, *, custodian=None):
    """The figures for a person; `custodian`: their username when they can hold records (the
    figures of their own custody are theirs only)."""
    figures = []
    for days, count in ((30, summary.expiring_30), (90, summary.expiring_90)):
        figures.append(Figure(
            count, f"active {_plural(count, 'record expires', 'records expire')} in the next {days} days",
            _list_url(status="active", expiry_from=today, expiry_to=today + timedelta(days=days))))
    count = summary.active_past_expiry
    figures.append(Figure(
        count, f"active {_plural(count, 'record is', 'records are')} past expiry, waiting for the sweep",
        _list_url(status="active", expiry_to=today - timedelta(days=1)), warning=bool(count)))
    late = summary.due_too_long
    figures.append(Figure(
        late.count, f"{_plural(late.count, 'record', 'records')} due for more than {late.days} days, not destroyed",
        _list_url(status="due", on_hold="no", status_before=late.since), warning=bool(late.count)))
    for custody in summary.custody_past:
        figures.append(Figure(
            custody.count, f"{_plural(custody.count, 'medium', 'media')} in Network Operations custody "
                           f"for more than {custody.days} days",
            _list_url(status="in_netops_custody", on_hold="no", status_before=custody.since),
            warning=bool(custody.count)))
    count = summary.missing_label
    figures.append(Figure(
        count, f"{_plural(count, 'record with CPNI has', 'records with CPNI have')} no label check",
        _list_url(label="missing"), warning=bool(count)))
    if custodian:
        count = summary.due_in_my_custody
        figures.append(Figure(
            count, f"due {_plural(count, 'record', 'records')} in your custody",
            _list_url(status="due", on_hold="no", q=custodian), warning=bool(count)))
        if summary.held_due_in_my_custody:
            count = summary.held_due_in_my_custody
            figures.append(Figure(
                count, f"due {_plural(count, 'record', 'records')} in your custody on legal hold: keep "
                       f"{_plural(count, 'it', 'them')}",
                _list_url(status="due", on_hold="yes", q=custodian)))
    count = summary.on_hold
    figures.append(Figure(count, f"{_plural(count, 'record', 'records')} on hold", _list_url(on_hold="yes")))
    return figures
