"""Verify the audit log's hash chain from the first event to the head, its signed checkpoints and
head, and the chain against its anchors."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from records import signing
from records.anchors import anchor_compare, anchor_load, anchors_in_folder
from records.audit import verify_chain
from records.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain, check its signed checkpoints and head, and compare it with the "
        "anchors in AUDIT_ANCHOR_DIR and any kept anchor named by --against; report every problem (exit 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")
        parser.add_argument("--against", action="append", default=[], metavar="FILE",
                            help="A kept anchor (its JSON file, or a saved anchor email); may be repeated.")

    def handle(self, *args, no_progress, against, **options):
        with tqdm(total=AuditEvent.objects.count(), unit="event", disable=no_progress, file=sys.stderr) as bar:
            report = verify_chain(progress=bar.update)
        problems = [] if report.ok else [f"Audit chain BROKEN after {report.checked} good events: {report.problem}."]
        findings = []
        for path in [*anchors_in_folder(), *map(Path, against)]:
            try:
                anchor = anchor_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as error:
                problems.append(f"Anchor {path} cannot be read: {error}.")
                continue
            findings.append(anchor_compare(anchor, str(path)))
        problems += [f"Anchor {finding.source}: {finding.problem}." for finding in findings if finding.problem]
        if problems:
            raise CommandError("\n".join(problems), returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
        checkpoints = (f"{report.checkpoints} signed checkpoints match the chain, the newest at event "
                       f"#{report.last_checkpoint}" if report.checkpoints else "no signed checkpoint yet")
        self.stdout.write(f"{checkpoints}; {len(findings)} anchors agree with it.")
        self.stdout.write(f"Keep these: head event #{report.head_sequence}, hash {report.head_hash}, "
                          f"signed by key {signing.fingerprint()}.")
