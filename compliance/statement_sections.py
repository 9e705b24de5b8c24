"""The accompanying statement of the certification, rule by rule (47 CFR 64.2009(e)): one section
per duty of the CPNI rules and of the carrier's own procedures, each headed with its citation.

Each section holds the carrier's policy text as an officer approved it (or the reason it does not
apply, compliance.models.StatementSectionText, changed only through compliance.statement_lifecycle)
and, beside it, the evidence sentences CPNI Track computes for the year from its registers. Where a
duty lives in another system (approval status in billing, authentication in the call centre) the
section says so, and the statement never claims that CPNI Track enforces it.

A final certification package is refused while a section has neither approved text nor a recorded
reason (missing_sections; compliance.filing.certification_package_request)."""

from dataclasses import dataclass

from compliance.models import CertificationFiling, StatementSectionText

Status = StatementSectionText.Status


# --------------------------------------------------------------------------- evidence

def _use_evidence(year):
    """64.2005: the year's campaigns using CPNI and releases, from the registers."""
    from compliance.campaigns import campaigns_of
    from compliance.disclosures import disclosures_of

    using = campaigns_of(year).filter(uses_cpni=True).count()
    releases = disclosures_of(year).count()
    return [
        f"{'No' if not using else using} sales or marketing campaign{'s' if using != 1 else ''} recorded for {year} "
        f"used CPNI; {releases} release{'s' if releases != 1 else ''} of CPNI to third parties "
        f"{'was' if releases == 1 else 'were'} recorded in {year}."
    ]


def _notice_evidence(year):
    from compliance.approval_notices import approval_evidence_sentences

    return approval_evidence_sentences(year)


def _approval_status_evidence(year):
    """64.2009(a): the periodic evidence of the approval-status system uploaded for the year."""
    from compliance.approval_notices import evidence_of

    evidence = evidence_of(year).order_by("-as_of").first()
    count = evidence_of(year).count()
    if evidence is None:
        return [f"No evidence of the approval-status system is recorded for {year}."]
    return [f"{count} record{'s' if count != 1 else ''} of the approval-status system "
            f"{'are' if count != 1 else 'is'} kept for {year}, the last as of {evidence.as_of:%B} {evidence.as_of.day}, "
            f"{evidence.as_of.year}."]


def _training_evidence(year):
    from compliance.year_summary import training_evidence

    return training_evidence(year)


def _records_evidence(year):
    """64.2009(c): the records of campaigns and releases kept for the year."""
    from compliance.campaigns import campaigns_of
    from compliance.disclosures import disclosures_of

    campaigns, releases = campaigns_of(year).count(), disclosures_of(year).count()
    return [f"CPNI Track keeps the record of {campaigns} sales or marketing campaign{'s' if campaigns != 1 else ''} "
            f"and {releases} release{'s' if releases != 1 else ''} of CPNI to third parties for {year}, each for at "
            "least one year."]


def _campaign_evidence(year):
    from compliance.campaigns import campaign_evidence

    return campaign_evidence(year)


def _disclosure_evidence(year):
    from compliance.disclosures import disclosure_evidence

    return disclosure_evidence(year)


def _certification_evidence(year):
    """64.2009(e): the previous year's certification as filed."""
    previous = CertificationFiling.objects.standing().filter(year=year - 1, filed_on__isnull=False).first()
    if previous is None:
        return [f"No filed certification for {year - 1} is recorded in CPNI Track."]
    return [f"The certification for {year - 1} was filed on {previous.filed_on:%B} {previous.filed_on.day}, "
            f"{previous.filed_on.year}."]


def _optout_evidence(year):
    from compliance.optout import optout_evidence

    return optout_evidence(year)


def _breach_evidence(year):
    from compliance.year_summary import breach_evidence

    return breach_evidence(year)


def _records_handling_evidence(year):
    from compliance.statement import procedures_statement

    return procedures_statement()


def _no_evidence(year):
    return []


# --------------------------------------------------------------------------- sections

@dataclass(frozen=True)
class Section:
    key: str
    citation: str
    title: str
    evidence: object  # year -> [sentence]
    #: The system where the duty lives when it is not CPNI Track ("" when CPNI Track holds it).
    elsewhere: str = ""
    #: Whether the carrier uploads the duty's periodic evidence here (compliance.duty_evidence).
    uploads: bool = False

    @property
    def heading(self):
        return f"{self.citation} — {self.title}"

    def elsewhere_sentence(self):
        if not self.elsewhere:
            return ""
        return (f"This duty is carried out in the {self.elsewhere}, not in CPNI Track: CPNI Track holds the policy above "
                "and the periodic evidence recorded in it, and does not enforce the duty itself.")

    def evidence_sentences(self, year):
        sentences = list(self.evidence(year))
        if self.uploads:
            from compliance.duty_evidence import evidence_sentences

            sentences += evidence_sentences(self.key, year)
        elsewhere = self.elsewhere_sentence()
        return [elsewhere, *sentences] if elsewhere else sentences


SECTIONS = [
    Section("use", "64.2005", "Use of CPNI", _use_evidence),
    Section("approval_notice", "64.2007/64.2008", "Approval and notice", _notice_evidence),
    Section("approval_status", "64.2009(a)", "Approval status", _approval_status_evidence, elsewhere="billing system"),
    Section("training", "64.2009(b)", "Training and discipline", _training_evidence),
    Section("records", "64.2009(c)", "Records of campaigns and releases", _records_evidence),
    Section("supervisory_review", "64.2009(d)", "Supervisory review", _campaign_evidence),
    Section("certification", "64.2009(e)", "The certification itself", _certification_evidence),
    Section("optout_failures", "64.2009(f)", "Opt-out failures", _optout_evidence),
    Section("authentication", "64.2010", "Authentication and account-change notices", _no_evidence,
            elsewhere="call centre's systems", uploads=True),
    Section("breaches", "64.2011", "Breaches", _breach_evidence),
    Section("procedure_records", "Company procedures", "Labelling, retention and destruction of records",
            _records_handling_evidence),
    Section("procedure_vendors", "Company procedures (a)", "Vendors and contractors", _disclosure_evidence),
    Section("procedure_marketing", "Company procedures (b)", "Marketing", _campaign_evidence),
    Section("procedure_website", "Company procedures (c)", "Web site", _no_evidence, elsewhere="company's web site",
            uploads=True),
]
BY_KEY = {section.key: section for section in SECTIONS}


def section_of(key):
    return BY_KEY.get(key)


def approved_texts():
    """{section key: its approved StatementSectionText}."""
    return {text.section: text for text in StatementSectionText.objects.filter(status=Status.APPROVED)
            .select_related("approved_by", "drafted_by")}


def pending_drafts():
    """{section key: its draft awaiting approval}."""
    return {text.section: text for text in StatementSectionText.objects.filter(status=Status.DRAFT)
            .select_related("drafted_by")}


def missing_sections(approved=None):
    """The sections with neither approved text nor a recorded not-applicable reason, in order."""
    approved = approved_texts() if approved is None else approved
    return [section for section in SECTIONS if section.key not in approved]


def missing_message(missing):
    listed = "; ".join(section.heading for section in missing)
    return (f"The accompanying statement is incomplete: {len(missing)} section{'s have' if len(missing) != 1 else ' has'} "
            f"neither officer-approved text nor a recorded reason why it does not apply ({listed}). Draft and approve "
            "them on the statement page first.")


MISSING_IN_DRAFT = ("No officer-approved text yet: this section must be approved, or recorded as not applicable with "
                    "its reason, before the final certification can be built.")


def statement_sections(year):
    """The accompanying statement for `year`: for each section in order, a dict of its heading,
    the approved text's paragraphs (verbatim), the not-applicable reason, whether it is missing, and
    the evidence sentences."""
    approved = approved_texts()
    rows = []
    for section in SECTIONS:
        text = approved.get(section.key)
        rows.append({
            "key": section.key,
            "heading": section.heading,
            "citation": section.citation,
            "title": section.title,
            "paragraphs": paragraphs(text.text) if text and not text.not_applicable else [],
            "not_applicable": text.reason if text and text.not_applicable else "",
            "missing": text is None,
            "evidence": section.evidence_sentences(year),
        })
    return rows


def paragraphs(text):
    """The text's paragraphs, split at blank lines, each exactly as written (its lines joined)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
