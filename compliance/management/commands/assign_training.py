"""Assign CPNI training: `assign_training` gives the current course to every active person with no
assignment yet (new hires, due TRAINING_NEW_HIRE_DAYS after they joined); `assign_training --year
2026 --due 2026-12-31 --by rita` makes the yearly assignment of a year for everyone, as the records
manager named."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from compliance import training


class Command(BaseCommand):
    help = "Assign CPNI training to new hires, or everyone's yearly training."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Make the yearly assignment of this year.")
        parser.add_argument("--due", help="The yearly assignment's due date (YYYY-MM-DD).")
        parser.add_argument("--by", help="The records manager who assigns the yearly training (username).")

    def handle(self, *args, year=None, due=None, by=None, **options):
        if year is None:
            made = training.assign_new_hires()
            self.stdout.write(f"{len(made)} new hire assignment{'s' if len(made) != 1 else ''} made.")
            return
        try:
            due_on = datetime.date.fromisoformat(due or "")
        except ValueError:
            raise CommandError("Give the due date as --due YYYY-MM-DD.") from None
        actor = get_user_model().objects.filter(username=by or "", is_active=True).first()
        if actor is None:
            raise CommandError("Name the records manager who assigns it: --by USERNAME.")
        try:
            made = training.assign_yearly(actor=actor, year=year, due_on=due_on)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        self.stdout.write(f"{len(made)} yearly assignment{'s' if len(made) != 1 else ''} of {year} made.")
