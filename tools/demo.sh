#!/usr/bin/env bash
# Build the Thai demo database of sale_subscription_plus, then serve it on
# loopback. Uses an Odoo 18 that is already installed (see tools/lib.sh).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO_MODULE=sale_subscription_plus_demo_th
DEMO_DB=${DEMO_DB:-subscription_demo}
DEMO_PORT=${DEMO_PORT:-8069}

usage() {
    cat <<'USAGE'
Usage: tools/demo.sh [--no-serve]

Creates the database (default subscription_demo) with the Thai demo add-on
sale_subscription_plus_demo_th, or reuses it when the add-on is already
installed there, then serves it at http://localhost:8069 (admin / admin).

Options:
  --no-serve     build or reuse the database, then exit without serving it
  -h, --help     show this help

Environment:
  DEMO_DB        database name (default: subscription_demo)
  DEMO_RESET=1   drop the database first and build it again
  DEMO_PORT      HTTP port of the server (default: 8069)
  ODOO_PYTHON    Python that can import Odoo 18 (default: see tools/lib.sh)
USAGE
}

serve=1
for arg in "$@"; do
    case $arg in
        --no-serve) serve=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown option: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

# Odoo's own rule for database names. It also keeps the name safe in the
# --db-filter regular expression below.
if ! [[ $DEMO_DB =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]]; then
    echo "Invalid DEMO_DB '$DEMO_DB': use letters, digits, '_', '.' and '-', starting with a letter or digit." >&2
    exit 2
fi
if ! [[ $DEMO_PORT =~ ^[0-9]+$ ]] || [ "$DEMO_PORT" -lt 1 ] || [ "$DEMO_PORT" -gt 65535 ]; then
    echo "Invalid DEMO_PORT '$DEMO_PORT': expected a TCP port number from 1 to 65535." >&2
    exit 2
fi

if ! python=$(find_odoo_python); then
    odoo_missing_message
    exit 1
fi
require_postgres || exit 1

# odoo.conf and the addons path are relative to the repository root.
cd "$REPO_ROOT"
addons_path=$(odoo_addons_path "$python")
read -ra odoo <<<"$(odoo_command "$python")"

database_exists() {
    [ "$(psql -Atq -v name="$DEMO_DB" postgres <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")" = 1 ]
}

# Print the state of the demo add-on in the database, or nothing when the
# database is not an Odoo database.
demo_module_state() {
    psql -Atq -v module="$DEMO_MODULE" "$DEMO_DB" \
        <<<"SELECT state FROM ir_module_module WHERE name = :'module'" 2>/dev/null || true
}

build_database() {
    local log_file=${TMPDIR:-/tmp}/odoo-demo-$DEMO_DB.log started elapsed errors
    echo "Building database $DEMO_DB with $DEMO_MODULE; this takes a few minutes."
    echo "Log: $log_file"
    started=$(date +%s)
    if ! "${odoo[@]}" -c odoo.conf --addons-path "$addons_path" -d "$DEMO_DB" \
            -i "$DEMO_MODULE" --load-language=th_TH --without-demo=all \
            --stop-after-init >"$log_file" 2>&1; then
        tail -n 40 "$log_file" >&2
        echo "Building $DEMO_DB failed; the end of the log is above. Rebuild with DEMO_RESET=1." >&2
        exit 1
    fi
    if [ "$(demo_module_state)" != installed ]; then
        tail -n 40 "$log_file" >&2
        echo "Odoo stopped without installing $DEMO_MODULE in $DEMO_DB; the end of the log is above." >&2
        exit 1
    fi
    elapsed=$(($(date +%s) - started))
    printf 'Database %s built in %d min %02d s.\n' "$DEMO_DB" $((elapsed / 60)) $((elapsed % 60))
    errors=$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log_file" || true)
    if [ "$errors" -gt 0 ]; then
        echo "Warning: the log has $errors ERROR lines; read $log_file." >&2
    fi
}

if [ "${DEMO_RESET:-0}" = 1 ] && database_exists; then
    echo "Dropping database $DEMO_DB (DEMO_RESET=1)."
    dropdb "$DEMO_DB"
fi

if ! database_exists; then
    build_database
elif [ "$(demo_module_state)" = installed ]; then
    echo "Reusing database $DEMO_DB: $DEMO_MODULE is installed there (DEMO_RESET=1 rebuilds it)."
else
    echo "Database $DEMO_DB exists but $DEMO_MODULE is not installed in it." >&2
    echo "Rebuild it with DEMO_RESET=1 (this drops it), or choose another name with DEMO_DB." >&2
    exit 1
fi

if [ "$serve" = 0 ]; then
    exit 0
fi

if ! "$python" -c 'import socket, sys; socket.create_server(("127.0.0.1", int(sys.argv[1]))).close()' \
        "$DEMO_PORT" 2>/dev/null; then
    echo "Port $DEMO_PORT on 127.0.0.1 is in use. Stop what listens there, or set DEMO_PORT to a free port." >&2
    exit 1
fi
echo "Serving $DEMO_DB at http://localhost:$DEMO_PORT (loopback only). Press Ctrl+C to stop."
echo "Log in with admin / admin."
exec "${odoo[@]}" -c odoo.conf --addons-path "$addons_path" -d "$DEMO_DB" \
    --db-filter "^${DEMO_DB//./\\.}\$" --http-port "$DEMO_PORT"
