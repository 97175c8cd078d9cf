-- Step 8 (upstream grade_migration.sql): grades everywhere, the default
-- teacher's 12 IGCSE specialties, and the two composite foreign keys.
-- schema-facts.md §2.4 step 8.
--
-- Upstream takes a tuition's (and a log's) grade from one charged student
-- picked by `LIMIT 1` without ORDER BY. Here the pick is deterministic: the
-- charged student with the smallest id; 8 when that student has no grade or
-- there is no charge.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

ALTER TABLE teacher_specialties ADD COLUMN grade integer;
UPDATE teacher_specialties SET grade = 8;
ALTER TABLE teacher_specialties ALTER COLUMN grade SET NOT NULL;
ALTER TABLE teacher_specialties
    DROP CONSTRAINT teacher_specialties_teacher_id_subject_educational_system_key;
ALTER TABLE teacher_specialties ADD CONSTRAINT teacher_specialties_teacher_id_subject_system_grade_key
    UNIQUE (teacher_id, subject, educational_system, grade);

ALTER TABLE student_subjects ADD COLUMN grade integer;
UPDATE student_subjects ss SET grade = coalesce(s.grade, 8)
FROM students s WHERE s.id = ss.student_id;
ALTER TABLE student_subjects ALTER COLUMN grade SET NOT NULL;
ALTER TABLE student_subjects DROP CONSTRAINT student_subjects_student_id_subject_teacher_id_educat_key;
ALTER TABLE student_subjects ADD CONSTRAINT student_subjects_student_id_subject_teacher_id_system_grade_key
    UNIQUE (student_id, subject, teacher_id, educational_system, grade);

ALTER TABLE tuitions ADD COLUMN grade integer;
UPDATE tuitions t SET grade = coalesce(g.grade, 8)
FROM tuitions t0
LEFT JOIN (
    SELECT DISTINCT ON (c.tuition_id) c.tuition_id, s.grade
    FROM tuition_template_charges c JOIN students s ON s.id = c.student_id
    ORDER BY c.tuition_id, s.id
) g ON g.tuition_id = t0.id
WHERE t.id = t0.id;
ALTER TABLE tuitions ALTER COLUMN grade SET NOT NULL;

ALTER TABLE tuition_logs ADD COLUMN grade integer;
UPDATE tuition_logs l SET grade = coalesce(g.grade, 8)
FROM tuition_logs l0
LEFT JOIN (
    SELECT DISTINCT ON (c.tuition_log_id) c.tuition_log_id, s.grade
    FROM tuition_log_charges c JOIN students s ON s.id = c.student_id
    ORDER BY c.tuition_log_id, s.id
) g ON g.tuition_log_id = l0.id
WHERE l.id = l0.id;
ALTER TABLE tuition_logs ALTER COLUMN grade SET NOT NULL;

INSERT INTO teacher_specialties (id, teacher_id, subject, educational_system, grade)
SELECT pg_temp.det_uuid('teacher_specialties:' || d.teacher_id || ':' || v.subject || ':IGCSE:' || v.grade),
       d.teacher_id, v.subject::subject_enum, 'IGCSE', v.grade
FROM (VALUES ('dcef54de-bc89-4388-a7a8-dba5d8327447'::uuid)) AS d(teacher_id)
CROSS JOIN (VALUES
    ('Math', 10), ('Physics', 10),
    ('Math', 8), ('Physics', 8), ('Chemistry', 8), ('Biology', 8), ('IT', 8),
    ('Math', 7), ('Physics', 7), ('Chemistry', 7), ('Biology', 7), ('IT', 7)
) AS v(subject, grade)
-- Only when the default teacher exists: an empty v0.2 database (the schema
-- `cargo test` builds its templates from) has no teachers at all.
WHERE EXISTS (SELECT 1 FROM teachers t WHERE t.id = d.teacher_id)
ON CONFLICT DO NOTHING;

ALTER TABLE student_subjects ADD CONSTRAINT fk_student_subjects_to_teacher_specialties
    FOREIGN KEY (teacher_id, subject, educational_system, grade)
    REFERENCES teacher_specialties (teacher_id, subject, educational_system, grade)
    ON UPDATE CASCADE ON DELETE RESTRICT;
ALTER TABLE tuitions ADD CONSTRAINT fk_tuitions_to_teacher_specialties
    FOREIGN KEY (teacher_id, subject, educational_system, grade)
    REFERENCES teacher_specialties (teacher_id, subject, educational_system, grade)
    ON UPDATE CASCADE ON DELETE RESTRICT;
