//! Notes TEST_TEACHER shares with TEST_STUDENT. `created_at` is left to the
//! database (the moment of seeding).

use crate::generated::schema::*;
use uuid::uuid;

use super::constants::*;
use super::users::*;

pub const TEST_NOTE: Notes = Notes {
    id: TEST_NOTE_ID,
    teacher_id: TEST_TEACHER.id,
    student_id: TEST_STUDENT.id,
    name: "Forces",
    subject: SubjectEnum::Physics,
    note_type: Notetypeenum::StudyNotes,
    description: Some("This is a test note."),
    url: Some("www.goodnotes.com/some-doc"),
    ..Notes::DEFAULT
};

pub const TEST_NOTE_MOMENTUM: Notes = Notes {
    id: uuid!("601de000-0006-0000-0000-000000000001"),
    teacher_id: TEST_TEACHER.id,
    student_id: TEST_STUDENT.id,
    name: "Momentum",
    subject: SubjectEnum::Physics,
    note_type: Notetypeenum::StudyNotes,
    description: Some("This is a test note."),
    url: Some("www.goodnotes.com/some-doc"),
    ..Notes::DEFAULT
};

pub const TEST_NOTE_ALGEBRA: Notes = Notes {
    id: uuid!("601de000-0006-0000-0000-000000000002"),
    teacher_id: TEST_TEACHER.id,
    student_id: TEST_STUDENT.id,
    name: "Algebra",
    subject: SubjectEnum::Math,
    note_type: Notetypeenum::StudyNotes,
    description: Some("This is a test note."),
    url: Some("www.goodnotes.com/some-other-doc"),
    ..Notes::DEFAULT
};

pub const TEST_NOTE_ALGEBRA_HW: Notes = Notes {
    id: uuid!("601de000-0006-0000-0000-000000000003"),
    teacher_id: TEST_TEACHER.id,
    student_id: TEST_STUDENT.id,
    name: "Algebra HW",
    subject: SubjectEnum::Math,
    note_type: Notetypeenum::Homework,
    description: Some("This is a test note."),
    url: Some("www.goodnotes.com/some-other-doc"),
    ..Notes::DEFAULT
};
