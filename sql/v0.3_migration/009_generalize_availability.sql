-- Step 9 (upstream generalize_availability.sql): availability belongs to any
-- user, not only students. schema-facts.md §2.4 step 9.
-- ADD VALUE inside a transaction is fine on PostgreSQL 12+ as long as the new
-- labels are not used before commit; this file does not use them.

ALTER TYPE availability_type_enum ADD VALUE 'work';
ALTER TYPE availability_type_enum ADD VALUE 'personal';

ALTER TABLE student_availability_intervals RENAME TO availability_intervals;
ALTER TABLE availability_intervals RENAME COLUMN student_id TO user_id;
ALTER TABLE availability_intervals DROP CONSTRAINT student_availability_intervals_student_id_fkey;
ALTER TABLE availability_intervals ADD CONSTRAINT availability_intervals_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER INDEX idx_student_availability_student_id RENAME TO idx_availability_intervals_user_id;
ALTER TABLE availability_intervals RENAME CONSTRAINT student_availability_intervals_day_of_week_check
    TO availability_intervals_day_of_week_check;
ALTER TABLE availability_intervals RENAME CONSTRAINT student_availability_intervals_pkey
    TO availability_intervals_pkey;
