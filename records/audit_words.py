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
    "job.retried": "Ran a failed job again",
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
    "auth.signed_out": "Signed out",
    "auth.sign_in_failed": "Failed to sign in",
    "auth.second_factor_verified": "Confirmed the second factor",
    "auth.second_factor_failed": "Gave a wrong second-factor code",
    "auth.second_factor_enabled": "Set up a second factor",
    "auth.second_factor_disabled": "Turned off a second factor",
    "auth.second_factor_removed": "Removed a second factor",
    "auth.enrolment_code_issued": "Issued an enrolment code",
    "api.token_created": "Issued an API token",
    "api.token_rotated": "Replaced an API token",
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
    # The accompanying statement's section texts (compliance.statement_lifecycle).
    "statement.drafted": "Drafted a section of the accompanying statement",
    "statement.draft_edited": "Edited a draft section of the accompanying statement",
    "statement.approved": "Approved a section of the accompanying statement",
    "dutyevidence.created": "Recorded evidence of a duty carried out in another system",
    # Marketing campaigns (compliance.campaign_lifecycle's steps are campaign.<name>).
    "campaign.created": "Drafted a marketing campaign",
    "campaign.updated": "Edited a marketing campaign",
    "campaign.submit": "Submitted a marketing campaign for review",
    "campaign.approve": "Approved a marketing campaign",
    "campaign.reject": "Rejected a marketing campaign",
    "campaign.revise": "Took a rejected marketing campaign back to draft",
    "campaign.start": "Marked a marketing campaign running",
    "campaign.close": "Closed a marketing campaign",
    # Third-party releases of CPNI (compliance.disclosures).
    "disclosure.created": "Recorded a release of CPNI to a third party",
    "disclosure.corrected": "Corrected a release of CPNI to a third party",
    # Customer approvals and notices (compliance.approval_notices).
    "approvalnotice.created": "Recorded a version of the notice of customers' CPNI rights",
    "approvalnotice.corrected": "Corrected a version of the notice of customers' CPNI rights",
    "noticemailing.created": "Recorded a mailing of the notice of customers' CPNI rights",
    "approvalevidence.created": "Recorded evidence of the approval-status system",
    # Training, acknowledgement and discipline (compliance.training; training.complete is compliance.training_lifecycle's).
    "training.course_created": "Recorded a CPNI training course",
    "training.assigned": "Assigned CPNI training",
    "training.complete": "Completed CPNI training and signed its acknowledgement",
    "training.briefing_recorded": "Recorded a CPNI briefing or staff meeting",
    "training.discipline_recorded": "Recorded a disciplinary action",
}
# Folded away on the log unless asked for: signing in and out, and failed attempts. Setting up or
# removing a second factor, or issuing an enrolment code, changes an account and always shows.
SIGN_IN_ACTIONS = ("auth.signed_in", "auth.signed_out", "auth.sign_in_failed", "auth.second_factor_verified",
                   "auth.second_factor_failed")

# Pages of the objects events name: object type -> (URL name, what identifies it in the URL).
OBJECT_PAGES = {
    "records.record": ("record-detail", "first_word"),
    "records.legalhold": ("hold-detail", "id"),
    "records.importjob": ("import-detail", "id"),
    "records.job": ("job-detail", "id"),
    "compliance.breachincident": ("breach-detail", "id"),
    "compliance.optoutfailure": ("optout-detail", "id"),
    "compliance.campaign": ("campaign-detail", "id"),
    "compliance.disclosure": ("disclosure-detail", "id"),
    "compliance.approvalnotice": ("approval-notice-detail", "id"),
    "compliance.trainingcourse": ("training-course", "id"),
    "compliance.certificationpackage": ("package-detail", "id"),
}
ACTION_PAGES = {"sweep.": "sweep", "statement.": "statement-sections", "dutyevidence.": "statement-sections"}  # events of these actions link to the page of what they concern


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


# Where a payload holds changes as [old, new] pairs: every value of an edit ("<x>.updated"), each
# value of a "changes"/"changed" dictionary, and these named values; "before"/"after" dictionaries
# and a "from"/"to" status are changes too. Any other list is a list ("groups: 3, 5").
CHANGE_DICTIONARIES = ("changes", "changed")
CHANGE_VALUES = {"record.retention_extended": {"expiry"}, "sweep.timetable_changed": {"runs"}}
SPOKEN_TOGETHER = {"record.retention_extended": {"by"}}  # [3, "years"] reads "3 years"


def details_lines(payload, action=""):
    """The payload of an event of `action` as lines for people: "title: Old → New" for a change,
    "field: value" otherwise; lists joined, nested dictionaries one line per value."""
    if not isinstance(payload, dict):
        return [] if payload in (None, "") else [_shown(payload)]
    lines, rest = [], dict(payload)
    if _is_plain(rest.get("from")) and _is_plain(rest.get("to")) and "from" in rest and "to" in rest:
        lines.append(_change("status", [_code(rest.pop("from")), _code(rest.pop("to"))]))
    if isinstance(rest.get("before"), dict) and isinstance(rest.get("after"), dict):
        before, after = rest.pop("before"), rest.pop("after")
        lines.extend(_change(name, [before.get(name), value]) for name, value in after.items()
                     if before.get(name) != value)
    changes = action.endswith(".updated")
    for name, value in rest.items():
        if name in CHANGE_DICTIONARIES and isinstance(value, dict):
            lines.extend(_change(inner, changed) if _is_pair(changed) else f"{_label(inner)}: {_shown(changed)}"
                         for inner, changed in value.items())
        elif (changes or name in CHANGE_VALUES.get(action, ())) and _is_pair(value):
            lines.append(_change(name, value))
        elif name in SPOKEN_TOGETHER.get(action, ()) and isinstance(value, list):
            lines.append(f"{_label(name)}: {' '.join(_shown(item) for item in value)}")
        elif isinstance(value, dict):
            lines.extend(f"{_label(name)}, {line}" for line in details_lines(value) or ["(none)"])
        else:
            lines.append(f"{_label(name)}: {_shown(value)}")
    return lines


def _label(name):
    return str(name).replace("_", " ")


def _is_plain(value):
    return not isinstance(value, (list, dict))


def _is_pair(value):
    return isinstance(value, list) and len(value) == 2 and not any(isinstance(v, dict) for v in value)


def _change(name, pair):
    return f"{_label(name)}: {_shown(pair[0])} → {_shown(pair[1])}"


def _code(value):
    """A status as written ("marked_for_shredding") in words ("marked for shredding")."""
    return value.replace("_", " ") if isinstance(value, str) else value


def _shown(value):
    if value in (None, "", []):
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(name)}: {_shown(inner)}" for name, inner in value.items()) or "(none)"
    return str(value)


def object_url(event):
    """The page of the event's object, if it has one."""
    for start, name in ACTION_PAGES.items():
        if event.action.startswith(start):
            return reverse(name)
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or not event.object_id:
        return None
    name, key = page
    argument = event.object_id if key == "id" else (event.object_repr or "").split(" ")[0]
    try:
        return reverse(name, args=[argument])
    except NoReverseMatch:
        return None
