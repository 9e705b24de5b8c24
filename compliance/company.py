"""The company profile as the certification's documents read it."""

from django.conf import settings

from compliance.models import CompanyProfile, CoveredCompany


def company_profile():
    """The certification's heading; CompanyProfile.DoesNotExist, saying what to do, when there is none."""
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise CompanyProfile.DoesNotExist(
            "The company profile (the companies covered with their Form 499 Filer IDs, the signatory) must be filled in first."
        )
    return profile


def company_name():
    """The first company the certification covers (settings.COMPANY_NAME before there is a profile)."""
    first = CoveredCompany.objects.filter(profile_id=1).first()
    return first.name if first else settings.COMPANY_NAME
