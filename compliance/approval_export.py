"""Customer approvals and notices of the year as CSV files of the package: approval-notices.csv (one
row per mailing sent in the year, with its notice version and the opt-out waiting period it started;
a notice in effect in the year and not sent in it has a row of its own with the mailing left empty)
and approval-evidence.csv (the evidence of the approval-status system as of a day in the year).
CONFIDENTIAL and formula-safe like the other registers."""

from datetime import date

from compliance.approval_notices import evidence_of, mailings_of
from compliance.exports import csv_header
from compliance.models import ApprovalNotice
from records.csv_safe import csv_line, iso

NOTICES_FILE, EVIDENCE_FILE = "approval-notices.csv", "approval-evidence.csv"
NOTICE_FIELDS = (
    "version_label", "effective_on", "notice_text", "sent_on", "method", "method_detail", "population",
    "waiting_period_ends_on", "mailing_keep_until", "recorded_by",
)
EVIDENCE_FIELDS = (
    "reference", "as_of", "source", "opt_out_count", "opt_in_count", "none_count", "snapshot_file", "snapshot_sha256",
    "notes", "recorded_by", "recorded_at", "keep_until",
)


def _in_effect(year):
    """The notice versions in effect at some time in `year`."""
    notices = list(ApprovalNotice.objects.order_by("effective_on", "pk"))
    start, end = date(year, 1, 1), date(year, 12, 31)
    chosen = []
    for index, notice in enumerate(notices):
        following = notices[index + 1].effective_on if index + 1 < len(notices) else None
        if notice.effective_on <= end and (following is None or following > start):
            chosen.append(notice)
    return chosen


def write_approval_notices(out, year):
    csv_header(out, f"CPNI Track customer approval notices {year}", NOTICE_FIELDS)
    mailings = list(mailings_of(year).select_related("notice", "recorded_by").order_by("sent_on", "pk"))
    sent = {mailing.notice_id for mailing in mailings}
    rows = [(notice.effective_on, 0, notice, None) for notice in _in_effect(year) if notice.pk not in sent]
    rows += [(mailing.sent_on, 1, mailing.notice, mailing) for mailing in mailings]
    for _, _, notice, mailing in sorted(rows, key=lambda row: (row[0], row[1], row[2].pk, row[3].pk if row[3] else 0)):
        out.write(csv_line([
            notice.version_label, iso(notice.effective_on), notice.text,
            iso(mailing.sent_on) if mailing else "", mailing.method if mailing else "",
            mailing.method_detail if mailing else "", mailing.population if mailing else "",
            iso(mailing.waiting_ends_on) if mailing else "", iso(mailing.keep_until) if mailing else "",
            (mailing.recorded_by if mailing else notice.recorded_by).username,
        ]))


def _count(value):
    return "" if value is None else value


def write_approval_evidence(out, year):
    csv_header(out, f"CPNI Track approval-status evidence {year}", EVIDENCE_FIELDS)
    for evidence in evidence_of(year).select_related("recorded_by").order_by("as_of", "pk"):
        out.write(csv_line([
            evidence.reference, iso(evidence.as_of), evidence.source, _count(evidence.opt_out_count),
            _count(evidence.opt_in_count), _count(evidence.none_count), evidence.snapshot_original_name,
            evidence.snapshot_sha256, evidence.notes, evidence.recorded_by.username, iso(evidence.recorded_at),
            iso(evidence.keep_until),
        ]))
