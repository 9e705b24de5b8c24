"""Evidence of duties carried out in another system (47 CFR 64.2010 authentication in the call
centre, the company's web site): records managers upload, as of a day, what was checked and the
file that shows it; the accompanying statement quotes it beside the section's policy, and says the
duty is carried out there, not in CPNI Track. The approval-status system (64.2009(a)) has its own
register of evidence (compliance.approval_notices)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.csv_safe import csv_line, iso
from records.dates import records_began_on

from .exports import csv_header
from .models import DutyEvidence
from .models.statement import SUMMARY_MAX
from .statement_sections import section_of
from .uploads import keep_upload, kept_path, upload_problem

REGISTER_FILE = "duty-evidence.csv"
REGISTER_FIELDS = ("reference", "citation", "section", "as_of", "source", "summary", "file", "file_sha256",
                   "recorded_by", "recorded_at")
ADD = "compliance.add_dutyevidence"
VIEW = "compliance.view_dutyevidence"
FOLDER = "duty-evidence"
SOURCE_MAX = 200


def _errors(section, as_of, source, summary, data):
    errors = {}
    spec = section_of(section or "")
    if spec is None or not spec.uploads:
        errors["section"] = "Evidence is uploaded only for a duty carried out in another system."
    if not isinstance(as_of, date):
        errors["as_of"] = "Enter the day the evidence is as of."
    elif as_of > timezone.localdate():
        errors["as_of"] = "The day the evidence is as of cannot be in the future."
    elif as_of < records_began_on():
        errors["as_of"] = f"The day cannot be before {records_began_on():%Y-%m-%d}, when the company's records began."
    for name, value, most, missing in (
            ("source", source, SOURCE_MAX, "Name the system or process the evidence comes from."),
            ("summary", summary, SUMMARY_MAX, "Say what the evidence shows: the statement quotes it.")):
        if not value:
            errors[name] = missing
        elif "\x00" in value:
            errors[name] = "The text contains a character that cannot be stored (a NUL byte)."
        elif len(value) > most:
            errors[name] = f"At most {most} characters (it has {len(value)})."
    if upload_problem(data, "evidence"):
        errors["file"] = upload_problem(data, "evidence")
    if errors:
        raise ValidationError(errors)


def record(*, actor, section, as_of, source, summary, data=None, file_name=""):
    """Record evidence for `section` as of a day, with an optional file (`data`: its bytes)."""
    if not actor.has_perm(ADD):
        raise PermissionDenied("Only records managers record evidence of duties carried out in other systems.")
    source, summary = (source or "").strip(), (summary or "").strip()
    _errors(section, as_of, source, summary, data)
    evidence = DutyEvidence(section=section, as_of=as_of, source=source, summary=summary,
                            recorded_by=actor, recorded_at=timezone.now())
    with transaction.atomic():
        evidence._history_user = actor
        evidence.save()
        if data:
            kept = keep_upload(FOLDER, evidence.reference, data, file_name)
            evidence.file_name, evidence.file_original_name = kept.name, kept.original_name
            evidence.file_sha256, evidence.file_size = kept.sha256, kept.size
            evidence.save()
        audit_event_record(actor=actor, action="dutyevidence.created", obj=evidence, payload={
            "section": section, "as_of": as_of.isoformat(), "source": source, "summary": summary,
            "file_sha256": evidence.file_sha256})
    return evidence


def file_path(evidence):
    return kept_path(FOLDER, evidence.file_name) if evidence.file_name else None


def evidence_of(section, year):
    return DutyEvidence.objects.filter(section=section, as_of__year=year)


def evidence_sentences(section, year):
    """What the carrier recorded for `section` in `year`, quoted as recorded, oldest first."""
    entries = list(evidence_of(section, year).select_related("recorded_by").order_by("as_of", "id"))
    if not entries:
        return [f"No evidence of this duty is recorded for {year}."]
    sentences = []
    for entry in entries:
        attached = f" (file {entry.file_original_name or entry.file_name}, SHA-256 {entry.file_sha256})" if entry.file_name else ""
        sentences.append(f"Evidence as of {entry.as_of:%B} {entry.as_of.day}, {entry.as_of.year}, from {entry.source}, "
                         f"recorded by {entry.recorded_by.get_full_name() or entry.recorded_by.username}: "
                         f"“{entry.summary}”{attached}{'' if entry.summary.endswith(('.', '!', '?')) and not attached else '.'}")
    return sentences


def write_register(out, year):
    """The year's evidence of duties carried out in other systems, as the package's duty-evidence.csv."""
    csv_header(out, f"CPNI Track evidence of duties carried out in other systems {year}", REGISTER_FIELDS)
    for entry in DutyEvidence.objects.filter(as_of__year=year).select_related("recorded_by").order_by("as_of", "pk"):
        spec = section_of(entry.section)
        out.write(csv_line([
            entry.reference, spec.citation if spec else "", spec.title if spec else entry.section, iso(entry.as_of),
            entry.source, entry.summary, entry.file_original_name or entry.file_name, entry.file_sha256,
            entry.recorded_by.username, iso(entry.recorded_at),
        ]))
