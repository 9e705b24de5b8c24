"""Verify the audit log's hash chain (the events after the last verified checkpoint, or with --full
everything from the first event), its signed checkpoints and head, and the chain against its
anchors. The verification is the same job the audit log page starts, run here in-process."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from records import signing, verification
from records.anchors import anchor_compare, anchor_load, anchors_in_folder
from records.jobs import job_run
from records.models import Job, User


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain (the events after the last verified checkpoint; with --full, from the first "
        "event), check its signed checkpoints and head, and compare it with the anchors in AUDIT_ANCHOR_DIR and any "
        "kept anchor named by --against; report every problem (exit 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="Verify every event from the first, not only those after the last verified checkpoint.")
        parser.add_argument("--as", dest="username",
                            help="The person verifying (an auditor or records manager); without it the verification "
                                 "is recorded as the system's.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")
        parser.add_argument("--against", action="append", default=[], metavar="FILE",
                            help="A kept anchor (its JSON file, or a saved anchor email); may be repeated.")

    def handle(self, *args, full, username, no_progress, against, **options):
        actor = None
        if username is not None:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None or not actor.has_perm(verification.PERMISSION):
                raise CommandError(f"{username} is not an active user allowed to verify the audit chain "
                                   "(auditors and records managers are).")
        # The anchors first: the verification appends its own outcome to the chain.
        problems, findings = [], []
        for path in [*anchors_in_folder(), *map(Path, against)]:
            try:
                anchor = anchor_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as error:
                problems.append(f"Anchor {path} cannot be read: {error}.")
                continue
            findings.append(anchor_compare(anchor, str(path)))
        problems += [f"Anchor {finding.source}: {finding.problem}." for finding in findings if finding.problem]
        mode = verification.FULL if full else verification.INCREMENTAL
        try:
            job = verification.chain_verify_start(actor=actor, mode=mode, queue=False, reuse=False)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        self.stderr.write(f"{job.description} (job #{job.pk})")
        with tqdm(total=job.total, unit="event", disable=no_progress, file=sys.stderr) as bar:
            def echo(job):
                bar.total = max(job.total, job.done)
                bar.update(job.done - bar.n)

            job = job_run(job.pk, echo=echo)
        if job is None or job.state != Job.State.DONE:
            raise CommandError(f"The verification did not finish: {job.error if job else 'another run holds it'}.")
        result = job.result
        if not result["ok"]:
            problems.insert(0, f"Audit chain BROKEN after {result['checked']} good events: {result['problem']}.")
        if problems:
            raise CommandError("\n".join(problems), returncode=1)
        if result["from_genesis"]:
            span = f"from the first event to event #{result['through_sequence']}"
        else:
            span = (f"events #{result['from_sequence'] + 1} to #{result['through_sequence']}, after the verified "
                    f"checkpoint in event #{result['relied_on']}; --full verifies the events before it again")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result['checked']} events verified ({span})."))
        checkpoints = (f"{result['checkpoints']} signed checkpoints match the chain" if result["checkpoints"]
                       else "no signed checkpoint")
        checkpoints += "" if result["from_genesis"] else " among the events verified"
        self.stdout.write(f"{checkpoints}; {len(findings)} anchors agree with it.")
        self.stdout.write(f"Keep these: head event #{result['through_sequence']}, hash {result['through_hash']}, "
                          f"signed by key {signing.fingerprint()}.")
