"""Verifying the audit chain as a job: in full, from the first event, or incrementally, from the
last verified checkpoint on.

Every verification ends with an "audit.verified" event stating what it found. One that found the
chain intact also records the sequence and hash it verified up to, signed with the installation's
key (like the head): that is a verified checkpoint, and the next incremental verification starts
there, walking only the events after it (the checkpoint's own event among them) and the head's
signature. An incremental verification therefore relies on the events up to the checkpoint being
as they were when it was verified; a full verification (on demand, and weekly by schedule)
re-verifies them from the first event.

The walk is records.audit.ChainWalk, a chunk at a time; each chunk commits the job's cursor (the
last event verified) with the walk's state, so a killed worker's job goes on from there."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import signing
from .audit import ChainWalk, audit_event_record, chain_walk, signed_message
from .jobs import job_kind, job_start
from .models import AuditChainHead, AuditEvent, Job

VERIFIED_ACTION = "audit.verified"
FULL, INCREMENTAL = "full", "incremental"
MODES = {FULL: "everything from the first event", INCREMENTAL: "the events after the last verified checkpoint"}
PERMISSION = "records.verify_auditevent"
RELIANCE = ("An incremental verification relies on its starting checkpoint: the events up to it were verified when "
            "the checkpoint was made, not again now. A full verification checks them again from the first event.")


def _unfinished(mode):
    return Job.objects.filter(kind=Job.Kind.CHAIN_VERIFY, state__in=[Job.State.QUEUED, Job.State.RUNNING],
                              params__mode=mode).order_by("requested_at").first()


def verifications():
    """Every verification whose outcome names its mode (the events of earlier releases do not), newest first."""
    return AuditEvent.objects.filter(action=VERIFIED_ACTION, payload__has_key="mode").order_by("-sequence")


def last_checkpoint():
    """The newest verification that found the chain intact, where the next incremental one starts;
    None while a verification that found it broken is newer (what that one found may lie before
    any checkpoint, so every verification starts from the first event again)."""
    newest = verifications().filter(Q(payload__ok=True) | Q(payload__ok=False)).first()
    return newest if newest is not None and newest.payload["ok"] is True else None


def last_verifications():
    """For the audit log page: the newest full and the newest incremental verification (either
    may have found the chain broken), and the newest checkpoint."""
    full = verifications().filter(payload__from_genesis=True).first()
    incremental = verifications().filter(payload__from_genesis=False).first()
    return {"full": full, "incremental": incremental, "checkpoint": last_checkpoint(),
            "broken": [event for event in (full, incremental) if event is not None and not event.payload["ok"]]}


def chain_verify_start(*, actor, mode, queue=True, reuse=True):
    """Accept a verification of the chain (`mode` FULL or INCREMENTAL) as a job and, with `queue`,
    hand it to a worker once the caller's transaction commits. `actor` None is the system (the
    weekly schedule, or the command run without --as). With `reuse`, an unfinished verification of
    the same mode is returned instead of a second one (its `already` is then True)."""
    if mode not in MODES:
        raise ValueError(f"A verification is {' or '.join(MODES)}, not {mode!r}.")
    if actor is not None and not actor.has_perm(PERMISSION):
        raise PermissionDenied("Only auditors and records managers verify the audit chain.")
    if reuse and (running := _unfinished(mode)) is not None:
        running.already = True
        return running
    checkpoint = last_checkpoint() if mode == INCREMENTAL else None
    from_sequence = checkpoint.payload.get("through_sequence") if checkpoint else 0
    if not isinstance(from_sequence, int):  # not a checkpoint as this module writes them: the job says why
        from_sequence = 0
    head = AuditChainHead.objects.filter(id=1).values_list("last_sequence", flat=True).first() or 0
    if checkpoint:
        description = (f"Verify the audit chain's new events, after event #{from_sequence:,} "
                       f"(verified {checkpoint.occurred_at:%Y-%m-%d %H:%M} UTC)")
    else:
        description = "Verify the audit chain in full, from the first event"
    params = {"mode": mode, "checkpoint": checkpoint.sequence if checkpoint else None, "from_sequence": from_sequence}
    with transaction.atomic():
        if queue:
            job = job_start(actor=actor, kind=Job.Kind.CHAIN_VERIFY, description=description,
                            total=max(head - from_sequence, 0), link=reverse("audit-log"), params=params)
        else:
            job = Job.objects.create(kind=Job.Kind.CHAIN_VERIFY, description=description, requested_by=actor,
                                     requested_at=timezone.now(), total=max(head - from_sequence, 0),
                                     link=reverse("audit-log"), params=params)
    job.already = False
    return job


def _checkpoint_problem(event):
    """Why the verification in `event` cannot be started from, or "" when it can."""
    payload = event.payload
    try:
        through, hash_, signed_at = int(payload["through_sequence"]), payload["through_hash"], payload["signed_at"]
        signature = signing.from_b64(payload["signature"])
    except (KeyError, TypeError, ValueError):
        return f"the verified checkpoint in event #{event.sequence} is incomplete"
    if not payload.get("ok") or through >= event.sequence:
        return f"event #{event.sequence} is not a verified checkpoint of the events before it"
    if not signing.verify(signed_message("verified", through, hash_, signed_at), signature):
        return (f"the verified checkpoint in event #{event.sequence} is not signed with this installation's key: "
                "it was made or changed without the key")
    return ""


def _start(job):
    """The walk at its starting point, or a problem with the checkpoint it was to start from."""
    sequence = job.params.get("checkpoint")
    if sequence is None:
        return ChainWalk(), ""
    event = AuditEvent.objects.filter(sequence=sequence, action=VERIFIED_ACTION).first()
    if event is None:
        return ChainWalk(), f"the verified checkpoint in event #{sequence} is gone: events were removed"
    problem = _checkpoint_problem(event)
    if problem:
        return ChainWalk(), problem
    return ChainWalk(event.payload["through_sequence"], event.payload["through_hash"]), ""


def _outcome_event(job):
    return AuditEvent.objects.filter(object_type=Job._meta.label_lower, object_id=str(job.pk),
                                     action=VERIFIED_ACTION).first()


@job_kind(Job.Kind.CHAIN_VERIFY)
def chain_verify_step(run):
    job = run.job
    written = _outcome_event(job)
    if written is not None:  # the outcome was committed, the job not yet marked done: a re-run ends the same
        return _result(written.payload)
    if job.result.get("walk"):
        walk, problem = ChainWalk.from_state(job.result["walk"]), ""
    else:
        walk, problem = _start(job)
    if problem:
        walk.broken_at, walk.problem = job.params.get("checkpoint"), problem
    else:
        head = AuditChainHead.objects.filter(id=1).values_list("last_sequence", flat=True).first() or 0
        run.set_total(max(head - job.params.get("from_sequence", 0), job.done))

        def chunk_verified(walk, count):
            with transaction.atomic():
                Job.objects.filter(pk=job.pk).update(result={"walk": walk.state()})
                run.advance(cursor=walk.sequence, count=count)

        chain_walk(walk, after_chunk=chunk_verified)
    return _result(_record_outcome(run, walk).payload)


def _record_outcome(run, walk):
    job = run.job
    from_sequence = job.params.get("from_sequence", 0)
    payload = {
        "ok": walk.ok, "mode": job.params["mode"], "from_genesis": job.params.get("checkpoint") is None,
        "from_sequence": from_sequence, "relied_on": job.params.get("checkpoint"),
        "through_sequence": walk.sequence, "through_hash": walk.hash, "checked": walk.checked,
        "broken_at": walk.broken_at, "problem": walk.problem, "checkpoints": walk.checkpoints,
        "last_checkpoint": walk.last_checkpoint, "job": job.pk,
    }
    if walk.ok:
        signed_at = timezone.now().isoformat()
        payload["signed_at"] = signed_at
        payload["signature"] = signing.b64(signing.sign(signed_message("verified", walk.sequence, walk.hash, signed_at)))
    with transaction.atomic():
        if walk.checked > job.done:  # events appended during the walk, verified by its last part
            run.set_total(max(job.total, walk.checked))
            run.advance(cursor=walk.sequence, count=walk.checked - job.done)
        return audit_event_record(actor=job.requested_by, action=VERIFIED_ACTION, obj=job, payload=payload)


def _result(payload):
    """The job's result: the outcome's figures and, for people, what was found."""
    through, checked = payload["through_sequence"], payload["checked"]
    span = (f"from the first event to event #{through:,}" if payload["from_genesis"]
            else f"events #{payload['from_sequence'] + 1:,} to #{through:,}")
    result = {key: payload[key] for key in ("ok", "mode", "from_genesis", "from_sequence", "relied_on", "through_sequence",
                                            "through_hash", "checked", "broken_at", "problem", "checkpoints")}
    if payload["ok"]:
        summary = [f"The audit chain is intact: {checked:,} events verified, {span}.",
                   f"Head: event #{through:,}, hash {payload['through_hash']}; signed with key {signing.fingerprint()}.",
                   f"{payload['checkpoints']} signed checkpoints met on the way match the chain."]
    else:
        result["alert"] = (f"The audit chain is BROKEN: {payload['problem']}. {checked:,} events verified as good "
                           f"before it ({span}).")
        summary = [result["alert"], "Tell the CPNI compliance officer: the audit log was changed outside CPNI Track."]
    if not payload["from_genesis"]:
        summary.append(f"Started from the verified checkpoint in event #{payload['relied_on']:,} "
                       f"(events up to #{payload['from_sequence']:,}). {RELIANCE}")
    result["summary"] = summary
    return result
