-- Every type a column may use, so domains and arrays can be resolved to
-- their base and element types. Enums are loaded with their labels by enums.sql.
SELECT t.oid                  AS oid,
       n.nspname::text        AS schema_name,
       t.typname::text        AS type_name,
       t.typtype::text        AS kind,
       t.typelem              AS element_oid,
       t.typbasetype          AS base_oid,
       t.typnotnull           AS not_null,
       t.typcategory = 'A'    AS is_array
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname NOT IN ('information_schema', 'pg_toast')
ORDER BY t.oid;
