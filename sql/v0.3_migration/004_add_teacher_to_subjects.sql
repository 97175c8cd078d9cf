-- Step 4 (upstream add_teacher_to_subjects.sql): every enrolment is assigned
-- to the default teacher (upstream's production teacher, which the demo
-- database guarantees). schema-facts.md §2.4 step 4.

ALTER TABLE student_subjects ADD COLUMN teacher_id uuid;
ALTER TABLE student_subjects ADD CONSTRAINT student_subjects_teacher_id_fkey
    FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE SET NULL;
UPDATE student_subjects SET teacher_id = 'dcef54de-bc89-4388-a7a8-dba5d8327447';
ALTER TABLE student_subjects ALTER COLUMN teacher_id SET NOT NULL;

ALTER TABLE student_subjects DROP CONSTRAINT student_subjects_student_id_subject_key;
ALTER TABLE student_subjects ADD CONSTRAINT student_subjects_student_id_subject_teacher_id_key
    UNIQUE (student_id, subject, teacher_id);

ALTER TABLE teachers ADD COLUMN currency text NOT NULL DEFAULT 'EGP';
