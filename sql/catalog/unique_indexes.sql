-- Unique indexes that no primary-key or unique constraint owns (those come
-- from constraints.sql). Each key part is a column name or, for expression
-- indexes, the expression text; INCLUDE columns are left out.
SELECT c.relname::text AS table_name,
       i.relname::text AS index_name,
       ARRAY(
         SELECT pg_catalog.pg_get_indexdef(ix.indexrelid, k.ord::int, true)
         FROM generate_series(1, ix.indnkeyatts) AS k(ord)
         ORDER BY k.ord
       ) AS parts,
       ARRAY(
         SELECT k.attnum <> 0
         FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         WHERE k.ord <= ix.indnkeyatts
         ORDER BY k.ord
       ) AS part_is_column,
       pg_catalog.pg_get_expr(ix.indpred, ix.indrelid, true) AS predicate,
       ix.indnullsnotdistinct AS nulls_not_distinct
FROM pg_catalog.pg_index ix
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = ix.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p')
  AND ix.indisunique
  AND NOT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_constraint con
    WHERE con.conindid = ix.indexrelid
      AND con.conrelid = ix.indrelid
      AND con.contype IN ('p', 'u', 'x')
  )
ORDER BY c.relname, i.relname;
