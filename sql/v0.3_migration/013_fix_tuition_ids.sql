-- Post-step A (upstream scripts/v0.3_migration/fix_tuition_ids.py):
-- regenerate every tuition from the enrolments, under deterministic ids, and
-- re-point logs and meeting links at them. schema-facts.md §2.6 A.
--
-- Deterministic id: SHA-256 of the UTF-8 text
--   subject:educational_system:grade:lesson_index:teacher_id:students
-- (teacher `None` when NULL, students sorted ascending and comma-joined), the
-- first 16 bytes taken as the UUID (no version bits; not UUIDv5).
--
-- Where upstream depends on row order, this file fixes the order:
-- * enrolments are walked by (student_id, subject, teacher_id,
--   educational_system, grade), so with asymmetric sharing the group is the
--   one of the member with the smallest student id;
-- * when two old tuitions map to the same new id, the meeting link of the old
--   tuition with the smallest id wins.
-- Upstream aborts the whole transaction when a log or link points at an id
-- that was not regenerated (and so commits nothing); here such a log keeps
-- tuition_id NULL and such a link is dropped, and a NOTICE counts them.
-- created_at/updated_at of the new tuitions are a fixed instant (upstream:
-- now()) so extraction stays byte-deterministic.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

CREATE OR REPLACE FUNCTION pg_temp.tuition_id(
    subject subject_enum, educational_system educational_system_enum, grade integer,
    lesson_index integer, teacher_id uuid, student_ids uuid[]
) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT pg_temp.det_uuid(
        subject::text || ':' || educational_system::text || ':' || grade || ':' || lesson_index
        || ':' || coalesce(teacher_id::text, 'None') || ':'
        || coalesce((SELECT string_agg(s::text, ',' ORDER BY s)
                     FROM (SELECT DISTINCT unnest(student_ids) AS s) AS d), ''))
$$;

-- 1. Logs whose tuition has template charges, with the id their tuition will get.
CREATE TEMP TABLE relink_logs ON COMMIT DROP AS
SELECT l.id AS log_id,
       pg_temp.tuition_id(t.subject, t.educational_system, t.grade, t.lesson_index, t.teacher_id,
                          array_agg(c.student_id)) AS new_id
FROM tuition_logs l
JOIN tuitions t ON t.id = l.tuition_id
JOIN tuition_template_charges c ON c.tuition_id = t.id
GROUP BY l.id, t.id;

-- 2. Meeting links, the same way.
CREATE TEMP TABLE relink_links ON COMMIT DROP AS
SELECT m.tuition_id AS old_id,
       pg_temp.tuition_id(t.subject, t.educational_system, t.grade, t.lesson_index, t.teacher_id,
                          array_agg(c.student_id)) AS new_id,
       m.meeting_link_type, m.meeting_link, m.meeting_id, m.meeting_password
FROM meeting_links m
JOIN tuitions t ON t.id = m.tuition_id
JOIN tuition_template_charges c ON c.tuition_id = t.id
GROUP BY m.tuition_id, t.id;

-- 3. Regeneration (TuitionService.regenerate_all_tuitions). Remembered costs
--    and links are keyed by the current (old) ids.
CREATE TEMP TABLE remembered_costs ON COMMIT DROP AS
SELECT tuition_id, student_id, cost FROM tuition_template_charges;
CREATE TEMP TABLE remembered_links ON COMMIT DROP AS
SELECT * FROM meeting_links;

CREATE TEMP TABLE new_tuitions (
    id uuid PRIMARY KEY,
    subject subject_enum,
    educational_system educational_system_enum,
    grade integer,
    lesson_index integer,
    min_duration_minutes integer,
    max_duration_minutes integer,
    teacher_id uuid,
    student_ids uuid[]
) ON COMMIT DROP;

DO $$
DECLARE
    e record;
    grp uuid[];
    min_d integer;
    max_d integer;
BEGIN
    CREATE TEMP TABLE handled (
        student_id uuid, subject subject_enum, teacher_id uuid,
        educational_system educational_system_enum, grade integer,
        PRIMARY KEY (student_id, subject, teacher_id, educational_system, grade)
    ) ON COMMIT DROP;

    FOR e IN
        SELECT * FROM student_subjects
        ORDER BY student_id, subject, teacher_id, educational_system, grade
    LOOP
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM handled h
            WHERE h.student_id = e.student_id AND h.subject = e.subject
              AND h.teacher_id = e.teacher_id AND h.educational_system = e.educational_system
              AND h.grade = e.grade);

        grp := ARRAY(
            SELECT DISTINCT m FROM unnest(array_prepend(e.student_id, ARRAY(
                SELECT shared_with_student_id FROM student_subject_sharings
                WHERE student_subject_id = e.id))) AS m
            ORDER BY m);

        SELECT max(min_duration_mins), max(max_duration_mins) INTO min_d, max_d
        FROM students WHERE id = ANY (grp);

        FOR lesson IN 1 .. e.lessons_per_week LOOP
            INSERT INTO new_tuitions VALUES (
                pg_temp.tuition_id(e.subject, e.educational_system, e.grade, lesson, e.teacher_id, grp),
                e.subject, e.educational_system, e.grade, lesson, min_d, max_d, e.teacher_id, grp);
        END LOOP;

        INSERT INTO handled
        SELECT m, e.subject, e.teacher_id, e.educational_system, e.grade FROM unnest(grp) AS m
        ON CONFLICT DO NOTHING;
    END LOOP;
END;
$$;

-- Deletes cascade to template charges, meeting links and timetable slots;
-- logs get tuition_id NULL.
DELETE FROM tuitions;

INSERT INTO tuitions (id, subject, educational_system, grade, lesson_index,
                      min_duration_minutes, max_duration_minutes, teacher_id, created_at, updated_at)
SELECT id, subject, educational_system, grade, lesson_index,
       min_duration_minutes, max_duration_minutes, teacher_id,
       '2025-12-26 00:00:00+00', '2025-12-26 00:00:00+00'
FROM new_tuitions
ORDER BY id;

INSERT INTO tuition_template_charges (id, tuition_id, student_id, parent_id, cost)
SELECT pg_temp.det_uuid('tuition_template_charges:' || n.id || ':' || s.id),
       n.id, s.id, s.parent_id, coalesce(r.cost, s.cost)
FROM new_tuitions n
CROSS JOIN LATERAL unnest(n.student_ids) AS m(student_id)
JOIN students s ON s.id = m.student_id
LEFT JOIN LATERAL (
    SELECT rc.cost FROM remembered_costs rc
    WHERE rc.tuition_id = n.id AND rc.student_id = s.id
    ORDER BY rc.cost
    LIMIT 1
) r ON true
ORDER BY n.id, s.id;

INSERT INTO meeting_links (tuition_id, meeting_link_type, meeting_link, meeting_id, meeting_password)
SELECT rl.tuition_id, rl.meeting_link_type, rl.meeting_link, rl.meeting_id, rl.meeting_password
FROM remembered_links rl
JOIN new_tuitions n ON n.id = rl.tuition_id;

-- 4. Re-point the snapshotted logs and re-insert the snapshotted links.
UPDATE tuition_logs l SET tuition_id = r.new_id
FROM relink_logs r
WHERE l.id = r.log_id AND EXISTS (SELECT 1 FROM tuitions t WHERE t.id = r.new_id);

INSERT INTO meeting_links (tuition_id, meeting_link_type, meeting_link, meeting_id, meeting_password)
SELECT r.new_id, r.meeting_link_type, r.meeting_link, r.meeting_id, r.meeting_password
FROM relink_links r
WHERE EXISTS (SELECT 1 FROM tuitions t WHERE t.id = r.new_id)
ORDER BY r.old_id
ON CONFLICT (tuition_id) DO NOTHING;

DO $$
DECLARE
    lost_logs bigint;
    lost_links bigint;
BEGIN
    SELECT count(*) INTO lost_logs FROM relink_logs r
    WHERE NOT EXISTS (SELECT 1 FROM tuitions t WHERE t.id = r.new_id);
    SELECT count(*) INTO lost_links FROM relink_links r
    WHERE NOT EXISTS (SELECT 1 FROM tuitions t WHERE t.id = r.new_id);
    IF lost_logs > 0 OR lost_links > 0 THEN
        RAISE NOTICE '% logs and % meeting links point at tuitions the enrolments no longer produce; logs keep tuition_id NULL, links are dropped',
            lost_logs, lost_links;
    END IF;
END;
$$;
