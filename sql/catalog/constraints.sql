-- Primary keys ('p'), unique constraints ('u') and foreign keys ('f') of the
-- tables in schema `public`, with their columns in key order. Actions are
-- pg_constraint codes: a no action, r restrict, c cascade, n set null,
-- d set default.
--
-- Partitions are not tables of their own (rows go through the partitioned
-- parent), so a foreign key declared on a partition is reported on the
-- partition tree's root, and a reference to a partition as one to its
-- root. Constraints PostgreSQL cloned from a parent's (conparentid <> 0)
-- are left out: the parent's own is listed. A partition's own primary key
-- or unique constraint holds within the partition only, so it is left out.
SELECT root.relname::text AS table_name,
       con.conname::text AS constraint_name,
       con.contype::text AS kind,
       ARRAY(
         SELECT a.attname::text
         FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a
           ON a.attrelid = con.conrelid AND a.attnum = k.attnum
         ORDER BY k.ord
       ) AS columns,
       rroot.relname::text AS ref_table,
       ARRAY(
         SELECT a.attname::text
         FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a
           ON a.attrelid = con.confrelid AND a.attnum = k.attnum
         ORDER BY k.ord
       ) AS ref_columns,
       con.confdeltype::text AS on_delete,
       con.confupdtype::text AS on_update,
       con.condeferrable AS deferrable,
       COALESCE(ix.indnullsnotdistinct, false) AS nulls_not_distinct
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_class root
  ON root.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid)
JOIN pg_catalog.pg_namespace n ON n.oid = root.relnamespace
LEFT JOIN pg_catalog.pg_class rroot
  ON rroot.oid = COALESCE(pg_catalog.pg_partition_root(con.confrelid), con.confrelid)
LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = con.conindid AND con.contype IN ('p', 'u')
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND con.contype IN ('p', 'u', 'f')
  AND con.conparentid = 0
  AND (NOT c.relispartition OR con.contype = 'f')
ORDER BY root.relname, con.contype, con.conname;
