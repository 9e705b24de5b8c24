from django.urls import path

from .views import holds, labels, records, schedules

urlpatterns = [
    path("", records.dashboard, name="dashboard"),
    path("records/", records.record_list, name="record-list"),
    path("records/new/", records.record_create, name="record-create"),
    path("records/<str:reference>/", records.record_detail, name="record-detail"),
    path("records/<str:reference>/edit/", records.record_edit, name="record-edit"),
    path("records/<str:reference>/extend/", records.record_extend, name="record-extend"),
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
