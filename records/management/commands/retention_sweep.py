"""Run the retention sweep by hand: the same service the daily Celery task runs."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from records import sweep
from records.locks import JobLocked


class Command(BaseCommand):
    help = "Move every active record whose retention has expired (and that no legal hold covers) to due."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the records that would become due; change nothing.")
        parser.add_argument("--chunk-size", type=int, default=sweep.DEFAULT_CHUNK_SIZE, help="Records per transaction.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, dry_run, chunk_size, no_progress, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        today = timezone.localdate()
        candidates = sweep.records_past_expiry(today)
        total = candidates.count()
        if dry_run:
            for reference, title, expiry in candidates.order_by("pk").values_list("reference", "title", "expiry_date").iterator(chunk_size=2000):
                self.stdout.write(f"{reference}  expired {expiry:%Y-%m-%d}  {title}")
            self.stdout.write(f"{total} record{'s' if total != 1 else ''} would become due (dry run: nothing changed).")
            return
        with tqdm(total=total, unit="record", disable=no_progress, file=sys.stderr) as bar:
            try:
                result = sweep.retention_sweep(today=today, chunk_size=chunk_size, progress=bar.update)
            except JobLocked as error:
                raise CommandError(f"{error} Try again when it has finished.") from error
        self.stdout.write(self.style.SUCCESS(f"{result.moved} record{'s' if result.moved != 1 else ''} became due."))
