"""Files the carrier uploads as evidence (a snapshot of the approval-status system, evidence of a
duty carried out in another system): kept under VAR_DIR in a folder per kind, named after the
evidence's reference and the first characters of the file's SHA-256, written whole or not at all."""

import hashlib
import os
import re
from dataclasses import dataclass

from django.conf import settings

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class KeptFile:
    name: str  # the file's name in its folder
    original_name: str
    sha256: str
    size: int


def upload_problem(data, what):
    """What is wrong with an uploaded file's bytes, or "" (None means no file was given)."""
    if data is not None and not data:
        return f"The {what} file is empty."
    if data is not None and len(data) > settings.BREACH_NOTICE_MAX_BYTES:
        return f"The {what} is over {settings.BREACH_NOTICE_MAX_BYTES // (1024 * 1024)} MB."
    return ""


def safe_stem(original_name, fallback):
    """The uploaded file's own name, reduced to characters safe in a file name (`fallback` if none are)."""
    return _SAFE_NAME.sub("-", os.path.basename(original_name or fallback))[-80:].strip("-.") or fallback


def write_whole(folder, name, data):
    """Write `data` as VAR_DIR/`folder`/`name`, whole or not at all (a temporary file renamed into place)."""
    directory = settings.VAR_DIR / folder
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, directory / name)


def keep_upload(folder, reference, data, original_name, fallback="file"):
    """Write `data` into VAR_DIR/`folder` and say where and what it is."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{reference}-{digest[:12]}-{safe_stem(original_name, fallback)}"
    write_whole(folder, name, data)
    return KeptFile(name=name, original_name=(original_name or "")[:200], sha256=digest, size=len(data))


def kept_path(folder, name):
    return settings.VAR_DIR / folder / name
