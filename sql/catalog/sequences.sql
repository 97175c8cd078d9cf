-- Every sequence that a column of the tables named in $1 (text[], schema
-- `public`) draws from, with every integer column of any table that uses
-- it, so the seeder can move it past all of them. A column uses a sequence
-- when the sequence is owned by it (serial: pg_depend 'a'; identity: 'i')
-- or when its default calls nextval() on it (pg_attrdef depends on the
-- sequence, 'n'), which Pagila-style schemas do without OWNED BY. The
-- dependencies are read from pg_depend, never parsed out of default text.
WITH uses AS (
  SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS attnum
  FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_class'::regclass
    AND d.refclassid = 'pg_catalog.pg_class'::regclass
    AND d.deptype IN ('a', 'i')
    AND d.refobjsubid > 0
  UNION
  SELECT d.refobjid, ad.adrelid, ad.adnum
  FROM pg_catalog.pg_attrdef ad
  JOIN pg_catalog.pg_depend d
    ON d.classid = 'pg_catalog.pg_attrdef'::regclass
   AND d.objid = ad.oid
   AND d.refclassid = 'pg_catalog.pg_class'::regclass
   AND d.deptype = 'n'
),
columns AS (
  SELECT u.seq, n.nspname, c.relname, a.attname
  FROM uses u
  JOIN pg_catalog.pg_class s ON s.oid = u.seq AND s.relkind = 'S'
  JOIN pg_catalog.pg_class c ON c.oid = u.rel AND c.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a
    ON a.attrelid = u.rel AND a.attnum = u.attnum AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  WHERE (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)
        IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype)
)
SELECT col.seq::regclass::text AS sequence_name,
       sq.seqstart             AS start_value,
       sq.seqincrement         AS increment,
       col.nspname::text       AS table_schema,
       col.relname::text       AS table_name,
       col.attname::text       AS column_name
FROM columns col
JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = col.seq
WHERE col.seq IN (
  SELECT seq FROM columns WHERE nspname = 'public' AND relname = ANY($1)
)
ORDER BY 1, 4, 5, 6;
