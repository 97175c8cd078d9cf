-- Every materialized view outside the system schemas that no extension
-- owns, in an order that refreshes each after every materialized view it
-- reads, directly or through plain views: by depth in the graph of view
-- dependencies (a view's rewrite rule depends on the relations it reads),
-- then by name.
WITH RECURSIVE views AS (
  SELECT c.oid, c.relkind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v', 'm')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'
    AND NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::regclass
        AND e.objid = c.oid
        AND e.deptype = 'e'
    )
),
reads AS (
  SELECT DISTINCT r.ev_class AS reader, d.refobjid AS read
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_rewrite'::regclass
   AND d.objid = r.oid
   AND d.refclassid = 'pg_catalog.pg_class'::regclass
  WHERE r.ev_class IN (SELECT oid FROM views)
    AND d.refobjid IN (SELECT oid FROM views)
    AND d.refobjid <> r.ev_class
),
depth AS (
  SELECT oid, 0 AS depth FROM views
  UNION ALL
  SELECT reads.reader, depth.depth + 1
  FROM depth
  JOIN reads ON reads.read = depth.oid
)
SELECT v.oid::regclass::text AS view_name
FROM views v
JOIN depth ON depth.oid = v.oid
WHERE v.relkind = 'm'
GROUP BY v.oid
ORDER BY max(depth.depth), 1;
