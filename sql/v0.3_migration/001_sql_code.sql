-- Step 1 (upstream sql_code.sql): finance re-derivation, cleanup, notes and
-- meeting links moved out of JSON. schema-facts.md §2.4 step 1.
--
-- The default teacher is upstream's production teacher
-- dcef54de-bc89-4388-a7a8-dba5d8327447; the demo database guarantees it.
-- Rows this file creates get ids derived from their content (first 16 bytes
-- of SHA-256, the §2.6 rule) instead of gen_random_uuid(), so that migrating
-- the same dump twice gives the same rows and extraction stays
-- byte-deterministic. For the same reason notes.created_at is a fixed instant
-- (upstream's `now()`): 2025-12-26, the date of the upstream commit.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

-- Log charges: rebuilt from ACTIVE logs only (VOID logs get none).
DELETE FROM tuition_log_charges;

-- (a) attendee_ids given: one charge per attendee that is a student;
--     cost = log cost / number of attendee ids.
INSERT INTO tuition_log_charges (id, tuition_log_id, student_id, parent_id, cost)
SELECT pg_temp.det_uuid('tuition_log_charges:' || l.id || ':' || a.ord || ':' || s.id),
       l.id, s.id, s.parent_id, l.cost / cardinality(l.attendee_ids)
FROM tuition_logs l
CROSS JOIN LATERAL unnest(l.attendee_ids) WITH ORDINALITY AS a(student_id, ord)
JOIN students s ON s.id = a.student_id
WHERE l.status = 'ACTIVE'
  AND cardinality(l.attendee_ids) > 0;

-- (b) no attendee ids, but a tuition: one charge per student of the tuition;
--     cost = tuition cost / group size.
INSERT INTO tuition_log_charges (id, tuition_log_id, student_id, parent_id, cost)
SELECT pg_temp.det_uuid('tuition_log_charges:' || l.id || ':' || m.ord || ':' || s.id),
       l.id, s.id, s.parent_id, t.cost / cardinality(t.student_ids)
FROM tuition_logs l
JOIN tuitions t ON t.id = l.tuition_id
CROSS JOIN LATERAL unnest(t.student_ids) WITH ORDINALITY AS m(student_id, ord)
JOIN students s ON s.id = m.student_id
WHERE l.status = 'ACTIVE'
  AND coalesce(cardinality(l.attendee_ids), 0) = 0;

-- (c) neither: attendee names matched to students.first_name;
--     cost = log cost / number of names.
INSERT INTO tuition_log_charges (id, tuition_log_id, student_id, parent_id, cost)
SELECT pg_temp.det_uuid('tuition_log_charges:' || l.id || ':' || n.ord || ':' || s.id),
       l.id, s.id, s.parent_id, l.cost / cardinality(l.attendee_names)
FROM tuition_logs l
CROSS JOIN LATERAL unnest(l.attendee_names) WITH ORDINALITY AS n(first_name, ord)
JOIN students s ON s.first_name = n.first_name
WHERE l.status = 'ACTIVE'
  AND coalesce(cardinality(l.attendee_ids), 0) = 0
  AND l.tuition_id IS NULL;

UPDATE tuition_logs SET teacher_id = 'dcef54de-bc89-4388-a7a8-dba5d8327447';

-- Template charges: one per (tuition, student); cost = tuition cost / group size.
DELETE FROM tuition_template_charges;

INSERT INTO tuition_template_charges (id, tuition_id, student_id, parent_id, cost)
SELECT pg_temp.det_uuid('tuition_template_charges:' || t.id || ':' || m.ord || ':' || s.id),
       t.id, s.id, s.parent_id, t.cost / cardinality(t.student_ids)
FROM tuitions t
CROSS JOIN LATERAL unnest(t.student_ids) WITH ORDINALITY AS m(student_id, ord)
JOIN students s ON s.id = m.student_id;

-- Two duplicated production logs (their charges cascade).
DELETE FROM tuition_logs
WHERE id IN ('c0248183-86b6-4e74-a8c7-4ce9bf48ba5a', '70eebd82-9743-4b35-9262-b5d2782f0ddc');

ALTER TABLE students DROP COLUMN first_name, DROP COLUMN last_name;
-- Dropping parent_user_id takes tuition_logs_parent_user_id_fkey and
-- idx_tuition_logs_parent with it.
ALTER TABLE tuition_logs
    DROP COLUMN parent_user_id,
    DROP COLUMN attendee_names,
    DROP COLUMN attendee_ids,
    DROP COLUMN cost;
-- Dropping student_ids takes tuitions_student_ids_subject_lesson_index_key.
ALTER TABLE tuitions DROP COLUMN student_ids, DROP COLUMN cost;
ALTER TABLE students DROP CONSTRAINT students_user_id_fkey;
ALTER TABLE students DROP COLUMN user_id;

-- The constraint and index keep their parent_user names (as upstream).
ALTER TABLE payment_logs RENAME COLUMN parent_user_id TO parent_id;

ALTER TABLE users ADD COLUMN is_active boolean NOT NULL DEFAULT true;

-- Notes. Created unquoted upstream, so PostgreSQL folds the name to lower case.
CREATE TYPE NoteTypeEnum AS ENUM ('STUDY_NOTES', 'HOMEWORK', 'PAST_PAPERS');

CREATE TABLE notes (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    student_id uuid NOT NULL,
    name text NOT NULL,
    subject subject_enum NOT NULL,
    note_type notetypeenum NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    description text,
    url text,
    CONSTRAINT notes_pkey PRIMARY KEY (id),
    CONSTRAINT notes_student_id_fkey FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE
);
CREATE INDEX idx_notes_student_id ON notes USING btree (student_id);

ALTER TABLE notes ADD COLUMN teacher_id uuid;
ALTER TABLE notes ADD CONSTRAINT notes_teacher_id_fkey
    FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE SET NULL;

-- One row per element of students.notes; the JSON id is dropped. Subject and
-- type are guessed by case-insensitive substring, first match wins (upstream's
-- rules, including `it` matching any word that contains it).
INSERT INTO notes (id, student_id, name, subject, note_type, created_at, description, url, teacher_id)
SELECT pg_temp.det_uuid('notes:' || s.id || ':' || n.ord),
       s.id,
       n.elem ->> 'name',
       CASE
           WHEN g.hay LIKE '%math%' OR g.name_lc LIKE '%numbers%' THEN 'Math'
           WHEN g.hay LIKE '%physics%' OR g.hay LIKE '%hooke%' THEN 'Physics'
           WHEN g.hay LIKE '%chemistry%' THEN 'Chemistry'
           WHEN g.hay LIKE '%biology%' THEN 'Biology'
           WHEN g.hay LIKE '%it%' THEN 'IT'
           WHEN g.hay LIKE '%geography%' THEN 'Geography'
           ELSE 'Math'
       END::subject_enum,
       CASE
           WHEN g.hay LIKE '%past paper%' THEN 'PAST_PAPERS'
           WHEN g.hay LIKE '%homework%' OR g.name_lc LIKE '%hw%' THEN 'HOMEWORK'
           ELSE 'STUDY_NOTES'
       END::notetypeenum,
       '2025-12-26 00:00:00+00',
       n.elem ->> 'description',
       n.elem ->> 'url',
       'dcef54de-bc89-4388-a7a8-dba5d8327447'
FROM students s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.notes) = 'array' THEN s.notes ELSE '[]'::jsonb END
) WITH ORDINALITY AS n(elem, ord)
CROSS JOIN LATERAL (
    SELECT lower(coalesce(n.elem ->> 'name', '') || ' ' || coalesce(n.elem ->> 'description', '')) AS hay,
           lower(coalesce(n.elem ->> 'name', '')) AS name_lc
) g;

UPDATE notes SET teacher_id = 'dcef54de-bc89-4388-a7a8-dba5d8327447';
ALTER TABLE notes ALTER COLUMN teacher_id SET NOT NULL;
ALTER TABLE students DROP COLUMN notes;

-- Meeting links (same case folding as above).
CREATE TYPE MeetingLinkType AS ENUM ('GOOGLE_MEET', 'ZOOM');

CREATE TABLE meeting_links (
    tuition_id uuid NOT NULL,
    meeting_link_type meetinglinktype NOT NULL,
    meeting_link text NOT NULL,
    meeting_id text,
    meeting_password text,
    CONSTRAINT meeting_links_pkey PRIMARY KEY (tuition_id),
    CONSTRAINT meeting_links_tuition_id_fkey FOREIGN KEY (tuition_id) REFERENCES tuitions (id) ON DELETE CASCADE
);

INSERT INTO meeting_links (tuition_id, meeting_link_type, meeting_link, meeting_id)
SELECT t.id,
       CASE
           WHEN t.meeting_link ->> 'meeting_link' LIKE '%zoom.us%' THEN 'ZOOM'
           WHEN t.meeting_link ->> 'meeting_link' LIKE '%meet.google.com%' THEN 'GOOGLE_MEET'
           ELSE 'ZOOM'
       END::meetinglinktype,
       t.meeting_link ->> 'meeting_link',
       t.meeting_link ->> 'meeting_id'
FROM tuitions t
WHERE jsonb_typeof(t.meeting_link) = 'object'
  AND t.meeting_link ? 'meeting_link';

ALTER TABLE tuitions DROP COLUMN meeting_link;
