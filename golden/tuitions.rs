//! Tuition templates: who teaches what, the one meeting link, and who attends
//! (template charges). All tuitions are Math, IGCSE, grade 10, lesson 1,
//! 60–90 minutes; their ids are upstream's arbitrary constants, and their
//! timestamps are left to the database.

use crate::generated::schema::*;
use rust_decimal_macros::dec;
use uuid::uuid;

use super::constants::*;
use super::users::*;

/// Taught by TEST_TEACHER.
pub const TEST_TUITION: Tuitions = Tuitions {
    id: TEST_TUITION_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(TEST_TEACHER.id),
    ..Tuitions::DEFAULT
};

/// Taught by TEST_TEACHER.
pub const TEST_TUITION_NO_LINK: Tuitions = Tuitions {
    id: TEST_TUITION_ID_NO_LINK,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(TEST_TEACHER.id),
    ..Tuitions::DEFAULT
};

/// Taught by TEST_UNRELATED_TEACHER. It has no template charges, so no students.
pub const TEST_TUITION_UNRELATED: Tuitions = Tuitions {
    id: TEST_TUITION_ID_UNRELATED,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(TEST_UNRELATED_TEACHER.id),
    ..Tuitions::DEFAULT
};

/// Taught by FIN_TEACHER_A.
pub const FIN_TUITION_1: Tuitions = Tuitions {
    id: FIN_TUITION_1_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(FIN_TEACHER_A.id),
    ..Tuitions::DEFAULT
};

/// Taught by FIN_TEACHER_A.
pub const FIN_TUITION_2: Tuitions = Tuitions {
    id: FIN_TUITION_2_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(FIN_TEACHER_A.id),
    ..Tuitions::DEFAULT
};

/// Taught by FIN_TEACHER_A.
pub const FIN_TUITION_3: Tuitions = Tuitions {
    id: FIN_TUITION_3_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(FIN_TEACHER_A.id),
    ..Tuitions::DEFAULT
};

/// Taught by FIN_TEACHER_B.
pub const FIN_TUITION_4: Tuitions = Tuitions {
    id: FIN_TUITION_4_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    lesson_index: 1,
    min_duration_minutes: 60,
    max_duration_minutes: 90,
    teacher_id: Some(FIN_TEACHER_B.id),
    ..Tuitions::DEFAULT
};

/// TEST_TUITION's Google Meet link (TEST_TUITION_NO_LINK has none).
pub const TEST_TUITION_MEETING_LINK: MeetingLinks = MeetingLinks {
    tuition_id: TEST_TUITION.id,
    meeting_link_type: Meetinglinktype::GoogleMeet,
    meeting_link: "https://meet.google.com/abc-defg-hij",
    meeting_id: Some("abc-defg-hij"),
    meeting_password: None,
};

/// Who attends each tuition, at 100.00 a session.
pub const TUITION_TEMPLATE_CHARGES: &[TuitionTemplateCharges] = &[
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000001"),
        tuition_id: TEST_TUITION.id,
        student_id: TEST_STUDENT.id,
        parent_id: TEST_PARENT.id,
        cost: dec!(100.00),
    },
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000002"),
        tuition_id: TEST_TUITION_NO_LINK.id,
        student_id: TEST_STUDENT.id,
        parent_id: TEST_PARENT.id,
        cost: dec!(100.00),
    },
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000003"),
        tuition_id: FIN_TUITION_1.id,
        student_id: FIN_STUDENT_A1.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(100.00),
    },
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000004"),
        tuition_id: FIN_TUITION_2.id,
        student_id: FIN_STUDENT_A2.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(100.00),
    },
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000005"),
        tuition_id: FIN_TUITION_3.id,
        student_id: FIN_STUDENT_B1.id,
        parent_id: FIN_PARENT_B.id,
        cost: dec!(100.00),
    },
    TuitionTemplateCharges {
        id: uuid!("601de000-0004-0000-0000-000000000006"),
        tuition_id: FIN_TUITION_4.id,
        student_id: FIN_STUDENT_A1.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(100.00),
    },
];
