-- Application tables of schema `public`: ordinary and partitioned tables,
-- skipping views, partitions and anything an extension owns (deptype 'e',
-- e.g. pg_stat_statements upstream).
SELECT c.relname::text AS table_name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass
      AND d.objid = c.oid
      AND d.deptype = 'e'
  )
ORDER BY c.relname;
