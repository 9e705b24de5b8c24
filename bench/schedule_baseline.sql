-- The schedule change's baseline: the writes of the recompute job (records.schedules.recompute_run)
-- for one schedule, hand-written in SQL and run as one transaction. Every record of the schedule
-- (not destroyed, with a trigger date) whose expiry moves gets its new expiry (the latest of the
-- trigger date plus the period and plus the legal minimum; the bench's records carry no further
-- minimum and no extension) and its history row ('~', the change's reason, the records manager);
-- each due record whose new expiry lies ahead goes back to active (a hold does not stop that) with
-- its history row and its audit event record.extend_retention, chained on the audit log's head
-- as records.audit.event_hash chains them. Placeholders are filled by bench.tasks (numbers, a date).
BEGIN;

CREATE TEMP TABLE bench_moved ON COMMIT DROP AS
WITH moved AS (
    UPDATE records_record AS r
       SET expiry_date = GREATEST(r.trigger_date + :period::interval, r.trigger_date + :legal::interval)::date,
           updated_at = clock_timestamp()
     WHERE r.schedule_id = :schedule
       AND r.status <> 'destroyed' AND r.trigger_date IS NOT NULL
       AND r.expiry_date IS DISTINCT FROM GREATEST(r.trigger_date + :period::interval, r.trigger_date + :legal::interval)::date
 RETURNING r.*
)
SELECT * FROM moved;

INSERT INTO records_historicalrecord (
    id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
    expiry_date, status, notes, label_verification, label_attested_at, created_at, history_date,
    history_change_reason, history_type, created_by_id, custodian_id, department_id, history_user_id,
    label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at, label_import_id)
SELECT id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
       expiry_date, status, notes, label_verification, label_attested_at, created_at, clock_timestamp(),
       :reason, '~', created_by_id, custodian_id, department_id, :user_id,
       label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at, label_import_id
  FROM bench_moved
 ORDER BY id;

CREATE TEMP TABLE bench_back ON COMMIT DROP AS
WITH back AS (
    UPDATE records_record AS r
       SET status = 'active', status_changed_at = clock_timestamp(), updated_at = clock_timestamp()
      FROM bench_moved AS m
     WHERE r.id = m.id AND m.status = 'due' AND m.expiry_date > :today
 RETURNING r.*
)
SELECT * FROM back;

INSERT INTO records_historicalrecord (
    id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
    expiry_date, status, notes, label_verification, label_attested_at, created_at, history_date,
    history_change_reason, history_type, created_by_id, custodian_id, department_id, history_user_id,
    label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at, label_import_id)
SELECT id, reference, title, contains_cpni, cpni_categories, medium, media_serial_number, location, trigger_date,
       expiry_date, status, notes, label_verification, label_attested_at, created_at, clock_timestamp(),
       :reason, '~', created_by_id, custodian_id, department_id, :user_id,
       label_attested_by_id, label_check_id, schedule_id, customer_reference, status_changed_at, label_import_id
  FROM bench_back
 ORDER BY id;

DO $$
DECLARE
    moment timestamptz := clock_timestamp();
    stamp text;
    head_sequence bigint;
    head_hash text;
    back record;
    sequences bigint[] := '{}';
    object_ids text[] := '{}';
    reprs text[] := '{}';
    previous_hashes text[] := '{}';
    hashes text[] := '{}';
BEGIN
    stamp := to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
             || CASE WHEN extract(microseconds FROM moment)::bigint % 1000000 = 0 THEN ''
                     ELSE to_char(moment AT TIME ZONE 'UTC', '.US') END
             || '+00:00';
    SELECT last_sequence, last_hash INTO head_sequence, head_hash
      FROM records_auditchainhead WHERE id = 1 FOR UPDATE;
    FOR back IN SELECT id, left(reference || ' ' || title, 200) AS repr FROM bench_back ORDER BY id LOOP
        head_sequence := head_sequence + 1;
        previous_hashes := previous_hashes || head_hash;
        head_hash := encode(sha256(convert_to(
            head_hash
            || '{"action":"record.extend_retention","actor":' || to_json(:username::text)::text
            || ',"actor_id":' || :user_id || ',"object_id":"' || back.id
            || '","object_repr":' || to_json(back.repr)::text
            || ',"object_type":"records.record","occurred_at":"' || stamp
            || '","payload":{"from":"due","reason":' || to_json(:reason::text)::text || ',"to":"active"},"sequence":'
            || head_sequence || '}', 'UTF8')), 'hex');
        sequences := sequences || head_sequence;
        object_ids := object_ids || back.id::text;
        reprs := reprs || back.repr;
        hashes := hashes || head_hash;
    END LOOP;
    INSERT INTO records_auditevent (sequence, occurred_at, actor_name, action, object_type, object_id, object_repr,
                                    payload, previous_hash, hash, actor_id)
    SELECT s, moment, :username, 'record.extend_retention', 'records.record', i, r,
           jsonb_build_object('from', 'due', 'to', 'active', 'reason', :reason::text), p, h, :user_id
      FROM unnest(sequences, object_ids, reprs, previous_hashes, hashes) AS u(s, i, r, p, h)
     ORDER BY s;
    UPDATE records_auditchainhead SET last_sequence = head_sequence, last_hash = head_hash WHERE id = 1;
END
$$;

COMMIT;
