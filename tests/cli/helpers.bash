# Shared set-up for the bats tests: the freshly built tools first on PATH,
# a private store and config per test, a pinned locale and date.
bats_require_minimum_version 1.5.0
export PATH="${CRM_BIN:?CRM_BIN must point at the built binaries}:$PATH"
export LC_ALL=C.UTF-8
export CRM_DB="$BATS_TEST_TMPDIR/crm.db"
export CRM_CONFIG=
export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
export XDG_DATA_HOME="$BATS_TEST_TMPDIR/data"
export CRM_TODAY=2026-11-23
DATA="$BATS_TEST_DIRNAME/../data"
SHARED="$BATS_TEST_DIRNAME/../../../shared/data"
