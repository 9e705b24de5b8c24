"""Which Django permission each API operation needs: the same ones the web pages check
(records.roles gives them to the roles). This table is the one place the API's permissions live;
every API view names its row with `permission_key`.

A method a view implements but this table does not list is refused (fail closed); a method the
view does not implement passes here so that DRF answers 405. Visibility (an employee sees their
own department's records only) and the lifecycle's own rules (custodian, four eyes, holds) are
checked after this, by the selectors and the lifecycle."""

from rest_framework.permissions import BasePermission

API_PERMISSIONS = {
    "record-list": {"GET": "records.view_record", "POST": "records.add_record"},
    "record-detail": {"GET": "records.view_record", "PATCH": "records.change_record"},
    "record-extend": {"POST": "records.extend_retention"},
    "record-mark-for-shredding": {"POST": "records.mark_for_destruction"},
    "record-confirm-shredding": {"POST": "records.confirm_shredding"},
    "record-hand-over": {"POST": "records.hand_over_media"},
    "record-receive": {"POST": "records.receive_media"},
    "record-confirm-sanitization": {"POST": "records.confirm_media_destruction"},
    "record-validate": {"POST": "records.validate_destruction"},
    "record-correct": {"POST": "records.correct_record"},
    "schedule-list": {"GET": "records.view_retentionschedule", "POST": "records.add_retentionschedule"},
    "schedule-detail": {"GET": "records.view_retentionschedule", "PATCH": "records.change_retentionschedule"},
    "legal-minimum-list": {"GET": "records.view_legalminimum"},
    "hold-list": {"GET": "records.view_legalhold", "POST": "records.add_legalhold"},
    "hold-detail": {"GET": "records.view_legalhold"},
    "hold-release": {"POST": "records.change_legalhold"},
    "certification-list": {"GET": "compliance.follow_certification"},
    # Long work is started by those who see every department; each job is then followed only by
    # whoever started it and those who may see its work (records.jobs.may_view).
    "job-detail": {"GET": "records.view_all_departments"},
    "breach-list": {"GET": "compliance.view_breachincident", "POST": "compliance.add_breachincident"},
    "breach-detail": {"GET": "compliance.view_breachincident", "PATCH": "compliance.change_breachincident"},
    "breach-notifications": {"POST": "compliance.add_breachnotification"},
    "breach-directions": {"POST": "compliance.add_lawenforcementdirection"},
    "optout-list": {"GET": "compliance.view_optoutfailure", "POST": "compliance.add_optoutfailure"},
    "optout-detail": {"GET": "compliance.view_optoutfailure", "PATCH": "compliance.change_optoutfailure"},
    "optout-letter": {"POST": "compliance.change_optoutfailure"},
    # Marketing campaigns: an employee reads and drafts the campaigns they requested
    # (compliance.campaigns.visible_campaigns); a tuple is any of its permissions. Approval and
    # rejection pass here for those who read the register; compliance.campaign_lifecycle then lets
    # through only the reviewer the CAMPAIGN_REVIEWER setting names, never the requester.
    "campaign-list": {"GET": ("compliance.view_campaign", "compliance.add_campaign"), "POST": "compliance.add_campaign"},
    "campaign-detail": {"GET": ("compliance.view_campaign", "compliance.add_campaign"),
                        "PATCH": "compliance.add_campaign"},
    "campaign-submit": {"POST": "compliance.add_campaign"},
    "campaign-approve": {"POST": "compliance.view_campaign"},
    "campaign-reject": {"POST": "compliance.view_campaign"},
    "campaign-revise": {"POST": "compliance.add_campaign"},
    "campaign-start": {"POST": "compliance.change_campaign"},
    "campaign-close": {"POST": "compliance.change_campaign"},
    # Third-party releases: records managers record and correct; those who read every register read them.
    "disclosure-list": {"GET": "compliance.view_disclosure", "POST": "compliance.add_disclosure"},
    "disclosure-detail": {"GET": "compliance.view_disclosure", "PATCH": "compliance.change_disclosure"},
    # Customer approvals and notices: records managers record; those who read every register read them.
    "approval-notice-list": {"GET": "compliance.view_approvalnotice", "POST": "compliance.add_approvalnotice"},
    "approval-notice-detail": {"GET": "compliance.view_approvalnotice", "PATCH": "compliance.change_approvalnotice"},
    "approval-notice-mailings": {"POST": "compliance.add_noticemailing"},
    "approval-evidence-list": {"GET": "compliance.view_approvalnotice", "POST": "compliance.add_approvalevidence"},
    # Training: everyone reads the courses assigned to them and signs their own acknowledgement
    # (compliance.training checks it is theirs); disciplinary actions only records managers and officers.
    "training-list": {"GET": ("compliance.view_trainingcourse", "compliance.add_trainingcompletion"),
                      "POST": "compliance.add_trainingcourse"},
    "training-detail": {"GET": ("compliance.view_trainingcourse", "compliance.add_trainingcompletion")},
    "training-assignments": {"GET": ("compliance.view_trainingcourse", "compliance.add_trainingcompletion"),
                             "POST": "compliance.add_trainingassignment"},
    "training-completions": {"GET": ("compliance.view_trainingcourse", "compliance.add_trainingcompletion"),
                             "POST": "compliance.add_trainingcompletion"},
    "briefing-list": {"GET": "compliance.view_briefing", "POST": "compliance.add_briefing"},
    "discipline-list": {"GET": "compliance.view_disciplinaryaction", "POST": "compliance.add_disciplinaryaction"},
}


def required_permission(view, method):
    """The permission `method` on `view` needs, or None when the table does not list it."""
    method = "GET" if method == "HEAD" else method
    return API_PERMISSIONS[view.permission_key].get(method)


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        permission = required_permission(view, request.method)
        if permission is None:
            method = request.method.lower()
            return method == "options" or not hasattr(view, method)
        if isinstance(permission, tuple):
            return any(user.has_perm(one) for one in permission)
        return user.has_perm(permission)
