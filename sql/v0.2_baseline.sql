-- EfficientTutor v0.2 production schema (the state the v0.3 migrations start from).
--
-- Rebuilt from shared/schema-facts.md §1, §2.1–2.3; no upstream DDL existed.
-- Constraint and index names are the ones production carries (the v0.3
-- migrations drop several by name); where the facts give none, the name is the
-- one PostgreSQL generates by default. Column order follows the order in which
-- upstream's history created the columns. Loaded in one transaction by
-- `et_testdb::demo::generate`; idempotence is not a goal (empty database only).

-- Production has pg_stat_statements (its two views show up in reflections).
-- It needs superuser rights and the contrib files; without them the schema
-- is still complete, so a missing extension is only a notice.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_stat_statements not installed: %', SQLERRM;
END
$$;

-- ---------------------------------------------------------------------------
-- Enum types (12; labels in declared order)
-- ---------------------------------------------------------------------------

CREATE TYPE user_role AS ENUM ('admin', 'parent', 'student', 'teacher');
CREATE TYPE student_status_enum AS ENUM ('NONE', 'Alpha', 'Omega', 'Sigma', 'HIM');
CREATE TYPE subject_enum AS ENUM ('Math', 'Physics', 'Chemistry', 'Biology', 'IT', 'Geography');
CREATE TYPE log_status_enum AS ENUM ('ACTIVE', 'VOID');
CREATE TYPE tuition_log_create_type_enum AS ENUM ('SCHEDULED', 'CUSTOM');
CREATE TYPE run_status_enum AS ENUM ('SUCCESS', 'FAILED', 'MANUAL');
CREATE TYPE session_category_enum AS ENUM
    ('Gym', 'Sleep', 'Work', 'Meal', 'Tuition', 'Prayer', 'CalendarEvent');
CREATE TYPE fixed_activity_category_enum AS ENUM ('Gym', 'Sleep', 'Work', 'Meal');
CREATE TYPE gym_type_enum AS ENUM ('PUSH', 'PULL', 'LEG');
CREATE TYPE sleep_type_enum AS ENUM ('NIGHT', 'NAP');
CREATE TYPE work_type_enum AS ENUM ('MAIN_JOB', 'FREELANCE', 'MAIN_JOB_FREELANCE', 'TUITION');
CREATE TYPE meal_type_enum AS ENUM ('MEALPREP', 'BREAKFAST', 'SNACK', 'LUNCH', 'DINNER');

-- ---------------------------------------------------------------------------
-- Trigger function (from before_initial.sql; attached to tuitions below)
-- ---------------------------------------------------------------------------

CREATE FUNCTION trigger_set_timestamp() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- Identity
-- ---------------------------------------------------------------------------

CREATE TABLE users (
    id uuid NOT NULL,
    email character varying(255) NOT NULL,
    password character varying(255) NOT NULL,
    role user_role NOT NULL DEFAULT 'parent',
    timezone text NOT NULL DEFAULT 'Africa/Cairo',
    is_first_sign_in boolean DEFAULT true,
    first_name text,
    last_name text,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE teachers (
    id uuid NOT NULL,
    CONSTRAINT teachers_pkey PRIMARY KEY (id),
    CONSTRAINT teachers_id_fkey FOREIGN KEY (id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE parents (
    id uuid NOT NULL,
    currency text NOT NULL DEFAULT 'EGP',
    CONSTRAINT parents_pkey PRIMARY KEY (id),
    CONSTRAINT parents_id_fkey FOREIGN KEY (id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE students (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    student_data jsonb NOT NULL,
    cost numeric(10, 2) NOT NULL DEFAULT 6.00,
    status student_status_enum NOT NULL DEFAULT 'NONE',
    min_duration_mins integer NOT NULL DEFAULT 60,
    max_duration_mins integer NOT NULL DEFAULT 90,
    first_name character varying(255),
    last_name character varying(255),
    grade integer,
    generated_password text,
    notes jsonb,
    parent_id uuid NOT NULL,
    CONSTRAINT students_pkey PRIMARY KEY (id),
    CONSTRAINT students_id_fkey FOREIGN KEY (id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT students_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT students_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE,
    CONSTRAINT positive_durations CHECK (min_duration_mins >= 0 AND max_duration_mins >= 0)
);

-- ---------------------------------------------------------------------------
-- Tuition templates (the group lives in student_ids in v0.2)
-- ---------------------------------------------------------------------------

CREATE TABLE tuitions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    student_ids uuid[] NOT NULL,
    subject subject_enum NOT NULL,
    lesson_index integer NOT NULL,
    cost numeric(10, 2) NOT NULL,
    min_duration_minutes integer NOT NULL,
    max_duration_minutes integer NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    meeting_link jsonb,
    teacher_id uuid,
    CONSTRAINT tuitions_pkey PRIMARY KEY (id),
    CONSTRAINT tuitions_student_ids_subject_lesson_index_key UNIQUE (student_ids, subject, lesson_index),
    CONSTRAINT tuitions_teacher_id_fkey FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE SET NULL
);

CREATE TRIGGER set_timestamp
    BEFORE UPDATE ON tuitions
    FOR EACH ROW EXECUTE FUNCTION trigger_set_timestamp();

CREATE TABLE tuition_template_charges (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tuition_id uuid NOT NULL,
    student_id uuid NOT NULL,
    parent_id uuid NOT NULL,
    cost numeric(10, 2) NOT NULL,
    CONSTRAINT tuition_template_charges_pkey PRIMARY KEY (id),
    CONSTRAINT tuition_template_charges_tuition_id_fkey
        FOREIGN KEY (tuition_id) REFERENCES tuitions (id) ON DELETE CASCADE,
    CONSTRAINT tuition_template_charges_student_id_fkey
        FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE,
    CONSTRAINT tuition_template_charges_parent_id_fkey
        FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------------------
-- Finance
-- ---------------------------------------------------------------------------

CREATE TABLE tuition_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_user_id uuid NOT NULL,
    subject subject_enum NOT NULL,
    attendee_names text[] NOT NULL,
    cost numeric(10, 2) NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone NOT NULL,
    status log_status_enum NOT NULL DEFAULT 'ACTIVE',
    corrected_from_log_id uuid,
    create_type tuition_log_create_type_enum NOT NULL DEFAULT 'CUSTOM',
    tuition_id uuid,
    lesson_index integer,
    attendee_ids uuid[],
    teacher_id uuid,
    CONSTRAINT tuition_logs_pkey PRIMARY KEY (id),
    CONSTRAINT tuition_logs_parent_user_id_fkey
        FOREIGN KEY (parent_user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT tuition_logs_corrected_from_log_id_fkey
        FOREIGN KEY (corrected_from_log_id) REFERENCES tuition_logs (id),
    CONSTRAINT tuition_logs_tuition_id_fkey
        FOREIGN KEY (tuition_id) REFERENCES tuitions (id) ON DELETE SET NULL,
    CONSTRAINT tuition_logs_teacher_id_fkey
        FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE SET NULL
);

CREATE INDEX idx_tuition_logs_parent ON tuition_logs USING btree (parent_user_id);
CREATE INDEX idx_tuition_logs_status ON tuition_logs USING btree (status);

CREATE TABLE tuition_log_charges (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tuition_log_id uuid NOT NULL,
    student_id uuid NOT NULL,
    parent_id uuid NOT NULL,
    cost numeric(10, 2) NOT NULL,
    CONSTRAINT tuition_log_charges_pkey PRIMARY KEY (id),
    CONSTRAINT tuition_log_charges_tuition_log_id_fkey
        FOREIGN KEY (tuition_log_id) REFERENCES tuition_logs (id) ON DELETE CASCADE,
    CONSTRAINT tuition_log_charges_student_id_fkey
        FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE,
    CONSTRAINT tuition_log_charges_parent_id_fkey
        FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE
);

-- parent_user_id points at users (not parents); v0.3 renames the column but
-- keeps these constraint and index names.
CREATE TABLE payment_logs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_user_id uuid NOT NULL,
    payment_date timestamp with time zone NOT NULL DEFAULT now(),
    amount_paid numeric(10, 2) NOT NULL,
    notes text,
    status log_status_enum NOT NULL DEFAULT 'ACTIVE',
    corrected_from_log_id uuid,
    teacher_id uuid NOT NULL,
    CONSTRAINT payment_logs_pkey PRIMARY KEY (id),
    CONSTRAINT payment_logs_parent_user_id_fkey
        FOREIGN KEY (parent_user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT payment_logs_corrected_from_log_id_fkey
        FOREIGN KEY (corrected_from_log_id) REFERENCES payment_logs (id),
    CONSTRAINT payment_logs_teacher_id_fkey
        FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE SET NULL
);

CREATE INDEX idx_payment_logs_parent ON payment_logs USING btree (parent_user_id);

-- ---------------------------------------------------------------------------
-- Timetable (written by the external scheduler)
-- ---------------------------------------------------------------------------

CREATE TABLE timetable_runs (
    id bigint NOT NULL,
    run_started_at timestamp with time zone NOT NULL,
    status run_status_enum NOT NULL,
    input_version_hash text NOT NULL,
    run_duration_ms integer,
    trigger_source text,
    solution_data jsonb,
    error_message text,
    CONSTRAINT timetable_runs_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_runs_input_hash ON timetable_runs USING btree (input_version_hash);

CREATE TABLE calendar_events (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1 CACHE 1 NO CYCLE),
    timetable_run_id bigint NOT NULL,
    event_key text NOT NULL,
    google_event_id text NOT NULL,
    created_at timestamp with time zone DEFAULT now(),
    updated_at timestamp with time zone DEFAULT now(),
    CONSTRAINT calendar_events_pkey PRIMARY KEY (id),
    CONSTRAINT calendar_events_timetable_run_id_event_key_key UNIQUE (timetable_run_id, event_key),
    CONSTRAINT calendar_events_timetable_run_id_fkey
        FOREIGN KEY (timetable_run_id) REFERENCES timetable_runs (id)
);

-- ---------------------------------------------------------------------------
-- The owner's personal scheduler (no foreign keys)
-- ---------------------------------------------------------------------------

CREATE TABLE activity_overlap_rules (
    host_category session_category_enum NOT NULL,
    interrupter_category session_category_enum NOT NULL,
    CONSTRAINT activity_overlap_rules_pkey PRIMARY KEY (host_category, interrupter_category)
);

CREATE TABLE fixed_activities (
    id bigint NOT NULL,
    fixed_activity_category fixed_activity_category_enum NOT NULL,
    sessions_per_week integer NOT NULL DEFAULT 1,
    min_duration_mins integer NOT NULL,
    max_duration_mins integer NOT NULL,
    gym_type gym_type_enum,
    sleep_type sleep_type_enum,
    work_type work_type_enum,
    meal_type meal_type_enum,
    allowed_intervals jsonb,
    CONSTRAINT fixed_activities_pkey PRIMARY KEY (id),
    CONSTRAINT one_type_per_fixed_activity CHECK (
        (fixed_activity_category = 'Gym'
            AND gym_type IS NOT NULL AND sleep_type IS NULL AND work_type IS NULL AND meal_type IS NULL)
        OR (fixed_activity_category = 'Sleep'
            AND gym_type IS NULL AND sleep_type IS NOT NULL AND work_type IS NULL AND meal_type IS NULL)
        OR (fixed_activity_category = 'Work'
            AND gym_type IS NULL AND sleep_type IS NULL AND work_type IS NOT NULL AND meal_type IS NULL)
        OR (fixed_activity_category = 'Meal'
            AND gym_type IS NULL AND sleep_type IS NULL AND work_type IS NULL AND meal_type IS NOT NULL)
    )
);

CREATE TABLE prayer_settings (
    id smallint NOT NULL DEFAULT 1,
    latitude numeric(9, 6) NOT NULL,
    longitude numeric(9, 6) NOT NULL,
    api_method integer NOT NULL,
    eqama_times_mins jsonb NOT NULL,
    duration_mins jsonb NOT NULL,
    last_updated timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT prayer_settings_pkey PRIMARY KEY (id),
    CONSTRAINT single_row_check CHECK (id = 1),
    CONSTRAINT valid_location CHECK (
        latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180
    )
);
