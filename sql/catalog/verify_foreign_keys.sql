-- Every foreign key of the database, in any schema, whose table or
-- referenced table is one of the tables named in $1 (text[], schema
-- `public`; a partition counts as its partition tree's root). Read after a
-- load that skipped foreign-key triggers, to check every key the database
-- declares, whether or not the fixtures' schema knew it. Keys PostgreSQL
-- cloned from a partitioned table's key (conparentid <> 0) are covered by
-- the key they were cloned from. Names are regclass text (quoted and
-- qualified as needed); columns are plain names in key order.
SELECT con.conname::text              AS constraint_name,
       con.conrelid::regclass::text   AS table_name,
       c.relkind = 'p'                AS table_partitioned,
       con.confrelid::regclass::text  AS ref_table,
       rc.relkind = 'p'               AS ref_partitioned,
       ARRAY(
         SELECT a.attname::text
         FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a
           ON a.attrelid = con.conrelid AND a.attnum = k.attnum
         ORDER BY k.ord
       ) AS columns,
       ARRAY(
         SELECT a.attname::text
         FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_catalog.pg_attribute a
           ON a.attrelid = con.confrelid AND a.attnum = k.attnum
         ORDER BY k.ord
       ) AS ref_columns,
       con.confmatchtype = 'f'        AS match_full
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND EXISTS (
    SELECT 1
    FROM pg_catalog.pg_class t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
    WHERE t.oid IN (COALESCE(pg_catalog.pg_partition_root(con.conrelid), con.conrelid),
                    COALESCE(pg_catalog.pg_partition_root(con.confrelid), con.confrelid))
      AND n.nspname = 'public'
      AND t.relname = ANY($1)
  )
ORDER BY 2, 1;
