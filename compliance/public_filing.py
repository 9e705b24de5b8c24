"""The public filing of the annual 47 CFR 64.2009(e) certification: the PDF the officer signs and
files in ECFS (EB Docket No. 06-36) as it is. It holds no CPNI, so it carries no CONFIDENTIAL
marking and none of the internal figures of certification.pdf: page 1 is the certification itself,
after the FCC's suggested template (heading, company, signatory, the certification, the 47 CFR 1.17
statement, the list of attachments, the signature and its date); the attachments follow on pages
of their own, so page 1 holds the signature whatever the number of register rows.

Like certification.pdf it is byte-for-byte reproducible from the stored data (see
certification_pdf.certification_pdf) and checks no permission (the callers do)."""

import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from compliance.certification_pdf import (
    AMENDED,
    DRAFT_MARK,
    NO_BROKER_ACTIONS,
    NO_COMPLAINTS,
    NO_PRETEXTING,
    broker_action_rows,
    complaint_counts,
    heading_context,
    long_date,
    pretexting_rows,
    standing_filing,
    statement_context,
)
from compliance.models import CustomerComplaint
from compliance.year_summary import on_days_of, year_summary
from records import signing
from records.certificates import _format, _render_pdf
from records.labels import MARKING

TEMPLATE = "compliance/public_filing_pdf.html"
FILE_NAME = "public-filing.pdf"
DOCKET = "EB Docket No. 06-36"
ATTACHMENTS = (
    "Accompanying statement explaining how the company's procedures ensure compliance",
    "Explanation of actions taken against data brokers",
    "Summary of customer complaints concerning the unauthorized release of CPNI",
)
#: How the public filing names the marking the accompanying statement quotes: the filing holds no
#: CPNI and must not carry the marking itself, or a label check would take it for a marked document.
MARKING_NAMED = f"the word “{MARKING.capitalize()}” in capital letters"
TRUTHFULNESS = (
    "I attest that this certification and its attachments are truthful, accurate and complete. The company "
    "represents and warrants that this certification is consistent with 47 C.F.R. § 1.17, which requires truthful "
    "and accurate statements to the Commission, and acknowledges that false statements and misrepresentations to "
    "the Commission are punishable under Title 18 of the U.S. Code and may subject it to enforcement action."
)


def title(year, amended=False):
    """The filing for calendar year `year` is made in the next year and headed by both."""
    return f"{AMENDED if amended else ''}Annual 47 C.F.R. § 64.2009(e) CPNI Certification for {year + 1}, covering calendar year {year}"


def public_filing_pdf(year, draft=False, summary=None, amended=False):
    """The public filing for calendar `year` as PDF bytes (Letter). `summary`, the year's
    year_summary when the caller has it already, gives the complaint counts. Raises
    CompanyProfile.DoesNotExist when the company profile has not been filled in."""
    summary = year_summary(year) if summary is None else summary
    filing = standing_filing(year)
    context = {
        **heading_context(year, filing, draft),
        "title": title(year, amended),
        "docket": DOCKET,
        "page_footer": f'"CPNI Certification for {year + 1} ({year}){" " + DRAFT_MARK if draft else ""}"',
        "date_filed": long_date(filing.filed_on) if filing else "________________",
        "date_signed": long_date(filing.signed_on) if filing else "",
        "truthfulness": TRUTHFULNESS,
        "attachments": ATTACHMENTS,
        **statement_context(year, reword=_named_marking),
        "broker_actions": broker_action_rows(year),
        "no_broker_actions": NO_BROKER_ACTIONS,
        "complaints": complaint_counts(summary),
        "complaints_total": summary.complaints_total,
        "complaint_rows": _complaint_rows(year),
        "no_complaints": NO_COMPLAINTS,
        "pretexting": pretexting_rows(year),
        "signing_key_fingerprint": signing.fingerprint(),
        "no_pretexting": NO_PRETEXTING,
    }
    return _render_pdf(render_to_string(TEMPLATE, context))


def _named_marking(text):
    """`text` with the marking, quoted or not (an officer-approved text may write it either way),
    named instead of carried."""
    return re.sub(rf"[“\"]?{re.escape(MARKING)}[”\"]?", MARKING_NAMED, text)


def _complaint_rows(year):
    """Each complaint of the year, oldest first, with its category and its summary: the register's
    form asks for a summary without CPNI, as a public filing needs."""
    zone = ZoneInfo(settings.TIME_ZONE)
    complaints = CustomerComplaint.objects.filter(on_days_of("received_on", year)).order_by("received_on", "pk")
    return [
        {"date": _format(complaint.received_on, zone), "category": complaint.category_label, "summary": complaint.summary}
        for complaint in complaints.only("received_on", "category", "other_category", "summary")
    ]

