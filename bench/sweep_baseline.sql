-- The retention sweep's baseline: the same writes as records.sweep.retention_sweep, hand-written
-- in SQL and run as one transaction. Every active record whose expiry has come (:today) and that
-- no active legal hold covers becomes due; each gets its history row (as django-simple-history
-- writes it: '~', reason 'retention period ended', no user) and its audit event record.expire,
-- chained on the audit log's head exactly as records.audit.event_hash chains them (SHA-256 of the
-- previous hash and the canonical JSON of the event), and the head moves on.
BEGIN;

CREATE TEMP TABLE bench_moved ON COMMIT DROP AS
WITH moved AS (
    UPDATE records_record AS r
       SET status = 'due', status_changed_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE r.status = 'active'
       AND r.expiry_date <= :today
       AND NOT EXISTS (
           SELECT 1 FROM records_heldrecord AS h JOIN records_legalhold AS l ON l.id = h.hold_id
            WHERE h.record_id = r.id AND l.released_at IS NULL)
 RETURNING r.*
)
SELECT * FROM moved;

INSERT INTO records_historicalrecord (
    id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
    expiry_date, status, notes, label_verification, label_attested_at, created_at, history_date,
    history_change_reason, history_type, created_by_id, custodian_id, department_id, history_user_id,
    label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at)
SELECT id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
       expiry_date, status, notes, label_verification, label_attested_at, created_at, clock_timestamp(),
       'retention period ended', '~', created_by_id, custodian_id, department_id, NULL,
       label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at
  FROM bench_moved
 ORDER BY id;

DO $$
DECLARE
    moment timestamptz := clock_timestamp();
    stamp text;
    head_sequence bigint;
    head_hash text;
    moved record;
    sequences bigint[] := '{}';
    object_ids text[] := '{}';
    reprs text[] := '{}';
    previous_hashes text[] := '{}';
    hashes text[] := '{}';
BEGIN
    -- Python's datetime.isoformat() of the UTC moment (no fraction when it is whole seconds).
    stamp := to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
             || CASE WHEN extract(microseconds FROM moment)::bigint % 1000000 = 0 THEN ''
                     ELSE to_char(moment AT TIME ZONE 'UTC', '.US') END
             || '+00:00';
    SELECT last_sequence, last_hash INTO head_sequence, head_hash
      FROM records_auditchainhead WHERE id = 1 FOR UPDATE;
    FOR moved IN SELECT id, reference, title FROM bench_moved ORDER BY id LOOP
        head_sequence := head_sequence + 1;
        previous_hashes := previous_hashes || head_hash;
        head_hash := encode(sha256(convert_to(
            head_hash
            || '{"action":"record.expire","actor":"system","actor_id":null,"object_id":"' || moved.id
            || '","object_repr":' || to_json(left(moved.reference || ' ' || moved.title, 200))::text
            || ',"object_type":"records.record","occurred_at":"' || stamp
            || '","payload":{"from":"active","reason":"retention period ended","to":"due"},"sequence":'
            || head_sequence || '}', 'UTF8')), 'hex');
        sequences := sequences || head_sequence;
        object_ids := object_ids || moved.id::text;
        reprs := reprs || left(moved.reference || ' ' || moved.title, 200);
        hashes := hashes || head_hash;
    END LOOP;
    INSERT INTO records_auditevent (sequence, occurred_at, actor_name, action, object_type, object_id, object_repr,
                                    payload, previous_hash, hash, actor_id)
    SELECT s, moment, 'system', 'record.expire', 'records.record', i, r,
           '{"from": "active", "to": "due", "reason": "retention period ended"}'::jsonb, p, h, NULL
      FROM unnest(sequences, object_ids, reprs, previous_hashes, hashes) AS u(s, i, r, p, h)
     ORDER BY s;
    UPDATE records_auditchainhead SET last_sequence = head_sequence, last_hash = head_hash WHERE id = 1;
END
$$;

COMMIT;
