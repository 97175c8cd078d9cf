//! Finance: tuition logs (lessons that happened), their charges, and
//! payments. "Now" is the moment of seeding: `Timestamptz::FromSeed(0)`;
//! FIN_LOG_1 and FIN_LOG_2 are forty days older. Every log is Math, IGCSE,
//! grade 10, one hour, ACTIVE.
//!
//! The sums tests rely on (schema-facts.md §3.4): FIN_PARENT_A owes
//! FIN_TEACHER_A 250.00 and has paid 120.00; FIN_PARENT_A owes FIN_TEACHER_B
//! 200.00; FIN_PARENT_B owes FIN_TEACHER_A 350.00 and has paid 160.00.

use crate::fixture::*;
use crate::generated::schema::*;
use rust_decimal_macros::dec;
use uuid::uuid;

use super::constants::*;
use super::tuitions::*;
use super::users::*;

pub const TEST_TUITION_LOG_SCHEDULED: TuitionLogs = TuitionLogs {
    id: TEST_TUITION_LOG_ID_SCHEDULED,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Scheduled,
    tuition_id: Some(TEST_TUITION.id),
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(TEST_TEACHER.id),
};

pub const TEST_TUITION_LOG_CUSTOM: TuitionLogs = TuitionLogs {
    id: TEST_TUITION_LOG_ID_CUSTOM,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: Some(TEST_TUITION.id),
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(TEST_TEACHER.id),
};

pub const TEST_TUITION_LOG_UNRELATED_TEACHER: TuitionLogs = TuitionLogs {
    id: TEST_TUITION_LOG_ID_UNRELATED_TEACHER,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(TEST_UNRELATED_TEACHER.id),
};

pub const TEST_TUITION_LOG_SAME_TEACHER_DIFF_PARENT: TuitionLogs = TuitionLogs {
    id: TEST_TUITION_LOG_ID_SAME_TEACHER_DIFF_PARENT,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(TEST_TEACHER.id),
};

pub const TEST_TUITION_LOG_SAME_PARENT_DIFF_TEACHER: TuitionLogs = TuitionLogs {
    id: TEST_TUITION_LOG_ID_SAME_PARENT_DIFF_TEACHER,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(TEST_UNRELATED_TEACHER.id),
};

pub const FIN_LOG_1: TuitionLogs = TuitionLogs {
    id: FIN_LOG_1_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(-40 * DAY),
    end_time: Timestamptz::FromSeed(-40 * DAY + HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

pub const FIN_LOG_2: TuitionLogs = TuitionLogs {
    id: FIN_LOG_2_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(-40 * DAY),
    end_time: Timestamptz::FromSeed(-40 * DAY + HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

pub const FIN_LOG_3: TuitionLogs = TuitionLogs {
    id: FIN_LOG_3_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

pub const FIN_LOG_4: TuitionLogs = TuitionLogs {
    id: FIN_LOG_4_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

pub const FIN_LOG_5: TuitionLogs = TuitionLogs {
    id: FIN_LOG_5_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_B.id),
};

pub const FIN_LOG_6: TuitionLogs = TuitionLogs {
    id: FIN_LOG_6_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

pub const FIN_LOG_7: TuitionLogs = TuitionLogs {
    id: FIN_LOG_7_ID,
    subject: SubjectEnum::Math,
    educational_system: EducationalSystemEnum::Igcse,
    grade: 10,
    start_time: Timestamptz::FromSeed(0),
    end_time: Timestamptz::FromSeed(HOUR),
    status: LogStatusEnum::Active,
    create_type: TuitionLogCreateTypeEnum::Custom,
    tuition_id: None,
    lesson_index: None,
    corrected_from_log_id: None,
    teacher_id: Some(FIN_TEACHER_A.id),
};

/// One charge per log.
pub const TUITION_LOG_CHARGES: &[TuitionLogCharges] = &[
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000001"),
        tuition_log_id: TEST_TUITION_LOG_SCHEDULED.id,
        student_id: TEST_STUDENT.id,
        parent_id: TEST_PARENT.id,
        cost: dec!(120.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000002"),
        tuition_log_id: TEST_TUITION_LOG_CUSTOM.id,
        student_id: TEST_STUDENT.id,
        parent_id: TEST_PARENT.id,
        cost: dec!(120.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000003"),
        tuition_log_id: TEST_TUITION_LOG_UNRELATED_TEACHER.id,
        student_id: TEST_UNRELATED_STUDENT.id,
        parent_id: TEST_UNRELATED_PARENT.id,
        cost: dec!(120.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000004"),
        tuition_log_id: TEST_TUITION_LOG_SAME_TEACHER_DIFF_PARENT.id,
        student_id: TEST_UNRELATED_STUDENT.id,
        parent_id: TEST_UNRELATED_PARENT.id,
        cost: dec!(120.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000005"),
        tuition_log_id: TEST_TUITION_LOG_SAME_PARENT_DIFF_TEACHER.id,
        student_id: TEST_STUDENT.id,
        parent_id: TEST_PARENT.id,
        cost: dec!(120.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000006"),
        tuition_log_id: FIN_LOG_1.id,
        student_id: FIN_STUDENT_A1.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(100.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000007"),
        tuition_log_id: FIN_LOG_2.id,
        student_id: FIN_STUDENT_A2.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(50.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000008"),
        tuition_log_id: FIN_LOG_3.id,
        student_id: FIN_STUDENT_A1.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(100.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-000000000009"),
        tuition_log_id: FIN_LOG_4.id,
        student_id: FIN_STUDENT_B1.id,
        parent_id: FIN_PARENT_B.id,
        cost: dec!(50.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-00000000000a"),
        tuition_log_id: FIN_LOG_5.id,
        student_id: FIN_STUDENT_A1.id,
        parent_id: FIN_PARENT_A.id,
        cost: dec!(200.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-00000000000b"),
        tuition_log_id: FIN_LOG_6.id,
        student_id: FIN_STUDENT_B1.id,
        parent_id: FIN_PARENT_B.id,
        cost: dec!(100.00),
    },
    TuitionLogCharges {
        id: uuid!("601de000-0005-0000-0000-00000000000c"),
        tuition_log_id: FIN_LOG_7.id,
        student_id: FIN_STUDENT_B1.id,
        parent_id: FIN_PARENT_B.id,
        cost: dec!(200.00),
    },
];

pub const TEST_PAYMENT_LOG: PaymentLogs = PaymentLogs {
    id: TEST_PAYMENT_LOG_ID,
    parent_id: TEST_PARENT.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(50.00),
    status: LogStatusEnum::Active,
    teacher_id: TEST_TEACHER.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const TEST_PAYMENT_LOG_UNRELATED: PaymentLogs = PaymentLogs {
    id: TEST_PAYMENT_LOG_ID_UNRELATED,
    parent_id: TEST_UNRELATED_PARENT.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(50.00),
    status: LogStatusEnum::Active,
    teacher_id: TEST_UNRELATED_TEACHER.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const TEST_PAYMENT_LOG_SAME_TEACHER_DIFF_PARENT: PaymentLogs = PaymentLogs {
    id: TEST_PAYMENT_LOG_ID_SAME_TEACHER_DIFF_PARENT,
    parent_id: TEST_UNRELATED_PARENT.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(50.00),
    status: LogStatusEnum::Active,
    teacher_id: TEST_TEACHER.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const TEST_PAYMENT_LOG_SAME_PARENT_DIFF_TEACHER: PaymentLogs = PaymentLogs {
    id: TEST_PAYMENT_LOG_ID_SAME_PARENT_DIFF_TEACHER,
    parent_id: TEST_PARENT.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(50.00),
    status: LogStatusEnum::Active,
    teacher_id: TEST_UNRELATED_TEACHER.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const FIN_PAY_1: PaymentLogs = PaymentLogs {
    id: FIN_PAY_1_ID,
    parent_id: FIN_PARENT_A.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(120.00),
    status: LogStatusEnum::Active,
    teacher_id: FIN_TEACHER_A.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const FIN_PAY_2: PaymentLogs = PaymentLogs {
    id: FIN_PAY_2_ID,
    parent_id: FIN_PARENT_B.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(60.00),
    status: LogStatusEnum::Active,
    teacher_id: FIN_TEACHER_A.id,
    notes: None,
    corrected_from_log_id: None,
};

pub const FIN_PAY_3: PaymentLogs = PaymentLogs {
    id: FIN_PAY_3_ID,
    parent_id: FIN_PARENT_B.id,
    payment_date: Timestamptz::FromSeed(0),
    amount_paid: dec!(100.00),
    status: LogStatusEnum::Active,
    teacher_id: FIN_TEACHER_A.id,
    notes: None,
    corrected_from_log_id: None,
};
