//! Accounts: each is a `users` row plus its role row with the same id
//! (admins, teachers, parents, students). Timezone `UTC` and the role's test
//! password, as upstream's factories set them; `is_active` and
//! `is_first_sign_in` are left to the database (true).

use crate::generated::schema::*;

use super::constants::*;

// Admins: one Master (there may be only one), one Normal.

pub const TEST_ADMIN_USER: Users = Users {
    id: TEST_ADMIN_ID,
    email: "master.admin@example.com",
    password: TEST_PASSWORD_ADMIN_HASH,
    role: UserRole::Admin,
    timezone: "UTC",
    first_name: Some("Master"),
    last_name: Some("Admin"),
    ..Users::DEFAULT
};

pub const TEST_ADMIN: Admins = Admins {
    id: TEST_ADMIN_USER.id,
    privileges: AdminPrivilegeType::Master,
};

pub const TEST_NORMAL_ADMIN_USER: Users = Users {
    id: TEST_NORMAL_ADMIN_ID,
    email: "normal.admin@example.com",
    password: TEST_PASSWORD_ADMIN_HASH,
    role: UserRole::Admin,
    timezone: "UTC",
    first_name: Some("Normal"),
    last_name: Some("Admin"),
    ..Users::DEFAULT
};

pub const TEST_NORMAL_ADMIN: Admins = Admins {
    id: TEST_NORMAL_ADMIN_USER.id,
    privileges: AdminPrivilegeType::Normal,
};

// Teachers (currency USD, as upstream's factory).

pub const TEST_TEACHER_USER: Users = Users {
    id: TEST_TEACHER_ID,
    email: "test.teacher@example.com",
    password: TEST_PASSWORD_TEACHER_HASH,
    role: UserRole::Teacher,
    timezone: "UTC",
    first_name: Some("Test"),
    last_name: Some("Teacher"),
    ..Users::DEFAULT
};

pub const TEST_TEACHER: Teachers = Teachers {
    id: TEST_TEACHER_USER.id,
    currency: "USD",
    ..Teachers::DEFAULT
};

pub const TEST_UNRELATED_TEACHER_USER: Users = Users {
    id: TEST_UNRELATED_TEACHER_ID,
    email: "unrelated.teacher@example.com",
    password: TEST_PASSWORD_TEACHER_HASH,
    role: UserRole::Teacher,
    timezone: "UTC",
    first_name: Some("Unrelated"),
    last_name: Some("Teacher"),
    ..Users::DEFAULT
};

pub const TEST_UNRELATED_TEACHER: Teachers = Teachers {
    id: TEST_UNRELATED_TEACHER_USER.id,
    currency: "USD",
    ..Teachers::DEFAULT
};

pub const TEST_DELETABLE_TEACHER_USER: Users = Users {
    id: TEST_DELETABLE_TEACHER_ID,
    email: "deletable.teacher@example.com",
    password: TEST_PASSWORD_TEACHER_HASH,
    role: UserRole::Teacher,
    timezone: "UTC",
    first_name: Some("Deletable"),
    last_name: Some("Teacher"),
    ..Users::DEFAULT
};

pub const TEST_DELETABLE_TEACHER: Teachers = Teachers {
    id: TEST_DELETABLE_TEACHER_USER.id,
    currency: "USD",
    ..Teachers::DEFAULT
};

pub const FIN_TEACHER_A_USER: Users = Users {
    id: FIN_TEACHER_A_ID,
    email: "fin.teacher.a@example.com",
    password: TEST_PASSWORD_TEACHER_HASH,
    role: UserRole::Teacher,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("TeacherA"),
    ..Users::DEFAULT
};

pub const FIN_TEACHER_A: Teachers = Teachers {
    id: FIN_TEACHER_A_USER.id,
    currency: "USD",
    ..Teachers::DEFAULT
};

pub const FIN_TEACHER_B_USER: Users = Users {
    id: FIN_TEACHER_B_ID,
    email: "fin.teacher.b@example.com",
    password: TEST_PASSWORD_TEACHER_HASH,
    role: UserRole::Teacher,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("TeacherB"),
    ..Users::DEFAULT
};

pub const FIN_TEACHER_B: Teachers = Teachers {
    id: FIN_TEACHER_B_USER.id,
    currency: "USD",
    ..Teachers::DEFAULT
};

// Parents (currency USD).

pub const TEST_PARENT_USER: Users = Users {
    id: TEST_PARENT_ID,
    email: "test.parent@example.com",
    password: TEST_PASSWORD_PARENT_HASH,
    role: UserRole::Parent,
    timezone: "UTC",
    first_name: Some("Test"),
    last_name: Some("Parent"),
    ..Users::DEFAULT
};

pub const TEST_PARENT: Parents = Parents {
    id: TEST_PARENT_USER.id,
    currency: "USD",
};

pub const TEST_UNRELATED_PARENT_USER: Users = Users {
    id: TEST_UNRELATED_PARENT_ID,
    email: "unrelated.parent@example.com",
    password: TEST_PASSWORD_PARENT_HASH,
    role: UserRole::Parent,
    timezone: "UTC",
    first_name: Some("Unrelated"),
    last_name: Some("Parent"),
    ..Users::DEFAULT
};

pub const TEST_UNRELATED_PARENT: Parents = Parents {
    id: TEST_UNRELATED_PARENT_USER.id,
    currency: "USD",
};

pub const FIN_PARENT_A_USER: Users = Users {
    id: FIN_PARENT_A_ID,
    email: "fin.parent.a@example.com",
    password: TEST_PASSWORD_PARENT_HASH,
    role: UserRole::Parent,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("ParentA"),
    ..Users::DEFAULT
};

pub const FIN_PARENT_A: Parents = Parents {
    id: FIN_PARENT_A_USER.id,
    currency: "USD",
};

pub const FIN_PARENT_B_USER: Users = Users {
    id: FIN_PARENT_B_ID,
    email: "fin.parent.b@example.com",
    password: TEST_PASSWORD_PARENT_HASH,
    role: UserRole::Parent,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("ParentB"),
    ..Users::DEFAULT
};

pub const FIN_PARENT_B: Parents = Parents {
    id: FIN_PARENT_B_USER.id,
    currency: "USD",
};

// Students: grade 10, IGCSE; their generated_password is the plaintext
// their bcrypt password hashes. cost, status and durations are left to the
// database (6.00, NONE, 60/90).

pub const TEST_STUDENT_USER: Users = Users {
    id: TEST_STUDENT_ID,
    email: "test.student@example.com",
    password: TEST_PASSWORD_STUDENT_HASH,
    role: UserRole::Student,
    timezone: "UTC",
    first_name: Some("Test"),
    last_name: Some("Student"),
    ..Users::DEFAULT
};

pub const TEST_STUDENT: Students = Students {
    id: TEST_STUDENT_USER.id,
    parent_id: TEST_PARENT.id,
    grade: Some(10),
    educational_system: Some(EducationalSystemEnum::Igcse),
    generated_password: Some(TEST_PASSWORD_STUDENT),
    ..Students::DEFAULT
};

pub const TEST_UNRELATED_STUDENT_USER: Users = Users {
    id: TEST_UNRELATED_STUDENT_ID,
    email: "unrelated.student@example.com",
    password: TEST_PASSWORD_STUDENT_HASH,
    role: UserRole::Student,
    timezone: "UTC",
    first_name: Some("Unrelated"),
    last_name: Some("Student"),
    ..Users::DEFAULT
};

pub const TEST_UNRELATED_STUDENT: Students = Students {
    id: TEST_UNRELATED_STUDENT_USER.id,
    parent_id: TEST_UNRELATED_PARENT.id,
    grade: Some(10),
    educational_system: Some(EducationalSystemEnum::Igcse),
    generated_password: Some(TEST_PASSWORD_STUDENT),
    ..Students::DEFAULT
};

pub const FIN_STUDENT_A1_USER: Users = Users {
    id: FIN_STUDENT_A1_ID,
    email: "fin.student.a1@example.com",
    password: TEST_PASSWORD_STUDENT_HASH,
    role: UserRole::Student,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("StudentA1"),
    ..Users::DEFAULT
};

pub const FIN_STUDENT_A1: Students = Students {
    id: FIN_STUDENT_A1_USER.id,
    parent_id: FIN_PARENT_A.id,
    grade: Some(10),
    educational_system: Some(EducationalSystemEnum::Igcse),
    generated_password: Some(TEST_PASSWORD_STUDENT),
    ..Students::DEFAULT
};

pub const FIN_STUDENT_A2_USER: Users = Users {
    id: FIN_STUDENT_A2_ID,
    email: "fin.student.a2@example.com",
    password: TEST_PASSWORD_STUDENT_HASH,
    role: UserRole::Student,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("StudentA2"),
    ..Users::DEFAULT
};

pub const FIN_STUDENT_A2: Students = Students {
    id: FIN_STUDENT_A2_USER.id,
    parent_id: FIN_PARENT_A.id,
    grade: Some(10),
    educational_system: Some(EducationalSystemEnum::Igcse),
    generated_password: Some(TEST_PASSWORD_STUDENT),
    ..Students::DEFAULT
};

pub const FIN_STUDENT_B1_USER: Users = Users {
    id: FIN_STUDENT_B1_ID,
    email: "fin.student.b1@example.com",
    password: TEST_PASSWORD_STUDENT_HASH,
    role: UserRole::Student,
    timezone: "UTC",
    first_name: Some("Fin"),
    last_name: Some("StudentB1"),
    ..Users::DEFAULT
};

pub const FIN_STUDENT_B1: Students = Students {
    id: FIN_STUDENT_B1_USER.id,
    parent_id: FIN_PARENT_B.id,
    grade: Some(10),
    educational_system: Some(EducationalSystemEnum::Igcse),
    generated_password: Some(TEST_PASSWORD_STUDENT),
    ..Students::DEFAULT
};
