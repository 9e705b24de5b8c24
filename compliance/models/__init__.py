"""The CPNI program beside the records lifecycle: the company, the certification's registers, the
breach register, and each year's certification packages and filings."""

from .approvals import ApprovalEvidence, ApprovalNotice, NoticeMailing
from .campaigns import Campaign
from .breaches import BreachIncident, BreachNotification, LawEnforcementDirection
from .disclosures import Disclosure
from .certification import CertificationAmendment, CertificationFiling, CertificationPackage
from .optout import OptOutFailure
from .statement import DutyEvidence, StatementSectionText
from .company import CompanyProfile, CoveredCompany, signatory_problem
from .training import ACKNOWLEDGEMENT, Briefing, DisciplinaryAction, TrainingAssignment, TrainingCompletion, TrainingCourse
from .registers import CustomerComplaint, DataBrokerAction, PretextingObservation

__all__ = [
    "ApprovalEvidence",
    "ApprovalNotice",
    "ACKNOWLEDGEMENT",
    "BreachIncident",
    "Briefing",
    "DisciplinaryAction",
    "TrainingAssignment",
    "TrainingCompletion",
    "TrainingCourse",
    "BreachNotification",
    "Campaign",
    "CertificationAmendment",
    "CertificationFiling",
    "CertificationPackage",
    "CompanyProfile",
    "CoveredCompany",
    "CustomerComplaint",
    "DutyEvidence",
    "Disclosure",
    "DataBrokerAction",
    "LawEnforcementDirection",
    "NoticeMailing",
    "OptOutFailure",
    "PretextingObservation",
    "signatory_problem",
    "StatementSectionText",
]
