"""Media sanitization as NIST SP 800-88 Rev. 1 allows it, in one table: for each medium, the method
types (Clear, Purge, Destroy), the methods of each, and where the medium may go afterwards.

This table is the only place the rules live. The sanitization form offers what it allows, the
service (records.destruction.media_destruction_confirm, behind the form and the REST API) refuses
everything else, the API schema describes the fields from it, the certificate words the method
type from it, and README.md shows it (markdown_table(), kept equal by a test).

From SP 800-88 Rev. 1, Appendix A (per media type) and its decision flow, as REQUIREMENTS.md R9
sums them up:
- Clear protects against simple, non-invasive recovery: only for media that stay inside the
  company (internal reuse). Media that leave it (external reuse, a recycling facility, the
  manufacturer, any other disposal) are purged or destroyed, and their certificate awaits a second
  person's countersignature (records.destruction.destruction_validate) until it has one.
- Shred, disintegrate, pulverize, melt and incinerate are Destroy; nothing destroyed is reused,
  so destroyed media go to a recycling facility or another disposal only.
- Degaussing works on magnetic media only (hard disks, tapes), never on flash (SSD, USB drives) or
  optical discs; a degaussed hard disk is unusable, so it is not reused either.
- Optical discs are destroyed, never cleared or purged.
- Block erase and cryptographic erase are for flash media (SSD, USB drives) and self-encrypting
  drives (cryptographic erase of a self-encrypting hard disk).
- Clear and Purge need the tool, its version and a verification (method and result); every
  sanitization records its verification.
- A file share, a mailbox or another electronic record has no physical carrier of its own: it is
  data on the company's systems. It is cleared by overwriting or purged by cryptographic erase
  (destroying the key of its encrypted storage), and the storage stays in service inside the
  company (internal reuse only). There is nothing to degauss or destroy.
"""

from functools import reduce

from .models import Destruction, Medium
from .wording import join_words

MethodType = Destruction.MethodType
Method = Destruction.MediaMethod
Destination = Destruction.Destination

#: NIST SP 800-88 Rev. 1, section 2.5: what each method type does.
METHOD_TYPE_DESCRIPTIONS = {
    MethodType.CLEAR: "applies logical techniques to sanitize data in all user-addressable storage locations for "
    "protection against simple non-invasive data recovery techniques",
    MethodType.PURGE: "applies physical or logical techniques that render target data recovery infeasible using "
    "state of the art laboratory techniques",
    MethodType.DESTROY: "renders target data recovery infeasible using state of the art laboratory techniques and "
    "results in the subsequent inability to use the media for storage of data",
}

#: Method types that need the tool, its version and a verification.
NEEDS_TOOL = frozenset({MethodType.CLEAR, MethodType.PURGE})

#: Destinations where the medium leaves the company: Purge or Destroy, and a countersignature.
LEAVES_ORGANISATION = frozenset(
    {Destination.EXTERNAL_REUSE, Destination.RECYCLING, Destination.MANUFACTURER, Destination.OTHER}
)

_INSIDE = (Destination.INTERNAL_REUSE,)
_ANYWHERE = (Destination.INTERNAL_REUSE, Destination.EXTERNAL_REUSE, Destination.RECYCLING,
             Destination.MANUFACTURER, Destination.OTHER)
_NOT_REUSED = (Destination.RECYCLING, Destination.MANUFACTURER, Destination.OTHER)
_DISPOSED = (Destination.RECYCLING, Destination.OTHER)
_DESTROYED = {method: _DISPOSED for method in (Method.SHRED, Method.DISINTEGRATE, Method.PULVERIZE, Method.MELT,
                                               Method.INCINERATE)}
_FLASH = {
    MethodType.CLEAR: {Method.OVERWRITE: _INSIDE},
    MethodType.PURGE: {Method.BLOCK_ERASE: _ANYWHERE, Method.CRYPTO_ERASE: _ANYWHERE},
    MethodType.DESTROY: _DESTROYED,
}
_NO_CARRIER = {
    MethodType.CLEAR: {Method.OVERWRITE: _INSIDE},
    MethodType.PURGE: {Method.CRYPTO_ERASE: _INSIDE},
}

#: medium -> method type -> method -> the destinations allowed afterwards. Paper is not here: it is
#: shredded (records.destruction.paper_methods).
TABLE = {
    Medium.HARD_DISK: {
        MethodType.CLEAR: {Method.OVERWRITE: _INSIDE},
        MethodType.PURGE: {Method.OVERWRITE: _ANYWHERE, Method.CRYPTO_ERASE: _ANYWHERE, Method.DEGAUSS: _NOT_REUSED},
        MethodType.DESTROY: _DESTROYED,
    },
    Medium.SSD: _FLASH,
    Medium.USB_DRIVE: _FLASH,
    Medium.OPTICAL_DISC: {MethodType.DESTROY: _DESTROYED},
    Medium.TAPE: {
        MethodType.CLEAR: {Method.OVERWRITE: _INSIDE, Method.DEGAUSS: _INSIDE},
        MethodType.PURGE: {Method.DEGAUSS: _ANYWHERE},
        MethodType.DESTROY: _DESTROYED,
    },
    Medium.FILE_SHARE: _NO_CARRIER,
    Medium.EMAIL: _NO_CARRIER,
    Medium.OTHER_ELECTRONIC: _NO_CARRIER,
}


def combinations(medium):
    """Every (method type, method, destination) the table allows for `medium`."""
    return {
        (method_type, method, destination)
        for method_type, methods in TABLE.get(medium, {}).items()
        for method, destinations in methods.items()
        for destination in destinations
    }


def allowed(media):
    """The combinations allowed for every medium of `media`; with no media, for any medium."""
    media = set(media)
    if not media:
        return reduce(set.union, (combinations(medium) for medium in TABLE), set())
    return reduce(set.intersection, (combinations(medium) for medium in media))


def choices(enum, values):
    """`enum`'s choices limited to `values`, in the enum's order."""
    return [(value, label) for value, label in enum.choices if value in values]


def leaves_organisation(destination):
    return destination in LEAVES_ORGANISATION


def problems(medium, method_type, method, destination, what=None):
    """{field: why} for the first of method_type, method and destination that the table refuses for
    `medium` (a method is judged under an allowed method type, a destination under an allowed
    method); empty when the combination is allowed. `what` names the media in the message
    (default: the medium's name)."""
    for_medium = TABLE.get(medium, {})
    what = what or Medium(medium).label
    if method_type not in for_medium:
        return {"method_type": (
            f"The method type {_label(MethodType, method_type)} is not allowed for {what} under NIST SP 800-88 "
            f"(allowed: {_labels(MethodType, for_medium) or 'none'}){_type_hint(medium)}."
        )}
    methods = for_medium[method_type]
    if method not in methods:
        return {"method": (
            f"The method {_label(Method, method)} is not a {_label(MethodType, method_type)} method for {what} under "
            f"NIST SP 800-88 (allowed: {_labels(Method, methods)}){_method_hint(medium, method)}."
        )}
    if destination not in methods[method]:
        return {"destination": (
            f"The destination {_label(Destination, destination)} is not allowed for {what} after "
            f"{_label(MethodType, method_type)} by {_label(Method, method)} (allowed: "
            f"{_labels(Destination, methods[method])}){_destination_hint(medium, method_type, method, destination)}."
        )}
    return {}


def _type_hint(medium):
    if medium == Medium.OPTICAL_DISC:
        return ": optical discs are destroyed"
    if medium in _NO_CARRIER_MEDIA:
        return ": there is no physical medium to destroy"
    return ""


def _method_hint(medium, method):
    if method == Method.DEGAUSS and medium not in _MAGNETIC:
        return ": degaussing works on magnetic media only (hard disks, tapes)"
    elsewhere = [t for t, methods in TABLE.get(medium, {}).items() if method in methods]
    if elsewhere:
        return f": it is a {_labels(MethodType, elsewhere)} method"
    return ""


def _destination_hint(medium, method_type, method, destination):
    if method_type == MethodType.DESTROY:
        return ": destroyed media are never reused"
    if medium in _NO_CARRIER_MEDIA:
        return ": the data's storage stays in the company's own systems"
    if method == Method.DEGAUSS and medium == Medium.HARD_DISK:
        return ": a degaussed hard disk cannot be reused"
    if method_type == MethodType.CLEAR and leaves_organisation(destination):
        return ": media leaving the organisation need Purge or Destroy"
    return ""


_MAGNETIC = frozenset({Medium.HARD_DISK, Medium.TAPE})
_NO_CARRIER_MEDIA = frozenset(medium for medium, rules in TABLE.items() if rules is _NO_CARRIER)


def _label(enum, value):
    return enum(value).label if value in enum.values else str(value)


def _labels(enum, values):
    return join_words([label for value, label in enum.choices if value in values], "or")


# --------------------------------------------------------------------------- the table, described

def method_type_help():
    """The API's description of method_type."""
    parts = [f"`{value}`: {METHOD_TYPE_DESCRIPTIONS[value]}" for value in MethodType.values]
    return (
        "NIST SP 800-88 method type. " + "; ".join(parts) + ". Clear and purge need `tool_name`, `tool_version`, "
        "`verification_method` and `verification_result`."
    )


def method_help():
    """The API's description of method: the methods each medium allows, per method type."""
    lines = []
    for medium, rules in TABLE.items():
        by_type = "; ".join(
            f"{method_type} by {', '.join(f'`{method}`' for method in methods)}" for method_type, methods in rules.items()
        )
        lines.append(f"`{medium}`: {by_type}")
    return "The sanitization method, as NIST SP 800-88 Rev. 1 Appendix A allows it per medium. " + ". ".join(lines) + "."


def destination_help():
    """The API's description of destination."""
    leaving = ", ".join(f"`{value}`" for value in Destination.values if value in LEAVES_ORGANISATION)
    return (
        "Where the medium goes. Cleared media stay inside (`internal_reuse`); destroyed media are never reused "
        "(`recycling_facility` or `other` disposal); a degaussed hard disk is not reused; a file share, email or other "
        f"electronic record stays on the company's systems (`internal_reuse`). Media that leave the organisation "
        f"({leaving}) need purge or destroy, and their certificate awaits validation until a second person "
        "countersigns it (see `awaiting_validation`)."
    )


def markdown_table():
    """The table as README.md shows it: a row per medium, a column per method type, each cell the
    methods and, after the arrow, the destinations they allow."""
    rows = ["| medium | " + " | ".join(MethodType.labels) + " |", "|---|" + "---|" * len(MethodType)]
    for medium, rules in TABLE.items():
        cells = []
        for method_type in MethodType:
            by_destinations = {}
            for method, destinations in rules.get(method_type, {}).items():
                by_destinations.setdefault(destinations, []).append(Method(method).label.lower())
            cells.append("; ".join(
                f"{', '.join(methods)} → {_destinations_text(destinations)}"
                for destinations, methods in by_destinations.items()
            ) or "—")
        rows.append(f"| {Medium(medium).label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _destinations_text(destinations):
    if set(destinations) == set(Destination):
        return "any destination"
    return ", ".join(Destination(destination).label.lower() for destination in destinations)
