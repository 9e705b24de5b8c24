"""Anchors of the audit chain outside the application: a signed checkpoint of the chain head,
recorded in the chain itself, written to AUDIT_ANCHOR_DIR (one file per anchor, never overwritten:
meant for write-once storage) and emailed to the officers and auditors, who keep it. Whoever later
rewrites or cuts the chain in the database cannot change what those copies say, and
`verify_audit --against FILE` compares the live chain with any of them."""

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import signing
from .audit import CHECKPOINT_ACTION, audit_event_record, checkpoint_problem, checkpoint_signed
from .models import AuditChainHead, AuditEvent, Notification
from .notifications import record_notification
from .roles import Role

ANCHOR_FORMAT = "cpnitrack-audit-anchor-1"


def _anchor_document(checkpoint):
    return {
        "format": ANCHOR_FORMAT,
        **checkpoint,
        "algorithm": signing.ALGORITHM,
        "public_key": signing.public_key_pem(),
        "signed_message": (
            "the UTF-8 bytes of: 'CPNI Track audit chain checkpoint\\nsequence {sequence}\\nhash {hash}\\n"
            "signed_at {signed_at}\\n'"
        ),
    }


def _write_file(document):
    """The anchor as a new file of AUDIT_ANCHOR_DIR; an existing file is never replaced."""
    folder = Path(settings.AUDIT_ANCHOR_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(document["signed_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"audit-anchor-{document['sequence']:012d}-{stamp}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(document, indent=2) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return path


def _keepers():
    return (
        get_user_model().objects.filter(is_active=True, groups__name__in=[Role.OFFICER, Role.AUDITOR])
        .distinct().order_by("pk")
    )


def audit_anchor_write():
    """Sign the chain head as it stands, record the checkpoint as an audit event, write the anchor
    file and record one email to each officer and auditor. Returns the file's path, or None when
    the chain is empty or nothing happened since the last checkpoint (so a repeated run does
    nothing). The file is written while the head is locked and before the commit: it states a fact
    about the chain (its hash at that sequence) that holds even if the commit then fails."""
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(id=1).first()
        if head is None or head.last_sequence == 0:
            return None
        last = AuditEvent.objects.only("action").get(sequence=head.last_sequence)
        if last.action == CHECKPOINT_ACTION:
            return None
        checkpoint = checkpoint_signed(head, timezone.now())
        document = _anchor_document(checkpoint)
        path = _write_file(document)
        audit_event_record(
            actor=None, action=CHECKPOINT_ACTION, object_type="audit.chain", object_id=str(checkpoint["sequence"]),
            object_repr=f"Signed checkpoint of the audit chain at event #{checkpoint['sequence']}",
            payload={**checkpoint, "anchor_file": path.name},
        )
        for person in _keepers():
            record_notification(
                kind=Notification.Kind.AUDIT_ANCHOR, recipient=person, records=[],
                subject=f"CPNI Track audit chain anchor: event #{checkpoint['sequence']} — keep this email",
                template="records/email/audit_anchor.txt",
                context={"document": json.dumps(document, indent=2), "checkpoint": checkpoint,
                         "fingerprint": signing.fingerprint()},
                key=f"audit_anchor:{checkpoint['sequence']}:{person.pk}",
            )
    return path


@dataclass(frozen=True)
class AnchorFinding:
    source: str
    sequence: int | None
    problem: str  # "" when the live chain agrees with the anchor


def anchor_load(text):
    """An anchor from a kept file: the anchor's JSON, or any text (such as a saved email) holding it."""
    try:
        return json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end < start:
            raise ValueError("no anchor found in it") from None
        return json.loads(text[start:end + 1])


def anchor_compare(anchor, source):
    """Whether the live chain still holds the event the anchor vouches for, with the same hash:
    a chain that no longer reaches it was cut; a different hash there was rewritten."""
    try:
        sequence, expected = int(anchor["sequence"]), anchor["hash"]
    except (KeyError, TypeError, ValueError):
        return AnchorFinding(source, None, "it is not an audit chain anchor")
    why = checkpoint_problem(anchor)
    if why:
        return AnchorFinding(source, sequence, f"the anchor itself is not valid: {why}")
    stored = AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first()
    if stored is None:
        head = AuditChainHead.objects.filter(id=1).values_list("last_sequence", flat=True).first() or 0
        return AnchorFinding(source, sequence,
                             f"CUT: the anchor vouches for event #{sequence} (signed {anchor['signed_at']}) but the "
                             f"chain ends at event #{head}: events were removed")
    if stored != expected:
        return AnchorFinding(source, sequence,
                             f"REWRITTEN: event #{sequence} has hash {stored}, the anchor signed {anchor['signed_at']} "
                             f"says {expected}: the chain up to it was rewritten")
    return AnchorFinding(source, sequence, "")


def anchors_in_folder():
    """The anchor files of AUDIT_ANCHOR_DIR, oldest first (their names sort by sequence)."""
    folder = Path(settings.AUDIT_ANCHOR_DIR)
    return sorted(folder.glob("audit-anchor-*.json")) if folder.is_dir() else []
