"""Report the facts in the database that break a rule CPNI Track enforces on new input."""

from django.core.management.base import BaseCommand, CommandError

from records.integrity import findings


class Command(BaseCommand):
    help = "List every record, destruction, register entry or filing that breaks a current rule (exit 1 if any)."

    def handle(self, *args, **options):
        count = 0
        for finding in findings():
            count += 1
            self.stdout.write(str(finding))
        if count:
            raise CommandError(f"{count} finding{'s' if count != 1 else ''}: correct them through the audited pages.", returncode=1)
        self.stdout.write(self.style.SUCCESS("No findings: every fact meets the current rules."))
