"""The marketing campaigns register of the year as a CSV file of the package (campaigns.csv):
every campaign whose period overlaps the year, whether and which CPNI it used and its review.
CONFIDENTIAL and formula-safe like the other registers."""

from compliance.campaigns import campaigns_of
from compliance.exports import csv_header
from records.csv_safe import csv_line, iso

FILE_NAME = "campaigns.csv"
FIELDS = (
    "reference", "status", "description", "channel", "products_and_services", "uses_cpni", "cpni_categories",
    "approval_basis", "affiliate", "starts_on", "ends_on", "requested_by", "reviewed_by", "reviewed_at", "review_note",
    "closed_at", "keep_until",
)


def write_campaigns(out, year):
    csv_header(out, f"CPNI Track marketing campaigns {year}", FIELDS)
    rows = campaigns_of(year).select_related("requested_by", "reviewed_by").order_by("starts_on", "pk")
    for campaign in rows.iterator(chunk_size=500):
        out.write(csv_line([
            campaign.reference, campaign.status, campaign.description, campaign.channel, campaign.products,
            "yes" if campaign.uses_cpni else "no", "; ".join(campaign.cpni_categories or []), campaign.approval_basis,
            campaign.affiliate, iso(campaign.starts_on), iso(campaign.ends_on), campaign.requested_by.username,
            campaign.reviewed_by.username if campaign.reviewed_by_id else "", iso(campaign.reviewed_at),
            campaign.review_note, iso(campaign.closed_at), iso(campaign.keep_until),
        ]))
