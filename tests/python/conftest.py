"""Each pytest(-xdist) worker gets its own copy of the seeded test database.

This is the recipe from the README, as the backend would use it: before any
test module is imported, ask et-testdb for a clone of the seeded template
(`cluster clone --as asyncpg --name <worker>`), point DATABASE_URL_TEST at
it, and drop the clone when the session ends. Each test then runs inside a
transaction that is rolled back, as the backend's tests do.
"""

import os
import shlex
import subprocess
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

REPO = Path(__file__).resolve().parents[2]


def cluster_command():
    """The `cluster` binary: $ET_TESTDB_CLUSTER, else `cargo run --bin cluster`."""
    explicit = os.environ.get("ET_TESTDB_CLUSTER")
    if explicit:
        return shlex.split(explicit)
    return ["cargo", "run", "-q", "--manifest-path", str(REPO / "Cargo.toml"),
            "--bin", "cluster", "--"]


def cluster(*args):
    done = subprocess.run([*cluster_command(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cluster {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def _is_xdist_controller(config):
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", 0))


def pytest_configure(config):
    if _is_xdist_controller(config):
        return  # the workers run the tests; each makes its own clone
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    # --owner-pid: through `cargo run` the clone's parent process would be
    # cargo, which exits at once; the clone belongs to this pytest process.
    url = cluster("clone", "--as", "asyncpg", "--name", worker, "--owner-pid", str(os.getpid()))
    os.environ["DATABASE_URL_TEST"] = url
    config.et_testdb_clone = worker


def pytest_unconfigure(config):
    worker = getattr(config, "et_testdb_clone", None)
    if worker is not None:
        cluster("drop", worker)


@pytest.fixture(scope="session")
def worker_name(request):
    return request.config.et_testdb_clone


@pytest_asyncio.fixture
async def session():
    """An AsyncSession in a transaction that is rolled back after the test."""
    engine = create_async_engine(os.environ["DATABASE_URL_TEST"])
    async with engine.connect() as conn:
        trans = await conn.begin()
        async with AsyncSession(bind=conn, expire_on_commit=False) as s:
            yield s
        await trans.rollback()
    await engine.dispose()
