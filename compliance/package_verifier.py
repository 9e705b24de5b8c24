# CONFIDENTIAL — CPNI Track certification package verifier (Python 3 standard library only).
"""Check an unzipped CPNI certification package.

Run it in the folder holding the package's files:

    python3 verify_package.py

It checks that every file listed in manifest.json has the SHA-256 and size recorded there, then
recomputes the hash chain of audit-events.jsonl: each event's hash is the SHA-256 of the previous
event's hash followed by a canonical JSON of the event (sequence, occurred_at, actor, actor_id,
action, object_type, object_id, object_repr, payload; keys sorted, separators "," and ":",
non-ASCII escaped), each event names the hash of the event before it, and the sequence numbers
follow each other. It prints
OK, or the first problem found, and exits with status 0 (OK) or 1 (a problem).
"""

import hashlib
import json
import os
import sys

GENESIS_HASH = "0" * 64
MANIFEST = "manifest.json"
EVENTS = "audit-events.jsonl"


class Problem(Exception):
    """The first thing found wrong with the package."""


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


def main(folder):
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as file:
            manifest = json.load(file)
        files = check_files(folder, manifest)
        events = check_events(folder, manifest)
    except Problem as problem:
        print(f"FAILED: {problem}")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"FAILED: the package cannot be read: {error}")
        return 1
    span = f" (#{manifest['first_sequence']} to #{manifest['last_sequence']})" if events else ""
    print(f"OK: {files} files match the manifest; {events} audit events{span} recompute to their hashes.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
