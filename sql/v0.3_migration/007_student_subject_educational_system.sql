-- Step 7 (upstream student_subject_educational_system_migration.sql): every
-- enrolment, tuition and log is IGCSE. schema-facts.md §2.4 step 7.

ALTER TABLE student_subjects ADD COLUMN educational_system educational_system_enum;
UPDATE student_subjects SET educational_system = 'IGCSE';
ALTER TABLE student_subjects ALTER COLUMN educational_system SET NOT NULL;

ALTER TABLE tuitions ADD COLUMN educational_system educational_system_enum;
UPDATE tuitions SET educational_system = 'IGCSE';
ALTER TABLE tuitions ALTER COLUMN educational_system SET NOT NULL;

ALTER TABLE tuition_logs ADD COLUMN educational_system educational_system_enum;
UPDATE tuition_logs SET educational_system = 'IGCSE';
ALTER TABLE tuition_logs ALTER COLUMN educational_system SET NOT NULL;

ALTER TABLE student_subjects DROP CONSTRAINT student_subjects_student_id_subject_teacher_id_key;
ALTER TABLE student_subjects ADD CONSTRAINT student_subjects_student_id_subject_teacher_id_educat_key
    UNIQUE (student_id, subject, teacher_id, educational_system);
