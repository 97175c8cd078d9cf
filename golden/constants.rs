//! The named constants of upstream's `tests/constants.py`: every fixed id
//! and the test passwords (test values, not real ones).

use uuid::{uuid, Uuid};

pub const TEST_PASSWORD_ADMIN: &str = "admin_password_123";
pub const TEST_PASSWORD_TEACHER: &str = "teacher_password_123";
pub const TEST_PASSWORD_PARENT: &str = "parent_password_123";
pub const TEST_PASSWORD_STUDENT: &str = "student_password_123";

/// bcrypt (`$2b$`, cost 12, fixed salt) of each test password, so the
/// golden rows are byte-stable. `tests/golden.rs` verifies each one.
pub const TEST_PASSWORD_ADMIN_HASH: &str =
    "$2b$12$zJWp.c03P33WYPQTyS4ZMe/ArAAELh7qiw2HcVK77Pt8tKnd6ZgWm";
pub const TEST_PASSWORD_TEACHER_HASH: &str =
    "$2b$12$ZluSZSGg/IL7wXBreeRawOkKx7uBOqra4TX/9yopwlqZ5qeyAK6vO";
pub const TEST_PASSWORD_PARENT_HASH: &str =
    "$2b$12$PgKQ/epbfDLBLKrZkLg8NuxiW9O34NsIWsmVgfGnTHWRanNWCTba6";
pub const TEST_PASSWORD_STUDENT_HASH: &str =
    "$2b$12$WeucbmBot5OlogDvgM.pp.S2SrTL1TQAygI43.JHW04bYMDykBOnS";

pub const TEST_ADMIN_ID: Uuid = uuid!("08984211-3af2-4cba-b06f-20d0c5061a5c");
pub const TEST_NORMAL_ADMIN_ID: Uuid = uuid!("a2e2b012-3419-4e63-914c-e79896e74a71");
pub const TEST_TEACHER_ID: Uuid = uuid!("8fb84d2f-478a-437f-825e-9e364274d78a");
pub const TEST_UNRELATED_TEACHER_ID: Uuid = uuid!("679c6231-f2b1-4495-84a0-3befcc86279b");
pub const TEST_DELETABLE_TEACHER_ID: Uuid = uuid!("a1b2c3d4-e5f6-7890-1234-567890abcdef");
pub const TEST_PARENT_ID: Uuid = uuid!("87838799-695d-4722-906c-9c3317097126");
pub const TEST_UNRELATED_PARENT_ID: Uuid = uuid!("281c4a81-ca04-4b22-a4ce-ac937668a6d6");
pub const TEST_STUDENT_ID: Uuid = uuid!("54e42585-3b29-4531-bf71-6bb8325e0020");
pub const TEST_UNRELATED_STUDENT_ID: Uuid = uuid!("995214b5-5269-4bcb-b8a1-953693797849");
pub const TEST_TUITION_ID: Uuid = uuid!("dc386016-5c0c-4e11-adda-99ac81872304");
pub const TEST_TUITION_ID_NO_LINK: Uuid = uuid!("d53d9429-783b-4298-9d3d-f605ee77e34c");
pub const TEST_TUITION_ID_UNRELATED: Uuid = uuid!("ffff0001-9999-0000-0000-000000000000");
pub const TEST_NOTE_ID: Uuid = uuid!("760f28ab-8346-40a9-ba67-ae6a9c36f2c4");
pub const TEST_TUITION_LOG_ID_SCHEDULED: Uuid = uuid!("acea5abc-85f6-44af-9fec-5e53dbe9185e");
pub const TEST_TUITION_LOG_ID_CUSTOM: Uuid = uuid!("0638fbed-e93c-4f14-b9c6-2ded10daf0f4");
pub const TEST_TUITION_LOG_ID_UNRELATED_TEACHER: Uuid =
    uuid!("11111111-1111-1111-1111-111111111111");
pub const TEST_TUITION_LOG_ID_SAME_TEACHER_DIFF_PARENT: Uuid =
    uuid!("22222222-2222-2222-2222-222222222222");
pub const TEST_TUITION_LOG_ID_SAME_PARENT_DIFF_TEACHER: Uuid =
    uuid!("33333333-3333-3333-3333-333333333333");
pub const TEST_PAYMENT_LOG_ID: Uuid = uuid!("ed92ee10-042a-46ab-a6eb-a3465d53547a");
pub const TEST_PAYMENT_LOG_ID_UNRELATED: Uuid = uuid!("44444444-4444-4444-4444-444444444444");
pub const TEST_PAYMENT_LOG_ID_SAME_TEACHER_DIFF_PARENT: Uuid =
    uuid!("55555555-5555-5555-5555-555555555555");
pub const TEST_PAYMENT_LOG_ID_SAME_PARENT_DIFF_TEACHER: Uuid =
    uuid!("66666666-6666-6666-6666-666666666666");

pub const FIN_TEACHER_A_ID: Uuid = uuid!("aaaa0001-0000-0000-0000-000000000000");
pub const FIN_TEACHER_B_ID: Uuid = uuid!("aaaa0002-0000-0000-0000-000000000000");
pub const FIN_PARENT_A_ID: Uuid = uuid!("bbbb0001-0000-0000-0000-000000000000");
pub const FIN_PARENT_B_ID: Uuid = uuid!("bbbb0002-0000-0000-0000-000000000000");
pub const FIN_STUDENT_A1_ID: Uuid = uuid!("cccc0001-0000-0000-0000-000000000000");
pub const FIN_STUDENT_A2_ID: Uuid = uuid!("cccc0002-0000-0000-0000-000000000000");
pub const FIN_STUDENT_B1_ID: Uuid = uuid!("cccc0003-0000-0000-0000-000000000000");
pub const FIN_LOG_1_ID: Uuid = uuid!("dddd0001-0000-0000-0000-000000000000");
pub const FIN_LOG_2_ID: Uuid = uuid!("dddd0002-0000-0000-0000-000000000000");
pub const FIN_LOG_3_ID: Uuid = uuid!("dddd0003-0000-0000-0000-000000000000");
pub const FIN_LOG_4_ID: Uuid = uuid!("dddd0004-0000-0000-0000-000000000000");
pub const FIN_LOG_5_ID: Uuid = uuid!("dddd0005-0000-0000-0000-000000000000");
pub const FIN_LOG_6_ID: Uuid = uuid!("dddd0006-0000-0000-0000-000000000000");
pub const FIN_LOG_7_ID: Uuid = uuid!("dddd0007-0000-0000-0000-000000000000");
pub const FIN_PAY_1_ID: Uuid = uuid!("eeee0001-0000-0000-0000-000000000000");
pub const FIN_PAY_2_ID: Uuid = uuid!("eeee0002-0000-0000-0000-000000000000");
pub const FIN_PAY_3_ID: Uuid = uuid!("eeee0003-0000-0000-0000-000000000000");
pub const FIN_TUITION_1_ID: Uuid = uuid!("ffff0001-0000-0000-0000-000000000000");
pub const FIN_TUITION_2_ID: Uuid = uuid!("ffff0002-0000-0000-0000-000000000000");
pub const FIN_TUITION_3_ID: Uuid = uuid!("ffff0003-0000-0000-0000-000000000000");
pub const FIN_TUITION_4_ID: Uuid = uuid!("ffff0004-0000-0000-0000-000000000000");

pub const TEST_TIMETABLE_RUN_ID: i64 = 9999;
pub const TEST_USER_SOLUTION_ID: Uuid = uuid!("77777777-7777-7777-7777-777777777777");
pub const TEST_USER_SOLUTION_TEACHER_ID: Uuid = uuid!("77777777-7777-7777-7777-111111111111");
pub const TEST_USER_SOLUTION_UNRELATED_STUDENT_ID: Uuid =
    uuid!("77777777-7777-7777-7777-222222222222");
pub const TEST_AVAILABILITY_INTERVAL_ID_TEACHER: Uuid =
    uuid!("aaaa0001-aaaa-aaaa-aaaa-aaaaaaaaaaaa");
pub const TEST_SLOT_ID: Uuid = uuid!("88888888-8888-8888-8888-888888888888");
pub const TEST_SLOT_ID_STUDENT_MATH: Uuid = TEST_SLOT_ID;
pub const TEST_SLOT_ID_STUDENT_PHYSICS: Uuid = uuid!("88888888-8888-8888-8888-111111111111");
pub const TEST_SLOT_ID_TEACHER_MATH: Uuid = uuid!("88888888-8888-8888-8888-222222222222");
pub const TEST_SLOT_ID_TEACHER_PHYSICS: Uuid = uuid!("88888888-8888-8888-8888-333333333333");
pub const TEST_SLOT_ID_TEACHER_AVAILABILITY: Uuid = uuid!("88888888-8888-8888-8888-444444444444");
pub const TEST_SLOT_ID_UNRELATED_CHEMISTRY: Uuid = uuid!("88888888-8888-8888-8888-555555555555");

/// TEST_TEACHER and TEST_UNRELATED_TEACHER, as upstream's list constant.
pub const TEST_TEACHER_IDS: [Uuid; 2] = [TEST_TEACHER_ID, TEST_UNRELATED_TEACHER_ID];
/// TEST_PARENT and TEST_UNRELATED_PARENT, as upstream's list constant.
pub const TEST_PARENT_IDS: [Uuid; 2] = [TEST_PARENT_ID, TEST_UNRELATED_PARENT_ID];
