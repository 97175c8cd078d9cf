// A test that names a golden fixture that was renamed (TEST_TEACHER_ID is
// now spelled differently): the build fails and names the missing item.
fn main() {
    let _id = et_testdb::golden::TEST_TEACHER_IDENTIFIER;
}
