-- Post-step B (upstream scripts/v0.3_migration/synthesize_timetable.py): one
-- synthesized timetable run in the relational tables. schema-facts.md §2.6 B.
--
-- Upstream hard-codes 22 weekly sessions copied from production's latest
-- schedule. Here the sessions are read from that source itself: the
-- `Tuition` sessions in legacy_solution_data of the latest SUCCESS run
-- (by run_started_at, then id). Their names have the form
-- Tuition_<FirstName>[_<FirstName>…]_<Subject>_<lessonIndex>, and their
-- start/end are taken as wall-clock times (an offset, if any, is ignored).
--
-- A session resolves to the tuition whose template-charged students' first
-- names (lower-cased, as a set), subject (lower-cased) and lesson_index match;
-- when several match, the smallest tuition id. Unresolved sessions are
-- skipped (a NOTICE counts them). Ids are derived from content and
-- run_started_at is a fixed instant (upstream: now()), so extraction stays
-- byte-deterministic.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

CREATE TEMP TABLE synth_sessions ON COMMIT DROP AS
WITH source AS (
    SELECT legacy_solution_data AS data
    FROM timetable_runs
    WHERE status = 'SUCCESS'
    ORDER BY run_started_at DESC, id DESC
    LIMIT 1
), raw AS (
    SELECT s.ord,
           string_to_array(s.elem ->> 'name', '_') AS parts,
           (s.elem ->> 'start_time')::timestamp AS start_ts,
           (s.elem ->> 'end_time')::timestamp AS end_ts
    FROM source
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(source.data) = 'array' THEN source.data ELSE '[]'::jsonb END
    ) WITH ORDINALITY AS s(elem, ord)
    WHERE s.elem ->> 'category' = 'Tuition'
)
SELECT ord,
       parts[2 : cardinality(parts) - 2] AS first_names,
       parts[cardinality(parts) - 1] AS subject,
       parts[cardinality(parts)]::integer AS lesson_index,
       start_ts,
       end_ts
FROM raw
WHERE cardinality(parts) >= 4
  AND parts[1] = 'Tuition'
  AND parts[cardinality(parts)] ~ '^[0-9]+$';

CREATE TEMP TABLE synth_resolved ON COMMIT DROP AS
WITH tuition_keys AS (
    SELECT t.id, t.teacher_id, t.subject, t.lesson_index,
           array_agg(DISTINCT lower(u.first_name) ORDER BY lower(u.first_name)) AS names,
           array_agg(DISTINCT c.student_id ORDER BY c.student_id) AS student_ids
    FROM tuitions t
    JOIN tuition_template_charges c ON c.tuition_id = t.id
    JOIN users u ON u.id = c.student_id
    GROUP BY t.id
)
SELECT s.ord, s.subject, s.first_names, s.start_ts, s.end_ts, k.id AS tuition_id, k.teacher_id, k.student_ids
FROM synth_sessions s
CROSS JOIN LATERAL (
    SELECT tk.* FROM tuition_keys tk
    WHERE lower(tk.subject::text) = lower(s.subject)
      AND tk.lesson_index = s.lesson_index
      AND tk.names = ARRAY(SELECT DISTINCT lower(n) FROM unnest(s.first_names) AS n ORDER BY 1)
    ORDER BY tk.id
    LIMIT 1
) k;

CREATE TEMP TABLE synth_run ON COMMIT DROP AS
SELECT coalesce(max(id), 0) + 1 AS id FROM timetable_runs;

INSERT INTO timetable_runs (id, run_started_at, status, input_version_hash, trigger_source)
SELECT id, '2025-12-26 00:00:00+00', 'SUCCESS', 'migration_synthesis', 'v0.3_migration'
FROM synth_run;

INSERT INTO timetable_run_user_solutions (id, timetable_run_id, user_id)
SELECT pg_temp.det_uuid('timetable_run_user_solutions:' || r.id || ':' || u.id), r.id, u.id
FROM users u CROSS JOIN synth_run r
WHERE u.role IN ('student', 'teacher')
ORDER BY u.id;

-- Every availability interval, in its owner's solution.
INSERT INTO timetable_solution_slots
    (id, solution_id, name, day_of_week, start_time, end_time, participant_ids, availability_interval_id)
SELECT pg_temp.det_uuid('timetable_solution_slots:' || sol.id || ':availability:' || a.id),
       sol.id, 'Availability', a.day_of_week, a.start_time, a.end_time, '{}', a.id
FROM availability_intervals a
JOIN timetable_run_user_solutions sol ON sol.user_id = a.user_id
JOIN synth_run r ON r.id = sol.timetable_run_id
ORDER BY a.id;

-- The teacher's slot: participants are the students.
INSERT INTO timetable_solution_slots
    (id, solution_id, name, day_of_week, start_time, end_time, participant_ids, tuition_id)
SELECT pg_temp.det_uuid('timetable_solution_slots:' || sol.id || ':tuition:' || s.ord),
       sol.id,
       'Tuition: ' || upper(left(s.subject, 1)) || lower(substr(s.subject, 2)) || ' ('
           || (SELECT string_agg(n, ', ' ORDER BY n)
               FROM (SELECT initcap(x) AS n FROM unnest(s.first_names) AS x) AS names) || ')',
       extract(isodow FROM s.start_ts)::integer, s.start_ts::time, s.end_ts::time,
       s.student_ids, s.tuition_id
FROM synth_resolved s
JOIN synth_run r ON true
JOIN timetable_run_user_solutions sol ON sol.timetable_run_id = r.id AND sol.user_id = s.teacher_id
ORDER BY s.ord;

-- Each student's slot: the participant is the teacher.
INSERT INTO timetable_solution_slots
    (id, solution_id, name, day_of_week, start_time, end_time, participant_ids, tuition_id)
SELECT pg_temp.det_uuid('timetable_solution_slots:' || sol.id || ':tuition:' || s.ord),
       sol.id,
       'Tuition: ' || upper(left(s.subject, 1)) || lower(substr(s.subject, 2)) || ' ('
           || (SELECT string_agg(n, ', ' ORDER BY n)
               FROM (SELECT initcap(x) AS n FROM unnest(s.first_names) AS x) AS names) || ')',
       extract(isodow FROM s.start_ts)::integer, s.start_ts::time, s.end_ts::time,
       array_remove(ARRAY[s.teacher_id], NULL), s.tuition_id
FROM synth_resolved s
CROSS JOIN LATERAL unnest(s.student_ids) AS m(student_id)
JOIN synth_run r ON true
JOIN timetable_run_user_solutions sol ON sol.timetable_run_id = r.id AND sol.user_id = m.student_id
ORDER BY s.ord, m.student_id;

DO $$
DECLARE
    total bigint;
    resolved bigint;
BEGIN
    SELECT count(*) INTO total FROM synth_sessions;
    SELECT count(*) INTO resolved FROM synth_resolved;
    IF resolved < total THEN
        RAISE NOTICE 'timetable synthesis: % of % tuition sessions matched no tuition and were skipped',
            total - resolved, total;
    END IF;
END;
$$;
