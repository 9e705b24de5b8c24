"""The internal certification PDF (certification.pdf of the package): the certification with its
heading, the accompanying statement, the registers' attachments and an appendix of the year's
figures, CONFIDENTIAL on every page; and the pieces of it the public filing shares."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from compliance.company import company_profile
from compliance.models import (
    CertificationAmendment,
    CertificationFiling,
    CustomerComplaint,
    DataBrokerAction,
    PretextingObservation,
)
from compliance.statement_sections import MISSING_IN_DRAFT, statement_sections
from compliance.year_summary import on_days_of, year_summary
from records import signing
from records.certificates import _format, _render_pdf
from records.models import Destruction, Medium

TEMPLATE = "compliance/certification_pdf.html"
DRAFT_MARK = "DRAFT — year not ended"
#: The title's first word in a package built for an amendment of a filed certification.
AMENDED = "Amended "

NO_BROKER_ACTIONS = (
    "The company has not taken any actions (proceedings instituted or petitions filed by a company at "
    "either state commissions, the court system, or at the Commission against data brokers) against data "
    "brokers in the past year."
)
NO_COMPLAINTS = (
    "The company has not received any customer complaints in the past year concerning the unauthorized "
    "release of CPNI."
)
NO_PRETEXTING = (
    "The company has not observed any methods used by pretexters to attempt to access CPNI in the past year."
)


def certification_pdf(year, draft=False, summary=None, amended=False):
    """The annual certification for `year` as PDF bytes (Letter, CONFIDENTIAL on every page), with
    the accompanying statement and an appendix of the year's figures. `summary`, the year's
    year_summary when the caller has it already, saves computing it again.

    Byte-for-byte reproducible from the stored data, as the certificates of records.certificates:
    nothing depends on the clock or the request; the PDF's creation date is when the filing was
    recorded (none while the year is not filed); no URL is fetched. Raises
    CompanyProfile.DoesNotExist when the company profile has not been filled in."""
    summary = year_summary(year) if summary is None else summary
    return _render_pdf(render_to_string(TEMPLATE, _pdf_context(year, summary, draft, amended)))


def _pdf_context(year, summary, draft=False, amended=False):
    filing = standing_filing(year)
    return {
        **heading_context(year, filing, draft),
        "page_footer": f'"CPNI Certification {year}{" " + DRAFT_MARK if draft else ""}"',
        "title": f"{AMENDED if amended else ''}Annual 47 C.F.R. § 64.2009(e) CPNI Certification for {year}",
        "date_filed": long_date(filing.filed_on) if filing else "Not yet filed",
        **statement_context(year),
        "broker_actions": broker_action_rows(year),
        "no_broker_actions": NO_BROKER_ACTIONS,
        "complaints": complaint_counts(summary),
        "complaints_total": summary.complaints_total,
        "no_complaints": NO_COMPLAINTS,
        "pretexting": pretexting_rows(year),
        "no_pretexting": NO_PRETEXTING,
        "appendix": _appendix_rows(summary, draft),
        "time_zone": settings.TIME_ZONE,
        "signing_key_fingerprint": signing.fingerprint(),
    }


def statement_context(year, reword=None):
    """The accompanying statement, section by section (compliance.statement_sections), for the PDFs'
    template; `reword` rewrites each paragraph and sentence (the public filing names the marking)."""
    sections = statement_sections(year)
    if reword is not None:
        sections = [{**section, "paragraphs": [reword(paragraph) for paragraph in section["paragraphs"]],
                     "not_applicable": reword(section["not_applicable"]),
                     "evidence": [reword(sentence) for sentence in section["evidence"]]} for section in sections]
    return {"statement": sections, "missing_in_draft": MISSING_IN_DRAFT}


def complaint_counts(summary):
    """(category's label, count) of the year's complaints, every category, zero or not."""
    return [(CustomerComplaint.Category(code).label, count) for code, count in summary.complaints_by_category.items()]


def standing_filing(year):
    """The year's filed certification the PDFs date themselves by, or None: none while the year is
    not filed, or is reopened by an amendment (whose package is a new certification, not yet filed)."""
    if CertificationAmendment.objects.open().filter(year=year).exists():
        return None
    return CertificationFiling.objects.standing().filter(year=year, filed_on__isnull=False).first()


def heading_context(year, filing, draft=False):
    """What every PDF of the year's certification says of the company and its signatory, and its
    metadata: the creation date is when `filing` was recorded (none while the year is not filed)."""
    profile = company_profile()
    zone = ZoneInfo(settings.TIME_ZONE)
    return {
        "year": year,
        "draft": DRAFT_MARK if draft else "",
        "created_w3c": filing.recorded_at.astimezone(zone).isoformat(timespec="seconds") if filing else "",
        "companies": [{"name": company.name, "filer_id": company.filer_id_display} for company in profile.companies.all()],
        "company_names": profile.company_names,
        "signatory_name": profile.signatory_name,
        "signatory_title": profile.signatory_title,
    }


def broker_action_rows(year):
    """The year's actions against data brokers, oldest first, as the PDFs list them."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        {"date": _format(action.taken_on, zone), "forum": action.get_forum_display(),
         "description": action.description, "outcome": action.outcome}
        for action in DataBrokerAction.objects.filter(on_days_of("taken_on", year)).order_by("taken_on", "pk")
    ]


def pretexting_rows(year):
    """The year's pretexting observations, oldest first, as the PDFs list them."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        {"date": _format(seen.observed_on, zone), "method": seen.method, "steps": seen.steps_taken}
        for seen in PretextingObservation.objects.filter(on_days_of("observed_on", year)).order_by("observed_on", "pk")
    ]


def long_date(value):
    """'March 3, 2008', as in the filings."""
    return f"{value:%B} {value.day}, {value.year}"


def _appendix_rows(summary, draft=False):
    """(label, value, is a breakdown of the row above) for the appendix table; in a draft the year-end
    figures are projections from today."""
    methods = {**dict(Destruction.PaperMethod.choices), **dict(Destruction.MediaMethod.choices)}
    media = dict(Medium.choices)
    year_end = "at year end (projection: the year has not ended)" if draft else "at year end"
    return [
        ("Records logged", summary.records_logged, False),
        ("Records destroyed", summary.records_destroyed, False),
        *[(f"by medium: {media.get(code, code)}", count, True) for code, count in summary.destroyed_by_medium.items()],
        *[(f"by method: {methods.get(code, code)}", count, True) for code, count in summary.destroyed_by_method.items()],
        (f"Records due for destruction {year_end}", summary.records_due_at_year_end, False),
        (f"of which due for more than {summary.overdue_after_days} days", summary.records_overdue_at_year_end, True),
        ("Legal holds placed", summary.holds_placed, False),
        ("Legal holds released", summary.holds_released, False),
        (f"Legal holds active {year_end}", summary.holds_active_at_year_end, False),
        ("CONFIDENTIAL label checks: marking found", summary.label_checks_passed, False),
        ("CONFIDENTIAL label checks: marking missing", summary.label_checks_failed, False),
        ("CONFIDENTIAL label checks: document could not be read", summary.label_checks_unreadable, False),
        ("Customer complaints about unauthorized release of CPNI", summary.complaints_total, False),
        *[(CustomerComplaint.Category(code).label, count, True) for code, count in summary.complaints_by_category.items()],
        ("Actions taken against data brokers", summary.data_broker_actions, False),
        ("Pretexting methods observed", summary.pretexting_observations, False),
        ("Sales and marketing campaigns run or planned in the year", summary.campaigns, False),
        ("of which using CPNI", summary.campaigns_using_cpni, True),
        ("Releases of CPNI to third parties", summary.third_party_releases, False),
        ("Mailings of the notice of customers' CPNI rights", summary.approval_notice_mailings, False),
        ("Records of the approval-status system kept", summary.approval_evidence_records, False),
        ("CPNI training assignments due in the year", summary.training_assignments_due, False),
        ("of which completed and acknowledged on time", summary.training_completed_on_time, True),
        ("Training acknowledgements signed", summary.training_acknowledgements, False),
        ("Supervisor briefings and staff meetings held", summary.briefings, False),
    ]
