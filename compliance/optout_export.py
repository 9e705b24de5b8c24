"""The opt-out failures register of the year as a CSV file of the package (opt-out-failures.csv):
every failure detected in the year (in settings.TIME_ZONE), its deadline and its letter to the FCC.
CONFIDENTIAL and formula-safe like the other registers."""

from compliance.exports import csv_header
from compliance.models import OptOutFailure
from compliance.optout import deadline, is_late, letter_missing, retained_until
from compliance.year_summary import in_year
from records.csv_safe import csv_line, iso

FILE_NAME = "opt-out-failures.csv"
FIELDS = (
    "reference", "status", "detected_at", "mechanisms", "problem", "remedy", "remedy_on", "state_notified",
    "state_commissions", "state_action", "customer_notice_sha256", "contact", "letter_due", "letter_sent_at",
    "letter_method", "letter_reference", "late", "letter_missing", "closed_at", "retained_until", "recorded_by",
)


def _yes_no(value):
    return "" if value is None else ("yes" if value else "no")


def write_optout_failures(out, year):
    csv_header(out, f"CPNI Track opt-out failures {year}", FIELDS)
    failures = (OptOutFailure.objects.filter(in_year("detected_at", year)).select_related("recorded_by")
                .order_by("detected_at", "pk"))
    for failure in failures.iterator(chunk_size=500):
        out.write(csv_line([
            failure.reference, failure.status, iso(failure.detected_at), failure.mechanisms, failure.problem,
            failure.remedy, iso(failure.remedy_on), _yes_no(failure.state_notified), failure.state_commissions,
            failure.state_action, failure.notice_sha256, failure.contact, iso(deadline(failure)),
            iso(failure.letter_sent_at), failure.letter_method, failure.letter_reference, _yes_no(is_late(failure)),
            "; ".join(letter_missing(failure)), iso(failure.closed_at), iso(retained_until(failure)),
            failure.recorded_by.username,
        ]))
