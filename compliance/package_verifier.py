# CONFIDENTIAL — CPNI Track certification package verifier (Python 3 standard library only).
"""Check an unzipped CPNI certification package.

Run it in the folder holding the package's files:

    python3 verify_package.py

It checks that every file listed in manifest.json has the SHA-256 and size recorded there, then
recomputes the hash chain of audit-events.jsonl: each event's hash is the SHA-256 of the previous
event's hash followed by a canonical JSON of the event (sequence, occurred_at, actor, actor_id,
action, object_type, object_id, object_repr, payload; keys sorted, separators "," and ":",
non-ASCII escaped), each event names the hash of the event before it, and the sequence numbers
follow each other. Last it checks manifest.sig: the Ed25519 signature of manifest.json by the
installation's audit key, whose fingerprint it prints; compare it with the fingerprint printed in
the certification PDFs, or give it to be checked:

    python3 verify_package.py --key 1a2b:3c4d:...

It prints OK, or the first problem found, and exits with status 0 (OK) or 1 (a problem).
"""

import argparse
import base64
import hashlib
import json
import os
import sys

GENESIS_HASH = "0" * 64
MANIFEST = "manifest.json"
EVENTS = "audit-events.jsonl"
SIGNATURE = "manifest.sig"


class Problem(Exception):
    """The first thing found wrong with the package."""


# Ed25519 verification after RFC 8032, section 6 (the standard library has none): slow, and enough
# for one signature.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_I = pow(2, (_P - 1) // 4, _P)
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # an Ed25519 SubjectPublicKeyInfo, 44 bytes


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _I % _P
    if (x * x - x2) % _P != 0:
        return None
    return _P - x if (x & 1) != sign else x


def _add(a, b):
    e1 = (a[1] - a[0]) * (b[1] - b[0]) % _P
    e2 = (a[1] + a[0]) * (b[1] + b[0]) % _P
    e3 = 2 * a[3] * b[3] * _D % _P
    e4 = 2 * a[2] * b[2] % _P
    e, f, g, h = e2 - e1, e4 - e3, e4 + e3, e2 + e1
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar, point):
    result = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point, scalar = _add(point, point), scalar >> 1
    return result


def _point(encoded):
    if len(encoded) != 32:
        return None
    y = int.from_bytes(encoded, "little")
    x = _recover_x(y & ((1 << 255) - 1), y >> 255)
    return None if x is None else (x, y & ((1 << 255) - 1), 1, x * (y & ((1 << 255) - 1)) % _P)


_BASE = _point((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key, message, signature):
    """Whether `signature` (64 bytes) is public_key's (32 bytes) signature of `message`."""
    key, r = _point(public_key), _point(signature[:32]) if len(signature) == 64 else None
    if key is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    left, right = _multiply(s, _BASE), _add(r, _multiply(h, key))
    return (left[0] * right[2] - right[0] * left[2]) % _P == 0 and (left[1] * right[2] - right[1] * left[2]) % _P == 0


def raw_public_key(pem):
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(_SPKI_PREFIX):
        raise Problem(f"{SIGNATURE}: the public key is not an Ed25519 key")
    return der[len(_SPKI_PREFIX):]


def fingerprint(raw):
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def check_signature(folder, expected_fingerprint=None):
    """The manifest's signature; returns the signing key's fingerprint."""
    path = os.path.join(folder, SIGNATURE)
    if not os.path.isfile(path):
        raise Problem(f"{SIGNATURE} is missing: the manifest is not signed")
    with open(path, encoding="utf-8") as file:
        block = json.load(file)
    with open(os.path.join(folder, MANIFEST), "rb") as file:
        manifest_bytes = file.read()
    raw = raw_public_key(block["public_key"])
    if not ed25519_verify(raw, manifest_bytes, base64.b64decode(block["signature"])):
        raise Problem(f"{MANIFEST} was changed after it was signed, or {SIGNATURE} is not its signature")
    found = fingerprint(raw)
    if expected_fingerprint and found != expected_fingerprint.strip().lower():
        raise Problem(f"the manifest is signed by key {found}, not by the key {expected_fingerprint} you gave")
    return found


def file_digest(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def event_hash(event):
    content = json.dumps(
        {
            "sequence": event["sequence"],
            "occurred_at": event["occurred_at"],
            "actor": event["actor"],
            "actor_id": event["actor_id"],
            "action": event["action"],
            "object_type": event["object_type"],
            "object_id": str(event["object_id"]),
            "object_repr": event["object_repr"],
            "payload": event["payload"],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((event["previous_hash"] + content).encode()).hexdigest()


def check_files(folder, manifest):
    for name, expected in sorted(manifest["files"].items()):
        if os.path.basename(name) != name or name in ("", ".", ".."):
            raise Problem(f"the manifest lists {name!r}, which is not a file of this folder")
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise Problem(f"{name} is missing")
        if file_digest(path) != (expected["sha256"], expected["size"]):
            raise Problem(f"{name} was changed: its SHA-256 or size does not match the manifest")
    return len(manifest["files"])


def check_events(folder, manifest):
    previous, count = None, 0
    with open(os.path.join(folder, EVENTS), encoding="utf-8") as lines:
        header = json.loads(next(lines, "{}"))
        if header.get("marking") != "CONFIDENTIAL":
            raise Problem(f"{EVENTS}: the first line is not the CONFIDENTIAL marking")
        for number, line in enumerate(lines, start=2):
            try:
                event = json.loads(line)
                sequence = event["sequence"]
                if previous is None:
                    if sequence != manifest["first_sequence"]:
                        raise Problem(f"{EVENTS} starts at event #{sequence}, the manifest at #{manifest['first_sequence']}")
                    if sequence == 1 and event["previous_hash"] != GENESIS_HASH:
                        raise Problem("event #1 does not start the chain")
                elif sequence != previous["sequence"] + 1:
                    raise Problem(f"event #{previous['sequence'] + 1} is missing: line {number} holds event #{sequence}")
                elif event["previous_hash"] != previous["hash"]:
                    raise Problem(f"event #{sequence} does not follow event #{previous['sequence']}: "
                                  "an event before it was changed, removed, inserted or moved")
                if event_hash(event) != event["hash"]:
                    raise Problem(f"event #{sequence} was altered: its content no longer matches its hash")
            except (ValueError, KeyError, TypeError) as error:
                raise Problem(f"{EVENTS} line {number} is not a complete event ({error})") from None
            previous, count = event, count + 1
    if count != manifest["event_count"]:
        raise Problem(f"{EVENTS} holds {count} events, the manifest says {manifest['event_count']}")
    if previous is not None:
        if (previous["sequence"], previous["hash"]) != (manifest["last_sequence"], manifest["last_hash"]):
            raise Problem(f"{EVENTS} ends at event #{previous['sequence']}, not at the manifest's last event")
        if previous["sequence"] == manifest["chain_head_sequence"] and previous["hash"] != manifest["chain_head_hash"]:
            raise Problem("the last event is not the chain head the manifest names")
    return count


def main(folder, expected_fingerprint=None):
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as file:
            manifest = json.load(file)
        files = check_files(folder, manifest)
        events = check_events(folder, manifest)
        key = check_signature(folder, expected_fingerprint)
    except Problem as problem:
        print(f"FAILED: {problem}")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"FAILED: the package cannot be read: {error}")
        return 1
    span = f" (#{manifest['first_sequence']} to #{manifest['last_sequence']})" if events else ""
    print(f"OK: {files} files match the manifest; {events} audit events{span} recompute to their hashes; "
          f"the manifest is signed by key {key}" + ("." if expected_fingerprint else
                                                     " (compare it with the fingerprint printed in the certification)."))
    return 0


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="Check an unzipped CPNI certification package.")
    arguments.add_argument("folder", nargs="?", default=os.path.dirname(os.path.abspath(__file__)))
    arguments.add_argument("--key", metavar="FINGERPRINT", help="the signing key's fingerprint, as the certification prints it")
    options = arguments.parse_args()
    sys.exit(main(options.folder, options.key))
