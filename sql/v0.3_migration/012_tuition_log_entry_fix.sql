-- Step 12 (upstream tuition_log_entry_fix.sql): every log charge costs 6.00,
-- and two sibling students get 4.50 each on any log that charges both.
-- schema-facts.md §2.4 step 12.
--
-- Upstream names the siblings in the file (real people). Here the names come
-- from the setting `et_testdb.discount_siblings`, which the `migrate` step sets
-- for each file's transaction (JSON: [["First","Last"],["First","Last"]]; by
-- default the demo database's siblings, et_testdb::demo::DISCOUNT_SIBLINGS).
-- When it is unset or names fewer than two existing students, no discount is
-- applied (a NOTICE says so).

UPDATE tuition_log_charges SET cost = 6.00;

DO $$
DECLARE
    siblings jsonb := nullif(current_setting('et_testdb.discount_siblings', true), '')::jsonb;
    ids uuid[];
BEGIN
    SELECT array_agg(u.id ORDER BY u.id) INTO ids
    FROM jsonb_array_elements(coalesce(siblings, '[]'::jsonb)) AS n(pair)
    JOIN users u ON u.first_name = n.pair ->> 0 AND u.last_name = n.pair ->> 1
    JOIN students s ON s.id = u.id;

    IF coalesce(cardinality(ids), 0) <> 2 THEN
        RAISE NOTICE 'sibling discount skipped: et_testdb.discount_siblings (%) matches % students, expected 2',
            coalesce(siblings::text, 'unset'), coalesce(cardinality(ids), 0);
        RETURN;
    END IF;

    UPDATE tuition_log_charges c SET cost = 4.50
    WHERE c.student_id = ANY (ids)
      AND (SELECT count(DISTINCT c2.student_id)
           FROM tuition_log_charges c2
           WHERE c2.tuition_log_id = c.tuition_log_id AND c2.student_id = ANY (ids)) = 2;
END;
$$;
