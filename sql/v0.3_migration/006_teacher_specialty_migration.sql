-- Step 6 (upstream teacher_specialty_migration.sql): teachers.birth_date, the
-- educational system enum and the (empty) specialties table.
-- schema-facts.md §2.4 step 6.

ALTER TABLE teachers ADD COLUMN birth_date date;

CREATE TYPE educational_system_enum AS ENUM ('IGCSE', 'SAT', 'National-EG', 'National-KW');

-- The unique key keeps PostgreSQL's default name,
-- teacher_specialties_teacher_id_subject_educational_system_key (step 8 drops it).
CREATE TABLE teacher_specialties (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    teacher_id uuid NOT NULL,
    subject subject_enum NOT NULL,
    educational_system educational_system_enum NOT NULL,
    CONSTRAINT teacher_specialties_pkey PRIMARY KEY (id),
    CONSTRAINT teacher_specialties_teacher_id_fkey
        FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE CASCADE,
    UNIQUE (teacher_id, subject, educational_system)
);
CREATE INDEX idx_teacher_specialties_teacher_id ON teacher_specialties USING btree (teacher_id);
