"""Issue a person of a privileged role their one-time second-factor enrolment code from the
command line: for the first records manager, whom no other records manager can issue one. Later
codes are issued by records managers on the "Second-factor enrolment codes" page. Audited
("auth.enrolment_code_issued", without an actor); the code is printed once and kept nowhere.

    python manage.py issue_enrolment_code USERNAME"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from records.second_factor import enrolment_code_issue


class Command(BaseCommand):
    help = "Issue a one-time second-factor enrolment code to a records manager, Network Operations, auditor or officer."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        try:
            code, issued = enrolment_code_issue(actor=None, user=user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Enrolment code for {username}: {code} (valid until {issued.expires_at:%Y-%m-%d %H:%M %Z}).")
