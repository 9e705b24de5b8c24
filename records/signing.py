"""The Ed25519 key that signs the audit chain's head, its anchors and certification package
manifests. The private key lives outside the database (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE),
so whoever controls the database can recompute hashes but cannot sign what they recomputed.

In development (DEBUG on, no key configured) a key file is made under VAR_DIR on first use, so the
application runs with no setup; with DEBUG off a missing key stops start-up (settings)."""

import base64
import binascii
import functools
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"


def _key_from_text(text, source):
    """A private key from a PEM (PKCS#8) or the base64 of the raw 32-byte key."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(f"{source} is not an Ed25519 private key (PEM or base64 of 32 bytes): {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{source} holds a {type(key).__name__}, not an Ed25519 private key.")
    return key


def private_key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def key_file_create(path):
    """Write a new private key to `path` (readable by its owner only); never overwrites a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(private_key_pem(key))
    return key


@functools.cache
def _private_key():
    if settings.AUDIT_SIGNING_KEY:
        return _key_from_text(settings.AUDIT_SIGNING_KEY, "AUDIT_SIGNING_KEY")
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists() and settings.AUDIT_SIGNING_KEY_CREATE:
        try:
            return key_file_create(path)
        except FileExistsError:  # another process made it first
            pass
    try:
        text = path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE {path} cannot be read: {error.strerror}.") from None
    return _key_from_text(text, f"AUDIT_SIGNING_KEY_FILE {path}")


def key_reset():
    """Forget the loaded keys (after the settings naming them changed)."""
    _private_key.cache_clear()
    _retired_public_keys.cache_clear()


def sign(data: bytes) -> bytes:
    """The Ed25519 signature (64 bytes) of `data` with the installation's key."""
    return _private_key().sign(data)


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_pem(key=None) -> str:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_key_from_pem(text) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(text.encode() if isinstance(text, str) else text)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def fingerprint(key=None) -> str:
    """A short name of a public key people can read aloud and compare: the first 16 bytes of the
    SHA-256 of its raw 32 bytes, in groups of four hex digits."""
    key = key or public_key()
    digest = hashlib.sha256(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


@functools.cache
def _retired_public_keys():
    keys = []
    for name in settings.AUDIT_RETIRED_PUBLIC_KEY_FILES:
        try:
            keys.append(public_key_from_pem(Path(name).read_text()))
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(f"AUDIT_RETIRED_PUBLIC_KEY_FILES: {name} is not an Ed25519 public key "
                                       f"({error}).") from None
    return keys


def trusted_public_keys():
    """This installation's public key, then those of the keys it used before (whose signatures on
    older checkpoints and anchors still count)."""
    return [public_key(), *_retired_public_keys()]


def verify(data: bytes, signature: bytes, key=None) -> bool:
    """Whether `signature` is the signature of `data` by `key` (default: any trusted key)."""
    for candidate in [key] if key else trusted_public_keys():
        try:
            candidate.verify(signature, data)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return True
    return False


def b64(signature: bytes) -> str:
    return base64.b64encode(signature).decode()


def from_b64(text) -> bytes:
    try:
        return base64.b64decode(text or "", validate=True)
    except (binascii.Error, TypeError, ValueError):
        return b""


def signature_block(data: bytes) -> dict:
    """What a document needs to carry so that anyone holding the public key can check `data`
    (e.g. a certification package's manifest bytes): algorithm, signature, public key and its
    fingerprint."""
    return {
        "algorithm": ALGORITHM,
        "signature": b64(sign(data)),
        "public_key": public_key_pem(),
        "public_key_fingerprint": fingerprint(),
    }


def check_signing_key(app_configs=None, **kwargs):
    """System check: the configured key can be read and is an Ed25519 private key."""
    from django.core.checks import Error

    try:
        trusted_public_keys()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint="Set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE; "
                                       "`python manage.py audit_key --create FILE` makes a key.", id="records.E101")]
    return []
