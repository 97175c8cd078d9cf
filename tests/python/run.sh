#!/usr/bin/env bash
# The pytest recipe, tested: a venv with the backend's test stack, the
# suite under pytest-xdist (each worker on its own clone), then proof that no
# clone survived the session. Usage: bash tests/python/run.sh [pytest args]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
target="${CARGO_TARGET_DIR:-$repo/target}"
venv="$target/et-testdb/py"
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s tests/python/requirements.txt "$venv/requirements.txt"; then
  echo "== python venv in $venv (from PyPI)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  cp tests/python/requirements.txt "$venv/requirements.txt"
fi
cargo build --quiet --locked --bin cluster
export ET_TESTDB_CLUSTER="$target/debug/cluster"
echo "== pytest -n 2 tests/python"
"$venv/bin/pytest" -q -p no:cacheprovider -n 2 tests/python "$@"
left="$("$ET_TESTDB_CLUSTER" clones | grep '^et_clone_' || true)"
if [ -n "$left" ]; then
  echo "clones survived the pytest session:" >&2
  echo "$left" >&2
  exit 1
fi
echo "== no clone survived the session"
