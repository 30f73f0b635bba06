#!/usr/bin/env bash
# Run the recurring invoicing benchmark on the Odoo 18 installed on this machine.
# Arguments go to bench_invoicing.py (see --help); the Odoo options come first,
# so an argument such as --log-level=info overrides them.
set -euo pipefail

# shellcheck source=../tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib.sh"

if ! python=$(find_odoo_python); then
    odoo_missing_message
    exit 1
fi
require_postgres

cd "$REPO_ROOT"
exec "$python" "$REPO_ROOT/benchmarks/bench_invoicing.py" \
    -c "$REPO_ROOT/odoo.conf" \
    --addons-path "$(odoo_addons_path "$python")" \
    --log-level=warn \
    "$@"
