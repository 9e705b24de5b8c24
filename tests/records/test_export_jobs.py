"""Large CSV exports: started by a person when too large to stream, written to a private file by an
export job in the same bytes as the streamed download, offered on the job's page to those who may
see it (checked again at each download, each download audited), deleted after EXPORT_FILE_HOURS,
and a killed run ending with the file one clean run writes."""

import os
import stat
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from records import csv_export, export_jobs, jobs
from records.audit import Entry, audit_events_record
from records.models import AuditEvent, Job
from records.roles import Role
from tests.factories import make_record

pytestmark = pytest.mark.django_db(transaction=True)
QUERY = "action=record."  # the records' own events: not the exports' and jobs' events written meanwhile


class Killed(Exception):
    """Stands for a worker killed half-way."""


@pytest.fixture
def large(settings, tmp_path, employee):
    """Exports of more than 3 rows go to a job; files under a VAR_DIR of the test's own."""
    settings.EXPORT_INLINE_MAX = 3
    settings.VAR_DIR = tmp_path
    for n in range(8):
        make_record(custodian=employee, title=f"Toll printouts {n}", location="=HYPERLINK(1)" if n == 2 else "Cabinet")
    audit_events_record(actor=None, entries=[Entry("record.noted", None, {"n": n, "text": 'a "b", c\nd'}, "x", str(n))
                                             for n in range(20)])


def streamed(client, url, query):
    """The download's bytes when streamed (no inline limit)."""
    from django.conf import settings

    limit, settings.EXPORT_INLINE_MAX = settings.EXPORT_INLINE_MAX, 10**9
    try:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        return b"".join(response.streaming_content)
    finally:
        settings.EXPORT_INLINE_MAX = limit


def start(client, url, query=""):
    response = client.post(f"{url}?{query}")
    assert response.status_code == 302, response.status_code
    return Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def downloaded(client, job):
    response = client.get(reverse("job-download", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content), response


def test_a_large_export_asks_to_start_a_job_and_streams_nothing(client, auditor, large):
    client.force_login(auditor)
    url = reverse("audit-log-csv")
    response = client.get(f"{url}?{QUERY}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "more than 3 rows" in page and 'method="post"' in page and f'action="?{QUERY}"' in page
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_the_job_writes_the_bytes_of_the_streamed_download_to_a_private_file(client, auditor, large):
    client.force_login(auditor)
    url = reverse("audit-log-csv")
    job = start(client, url, QUERY)
    assert job.kind == Job.Kind.EXPORT and job.state == Job.State.QUEUED and job.requested_by == auditor
    assert start(client, url, QUERY) == job, "the same export asked again while it waits: the same job"
    started = AuditEvent.objects.get(action="export.started")
    assert started.actor == auditor and started.payload["export"] == "audit_log" and started.payload["query"] == QUERY
    job = jobs.job_run(job.pk)
    assert job.state == Job.State.DONE and job.done == job.total == job.result["rows"] > 20
    path = export_jobs.file_path(job)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes() == streamed(client, url, QUERY)
    body, response = downloaded(client, job)
    assert body == path.read_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="CONFIDENTIAL-audit-log.csv"'
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.actor == auditor and event.object_id == str(job.pk) and event.payload["rows"] == job.result["rows"]


def test_the_whole_audit_log_counts_exactly_to_its_start_and_other_filters_are_other_jobs(client, auditor, large):
    """Every event with sign-ins, unfiltered: the job knows its total, the events up to the newest
    when it started (events written after it are not in its file). Other filters: a job of their own."""
    client.force_login(auditor)
    url = reverse("audit-log-csv")
    whole = start(client, url, "sign_ins=on")
    through = whole.params["through"]
    assert whole.params["total_known"] and whole.total == AuditEvent.objects.filter(sequence__lte=through).count()
    assert AuditEvent.objects.filter(sequence__gt=through).exists(), "its own export.started event came after"
    filtered = start(client, url, QUERY)
    assert filtered != whole and not filtered.params["total_known"]
    assert start(client, url, "sign_ins=on") == whole
    assert jobs.job_run(whole.pk).result["rows"] == whole.total


def test_the_record_list_job_writes_the_rows_of_the_filtered_list(client, employee, large):
    client.force_login(employee)
    url = reverse("record-list-csv")
    query = "q=toll&sort=title"
    job = jobs.job_run(start(client, url, query).pk)
    body, _ = downloaded(client, job)
    assert body == streamed(client, url, query)
    lines = body.decode().splitlines()
    assert len(lines) == 2 + 8 and "'=HYPERLINK(1)" in lines[4]


def test_the_job_page_shows_the_progress_then_offers_the_file(client, auditor, large):
    client.force_login(auditor)
    job = start(client, reverse("audit-log-csv"))
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "<progress" in page and reverse("job-download", args=[job.pk]) not in page
    job = jobs.job_run(job.pk)
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("job-download", args=[job.pk]) in page and "CONFIDENTIAL-audit-log.csv" in page
    assert f"{job.result['rows']:,} rows of the audit log written" in page


def test_a_person_without_the_export_permission_starts_nothing(client, employee, large):
    client.force_login(employee)
    assert client.post(reverse("audit-log-csv")).status_code == 403
    assert client.post(reverse("destruction-register-csv")).status_code == 403
    assert not Job.objects.exists()


def test_the_file_is_for_its_requester_and_those_who_see_all_of_it(client, users_by_role, colleague, large):
    employee, manager, auditor = users_by_role[Role.EMPLOYEE], users_by_role[Role.RECORDS_MANAGER], users_by_role[Role.AUDITOR]
    client.force_login(employee)
    mine = jobs.job_run(start(client, reverse("record-list-csv")).pk)
    for person, allowed in ((colleague, False), (manager, True), (auditor, True), (employee, True)):
        client.force_login(person)
        assert client.get(reverse("job-detail", args=[mine.pk])).status_code == (200 if allowed else 403), person
        assert client.get(reverse("job-download", args=[mine.pk])).status_code == (200 if allowed else 403), person
    client.force_login(auditor)
    audit_job = jobs.job_run(start(client, reverse("audit-log-csv")).pk)
    for role, person in users_by_role.items():
        client.force_login(person)
        allowed = role != Role.EMPLOYEE
        assert client.get(reverse("job-download", args=[audit_job.pk])).status_code == (200 if allowed else 403), role
    client.logout()
    assert client.get(reverse("job-download", args=[audit_job.pk])).status_code == 302
    downloads = AuditEvent.objects.filter(action="export.downloaded")
    assert not downloads.filter(actor__in=[colleague, employee], object_id=str(audit_job.pk)).exists()
    assert not downloads.filter(actor=colleague).exists()


def test_the_permission_is_checked_again_at_download(client, auditor, large):
    client.force_login(auditor)
    job = jobs.job_run(start(client, reverse("audit-log-csv")).pk)
    auditor.groups.set([Group.objects.get(name=Role.EMPLOYEE)])
    assert client.get(reverse("job-download", args=[job.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_a_job_whose_requester_lost_the_permission_fails_with_its_reason(client, auditor, large):
    client.force_login(auditor)
    job = start(client, reverse("audit-log-csv"))
    auditor.groups.set([Group.objects.get(name=Role.EMPLOYEE)])
    job = jobs.job_run(job.pk)
    assert job.state == Job.State.FAILED and "may no longer export" in job.error
    assert not export_jobs.file_path(job).exists()


def test_a_killed_run_is_started_over_and_ends_with_the_file_of_a_clean_run(client, auditor, large, monkeypatch):
    client.force_login(auditor)
    url = reverse("audit-log-csv")
    job = start(client, url, QUERY)
    monkeypatch.setattr(csv_export, "FLUSH_AT", 200)
    monkeypatch.setattr(export_jobs, "PROGRESS_SECONDS", 0)
    real_iter = csv_export.CsvStream.__iter__

    def dying(stream):
        for n, piece in enumerate(real_iter(stream)):
            if n == 3:
                raise Killed()
            yield piece

    monkeypatch.setattr(csv_export.CsvStream, "__iter__", dying)
    with pytest.raises(Killed):
        jobs.job_run(job.pk)
    job.refresh_from_db()
    path = export_jobs.file_path(job)
    partial = path.with_name(path.name + ".partial")
    assert job.state == Job.State.RUNNING and not path.exists() and partial.exists()
    assert 0 < len(partial.read_bytes())
    monkeypatch.setattr(csv_export.CsvStream, "__iter__", real_iter)
    job = jobs.job_run(job.pk)
    assert job.state == Job.State.DONE and job.done == job.result["rows"]
    assert path.read_bytes() == streamed(client, url, QUERY) and not partial.exists()


def test_files_are_deleted_after_their_hours_and_the_deletion_recorded(client, auditor, large, settings):
    client.force_login(auditor)
    old = jobs.job_run(start(client, reverse("audit-log-csv"), QUERY).pk)
    recent = jobs.job_run(start(client, reverse("audit-log-csv")).pk)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=settings.EXPORT_FILE_HOURS, minutes=1))
    stray = export_jobs.folder() / "CONFIDENTIAL-export-999999.csv.partial"
    stray.write_bytes(b"half")
    long_ago = (timezone.now() - timedelta(hours=settings.EXPORT_FILE_HOURS + 1)).timestamp()
    os.utime(stray, (long_ago, long_ago))
    assert export_jobs.delete_expired_files() == 2
    assert not export_jobs.file_path(old).exists() and not stray.exists()
    assert export_jobs.file_path(recent).exists()
    old.refresh_from_db()
    assert old.result["deleted_at"]
    deleted = AuditEvent.objects.filter(action="export.file_deleted")
    assert deleted.get(object_id=str(old.pk)).payload["existed"] is True
    assert deleted.get(object_type="export files").payload["files"] == [stray.name]
    assert export_jobs.delete_expired_files() == 0, "each file once"
    assert client.get(reverse("job-download", args=[old.pk])).status_code == 404
    assert "The file was deleted" in client.get(reverse("job-detail", args=[old.pk])).content.decode()
    assert client.get(reverse("job-download", args=[recent.pk])).status_code == 200


def test_the_task_deletes_expired_files(auditor, large, settings):
    from records import tasks

    job = export_jobs.export_start(actor=auditor, params={"export": "audit_log", "query": ""})
    job = jobs.job_run(job.pk)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=settings.EXPORT_FILE_HOURS + 1))
    assert tasks.delete_expired_export_files() == 1
    assert not export_jobs.file_path(job).exists()


def test_the_hold_report_and_the_destruction_register_go_to_jobs_too(client, auditor, records_manager, employee, large):
    from records import holds
    from records.models import Record

    hold = holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t", records=Record.objects.all())
    client.force_login(auditor)
    url = reverse("hold-report", args=[hold.pk])
    response = client.get(url)
    assert response.status_code == 200 and not isinstance(response, StreamingHttpResponse)
    job = jobs.job_run(start(client, url).pk)
    assert job.state == Job.State.DONE and job.result["rows"] == 8
    body, _ = downloaded(client, job)
    assert body == streamed(client, url, "")
    for n in range(4):
        make_record(custodian=employee, status="destroyed")
    job = jobs.job_run(start(client, reverse("destruction-register-csv")).pk)
    assert job.result["rows"] == 4 and downloaded(client, job)[0] == streamed(client, reverse("destruction-register-csv"), "")
