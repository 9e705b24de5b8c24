"""Verify the audit log's hash chain from the first event to the head."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from records.audit import verify_chain
from records.models import AuditEvent


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report the first broken link (exit 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, no_progress, **options):
        with tqdm(total=AuditEvent.objects.count(), unit="event", disable=no_progress, file=sys.stderr) as bar:
            report = verify_chain(progress=bar.update)
        if not report.ok:
            raise CommandError(f"Audit chain BROKEN after {report.checked} good events: {report.problem}.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
