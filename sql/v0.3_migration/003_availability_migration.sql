-- Step 3 (upstream availability_migration.sql): weekly availability moves out
-- of students.student_data->'availability'. schema-facts.md §2.4 step 3.
-- Day names map to ISO numbers (monday = 1 … sunday = 7). Ids are derived
-- from (student, day, position in the day's array), as in 001.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

CREATE TYPE availability_type_enum AS ENUM ('sleep', 'school', 'sports', 'others');

CREATE TABLE student_availability_intervals (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    student_id uuid NOT NULL,
    day_of_week integer NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
    start_time time without time zone NOT NULL,
    end_time time without time zone NOT NULL,
    availability_type availability_type_enum NOT NULL,
    CONSTRAINT student_availability_intervals_pkey PRIMARY KEY (id),
    CONSTRAINT student_availability_intervals_student_id_fkey
        FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE
);
CREATE INDEX idx_student_availability_student_id
    ON student_availability_intervals USING btree (student_id);

INSERT INTO student_availability_intervals
    (id, student_id, day_of_week, start_time, end_time, availability_type)
SELECT pg_temp.det_uuid('availability_intervals:' || s.id || ':' || d.day || ':' || i.ord),
       s.id,
       CASE d.day
           WHEN 'monday' THEN 1
           WHEN 'tuesday' THEN 2
           WHEN 'wednesday' THEN 3
           WHEN 'thursday' THEN 4
           WHEN 'friday' THEN 5
           WHEN 'saturday' THEN 6
           WHEN 'sunday' THEN 7
       END,
       (i.elem ->> 'start')::time,
       (i.elem ->> 'end')::time,
       (i.elem ->> 'type')::availability_type_enum
FROM students s
CROSS JOIN LATERAL jsonb_each(
    CASE WHEN jsonb_typeof(s.student_data -> 'availability') = 'object'
         THEN s.student_data -> 'availability' ELSE '{}'::jsonb END
) AS d(day, intervals)
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(d.intervals) = 'array' THEN d.intervals ELSE '[]'::jsonb END
) WITH ORDINALITY AS i(elem, ord);

ALTER TABLE students DROP COLUMN student_data;
