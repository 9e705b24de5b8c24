"""Stamped copies offered beside a failed label check: when a document is refused for lacking its
CONFIDENTIAL marking, a copy stamped CONFIDENTIAL is made at once and put in the page itself, as a
download link holding the copy (a data: address), so it is one click away without choosing the
file again and the form keeps everything typed. Nothing is stored: like the document checked, the
copy exists only in the answer to the person who uploaded it."""

import base64
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from . import labels, services


@dataclass(frozen=True)
class StampedCopyLink:
    file_name: str
    href: str


def stamped_copy_link(*, actor, file_name, data):
    """The stamped copy of the document (audited as any stamped copy) as a download link; None
    when it cannot be stamped (the refusal then stands on its own)."""
    try:
        stamped = services.label_document_stamp(actor=actor, file_name=file_name, data=data)
    except (labels.StampError, ValidationError):
        return None
    encoded = base64.b64encode(stamped.content).decode("ascii")
    return StampedCopyLink(stamped.file_name, f"data:{stamped.content_type.replace(' ', '')};base64,{encoded}")
