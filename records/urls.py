from django.urls import path

from .views import destruction, holds, labels, records, schedules

urlpatterns = [
    path("", records.dashboard, name="dashboard"),
    path("records/", records.record_list, name="record-list"),
    path("records/new/", records.record_create, name="record-create"),
    path("records/<str:reference>/", records.record_detail, name="record-detail"),
    path("records/<str:reference>/edit/", records.record_edit, name="record-edit"),
    path("records/<str:reference>/extend/", records.record_extend, name="record-extend"),
    path("records/<str:reference>/mark-for-shredding/", destruction.mark_for_shredding, name="record-mark-shredding"),
    path("records/<str:reference>/confirm-shredding/", destruction.confirm_shredding, name="record-confirm-shredding"),
    path("records/<str:reference>/validate/", destruction.validate, name="record-validate"),
    path("records/<str:reference>/certificate.pdf", destruction.certificate, name="record-certificate"),
    path("hand-over/", destruction.hand_over, name="hand-over"),
    path("netops/", destruction.netops_queue, name="netops-queue"),
    path("netops/receive/", destruction.netops_receive, name="netops-receive"),
    path("netops/destroy/", destruction.netops_destroy, name="netops-destroy"),
    path("label-check/", labels.label_check, name="label-check"),
    path("label-check/stamped-copy/", labels.label_stamp, name="label-stamp"),
    path("schedules/", schedules.schedule_list, name="schedule-list"),
    path("schedules/new/", schedules.schedule_create, name="schedule-create"),
    path("schedules/<str:code>/edit/", schedules.schedule_edit, name="schedule-edit"),
    path("holds/", holds.hold_list, name="hold-list"),
    path("holds/new/", holds.hold_create, name="hold-create"),
    path("holds/<int:pk>/", holds.hold_detail, name="hold-detail"),
    path("holds/<int:pk>/release/", holds.hold_release, name="hold-release"),
    path("holds/<int:pk>/report.csv", holds.hold_report, name="hold-report"),
]
