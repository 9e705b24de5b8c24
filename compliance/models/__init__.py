"""The CPNI program beside the records lifecycle: the company, the certification's registers, the
breach register, and each year's certification packages and filings."""

from .campaigns import Campaign
from .breaches import BreachIncident, BreachNotification, LawEnforcementDirection
from .certification import CertificationAmendment, CertificationFiling, CertificationPackage
from .optout import OptOutFailure
from .company import CompanyProfile, CoveredCompany, signatory_problem
from .training import ACKNOWLEDGEMENT, Briefing, DisciplinaryAction, TrainingAssignment, TrainingCompletion, TrainingCourse
from .registers import CustomerComplaint, DataBrokerAction, PretextingObservation

__all__ = [
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
    "DataBrokerAction",
    "LawEnforcementDirection",
    "OptOutFailure",
    "PretextingObservation",
    "signatory_problem",
]
