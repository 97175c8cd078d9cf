-- Enum types of schema `public` with their labels in declared order
-- (enumsortorder, not oid: ADD VALUE ... BEFORE inserts in the middle).
SELECT t.typname::text   AS enum_name,
       e.enumlabel::text AS label
FROM pg_catalog.pg_enum e
JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public'
ORDER BY t.typname, e.enumsortorder;
