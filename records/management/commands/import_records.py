"""Import an inventory sheet from the shell: the same validation and all-or-nothing write, on file
as an import like the page's."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from records import imports
from records.budgets import OverBudget
from records.models import User


class Command(BaseCommand):
    help = "Validate a CSV/XLSX sheet of records and, if every row is valid, import it in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="The records manager importing.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument(
            "--allow-reimport", action="store_true",
            help="Import the file even though this very file (same SHA-256) was imported before.",
        )

    def handle(self, *args, file, username, dry_run, allow_reimport, **options):
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None or not actor.has_perm("records.add_importjob"):
            raise CommandError(f"{username} is not an active user allowed to import records (records managers are).")
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if file.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(f"{file} is larger than the {settings.IMPORT_MAX_BYTES // 2**20} MB limit.")
        data = file.read_bytes()
        try:
            with imports.spooled_sheet(file.name, data) as sheet:
                if dry_run:
                    self.validated(sheet)
                    self.stdout.write(self.style.SUCCESS(f"All {len(sheet)} rows are valid (dry run: nothing written)."))
                    return
                # Each row is checked as it is written; when one fails, nothing is written and
                # the whole sheet is checked to name every error.
                job, written = self.write(actor, file.name, data, sheet, allow_reimport)
        except (imports.SheetError, OverBudget) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Imported {written.count} records as import #{job.pk} ({written.first_reference} to {written.last_reference})."
        ))
        if written.due:
            self.stdout.write(self.style.WARNING(
                f"{written.due} of them were already past their expiry: they are due for destruction now."
            ))

    def write(self, actor, file_name, data, sheet, allow_reimport):
        try:
            return imports.import_sheet_now(
                actor=actor, file_name=file_name, data=data, sheet=sheet, allow_reimport=allow_reimport
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except (IntegrityError, imports.SheetChanged):
            self.validated(sheet)
            raise

    def validated(self, sheet):
        errors = imports.validate_sheet(sheet)
        for error in errors:
            self.stdout.write(f"row {error.row}, {error.column}: {error.message}")
        if errors:
            raise CommandError(f"{len(errors)} errors in {len(sheet)} rows: nothing was imported.", returncode=1)
