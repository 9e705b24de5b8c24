"""Legal holds: while a record is under an active hold it never becomes due and is never destroyed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .organisation import Department
from .records import Record
from .tallies import WAITING_STATUSES


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)

    def being_placed(self):
        """Active holds whose records a job is still linking: their scope holds meanwhile."""
        return self.filter(released_at__isnull=True, linked_at__isnull=True)


class LegalHold(models.Model):
    matter = models.CharField(max_length=200, help_text="The case, investigation or request, e.g. Smith v. Carrier.")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    scope = models.CharField(max_length=300, help_text="How the records were chosen, as placed.")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    records = models.ManyToManyField(Record, through="HeldRecord", related_name="legal_holds")
    # Destroyed records that matched when the hold was placed, which it could not hold: each one
    # (reference, destroyed_on, certificate_number) when they were listed by reference, and how many
    # in any scope.
    destroyed_left_out = models.JSONField(default=list, blank=True)
    destroyed_left_out_count = models.PositiveIntegerField(default=0)
    # What the hold is on, in a form that can be looked up again while a job links its records
    # (records.holds.Selection): {"kind": "department", "id": 3}, {"kind": "search", "query": ...,
    # "actor": 7}, ..., with "up_to", the last record id when it was accepted.
    selection = models.JSONField(default=dict, blank=True)
    # A hold saved with its records (inline) is linked as it is saved; a job's hold is saved
    # without, and the job sets it at the end.
    linked_at = models.DateTimeField(
        null=True, blank=True, default=timezone.now, help_text="When every record in its scope was linked; empty while it is being placed."
    )

    objects = LegalHoldQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["released_at"])]

    def __str__(self):
        return f"Hold #{self.pk}: {self.matter}"

    @property
    def is_active(self):
        return self.released_at is None

    @property
    def is_being_placed(self):
        return self.released_at is None and self.linked_at is None

    @property
    def left_out_notes(self):
        """What the hold says about the destroyed records it could not hold, for people."""
        notes = [destroyed_note(item) for item in self.destroyed_left_out]
        unnamed = self.destroyed_left_out_count - len(self.destroyed_left_out)
        if unnamed > 0:
            notes.append(
                f"{unnamed:,} destroyed record{'s' if unnamed != 1 else ''} in {self.scope} "
                f"{'were' if unnamed != 1 else 'was'} left out: a destroyed record cannot be held."
            )
        return notes


def destroyed_note(item):
    """'CPNI-… was destroyed on … (certificate CD-…): not held.' for one destroyed record."""
    when = f" on {item['destroyed_on']}" if item.get("destroyed_on") else ""
    certificate = f" (certificate {item['certificate_number']})" if item.get("certificate_number") else ""
    return f"{item['reference']} was destroyed{when}{certificate}: not held."


class HeldRecord(models.Model):
    # No index of its own: the (hold, record) constraint's index serves every lookup by hold, and a
    # second one led PostgreSQL, before it had counted a newly placed hold's rows, to read the
    # whole hold for each chunk of its release instead of the chunk's range.
    hold = models.ForeignKey(LegalHold, on_delete=models.PROTECT, related_name="held_records", db_index=False)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="held_by")
    # The record's department as the hold was placed, which a held record keeps (it cannot be
    # changed while held): a department's held records are counted from the holds' rows alone,
    # instead of looking up every held record (indexed by heldrecord_dept_hold_idx).
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", db_index=False)
    added_at = models.DateTimeField()
    # The record's status when it was linked, and since when it was in it. While held, a record
    # enters no waiting status and leaves one only to become active again (records.lifecycle:
    # extend_retention is the one move a hold allows), so the held records waiting in a status
    # since before a day are among the rows linked in that status since before it: counted from
    # these rows (a partial index of the few linked while waiting), not from every held record.
    status_when_linked = models.CharField(max_length=20, default="", editable=False)
    in_status_since = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "record"], name="held_record_once_per_hold")]
        indexes = [
            models.Index(fields=["record", "hold"]),
            models.Index(fields=["department", "hold", "record"], name="heldrecord_dept_hold_idx"),
            models.Index(fields=["hold", "status_when_linked", "in_status_since"], name="heldrecord_waiting_idx",
                         condition=models.Q(status_when_linked__in=WAITING_STATUSES)),
        ]


def active_hold_exists():
    """A subquery for filters: the record (OuterRef "pk") is under at least one active hold."""
    return models.Exists(
        HeldRecord.objects.filter(record_id=models.OuterRef("pk"), hold__released_at__isnull=True)
    )


def an_active_hold():
    """A subquery for a few rows (a page, a custodian's due records): the id of an active hold on
    the record (OuterRef "pk"), or NULL. PostgreSQL looks it up row by row in HeldRecord(record,
    hold), where for an EXISTS it may hash every held record first, whatever the rows asked about."""
    return models.Subquery(
        HeldRecord.objects.filter(record_id=models.OuterRef("pk"), hold__released_at__isnull=True)
        .values("hold_id")[:1]
    )
