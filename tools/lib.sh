# Shared helpers for the repository's scripts; source it, don't run it.
# Finds an Odoo 18 that is already installed and checks PostgreSQL. It never
# downloads or builds Odoo.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Print the path of a Python that can import Odoo 18, or nothing.
# Order: $ODOO_PYTHON, /opt/odoo-venv/bin/python, then python3 on PATH.
find_odoo_python() {
    local candidate
    for candidate in "${ODOO_PYTHON:-}" /opt/odoo-venv/bin/python python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import odoo.release, sys; sys.exit(odoo.release.version_info[0] != 18)' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

odoo_missing_message() {
    cat >&2 <<'MSG'
No Odoo 18.0 was found: neither $ODOO_PYTHON, /opt/odoo-venv/bin/python nor python3 can import odoo 18.
Install Odoo 18.0 Community first, following Odoo's installation guide
(https://www.odoo.com/documentation/18.0/administration/on_premise.html):
from the official packages, from the source tree, or with `pip install` of the
official 18.0 source archive. Then point ODOO_PYTHON at the Python that can
`import odoo`, for example: export ODOO_PYTHON=/opt/odoo-venv/bin/python
MSG
}

# Print the addons path: Odoo's own add-on folders, then this repository's.
odoo_addons_path() {
    local python=$1 odoo_dir paths
    odoo_dir=$("$python" -c 'import os, odoo; print(os.path.dirname(os.path.abspath(odoo.__file__)))')
    paths="$odoo_dir/addons"
    if [ -d "$odoo_dir/../addons/sale" ]; then
        paths="$paths,$(cd "$odoo_dir/../addons" && pwd)"
    fi
    # addons_extra comes before the repository root that contains it: Odoo
    # gives a file to the first addons path it is under, and the translation
    # export would otherwise miss the companion add-ons. Odoo rejects a
    # folder that holds no add-on, so an empty addons_extra is skipped.
    if compgen -G "$REPO_ROOT/addons_extra/*/__manifest__.py" >/dev/null; then
        paths="$paths,$REPO_ROOT/addons_extra"
    fi
    paths="$paths,$REPO_ROOT"
    echo "$paths"
}

# Print the odoo-bin entry point next to the Odoo package, or "-m odoo" style fallback.
odoo_command() {
    local python=$1 odoo_dir
    odoo_dir=$("$python" -c 'import os, odoo; print(os.path.dirname(os.path.abspath(odoo.__file__)))')
    if [ -f "$odoo_dir/../odoo-bin" ]; then
        echo "$python $odoo_dir/../odoo-bin"
    elif command -v odoo >/dev/null 2>&1; then
        echo "odoo"
    else
        echo "$python -m odoo"
    fi
}

# Succeed when PostgreSQL answers on the local socket.
postgres_answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q
    else
        psql -Atqc 'SELECT 1' postgres >/dev/null 2>&1
    fi
}

require_postgres() {
    if ! postgres_answers; then
        echo "PostgreSQL does not answer on the local socket. Start it (for example:" \
             "pg_ctlcluster \$(ls /etc/postgresql) main start) and run this again." >&2
        return 1
    fi
}
