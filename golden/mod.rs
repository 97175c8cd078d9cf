//! Golden fixtures: the hand-written rows EfficientTutor's tests rely on,
//! with the fixed ids of upstream's `tests/constants.py` (schema-facts.md §3).
//!
//! Each row is a `pub const` of its table's generated struct. Write only the
//! columns the row needs and end with `..Table::DEFAULT`: columns left out take
//! the table's database default when seeded (a required column — NOT NULL,
//! no default — must be written, or the build fails naming the row). Times
//! that upstream computed from "now" are [`Timestamptz::FromSeed`](crate::fixture::Timestamptz::FromSeed) offsets,
//! resolved when the database is seeded. `build.rs` reads these files (it does
//! not compile them), merges them with `generated/`, and fails the build on
//! any conflict; see README.md, "Golden fixtures".

pub mod constants;
pub mod finance;
pub mod notes;
pub mod teaching;
pub mod timetable;
pub mod tuitions;
pub mod users;

pub use constants::*;
pub use finance::*;
pub use notes::*;
pub use teaching::*;
pub use timetable::*;
pub use tuitions::*;
pub use users::*;
