-- Every type a column may use, so domains, arrays and ranges can be resolved
-- to their base, element and subtype. Enums are loaded with their labels by
-- enums.sql.
SELECT t.oid                  AS oid,
       n.nspname::text        AS schema_name,
       t.typname::text        AS type_name,
       t.typtype::text        AS kind,
       t.typelem              AS element_oid,
       t.typbasetype          AS base_oid,
       t.typnotnull           AS not_null,
       t.typcategory = 'A'    AS is_array,
       t.typtypmod            AS type_mod,
       coalesce(r.rngsubtype, 0) AS range_subtype
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
WHERE n.nspname NOT IN ('information_schema', 'pg_toast')
ORDER BY t.oid;
