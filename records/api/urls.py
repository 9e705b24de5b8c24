"""The API's URLs: /api/v1/ (records, schedules, legal minimums, holds, certifications, breaches, opt-out failures), the OpenAPI schema at /api/schema/ and
its interactive page at /api/docs/. Anything else under /api/ is a JSON 404."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer

from compliance import api as compliance_api, approval_api, campaign_api, disclosure_api, optout_api, training_api

from . import views


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with Accept: application/vnd.oai.openapi+json) for any
    signed-in person or token holder; its errors are JSON problems like the rest of the API."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class SwaggerPage(SpectacularSwaggerSplitView):
    """Swagger UI from this site's own static files, its settings in a separate script (no inline
    script or style: the Content-Security-Policy allows neither). For signed-in browsers: anonymous
    visitors are sent to sign in like on every page."""

    template_name = "records_api/swagger_ui.html"
    title = "CPNI Track API — CONFIDENTIAL"
    url_name = "api-schema"


urlpatterns = [
    path("api/v1/records/", views.RecordList.as_view(), name="api-record-list"),
    path("api/v1/records/<str:reference>/", views.RecordDetail.as_view(), name="api-record-detail"),
    path("api/v1/records/<str:reference>/extend/", views.RecordExtend.as_view(), name="api-record-extend"),
    path("api/v1/records/<str:reference>/mark-for-shredding/", views.RecordMarkForShredding.as_view(),
         name="api-record-mark-for-shredding"),
    path("api/v1/records/<str:reference>/confirm-shredding/", views.RecordConfirmShredding.as_view(),
         name="api-record-confirm-shredding"),
    path("api/v1/records/<str:reference>/hand-over/", views.RecordHandOver.as_view(), name="api-record-hand-over"),
    path("api/v1/records/<str:reference>/receive/", views.RecordReceive.as_view(), name="api-record-receive"),
    path("api/v1/records/<str:reference>/confirm-sanitization/", views.RecordConfirmSanitization.as_view(),
         name="api-record-confirm-sanitization"),
    path("api/v1/records/<str:reference>/validate/", views.RecordValidate.as_view(), name="api-record-validate"),
    path("api/v1/records/<str:reference>/correct/", views.RecordCorrect.as_view(), name="api-record-correct"),
    path("api/v1/schedules/", views.ScheduleList.as_view(), name="api-schedule-list"),
    path("api/v1/schedules/<str:code>/", views.ScheduleDetail.as_view(), name="api-schedule-detail"),
    path("api/v1/legal-minimums/", views.LegalMinimumList.as_view(), name="api-legal-minimum-list"),
    path("api/v1/holds/", views.HoldList.as_view(), name="api-hold-list"),
    path("api/v1/holds/<str:hold_id>/", views.HoldDetail.as_view(), name="api-hold-detail"),
    path("api/v1/holds/<str:hold_id>/release/", views.HoldRelease.as_view(), name="api-hold-release"),
    path("api/v1/jobs/<str:job_id>/", views.JobDetail.as_view(), name="api-job-detail"),
    path("api/v1/certifications/", views.CertificationList.as_view(), name="api-certification-list"),
    path("api/v1/breaches/", compliance_api.BreachList.as_view(), name="api-breach-list"),
    path("api/v1/breaches/<str:breach_id>/", compliance_api.BreachDetail.as_view(), name="api-breach-detail"),
    path("api/v1/breaches/<str:breach_id>/notifications/", compliance_api.BreachNotifications.as_view(),
         name="api-breach-notifications"),
    path("api/v1/breaches/<str:breach_id>/directions/", compliance_api.BreachDirections.as_view(),
         name="api-breach-directions"),
    path("api/v1/opt-out-failures/", optout_api.FailureList.as_view(), name="api-optout-list"),
    path("api/v1/opt-out-failures/<str:failure_id>/", optout_api.FailureDetail.as_view(), name="api-optout-detail"),
    path("api/v1/opt-out-failures/<str:failure_id>/letter/", optout_api.FailureLetter.as_view(),
         name="api-optout-letter"),
    path("api/v1/campaigns/", campaign_api.CampaignList.as_view(), name="api-campaign-list"),
    path("api/v1/campaigns/<str:campaign_id>/", campaign_api.CampaignDetail.as_view(), name="api-campaign-detail"),
    *[path(f"api/v1/campaigns/<str:campaign_id>/{step}/", view.as_view(), name=f"api-campaign-{step}")
      for step, view in campaign_api.STEP_VIEWS.items()],
    path("api/v1/disclosures/", disclosure_api.DisclosureList.as_view(), name="api-disclosure-list"),
    path("api/v1/disclosures/<str:disclosure_id>/", disclosure_api.DisclosureDetail.as_view(),
         name="api-disclosure-detail"),
    path("api/v1/approval-notices/", approval_api.NoticeList.as_view(), name="api-approval-notice-list"),
    path("api/v1/approval-notices/evidence/", approval_api.EvidenceList.as_view(), name="api-approval-evidence-list"),
    path("api/v1/approval-notices/<str:notice_id>/", approval_api.NoticeDetail.as_view(),
         name="api-approval-notice-detail"),
    path("api/v1/approval-notices/<str:notice_id>/mailings/", approval_api.NoticeMailings.as_view(),
         name="api-approval-notice-mailings"),
    path("api/v1/trainings/", training_api.TrainingList.as_view(), name="api-training-list"),
    path("api/v1/trainings/<str:course_id>/", training_api.TrainingDetail.as_view(), name="api-training-detail"),
    path("api/v1/trainings/<str:course_id>/assignments/", training_api.TrainingAssignments.as_view(),
         name="api-training-assignments"),
    path("api/v1/trainings/<str:course_id>/completions/", training_api.TrainingCompletions.as_view(),
         name="api-training-completions"),
    path("api/v1/briefings/", training_api.BriefingList.as_view(), name="api-briefing-list"),
    path("api/v1/disciplinary-actions/", training_api.DisciplineList.as_view(), name="api-discipline-list"),
    path("api/schema/", login_not_required(SchemaView.as_view()), name="api-schema"),
    path("api/docs/", login_required(SwaggerPage.as_view()), name="api-docs"),
    re_path(r"^api/", views.api_not_found, name="api-not-found"),
]
