-- Step 10 (upstream add_student_educational_system.sql): students get a
-- nullable educational system, IGCSE for everyone. schema-facts.md §2.4 step 10.

ALTER TABLE students ADD COLUMN educational_system educational_system_enum;
UPDATE students SET educational_system = 'IGCSE';
