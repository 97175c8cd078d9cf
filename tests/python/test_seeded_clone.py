"""The backend's view of an et-testdb clone: asyncpg + SQLAlchemy, golden rows
by their fixed ids, rollback isolation, and one database per xdist worker."""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

# golden/constants.rs: TEST_TEACHER_ID, TEST_STUDENT_ID.
TEST_TEACHER_ID = uuid.UUID("8fb84d2f-478a-437f-825e-9e364274d78a")
TEST_STUDENT_ID = uuid.UUID("54e42585-3b29-4531-bf71-6bb8325e0020")


async def test_each_worker_has_its_own_clone(session, worker_name):
    db = (await session.execute(text("SELECT current_database()"))).scalar_one()
    assert db == f"et_clone_{worker_name}"


async def test_the_golden_rows_are_there_by_their_fixed_ids(session):
    row = (await session.execute(
        text("SELECT u.email, u.role::text FROM users u JOIN teachers t ON t.id = u.id WHERE u.id = :id"),
        {"id": TEST_TEACHER_ID},
    )).one()
    assert row.role == "teacher"
    assert row.email.endswith("@example.com")
    student = (await session.execute(
        text("SELECT count(*) FROM students WHERE id = :id"), {"id": TEST_STUDENT_ID}
    )).scalar_one()
    assert student == 1


async def test_the_extracted_rows_are_there_too(session):
    users = (await session.execute(text("SELECT count(*) FROM users"))).scalar_one()
    assert users > 100, "golden rows plus the anonymized extraction"


@pytest.mark.parametrize("attempt", range(3))
async def test_a_test_never_sees_another_tests_writes(session, attempt):
    # Each run inserts and is rolled back; none may see an earlier one's row.
    before = (await session.execute(
        text("SELECT count(*) FROM users WHERE email LIKE 'rollback-probe-%'")
    )).scalar_one()
    assert before == 0
    await session.execute(
        text("UPDATE users SET email = :e WHERE id = :id"),
        {"e": f"rollback-probe-{attempt}@example.com", "id": TEST_TEACHER_ID},
    )


@pytest.mark.parametrize("n", range(4))
def test_workers_never_share_a_database(worker_name, n):
    # Committed writes (not rolled back) stay in this worker's clone: the
    # marker table only ever holds this worker's name.
    url = os.environ["DATABASE_URL_TEST"].replace("+asyncpg", "+psycopg")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS worker_marker (worker text NOT NULL)"))
        conn.execute(text("INSERT INTO worker_marker VALUES (:w)"), {"w": worker_name})
    with engine.connect() as conn:
        seen = set(conn.execute(text("SELECT DISTINCT worker FROM worker_marker")).scalars())
    engine.dispose()
    assert seen == {worker_name}
