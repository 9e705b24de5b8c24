"""The third-party releases of the year as a CSV file of the package (disclosures.csv): every
release of CPNI to a contractor, vendor or other third party made in the year. CONFIDENTIAL and
formula-safe like the other registers."""

from compliance.disclosures import disclosures_of
from compliance.exports import csv_header
from records.csv_safe import csv_line, iso

FILE_NAME = "disclosures.csv"
FIELDS = (
    "reference", "disclosed_on", "recipient", "agreement_reference", "purpose", "legal_basis", "cpni_categories",
    "customers_count", "customer_reference", "notes", "recorded_by", "recorded_at", "corrected_at", "keep_until",
)


def write_disclosures(out, year):
    csv_header(out, f"CPNI Track third-party releases {year}", FIELDS)
    rows = disclosures_of(year).select_related("recorded_by").order_by("disclosed_on", "pk")
    for release in rows.iterator(chunk_size=500):
        out.write(csv_line([
            release.reference, iso(release.disclosed_on), release.recipient, release.agreement_reference,
            release.purpose, release.legal_basis, "; ".join(release.cpni_categories or []),
            "" if release.customers_count is None else release.customers_count, release.customer_reference,
            release.notes, release.recorded_by.username, iso(release.recorded_at), iso(release.corrected_at),
            iso(release.keep_until),
        ]))
