"""The CPNI program beside the records lifecycle: the company, the certification's registers, and
each year's certification packages and filings."""

from .certification import CertificationAmendment, CertificationFiling, CertificationPackage
from .company import CompanyProfile, CoveredCompany, signatory_problem
from .registers import CustomerComplaint, DataBrokerAction, PretextingObservation

__all__ = [
    "CertificationAmendment",
    "CertificationFiling",
    "CertificationPackage",
    "CompanyProfile",
    "CoveredCompany",
    "CustomerComplaint",
    "DataBrokerAction",
    "PretextingObservation",
    "signatory_problem",
]
