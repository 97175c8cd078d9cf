-- Step 11 (upstream create_timetable_solutions.sql): relational timetable
-- solutions (empty), the legacy JSON column renamed, parents' currency.
-- schema-facts.md §2.4 step 11 and §1.8.

CREATE TABLE timetable_run_user_solutions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    timetable_run_id bigint NOT NULL,
    user_id uuid NOT NULL,
    CONSTRAINT timetable_run_user_solutions_pkey PRIMARY KEY (id),
    CONSTRAINT timetable_run_user_solutions_timetable_run_id_fkey
        FOREIGN KEY (timetable_run_id) REFERENCES timetable_runs (id) ON DELETE CASCADE,
    CONSTRAINT timetable_run_user_solutions_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT timetable_run_user_solutions_timetable_run_id_user_id_key
        UNIQUE (timetable_run_id, user_id)
);
CREATE INDEX idx_timetable_run_user_solutions_run_id
    ON timetable_run_user_solutions USING btree (timetable_run_id);

CREATE TABLE timetable_solution_slots (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    solution_id uuid NOT NULL,
    name text NOT NULL,
    day_of_week integer NOT NULL,
    start_time time without time zone NOT NULL,
    end_time time without time zone NOT NULL,
    participant_ids uuid[] NOT NULL DEFAULT '{}'::uuid[],
    tuition_id uuid,
    availability_interval_id uuid,
    CONSTRAINT timetable_solution_slots_pkey PRIMARY KEY (id),
    CONSTRAINT timetable_solution_slots_solution_id_fkey
        FOREIGN KEY (solution_id) REFERENCES timetable_run_user_solutions (id) ON DELETE CASCADE,
    CONSTRAINT timetable_solution_slots_tuition_id_fkey
        FOREIGN KEY (tuition_id) REFERENCES tuitions (id) ON DELETE CASCADE,
    CONSTRAINT timetable_solution_slots_availability_interval_id_fkey
        FOREIGN KEY (availability_interval_id) REFERENCES availability_intervals (id) ON DELETE CASCADE,
    CONSTRAINT timetable_solution_slots_day_of_week_check CHECK (day_of_week BETWEEN 1 AND 7),
    CONSTRAINT check_slot_source_xor CHECK (
        (tuition_id IS NOT NULL AND availability_interval_id IS NULL)
        OR (tuition_id IS NULL AND availability_interval_id IS NOT NULL)
    )
);
CREATE INDEX idx_timetable_solution_slots_solution_id
    ON timetable_solution_slots USING btree (solution_id);

ALTER TABLE timetable_runs RENAME COLUMN solution_data TO legacy_solution_data;

UPDATE parents SET currency = 'kwd';
