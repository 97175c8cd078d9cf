//! Teaching setup: teacher specialties, the one enrolment, availability.
//!
//! Upstream gave these rows random ids on every import; here every row has a
//! fixed id in the `601de000-…` range (golden), so tests and the merge can
//! name them.

use crate::fixture::*;
use crate::generated::schema::*;
use uuid::{uuid, Uuid};

use super::constants::*;
use super::users::*;

/// Every teacher specialty: TEST_TEACHER 16, TEST_UNRELATED_TEACHER 5,
/// FIN_TEACHER_A 1, FIN_TEACHER_B 1.
pub const TEACHER_SPECIALTIES: &[TeacherSpecialties] = &[
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000001"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000002"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000003"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000004"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 9,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000005"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 9,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000006"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 9,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000007"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000008"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000009"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000a"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Biology,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000b"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::It,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000c"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Geography,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000d"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Sat,
        grade: 11,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000e"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Sat,
        grade: 11,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-00000000000f"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Sat,
        grade: 11,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000010"),
        teacher_id: TEST_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Sat,
        grade: 8,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000011"),
        teacher_id: TEST_UNRELATED_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000012"),
        teacher_id: TEST_UNRELATED_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000013"),
        teacher_id: TEST_UNRELATED_TEACHER.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000014"),
        teacher_id: TEST_UNRELATED_TEACHER.id,
        subject: SubjectEnum::Physics,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000015"),
        teacher_id: TEST_UNRELATED_TEACHER.id,
        subject: SubjectEnum::Chemistry,
        educational_system: EducationalSystemEnum::Sat,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000016"),
        teacher_id: FIN_TEACHER_A.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
    TeacherSpecialties {
        id: uuid!("601de000-0001-0000-0000-000000000017"),
        teacher_id: FIN_TEACHER_B.id,
        subject: SubjectEnum::Math,
        educational_system: EducationalSystemEnum::Igcse,
        grade: 10,
    },
];

pub const TEST_STUDENT_PHYSICS_ENROLMENT_ID: Uuid = uuid!("601de000-0002-0000-0000-000000000001");

/// TEST_STUDENT's only enrolment: Physics with TEST_TEACHER, twice a week.
pub const TEST_STUDENT_PHYSICS_ENROLMENT: StudentSubjects = StudentSubjects {
    id: TEST_STUDENT_PHYSICS_ENROLMENT_ID,
    student_id: TEST_STUDENT.id,
    subject: SubjectEnum::Physics,
    lessons_per_week: 2,
    teacher_id: TEST_TEACHER.id,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
};

pub const TEST_STUDENT_SCHOOL_INTERVAL: AvailabilityIntervals = AvailabilityIntervals {
    id: uuid!("601de000-0003-0000-0000-000000000001"),
    user_id: TEST_STUDENT.id,
    day_of_week: 1,
    start_time: Time::hm(9, 0),
    end_time: Time::hm(17, 0),
    availability_type: AvailabilityTypeEnum::School,
};

pub const TEST_TEACHER_WORK_INTERVAL: AvailabilityIntervals = AvailabilityIntervals {
    id: TEST_AVAILABILITY_INTERVAL_ID_TEACHER,
    user_id: TEST_TEACHER.id,
    day_of_week: 2,
    start_time: Time::hm(14, 0),
    end_time: Time::hm(18, 0),
    availability_type: AvailabilityTypeEnum::Work,
};

pub const TEST_TEACHER_PERSONAL_INTERVAL: AvailabilityIntervals = AvailabilityIntervals {
    id: uuid!("601de000-0003-0000-0000-000000000002"),
    user_id: TEST_TEACHER.id,
    day_of_week: 4,
    start_time: Time::hm(10, 0),
    end_time: Time::hm(12, 0),
    availability_type: AvailabilityTypeEnum::Personal,
};
