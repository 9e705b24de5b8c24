"""Records under a legal hold: badged "On hold" on every page, left out of every list of work to
do (with the reason shown where their custodian or Network Operations would look for them),
filterable, counted on the dashboard, and kept exactly as they are (no edit through the page or
the service). A hold that names destroyed records says which it could not hold."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from records import holds, notifications, services
from records.models import AuditEvent, HeldRecord, LegalHold, Medium, Notification, Record, Status
from tests.api.conftest import token_client
from tests.factories import ScheduleFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def hold(actor, *records, matter="Smith v. Carrier"):
    return holds.hold_place(actor=actor, matter=matter, reason="Litigation hold", scope="listed records",
                            records=Record.objects.filter(pk__in=[r.pk for r in records]), listed=True)


def frozen(record, *placed):
    names = " and ".join(f"#{h.pk} ({h.matter})" for h in placed)
    plural = len(placed) > 1
    return (f"{record.reference} is under legal hold{'s' if plural else ''} {names}: it cannot be changed until "
            f"the hold{'s are' if plural else ' is'} released.")


def written():
    """What an edit would write: the records' history rows and the audit events."""
    return Record.history.count(), AuditEvent.objects.count()


def status_cell(html, record):
    row = re.search(rf'<tr><td><a href="[^"]+">{record.reference}</a>.*?</tr>', html)
    return re.findall(r"<td>(.*?)</td>", row.group(0))[6]


# --------------------------------------------------------------------------- the record list


class TestRecordList:
    def test_held_records_carry_an_on_hold_badge_beside_their_status(self, client, employee, records_manager):
        held, free = make_record(custodian=employee, status=Status.DUE), make_record(custodian=employee, status=Status.DUE)
        hold(records_manager, held)
        client.force_login(employee)
        html = client.get(reverse("record-list")).content.decode()
        assert status_cell(html, held) == (
            '<span class="status status-due">Due for destruction</span> '
            '<span class="status status-on-hold" title="Under an active legal hold: kept as it is">On hold</span>'
        )
        assert status_cell(html, free) == '<span class="status status-due">Due for destruction</span>'

    def test_a_released_hold_leaves_no_badge(self, client, employee, records_manager):
        record = make_record(custodian=employee)
        holds.hold_release(actor=records_manager, hold=hold(records_manager, record), reason="Settled")
        client.force_login(employee)
        assert "On hold" not in status_cell(client.get(reverse("record-list")).content.decode(), record)

    @pytest.mark.parametrize(("value", "shown"), [("yes", {"held"}), ("no", {"free"}), ("", {"held", "free"})])
    def test_the_on_hold_filter(self, client, employee, records_manager, value, shown):
        records = {"held": make_record(custodian=employee), "free": make_record(custodian=employee)}
        hold(records_manager, records["held"])
        client.force_login(employee)
        html = client.get(reverse("record-list"), {"on_hold": value}).content.decode()
        assert {name for name, r in records.items() if f">{r.reference}</a>" in html} == shown

    def test_the_held_list_counts_what_it_lists(self, client, employee, outsider, records_manager, department):
        due = make_record(custodian=employee, status=Status.DUE)
        hold(records_manager, due, make_record(custodian=employee), make_record(custodian=outsider))
        hold(records_manager, due, matter="FCC inquiry 26-17")
        make_record(custodian=employee, status=Status.DUE)
        client.force_login(records_manager)
        for filters, expected in (({}, 3), ({"department": department.pk}, 2), ({"status": "due"}, 1),
                                  ({"department": department.pk, "status": "due"}, 1)):
            response = client.get(reverse("record-list"), {"on_hold": "yes", **filters})
            assert response.context["page"].paginator.count == expected, filters
            assert len(response.context["rows"]) == expected, filters

    def test_a_bad_on_hold_value_is_explained_and_ignored(self, client, employee):
        make_record(custodian=employee)
        client.force_login(employee)
        response = client.get(reverse("record-list"), {"on_hold": "maybe"})
        assert "on_hold" in response.context["form"].errors
        assert response.context["page"].paginator.count == 1

    def test_the_badges_cost_no_query(self, client, employee, records_manager):
        """The page reads whether each row is held in the same query as the rows."""
        records = [make_record(custodian=employee, title=f"R{i}") for i in range(4)]
        client.force_login(employee)
        client.get(reverse("record-list"))
        with CaptureQueriesContext(connection) as before:
            client.get(reverse("record-list"))
        hold(records_manager, *records[:2])
        with CaptureQueriesContext(connection) as after:
            html = client.get(reverse("record-list")).content.decode()
        assert html.count("status-on-hold") == 2
        assert len(after) == len(before)


# --------------------------------------------------------------------------- the record page


class TestRecordPage:
    def test_the_page_says_it_is_held_by_what_since_when_and_offers_no_edit(self, client, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        first = hold(records_manager, record)
        second = hold(records_manager, record, matter="FCC inquiry 26-17")
        client.force_login(records_manager)
        html = client.get(record.get_absolute_url()).content.decode()
        assert '<span class="status status-due">Due for destruction</span> <span class="status status-on-hold">On hold</span>' in html
        assert frozen(record, first, second) in html
        placed = timezone.localtime(first.placed_at).strftime("%Y-%m-%d %H:%M")
        assert (f'<a href="{reverse("hold-detail", args=[first.pk])}">#{first.pk} Smith v. Carrier</a>, placed {placed} '
                f"by {records_manager}") in html
        assert f'href="{reverse("record-edit", args=[record.reference])}"' not in html

    def test_people_who_may_not_see_holds_get_no_link_to_them(self, client, employee, records_manager):
        record = make_record(custodian=employee)
        placed = hold(records_manager, record)
        client.force_login(employee)
        html = client.get(record.get_absolute_url()).content.decode()
        assert frozen(record, placed) in html and f"#{placed.pk} Smith v. Carrier, placed" in html
        assert reverse("hold-detail", args=[placed.pk]) not in html

    def test_a_released_record_can_be_edited_again(self, client, employee, records_manager):
        record = make_record(custodian=employee)
        holds.hold_release(actor=records_manager, hold=hold(records_manager, record), reason="Settled")
        client.force_login(employee)
        html = client.get(record.get_absolute_url()).content.decode()
        assert "On hold" not in html and f'href="{reverse("record-edit", args=[record.reference])}"' in html


# --------------------------------------------------------------------------- frozen: no edits


EDIT = {"title": "Renamed", "location": "Basement", "notes": "moved"}


class TestNoEdits:
    @pytest.mark.parametrize("status", [Status.ACTIVE, Status.DUE, Status.PENDING_SHRED])
    def test_the_service_refuses_any_edit_naming_the_hold_and_writes_nothing(self, employee, records_manager, status):
        record = make_record(custodian=employee, status=status)
        placed = hold(records_manager, record)
        before = written()
        for changes in ({"title": "Renamed"}, {"custodian": records_manager}, {"location": "Basement"}, {}):
            with pytest.raises(ValidationError) as refused:
                services.record_update(actor=records_manager, record=record, **changes)
            assert refused.value.messages == [frozen(record, placed)]
        assert written() == before
        after = Record.objects.get(pk=record.pk)
        assert (after.title, after.location, after.custodian_id) == (record.title, record.location, employee.pk)

    def test_the_message_names_every_active_hold(self, employee, records_manager):
        record = make_record(custodian=employee)
        first, second = hold(records_manager, record), hold(records_manager, record, matter="FCC inquiry 26-17")
        with pytest.raises(ValidationError) as refused:
            services.record_update(actor=employee, record=record, title="Renamed")
        assert refused.value.messages == [
            f"{record.reference} is under legal holds #{first.pk} (Smith v. Carrier) and #{second.pk} (FCC inquiry 26-17): "
            "it cannot be changed until the holds are released."
        ]
        holds.hold_release(actor=records_manager, hold=first, reason="Settled")
        with pytest.raises(ValidationError, match=re.escape(frozen(record, second))):
            services.record_update(actor=employee, record=record, title="Renamed")
        holds.hold_release(actor=records_manager, hold=second, reason="Closed")
        assert services.record_update(actor=employee, record=record, title="Renamed").title == "Renamed"

    def test_the_edit_page_shows_the_reason_instead_of_a_form(self, client, employee, records_manager):
        record = make_record(custodian=employee)
        placed = hold(records_manager, record)
        client.force_login(employee)
        response = client.get(reverse("record-edit", args=[record.reference]))
        html = response.content.decode()
        assert response.status_code == 200 and frozen(record, placed) in html
        assert 'name="title"' not in html and 'enctype="multipart/form-data"' not in html

    def test_an_edit_posted_through_the_page_is_refused_and_nothing_is_written(self, client, employee, records_manager):
        record = make_record(custodian=employee)
        placed = hold(records_manager, record)
        client.force_login(employee)
        before = written()
        data = {"title": "Renamed", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": Medium.PAPER,
                "department": employee.department_id, "custodian": employee.pk, "location": "Basement",
                "schedule": record.schedule_id, "trigger_date": record.trigger_date.isoformat()}
        response = client.post(reverse("record-edit", args=[record.reference]), data)
        assert response.status_code == 409 and frozen(record, placed) in response.content.decode()
        assert written() == before
        assert Record.objects.get(pk=record.pk).title == record.title

    def test_keeping_a_held_record_longer_is_the_holds_own_business_and_allowed(self, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        hold(records_manager, record)
        kept = services.record_extend_retention(actor=records_manager, record=record, period_value=2,
                                                period_unit="years", reason="Litigation may run long")
        assert kept.status == Status.ACTIVE and kept.expiry_date > timezone.localdate()
        assert HeldRecord.objects.filter(record=record, hold__released_at__isnull=True).exists()


# --------------------------------------------------------------------------- lists of work to do


class TestDashboard:
    def test_held_due_records_are_not_the_custodians_work_and_she_is_told_why(self, client, employee, records_manager):
        held = make_record(custodian=employee, status=Status.DUE, title="Held printouts")
        todo = make_record(custodian=employee, status=Status.DUE, title="Shred me")
        placed = hold(records_manager, held)
        client.force_login(employee)
        response = client.get(reverse("dashboard"))
        summary, html = response.context["summary"], response.content.decode()
        assert (summary.due_in_my_custody, summary.held_due_in_my_custody, summary.on_hold) == (1, 1, 1)
        assert [r.reference for r in response.context["my_due"]] == [todo.reference]
        to_do = html.split('id="my-due-heading"')[1].split("</section>")[0]
        assert todo.reference in to_do and held.reference not in to_do
        kept = html.split('id="my-held-heading"')[1].split("</section>")[0]
        assert held.reference in kept and f"legal hold #{placed.pk} (Smith v. Carrier)" in kept
        assert "do not shred them or hand them over" in kept
        assert "1</span> due record in your custody on legal hold: keep it" in html

    def test_records_on_hold_are_counted_once_and_link_to_the_filtered_list(self, client, employee, colleague,
                                                                            records_manager):
        first, second = make_record(custodian=employee), make_record(custodian=colleague)
        make_record(custodian=employee)
        hold(records_manager, first, second)
        hold(records_manager, first, matter="FCC inquiry 26-17")
        released = hold(records_manager, make_record(custodian=employee), matter="Closed")
        holds.hold_release(actor=records_manager, hold=released, reason="Settled")
        client.force_login(records_manager)
        response = client.get(reverse("dashboard"))
        assert response.context["summary"].on_hold == 2
        link = f'<a href="{reverse("record-list")}?on_hold=yes"><span class="number">2</span> records on hold</a>'
        assert link in response.content.decode()
        listed = client.get(reverse("record-list"), {"on_hold": "yes"}).context["page"].paginator.count
        assert listed == 2

    def test_an_employee_counts_her_own_departments_held_records_only(self, client, employee, outsider,
                                                                      records_manager):
        hold(records_manager, make_record(custodian=employee), make_record(custodian=outsider),
             make_record(custodian=outsider))
        for user, expected in ((employee, 1), (outsider, 2), (records_manager, 3)):
            client.force_login(user)
            assert client.get(reverse("dashboard")).context["summary"].on_hold == expected, user

    def test_a_held_record_keeps_its_department_in_the_holds_rows(self, employee, outsider, records_manager):
        placed = hold(records_manager, make_record(custodian=employee), make_record(custodian=outsider))
        rows = HeldRecord.objects.filter(hold=placed)
        assert rows.count() == 2 and not rows.exclude(department_id=F("record__department_id")).exists()


class TestHandOver:
    def test_held_media_are_listed_apart_with_the_matter_and_cannot_be_ticked(self, client, employee, records_manager):
        held = make_record(custodian=employee, status=Status.DUE, medium=Medium.USB_DRIVE, title="Held stick")
        free = make_record(custodian=employee, status=Status.DUE, medium=Medium.SSD, title="Free disk")
        placed = hold(records_manager, held)
        client.force_login(employee)
        html = client.get(reverse("hand-over"), {"record": held.reference}).content.decode()
        form, apart = html.split('id="held-heading"')
        assert free.reference in form and held.reference not in form
        assert "On hold — cannot be handed over (1)" in apart
        assert held.reference in apart and f"legal hold #{placed.pk} (Smith v. Carrier)" in apart
        response = client.post(reverse("hand-over"), {f"select_{held.pk}": "on", f"serial_{held.pk}": "SN-0001"})
        assert response.status_code == 200
        assert Record.objects.get(pk=held.pk).status == Status.DUE

    def test_nothing_on_hold_no_section(self, client, employee):
        make_record(custodian=employee, status=Status.DUE, medium=Medium.SSD)
        client.force_login(employee)
        assert 'id="held-heading"' not in client.get(reverse("hand-over")).content.decode()


class TestNetworkOperationsQueue:
    def test_held_media_are_neither_to_receive_nor_to_destroy_and_are_listed_apart(self, client, employee, netops,
                                                                                   records_manager):
        waiting = make_record(custodian=employee, status=Status.AWAITING_HANDOVER, medium=Medium.USB_DRIVE)
        kept = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK, netops=netops)
        free = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        placed = hold(records_manager, waiting, kept)
        client.force_login(netops)
        response = client.get(reverse("netops-queue"))
        queue, html = response.context["queue"], response.content.decode()
        assert (queue["awaiting_count"], queue["in_custody_count"], queue["held_count"]) == (0, 1, 2)
        assert [item.record for item in queue["in_custody"]] == [free]
        assert {r.pk for r in queue["held"]} == {waiting.pk, kept.pk}
        apart = html.split('id="held-heading"')[1].split("</section>")[0]
        assert "On legal hold — not to be received or destroyed (2)" in apart
        assert apart.count(f"legal hold #{placed.pk}</a> (Smith v. Carrier)") == 2

    def test_the_sanitization_form_does_not_offer_held_media(self, client, employee, netops, records_manager):
        kept = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK, netops=netops)
        free = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        hold(records_manager, kept)
        client.force_login(netops)
        html = client.get(reverse("netops-destroy"), {"record": [kept.reference, free.reference]}).content.decode()
        assert free.reference in html and kept.reference not in html


# --------------------------------------------------------------------------- emails


@pytest.fixture
def emails(employee, records_manager, netops):
    for user in (employee, records_manager, netops):
        user.email = f"{user.username}@carrier.example"
        user.save()


@pytest.mark.usefixtures("emails")
class TestEmails:
    def test_a_held_due_record_is_not_in_the_custodians_reminder_until_released(self, employee, records_manager,
                                                                                mailoutbox):
        held = make_record(custodian=employee, status=Status.DUE, title="Held printouts")
        todo = make_record(custodian=employee, status=Status.DUE, title="Shred me")
        placed = hold(records_manager, held)
        notifications.due_reminders_prepare()
        notifications.notifications_deliver()
        assert len(mailoutbox) == 1 and todo.reference in mailoutbox[0].body and held.reference not in mailoutbox[0].body
        holds.hold_release(actor=records_manager, hold=placed, reason="Settled")
        notifications.due_reminders_prepare()
        notifications.notifications_deliver()
        assert len(mailoutbox) == 2 and held.reference in mailoutbox[1].body

    def test_a_held_due_record_is_never_escalated(self, employee, records_manager, settings):
        held, todo = make_record(custodian=employee, status=Status.DUE), make_record(custodian=employee, status=Status.DUE)
        hold(records_manager, held)
        later = timezone.now() + timedelta(days=settings.RETENTION_ESCALATION_DAYS + 1)
        notifications.escalations_prepare(now=later)
        sent = Notification.objects.get(kind=Notification.Kind.ESCALATION)
        assert todo.reference in sent.body and held.reference not in sent.body
        assert list(sent.items.values_list("record_id", flat=True)) == [todo.pk]

    def test_a_held_medium_long_in_custody_raises_no_alert(self, employee, netops, records_manager, settings):
        held = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK, netops=netops)
        hold(records_manager, held)
        later = timezone.now() + timedelta(days=max(settings.NETOPS_CUSTODY_ALERT_DAYS) + 1)
        assert notifications.custody_alerts_prepare(now=later) == []

    def test_the_digest_counts_held_records_apart(self, employee, records_manager, netops):
        due = [make_record(custodian=employee, status=Status.DUE) for _ in range(3)]
        pending = make_record(custodian=employee, status=Status.PENDING_SHRED)
        hold(records_manager, due[0], pending)
        notifications.weekly_digest_prepare()
        body = Notification.objects.get(kind=Notification.Kind.WEEKLY_DIGEST, recipient=records_manager).body
        assert "- Due for destruction: 2\n" in body
        assert "- Being destroyed (shredding, hand-over, Network Operations custody): 0\n" in body
        assert "- On legal hold, so not counted above and not to be destroyed: 1 due, 1 on their way to destruction" in body


# --------------------------------------------------------------------------- holds naming destroyed records


class TestHoldsOnDestroyedRecords:
    def test_listed_destroyed_records_are_named_with_date_and_certificate(self, client, employee, records_manager):
        kept = make_record(custodian=employee)
        gone = make_record(custodian=employee, status=Status.DESTROYED)
        certificate = gone.destruction.certificate_number
        note = f"{gone.reference} was destroyed on {gone.destruction.destroyed_on.isoformat()} (certificate {certificate}): not held."
        client.force_login(records_manager)
        response = client.post(reverse("hold-create"), {
            "matter": "Smith v. Carrier", "reason": "Litigation", "scope": "references",
            "references": f"{kept.reference}\n{gone.reference}",
        }, follow=True)
        html = response.content.decode()
        placed = LegalHold.objects.get()
        assert f"Legal hold #{placed.pk} was placed on 1 record." in html
        assert html.count(note) == 2, "in the message and on the hold's page"
        assert list(placed.records.all()) == [kept]
        assert placed.destroyed_left_out == [{"reference": gone.reference, "certificate_number": certificate,
                                              "destroyed_on": gone.destruction.destroyed_on.isoformat()}]
        assert AuditEvent.objects.get(action="hold.placed").payload["destroyed_named"] == [gone.reference]
        assert note in client.get(reverse("hold-detail", args=[placed.pk])).content.decode()

    def test_a_scope_hold_says_how_many_destroyed_records_it_left_out(self, client, employee, records_manager):
        toll = ScheduleFactory(code="TOLL")
        make_record(custodian=employee, schedule=toll)
        for _ in range(2):
            make_record(custodian=employee, schedule=toll, status=Status.DESTROYED)
        client.force_login(records_manager)
        response = client.post(reverse("hold-create"), {
            "matter": "Smith v. Carrier", "reason": "Litigation", "scope": "schedule", "schedule": toll.pk,
        }, follow=True)
        placed = LegalHold.objects.get()
        note = "2 destroyed records in schedule TOLL were left out: a destroyed record cannot be held."
        assert placed.left_out_notes == [note] and note in response.content.decode()
        assert placed.records.count() == 1 and placed.destroyed_left_out == []

    def test_a_hold_on_destroyed_records_only_is_refused_naming_them_and_nothing_is_written(self, client, employee,
                                                                                          records_manager):
        gone = make_record(custodian=employee, status=Status.DESTROYED)
        client.force_login(records_manager)
        events = AuditEvent.objects.count()
        response = client.post(reverse("hold-create"), {
            "matter": "Smith v. Carrier", "reason": "Litigation", "scope": "references", "references": gone.reference,
        })
        html = response.content.decode()
        assert response.status_code == 200
        assert f"{gone.reference} was destroyed on {gone.destruction.destroyed_on.isoformat()} " \
               f"(certificate {gone.destruction.certificate_number}): not held." in html
        assert "destroyed records cannot be held" in html
        assert not LegalHold.objects.exists() and AuditEvent.objects.count() == events



def test_a_schedules_due_count_leaves_out_held_records_as_the_record_list_does(client, employee, records_manager):
    """The schedule page and the API count a schedule's due records under no active hold, each
    held record once however many holds name it, and link to the record list showing exactly those."""
    toll, other = ScheduleFactory(code="TOLL"), ScheduleFactory(code="OTHER")
    held_twice, held_once, free = (make_record(custodian=employee, schedule=toll, status=Status.DUE) for _ in range(3))
    make_record(custodian=employee, schedule=other, status=Status.DUE)
    held_active = make_record(custodian=employee, schedule=toll)
    first = hold(records_manager, held_twice, held_once, held_active)
    hold(records_manager, held_twice, matter="Jones v. Carrier")

    client.force_login(records_manager)
    page = client.get(reverse("schedule-list"))
    rows = {row.code: row for row in page.context["schedules"]}
    assert (rows["TOLL"].record_count, rows["TOLL"].due_count) == (4, 1)
    assert rows["OTHER"].due_count == 1
    link = f"{reverse('record-list')}?schedule={toll.pk}&amp;status=due&amp;on_hold=no"
    assert f'<a href="{link}">1</a>' in page.content.decode()
    listed = client.get(link.replace("&amp;", "&")).context["page"].object_list
    assert [record.pk for record in listed] == [free.pk]

    api = token_client(records_manager)
    assert api.get("/api/v1/schedules/TOLL/").json()["due_count"] == 1
    assert {s["code"]: s["due_count"] for s in api.get("/api/v1/schedules/").json()["results"]} == {"TOLL": 1, "OTHER": 1}

    holds.hold_release(actor=records_manager, hold=first, reason="Settled")
    assert {row.code: row.due_count for row in client.get(reverse("schedule-list")).context["schedules"]}["TOLL"] == 2
    assert api.get("/api/v1/schedules/TOLL/").json()["due_count"] == 2
