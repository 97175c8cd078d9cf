-- Every live column of every table in schema `public`, in physical order.
-- The type is given by oid (resolved through domains and arrays in Rust,
-- against types.sql) and by its display name for messages.
SELECT c.relname::text                          AS table_name,
       a.attname::text                          AS column_name,
       a.attnum                                 AS position,
       a.atttypid                               AS type_oid,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_name,
       a.atttypmod                              AS type_mod,
       a.attnotnull                             AS not_null,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
       a.attidentity::text                      AS identity,
       a.attgenerated::text                     AS generated
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;
