-- Step 5 (upstream create_admins_table.sql): the admins table, its single
-- Master admin, and the rules that keep one Master. schema-facts.md §2.4 step 5.
--
-- Upstream inserts the admin with a random UUID and the owner's real name.
-- Here the id is derived from the email (the §2.6 hashing rule), so extracted
-- fixtures are byte-deterministic, and the name is copied from the default
-- teacher's users row (the owner of the business; the demo guarantees it), so
-- no personal data lives in this file. The password stays EMPTY, as upstream:
-- the `passwords` step gives it a real bcrypt hash.

CREATE OR REPLACE FUNCTION pg_temp.det_uuid(t text) RETURNS uuid
    LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(substring(sha256(convert_to(t, 'UTF8')) FROM 1 FOR 16), 'hex')::uuid $$;

CREATE TABLE admins (
    id uuid NOT NULL,
    CONSTRAINT admins_pkey PRIMARY KEY (id),
    CONSTRAINT admins_id_fkey FOREIGN KEY (id) REFERENCES users (id) ON DELETE CASCADE
);

INSERT INTO users (id, email, password, first_name, last_name, role, timezone)
SELECT pg_temp.det_uuid('users:admin@et.com'), 'admin@et.com', '',
       t.first_name, t.last_name, 'admin', 'Africa/Cairo'
FROM (VALUES ('dcef54de-bc89-4388-a7a8-dba5d8327447'::uuid)) AS d(id)
LEFT JOIN users t ON t.id = d.id;

INSERT INTO admins (id) VALUES (pg_temp.det_uuid('users:admin@et.com'));

CREATE TYPE admin_privilege_type AS ENUM ('ReadOnly', 'Normal', 'Master');
ALTER TABLE admins ADD COLUMN privileges admin_privilege_type NOT NULL DEFAULT 'Normal';

-- At most one Master.
CREATE UNIQUE INDEX one_master_admin_idx ON admins USING btree ((privileges = 'Master'))
    WHERE privileges = 'Master';

-- The last Master can be neither deleted nor changed.
CREATE FUNCTION check_master_admin_integrity() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.privileges = 'Master'
       AND (SELECT count(*) FROM admins WHERE privileges = 'Master') <= 1 THEN
        RAISE EXCEPTION 'Cannot delete or demote the last Master admin';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER before_delete_admin_trigger
    BEFORE DELETE ON admins
    FOR EACH ROW EXECUTE FUNCTION check_master_admin_integrity();
CREATE TRIGGER before_update_admin_trigger
    BEFORE UPDATE OF privileges ON admins
    FOR EACH ROW EXECUTE FUNCTION check_master_admin_integrity();

UPDATE admins SET privileges = 'Master' WHERE id = pg_temp.det_uuid('users:admin@et.com');
