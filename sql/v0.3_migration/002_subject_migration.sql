-- Step 2 (upstream subject_migration.sql): enrolments and their sharing rows
-- move out of students.student_data->'subjects'. schema-facts.md §2.4 step 2.
-- Ids are derived from (student, subject), as in 001.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

CREATE TABLE student_subjects (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    student_id uuid NOT NULL,
    subject subject_enum NOT NULL,
    lessons_per_week integer NOT NULL DEFAULT 1,
    CONSTRAINT student_subjects_pkey PRIMARY KEY (id),
    CONSTRAINT student_subjects_student_id_subject_key UNIQUE (student_id, subject),
    CONSTRAINT student_subjects_student_id_fkey FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE
);
CREATE INDEX idx_student_subjects_student_id ON student_subjects USING btree (student_id);

CREATE TABLE student_subject_sharings (
    student_subject_id uuid NOT NULL,
    shared_with_student_id uuid NOT NULL,
    CONSTRAINT student_subject_sharings_pkey PRIMARY KEY (student_subject_id, shared_with_student_id),
    CONSTRAINT student_subject_sharings_student_subject_id_fkey
        FOREIGN KEY (student_subject_id) REFERENCES student_subjects (id) ON DELETE CASCADE,
    CONSTRAINT student_subject_sharings_shared_with_student_id_fkey
        FOREIGN KEY (shared_with_student_id) REFERENCES students (id) ON DELETE CASCADE
);
CREATE INDEX idx_student_subject_sharings_subject_id
    ON student_subject_sharings USING btree (student_subject_id);
CREATE INDEX idx_student_subject_sharings_student_id
    ON student_subject_sharings USING btree (shared_with_student_id);

-- One enrolment per subject element; a repeated subject keeps its first
-- element (rows are inserted in array order and later duplicates skipped).
INSERT INTO student_subjects (id, student_id, subject, lessons_per_week)
SELECT pg_temp.det_uuid('student_subjects:' || s.id || ':' || (e.elem ->> 'name')),
       s.id,
       (e.elem ->> 'name')::subject_enum,
       coalesce((e.elem ->> 'lessonsPerWeek')::integer, 1)
FROM students s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.student_data -> 'subjects') = 'array'
         THEN s.student_data -> 'subjects' ELSE '[]'::jsonb END
) WITH ORDINALITY AS e(elem, ord)
ORDER BY s.id, e.ord
ON CONFLICT (student_id, subject) DO NOTHING;

-- Each sharedWith UUID points at the enrolment of the same (student, subject).
INSERT INTO student_subject_sharings (student_subject_id, shared_with_student_id)
SELECT ss.id, w.shared::uuid
FROM students s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.student_data -> 'subjects') = 'array'
         THEN s.student_data -> 'subjects' ELSE '[]'::jsonb END
) AS e(elem)
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(e.elem -> 'sharedWith') = 'array'
         THEN e.elem -> 'sharedWith' ELSE '[]'::jsonb END
) AS w(shared)
JOIN student_subjects ss
  ON ss.student_id = s.id AND ss.subject = (e.elem ->> 'name')::subject_enum
ON CONFLICT DO NOTHING;

UPDATE students SET student_data = student_data - 'subjects';
