from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from compliance.program import may_open_program, program_for


def program(request):
    """Every register of the CPNI program the person may open, with this year's and last year's
    entries (last year's go into the certification filed by March 1)."""
    if not may_open_program(request.user):
        raise PermissionDenied("Your role keeps none of the CPNI program's registers.")
    this_year = timezone.localdate().year
    years = (this_year, this_year - 1)
    return render(request, "compliance/program.html", {"rows": program_for(request.user, years), "years": years})
