"""The company profile as the certification's documents read it."""

from django.conf import settings

from compliance.models import CompanyProfile


def company_profile():
    """The certification's heading; CompanyProfile.DoesNotExist, saying what to do, when there is none."""
    profile = CompanyProfile.objects.filter(pk=1).first()
    if profile is None:
        raise CompanyProfile.DoesNotExist(
            "The company profile (company names, Form 499 Filer ID, signatory) must be filled in first."
        )
    return profile


def company_name():
    profile = CompanyProfile.objects.filter(pk=1).first()
    names = profile.company_names.splitlines() if profile else []
    return names[0].strip() if names else settings.COMPANY_NAME
