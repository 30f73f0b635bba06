#!/usr/bin/env bash
# Run every test of the repository: the plain pytest tests (no Odoo needed),
# then the add-ons' Odoo tests on a fresh database with `odoo --test-enable`,
# then real Odoo workers running the invoicing job at once on that database.
# Exit status is non-zero when any test fails or when a suite cannot run
# although Odoo is installed. The last line reads "N passed, N failed".
#
# Environment: ODOO_PYTHON (Python that can import Odoo 18), TEST_DB (the
# scratch database, default ssp_test, dropped and re-created), TEST_KEEP_DB=1
# keeps it afterwards.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT" || exit 2
mkdir -p var

TEST_DB=${TEST_DB:-ssp_test}

# Print "passed failed" from a JUnit XML report; a missing report counts as one failure.
count_junit() {
    "$pytest_python" - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 1)
else:
    suite = root if root.tag == 'testsuite' else root.find('testsuite')
    tests, failures, errors, skipped = (int(suite.get(key, 0)) for key in ('tests', 'failures', 'errors', 'skipped'))
    print(tests - failures - errors - skipped, failures + errors)
PY
}
passed=0
failed=0
status=0

# --- 1. Plain pytest ----------------------------------------------------------
odoo_python=$(find_odoo_python || true)
if [ -n "$odoo_python" ]; then
    pytest_python=$odoo_python
else
    # Without Odoo, a private virtual environment holds pytest.
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv || { echo "cannot create .venv with python3" >&2; exit 2; }
    fi
    pytest_python=.venv/bin/python
fi
if ! "$pytest_python" -c 'import pytest, hypothesis' >/dev/null 2>&1; then
    echo "Installing the test requirements into $pytest_python"
    "$pytest_python" -m pip install -q -r requirements.txt || { echo "pip install failed" >&2; exit 2; }
fi

echo "== Plain tests (pytest) =="
"$pytest_python" -m pytest -q --junitxml=var/pytest.xml
pytest_status=$?
read -r pytest_passed pytest_failed < <(count_junit var/pytest.xml)
passed=$((passed + pytest_passed))
failed=$((failed + pytest_failed))
# pytest exits 5 when it collected nothing, which is a failure here too.
[ "$pytest_status" -eq 0 ] || status=1

# --- 2. Odoo tests --------------------------------------------------------------
if [ -z "$odoo_python" ]; then
    odoo_missing_message 2>&1 | head -n 1 | sed 's/^/Odoo test suite did not run: /'
else
    require_postgres || exit 2
    addons_path=$(odoo_addons_path "$odoo_python")
    # The Thai demo add-on is left out: installing it generates two years of
    # data, which tools/demo.sh does on its own database.
    modules=sale_subscription_plus,sale_subscription_plus_dashboard
    tags=/sale_subscription_plus,/sale_subscription_plus_dashboard
    log=var/odoo-tests.log
    echo "== Odoo tests on a fresh database '$TEST_DB' (full log: $log) =="
    dropdb --if-exists "$TEST_DB" || exit 2
    # shellcheck disable=SC2046 # odoo_command prints a command and its script path
    $(odoo_command "$odoo_python") -c odoo.conf --addons-path "$addons_path" -d "$TEST_DB" \
        -i "$modules" --test-enable --test-tags "$tags" --stop-after-init \
        --log-level=test --http-port 8079 >"$log" 2>&1
    odoo_status=$?
    # Show the failures and the summary, not the whole log.
    grep -E ' (ERROR|CRITICAL) |^(FAIL|ERROR):|odoo\.tests\.(stats|result)' "$log" | tail -n 80
    summary=$(grep -E 'odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "The Odoo test run printed no result line (exit status $odoo_status); see $log." >&2
        failed=$((failed + 1))
        status=1
    else
        read -r odoo_failed odoo_errors odoo_total < <(
            sed -E 's/.*result: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$summary")
        passed=$((passed + odoo_total - odoo_failed - odoo_errors))
        failed=$((failed + odoo_failed + odoo_errors))
        if [ "$odoo_total" -eq 0 ]; then
            echo "The Odoo test run executed no test; see $log." >&2
            status=1
        fi
    fi
    # A module that fails to load logs an ERROR without failing a test.
    if [ "$odoo_status" -ne 0 ] || grep -qE ' (ERROR|CRITICAL) ' "$log"; then
        status=1
    fi

    # --- 3. Real workers on the same database ---------------------------------
    echo "== Concurrent invoicing with real Odoo workers on '$TEST_DB' =="
    SSP_INTEGRATION_DB=$TEST_DB SSP_ODOO_COMMAND="$(odoo_command "$odoo_python")" SSP_ADDONS_PATH=$addons_path \
        "$pytest_python" -m pytest -q tests/test_concurrent_invoicing.py --junitxml=var/pytest-integration.xml
    integration_status=$?
    read -r integration_passed integration_failed < <(count_junit var/pytest-integration.xml)
    passed=$((passed + integration_passed))
    failed=$((failed + integration_failed))
    [ "$integration_status" -eq 0 ] || status=1
    [ "${TEST_KEEP_DB:-0}" = 1 ] || dropdb --if-exists "$TEST_DB"
fi

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
