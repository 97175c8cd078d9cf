//! The timetable: one successful run (9999), three users' solutions and six
//! slots. The slots keep upstream's harmless inconsistencies on purpose:
//! names say Physics or Chemistry for Math tuitions, the availability slot
//! does not match its interval, and tuition slots list both teacher and
//! student as participants.

use crate::fixture::*;
use crate::generated::schema::*;

use super::constants::*;
use super::teaching::*;
use super::tuitions::*;
use super::users::*;

pub const TEST_TIMETABLE_RUN: TimetableRuns = TimetableRuns {
    id: TEST_TIMETABLE_RUN_ID,
    run_started_at: Timestamptz::FromSeed(0),
    status: RunStatusEnum::Success,
    input_version_hash: "test_master_hash",
    trigger_source: Some("test_seeder"),
    legacy_solution_data: Some(Json("[]")),
    ..TimetableRuns::DEFAULT
};

pub const TEST_USER_SOLUTION: TimetableRunUserSolutions = TimetableRunUserSolutions {
    id: TEST_USER_SOLUTION_ID,
    timetable_run_id: TEST_TIMETABLE_RUN.id,
    user_id: TEST_STUDENT.id,
};

pub const TEST_USER_SOLUTION_TEACHER: TimetableRunUserSolutions = TimetableRunUserSolutions {
    id: TEST_USER_SOLUTION_TEACHER_ID,
    timetable_run_id: TEST_TIMETABLE_RUN.id,
    user_id: TEST_TEACHER.id,
};

pub const TEST_USER_SOLUTION_UNRELATED_STUDENT: TimetableRunUserSolutions =
    TimetableRunUserSolutions {
        id: TEST_USER_SOLUTION_UNRELATED_STUDENT_ID,
        timetable_run_id: TEST_TIMETABLE_RUN.id,
        user_id: TEST_UNRELATED_STUDENT.id,
    };

pub const TEST_SLOT_STUDENT_MATH: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_STUDENT_MATH,
    solution_id: TEST_USER_SOLUTION.id,
    name: "Math Session",
    day_of_week: 1,
    start_time: Time::hm(10, 0),
    end_time: Time::hm(11, 0),
    participant_ids: &[TEST_TEACHER.id, TEST_STUDENT.id],
    tuition_id: Some(TEST_TUITION.id),
    availability_interval_id: None,
};

pub const TEST_SLOT_STUDENT_PHYSICS: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_STUDENT_PHYSICS,
    solution_id: TEST_USER_SOLUTION.id,
    name: "Physics Session",
    day_of_week: 2,
    start_time: Time::hm(14, 0),
    end_time: Time::hm(15, 0),
    participant_ids: &[TEST_TEACHER.id, TEST_STUDENT.id],
    tuition_id: Some(TEST_TUITION_NO_LINK.id),
    availability_interval_id: None,
};

pub const TEST_SLOT_TEACHER_MATH: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_TEACHER_MATH,
    solution_id: TEST_USER_SOLUTION_TEACHER.id,
    name: "Math with Test Student",
    day_of_week: 1,
    start_time: Time::hm(10, 0),
    end_time: Time::hm(11, 0),
    participant_ids: &[TEST_TEACHER.id, TEST_STUDENT.id],
    tuition_id: Some(TEST_TUITION.id),
    availability_interval_id: None,
};

pub const TEST_SLOT_TEACHER_PHYSICS: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_TEACHER_PHYSICS,
    solution_id: TEST_USER_SOLUTION_TEACHER.id,
    name: "Physics with Test Student",
    day_of_week: 2,
    start_time: Time::hm(14, 0),
    end_time: Time::hm(15, 0),
    participant_ids: &[TEST_TEACHER.id, TEST_STUDENT.id],
    tuition_id: Some(TEST_TUITION_NO_LINK.id),
    availability_interval_id: None,
};

pub const TEST_SLOT_TEACHER_AVAILABILITY: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_TEACHER_AVAILABILITY,
    solution_id: TEST_USER_SOLUTION_TEACHER.id,
    name: "Work",
    day_of_week: 3,
    start_time: Time::hm(9, 0),
    end_time: Time::hm(17, 0),
    participant_ids: &[TEST_TEACHER.id],
    tuition_id: None,
    availability_interval_id: Some(TEST_TEACHER_WORK_INTERVAL.id),
};

pub const TEST_SLOT_UNRELATED_CHEMISTRY: TimetableSolutionSlots = TimetableSolutionSlots {
    id: TEST_SLOT_ID_UNRELATED_CHEMISTRY,
    solution_id: TEST_USER_SOLUTION_UNRELATED_STUDENT.id,
    name: "Chemistry Session",
    day_of_week: 5,
    start_time: Time::hm(10, 0),
    end_time: Time::hm(11, 0),
    participant_ids: &[TEST_UNRELATED_TEACHER.id, TEST_UNRELATED_STUDENT.id],
    tuition_id: Some(TEST_TUITION_UNRELATED.id),
    availability_interval_id: None,
};
