"""The audit log in words, for people: each action's name ("Confirmed shredding"), the details of
an event as "field: old → new" lines, and the object as a link to its page where it has one. The
events themselves keep their codes and payloads as written (they are hashed)."""

from django.urls import NoReverseMatch, reverse

ACTION_WORDS = {
    # Records and their lifecycle (records.lifecycle's transitions are record.<name>).
    "record.created": "Logged a record",
    "record.updated": "Edited a record",
    "record.corrected": "Corrected a record's identity",
    "record.expire": "Marked due for destruction",
    "record.extend_retention": "Returned to active, kept longer",
    "record.retention_extended": "Kept a record longer",
    "record.mark_for_shredding": "Set aside for shredding",
    "record.confirm_shredding": "Confirmed shredding",
    "record.request_handover": "Handed a medium over to Network Operations",
    "record.receive_media": "Received a medium",
    "record.confirm_media_destruction": "Confirmed sanitization",
    "record.hold_placed": "Put under a legal hold",
    "record.hold_released": "Released from a legal hold",
    "destruction.certificate_issued": "Issued a destruction certificate",
    "destruction.validated": "Countersigned a destruction",
    "label.checked": "Checked a document's CONFIDENTIAL label",
    "label.stamped_copy": "Made a stamped copy of a document",
    # Legal holds, schedules, legal minimums, imports, jobs.
    "hold.accepted": "Accepted a legal hold (records being linked)",
    "hold.placed": "Placed a legal hold",
    "hold.released": "Released a legal hold",
    "schedule.created": "Created a retention schedule",
    "schedule.updated": "Changed a retention schedule",
    "schedule.minimum_lowering_requested": "Asked to lower a legal minimum",
    "schedule.minimum_lowering_approved": "Approved lowering a legal minimum",
    "schedule.minimum_lowering_rejected": "Rejected lowering a legal minimum",
    "sweep.ran": "Ran the retention sweep",
    "sweep.requested": "Asked for the retention sweep to run now",
    "sweep.timetable_changed": "Changed when the retention sweep runs",
    "legal_minimum.created": "Added a legal minimum",
    "legal_minimum.updated": "Changed a legal minimum",
    "import.uploaded": "Uploaded a sheet to import",
    "import.confirmed": "Confirmed an import",
    "import.done": "Imported records",
    "job.queued": "Started a job",
    "job.running": "A job started running",
    "job.done": "A job finished",
    "job.failed": "A job failed",
    # Exports.
    "export.audit_log": "Downloaded the audit log",
    "export.record_list": "Downloaded the record list",
    "export.destruction_register": "Downloaded the destruction register",
    "export.hold_report": "Downloaded a legal hold report",
    "export.certificate": "Downloaded a destruction certificate",
    "export.certification_pdf": "Downloaded the certification",
    "export.public_filing": "Downloaded the public filing",
    "export.started": "Started an export",
    "export.downloaded": "Downloaded an export",
    "export.file_deleted": "Deleted an expired export file",
    # The audit trail itself.
    "audit.verified": "Verified the hash chain",
    "audit.checkpoint": "Recorded a verified checkpoint",
    "audit.chain": "Re-chained the audit log",
    # Signing in and people.
    "auth.signed_in": "Signed in",
    "auth.sign_in_failed": "Failed to sign in",
    "auth.second_factor_verified": "Confirmed the second factor",
    "auth.second_factor_failed": "Gave a wrong second-factor code",
    "auth.second_factor_enabled": "Set up a second factor",
    "auth.second_factor_disabled": "Turned off a second factor",
    "auth.second_factor_removed": "Removed a second factor",
    "auth.enrolment_code_issued": "Issued an enrolment code",
    "settings.changed": "Changed a setting",
    "settings.roles_changed": "Changed a person's roles",
    # The certification and its registers.
    "certification.package_requested": "Asked for a certification package",
    "certification.package_built": "Built a certification package",
    "certification.package_downloaded": "Downloaded a certification package",
    "certification.signed": "Signed the certification",
    "certification.filed": "Recorded the certification as filed",
    "certification.filing_withdrawn": "Withdrew a filing",
    "certification.amendment_opened": "Opened an amendment",
    "certification.reauthentication_failed": "Failed to confirm the password to sign",
    "customercomplaint.created": "Recorded a customer complaint",
    "customercomplaint.updated": "Edited a customer complaint",
    "databrokeraction.created": "Recorded an action against a data broker",
    "databrokeraction.updated": "Edited an action against a data broker",
    "pretextingobservation.created": "Recorded pretexting observed",
    "pretextingobservation.updated": "Edited pretexting observed",
    "companyprofile.created": "Set up the company profile",
    "companyprofile.updated": "Changed the company profile",
    "coveredcompany.created": "Added a company to the certification",
    "coveredcompany.updated": "Changed a company of the certification",
    "coveredcompany.removed": "Removed a company from the certification",
    # Breaches (compliance.breach_lifecycle's steps are breach.<name>).
    "breach.reported": "Reported a suspected breach",
    "breach.updated": "Edited a breach",
    "breach.assess": "Began assessing a breach",
    "breach.determine": "Determined a breach",
    "breach.notify": "Marked a breach notified",
    "breach.close": "Closed a breach",
    "breach.harm_assessed": "Assessed a breach's harm",
    "breach.notification_recorded": "Recorded a breach notification",
    "breach.direction_recorded": "Recorded a law-enforcement direction",
    "breach.direction_confirmed": "Recorded a direction's written confirmation",
    "breach.urgent_need_recorded": "Recorded an urgent need to notify customers",
    "breach.record_kept": "Kept a record for a breach",
    # Opt-out failures (compliance.optout_lifecycle's steps are optout.<name>).
    "optout.recorded": "Recorded an opt-out failure",
    "optout.updated": "Edited an opt-out failure",
    "optout.send_letter": "Recorded the opt-out failure letter to the FCC as sent",
    "optout.close": "Closed an opt-out failure",
}
SIGN_IN_ACTIONS = ("auth.",)  # folded away on the log by default

# Pages of the objects events name: object type -> (URL name, what identifies it in the URL).
OBJECT_PAGES = {
    "records.record": ("record-detail", "first_word"),
    "records.legalhold": ("hold-detail", "id"),
    "records.importjob": ("import-detail", "id"),
    "records.job": ("job-detail", "id"),
    "compliance.breachincident": ("breach-detail", "id"),
    "compliance.certificationpackage": ("package-detail", "id"),
}


def action_words(code):
    """'Confirmed shredding' for 'record.confirm_shredding'; an action without words of its own
    reads as its object and verb: 'Hold: release' for 'hold.release'."""
    if code in ACTION_WORDS:
        return ACTION_WORDS[code]
    subject, _, verb = code.partition(".")
    return f"{subject.replace('_', ' ').capitalize()}: {verb.replace('_', ' ')}" if verb else code


def action_choices():
    """The actions to filter the log by, grouped by what they concern."""
    groups = {}
    for code, words in ACTION_WORDS.items():
        groups.setdefault(code.partition(".")[0], []).append((code, words))
    return [(group.replace("_", " ").capitalize(), sorted(items, key=lambda item: item[1]))
            for group, items in sorted(groups.items())]


def details_lines(payload):
    """The payload as lines for people: 'title: Old → New' for a change ([old, new]), 'field:
    value' otherwise; lists joined, nested values one level down."""
    if not isinstance(payload, dict):
        return [] if payload in (None, "") else [str(payload)]
    lines = []
    for name, value in payload.items():
        label = str(name).replace("_", " ")
        if isinstance(value, list) and len(value) == 2 and not any(isinstance(v, (list, dict)) for v in value) \
                and name not in ("references",):
            lines.append(f"{label}: {_shown(value[0])} → {_shown(value[1])}")
        elif isinstance(value, dict):
            lines.extend(f"{label} {line}" for line in details_lines(value))
        else:
            lines.append(f"{label}: {_shown(value)}")
    return lines


def _shown(value):
    if value in (None, ""):
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "(none)"
    return str(value)


def object_url(event):
    """The page of the event's object, if it has one."""
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or not event.object_id:
        return None
    name, key = page
    argument = event.object_id if key == "id" else (event.object_repr or "").split(" ")[0]
    try:
        return reverse(name, args=[argument])
    except NoReverseMatch:
        return None
