"""The year's certification package an officer files and an outside auditor checks on their own: a
ZIP with the certification PDF (internal, CONFIDENTIAL), the public filing for ECFS, the summary,
the registers, the year's audit events, a stand-alone verifier and a manifest of every file's
SHA-256. Written whole or not at all, in constant memory."""

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from compliance import duty_evidence, public_filing
from compliance.certification_pdf import certification_pdf
from compliance.company import company_profile
from compliance.event_export import write_events
from compliance.exports import json_document, on_its_own_connection
from records.csv_safe import through_copy
from compliance.models import CertificationPackage
from compliance.register_export import (
    write_breaches,
    write_broker_actions,
    write_complaints,
    write_destructions,
    write_pretexting,
)
from compliance.optout_export import write_optout_failures
from compliance.campaign_export import write_campaigns
from compliance.disclosure_export import write_disclosures
from compliance.approval_export import write_approval_evidence, write_approval_notices
from compliance.training_export import write_training
from compliance.year_summary import in_year, year_summary
from compliance.ziparchive import ZipWriter
from records import signing
from records.audit import GENESIS_HASH, audit_event_record
from records.models import AuditEvent

PACKAGE_FOLDER = "packages"
MANIFEST_SIGNATURE = "manifest.sig"



def package_path(package):
    """Where the package's ZIP is kept: VAR_DIR/packages, under a name marked CONFIDENTIAL."""
    draft = "-DRAFT" if package.draft else ""
    return settings.VAR_DIR / PACKAGE_FOLDER / f"CONFIDENTIAL-cpni-certification-{package.year}{draft}-{package.pk}.zip"


@dataclass(frozen=True)
class AuditSnapshot:
    """The chain's head when the build starts, and the year's events up to that head."""

    head_sequence: int
    head_hash: str
    event_count: int
    first_sequence: int | None
    last_sequence: int | None


def audit_snapshot(year):
    head_sequence, head_hash = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first() or (
        0, GENESIS_HASH,
    )
    # COUNT(*), not of a column outside auditevent_occurred_seq_idx: an index-only scan.
    figures = AuditEvent.objects.filter(in_year("occurred_at", year), sequence__lte=head_sequence).aggregate(
        count=Count("*"), first=Min("sequence"), last=Max("sequence")
    )
    return AuditSnapshot(head_sequence, head_hash, figures["count"], figures["first"], figures["last"])


class _Progress:
    """Reports progress to the caller and keeps it on the package, once per whole percent."""

    def __init__(self, package, callback):
        self.package, self.callback, self.last = package, callback, None

    def __call__(self, percent, step):
        percent = max(0, min(100, int(percent)))
        if (percent, step) == self.last:
            return
        self.last = (percent, step)
        self.package.progress, self.package.step = percent, step[:120]
        CertificationPackage.objects.filter(pk=self.package.pk).update(progress=percent, step=step[:120])
        if self.callback:
            self.callback(percent, step)


def build_package(package, progress=None):
    """Build the ZIP of `package.year` at package_path(package) and mark the package READY with the
    file's name, SHA-256 and size, the chain head's hash and the year's event count, recording the
    audit event certification.package_built. `progress(percent, step)` is called as it goes.

    Guarantees: the file appears whole or not at all (written to a temporary file in the same
    folder, synced, then renamed over the old one), so building again replaces a previous build
    cleanly; memory stays constant however many events the year has (every table is streamed,
    deflated, into the ZIP or into an unnamed spool file beside it that is copied in: on
    PostgreSQL through COPY, a range of COPY_SEQUENCES events at a time, elsewhere in keyset
    chunks of CHUNK_SIZE rows; the folder briefly holds about twice the package's size); the
    events exported are exactly the year's events up to the chain head read when the build starts. On failure the package is
    marked FAILED with the error, no temporary file is left behind, and the error is raised again."""
    report = _Progress(package, progress)
    path = package_path(package)
    path.parent.mkdir(parents=True, exist_ok=True)
    package.state, package.error, package.finished_at = CertificationPackage.State.BUILDING, "", None
    package.save(update_fields=["state", "error", "finished_at"])
    report(0, "Starting")
    for leftover in path.parent.glob(f".{path.name}.*.part"):  # from a build that was killed
        leftover.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw:
            out = _Digesting(raw)
            snapshot = _write_package(out, package, report)
            raw.flush()
            os.fsync(raw.fileno())
        digest, size = out.digest.hexdigest(), out.size
        os.replace(temporary, path)
    except Exception as error:
        if os.path.exists(temporary):
            os.remove(temporary)
        package.state, package.error = CertificationPackage.State.FAILED, f"{type(error).__name__}: {error}"
        package.finished_at = timezone.now()
        package.save(update_fields=["state", "error", "finished_at"])
        raise
    # Reported before the package is saved READY, so a callback that stores its own progress
    # cannot overwrite the final state.
    report(100, "Ready")
    with transaction.atomic():
        package.file_name, package.sha256, package.size = path.name, digest, size
        package.chain_head_hash, package.event_count = snapshot.head_hash, snapshot.event_count
        package.state, package.progress, package.step = CertificationPackage.State.READY, 100, "Ready"
        package.finished_at = timezone.now()
        package.save()
        audit_event_record(
            actor=package.requested_by,
            action="certification.package_built",
            obj=package,
            payload={"year": package.year, "sha256": digest, "event_count": snapshot.event_count},
        )
    return package


def _write_package(out, package, report):
    """Write every file of the package into the ZIP on `out`, the manifest last; return the audit
    snapshot the events were taken from.

    The files before the verifier are written aside, each into a spool (an unnamed temporary file
    in the packages folder), and attached in order once all are done. So on PostgreSQL, outside a
    transaction, the summary, the certification and the registers are made on a connection of
    their own, and the events' JSON Lines on another, while this one streams the events' CSV: the
    documents are ready by the time the events are."""
    year = package.year
    company_profile()  # before anything else: the certification needs it
    files = {}  # name -> {"sha256", "size"}, filled as each file is closed
    # Entries carry the request's time, not the build's, so that the same data makes the same ZIP.
    stamp = package.requested_at.astimezone(ZoneInfo(settings.TIME_ZONE)).timetuple()[:6]
    folder = package_path(package).parent
    alongside = through_copy() and not connection.in_atomic_block
    spools, spools_lock = contextlib.ExitStack(), threading.Lock()
    with ZipWriter(out) as archive, spools:
        def spooled(name):
            with spools_lock:
                spool = spools.enter_context(tempfile.TemporaryFile(dir=folder))
            return ZipEntry(archive.open(name, stamp, spool=spool), name, files)

        def the_years_documents(report):
            report(2, "Summarising the year")
            summary = year_summary(year)
            with spooled("summary.json") as summary_out:
                summary_out.write(
                    json_document({"year": year, "draft": package.draft, **summary.as_dict()},
                                   f"CPNI certification summary {year}")
                )
            report(5, "Rendering the certification")
            with spooled("certification.pdf") as pdf:
                pdf.write_bytes(certification_pdf(year, package.draft, summary, amended=package.amendment_id is not None))
            with spooled(public_filing.FILE_NAME) as public:
                public.write_bytes(public_filing.public_filing_pdf(
                    year, package.draft, summary, amended=package.amendment_id is not None
                ))
            report(10, "Exporting the registers")
            registers = []
            for name, writer in (
                ("destruction-register.csv", write_destructions),
                ("complaints.csv", write_complaints),
                ("data-broker-actions.csv", write_broker_actions),
                ("pretexting.csv", write_pretexting),
                ("breaches.csv", write_breaches),
                ("opt-out-failures.csv", write_optout_failures),
                ("campaigns.csv", write_campaigns),
                ("disclosures.csv", write_disclosures),
                ("approval-notices.csv", write_approval_notices),
                ("approval-evidence.csv", write_approval_evidence),
                ("training.csv", write_training),
                (duty_evidence.REGISTER_FILE, duty_evidence.write_register),
            ):
                with spooled(name) as register:
                    writer(register, year)
                registers.append(register)
            return [summary_out, pdf, public], registers

        # Two threads on connections of their own: the documents, and the events' JSON Lines.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="package-alongside") as beside:
            if alongside:  # its progress is not reported: the events' is
                documents = beside.submit(on_its_own_connection, the_years_documents, lambda *_: None)
            snapshot = audit_snapshot(year)  # the chain's head as the build starts
            if not alongside:
                made = the_years_documents(report)
            report(15, "Exporting the audit events")

            def events_progress(share):
                if alongside and documents.done() and documents.exception():
                    raise documents.exception()  # no use exporting the rest of the events
                report(15 + 80 * share, "Exporting the audit events")

            with spooled("audit-events.csv") as csv_out, spooled("audit-events.jsonl") as jsonl:
                write_events(csv_out, jsonl, year, snapshot, events_progress, beside if alongside else None)
            report(95, "Assembling the package")
            front, registers = documents.result() if alongside else made
        for spooled_entry in [*front, csv_out, jsonl, *registers]:
            archive.attach(spooled_entry.stream)
        with ZipEntry(archive.open("verify_package.py", stamp), "verify_package.py", files) as verifier:
            verifier.write(VERIFY_SCRIPT)
        report(99, "Writing the manifest")
        manifest = _manifest(package, snapshot, {entry.name: files[entry.name] for entry in archive.entries})
        manifest_text = json_document(manifest, f"CPNI certification package manifest {year}")
        with ZipEntry(archive.open("manifest.json", stamp), "manifest.json", files) as manifest_out:
            manifest_out.write(manifest_text)
        # Signed with the installation's audit key, which the database does not hold: a manifest
        # rewritten to fit altered files no longer verifies against the key printed in the PDFs.
        with ZipEntry(archive.open(MANIFEST_SIGNATURE, stamp), MANIFEST_SIGNATURE, files) as signature_out:
            signature_out.write(json.dumps(
                {"signed": "manifest.json", **signing.signature_block(manifest_text.encode())}, indent=2
            ) + "\n")
    return snapshot


class ZipEntry:
    """One file streamed into the ZIP (deflated, ZIP64: compliance.ziparchive), its SHA-256 and size
    taken on the way and recorded in `files` when it is closed. Text is written as UTF-8 and bytes
    as they are, gathered into blocks of BLOCK_BYTES; each block is hashed, deflated and written by
    the entry's own thread while the next rows are read and formatted (hashlib and ISA-L let go of
    the GIL as they work). At most BLOCKS_AHEAD blocks wait for that thread, so memory stays
    bounded however large the file."""

    BLOCK_BYTES = 1 << 20
    TEXT_CHARS = 1 << 16
    BLOCKS_AHEAD = 4

    def __init__(self, stream, name, files):
        self.stream, self.name, self.files = stream, name, files
        self.digest, self.size = hashlib.sha256(), 0
        self.text, self.text_chars, self.block = [], 0, bytearray()
        self.writer, self.writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zip-entry"), deque()

    def write(self, text):
        self.text.append(text)
        self.text_chars += len(text)
        if self.text_chars >= self.TEXT_CHARS:
            self._encode_text()

    def write_bytes(self, data):
        if self.text:
            self._encode_text()
        self.block += data
        if len(self.block) >= self.BLOCK_BYTES:
            self._hand_over()

    def _encode_text(self):
        self.block += "".join(self.text).encode()
        self.text, self.text_chars = [], 0
        if len(self.block) >= self.BLOCK_BYTES:
            self._hand_over()

    def _hand_over(self):
        block, self.block = self.block, bytearray()
        self.size += len(block)
        while len(self.writes) >= self.BLOCKS_AHEAD:
            self.writes.popleft().result()  # raises what the thread raised
        self.writes.append(self.writer.submit(self._consume, block))

    def _consume(self, block):
        self.digest.update(block)
        self.stream.write(block)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self._encode_text()
                self._hand_over()
                while self.writes:
                    self.writes.popleft().result()
        finally:
            self.writer.shutdown(wait=True, cancel_futures=True)
        self.stream.__exit__(exc_type, exc, traceback)
        if exc_type is None:
            self.files[self.name] = {"sha256": self.digest.hexdigest(), "size": self.size}


def _manifest(package, snapshot, files):
    last_hash = ""
    if snapshot.last_sequence is not None:
        last_hash = AuditEvent.objects.values_list("hash", flat=True).get(sequence=snapshot.last_sequence)
    return {
        "year": package.year,
        "company": "; ".join(company_profile().company_names),
        "package_id": package.pk,
        "version": package.version,
        "amendment": package.amendment_id,
        "requested_at": package.requested_at.astimezone(dt_timezone.utc).isoformat(),
        "event_count": snapshot.event_count,
        "first_sequence": snapshot.first_sequence,
        "last_sequence": snapshot.last_sequence,
        "last_hash": last_hash,
        "chain_head_sequence": snapshot.head_sequence,
        "chain_head_hash": snapshot.head_hash,
        "hash_rule": (
            "hash = SHA-256(previous_hash + canonical JSON of sequence, occurred_at, actor, actor_id, action, "
            "object_type, object_id, object_repr, payload; keys sorted, separators ',' and ':', non-ASCII escaped)"
        ),
        "signing_key_fingerprint": signing.fingerprint(),
        "files": files,
    }


class _Digesting:
    """A binary file whose writes are hashed (SHA-256) and counted on their way in: the ZIP is
    written strictly in order, so this is the digest of the whole file."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        return self.file.write(data)


# The auditor's verifier, shipped in every package: a standard-library script kept as a real module
# beside this one. Its event_hash must stay the same computation as records.audit.event_hash: the
# tests run it against events exported from the database.
VERIFY_SCRIPT = (Path(__file__).with_name("package_verifier.py")).read_text(encoding="utf-8")
