from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.record_list, name="record-list"),
    path("records/new/", views.record_create, name="record-create"),
    path("records/<str:reference>/", views.record_detail, name="record-detail"),
    path("records/<str:reference>/edit/", views.record_edit, name="record-edit"),
    path("label-check/", views.label_check, name="label-check"),
    path("label-check/stamped-copy/", views.label_stamp, name="label-stamp"),
]
