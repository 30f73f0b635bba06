#!/usr/bin/env bash
# Export the translation template (.pot) of each add-on of this repository
# from a scratch database, so the template always matches the source.
# Usage: tools/export_pot.sh [ADDON ...]   (default: every add-on here but the demo)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

odoo_python=$(find_odoo_python) || { odoo_missing_message; exit 1; }
require_postgres
addons_path=$(odoo_addons_path "$odoo_python")
addons=("$@")
if [ ${#addons[@]} -eq 0 ]; then
    # The Thai demo add-on generates two years of data when installed; name
    # it explicitly to export its template.
    for manifest in */__manifest__.py addons_extra/*/__manifest__.py; do
        addon=$(basename "$(dirname "$manifest")")
        [ -f "$manifest" ] && [ "$addon" != sale_subscription_plus_demo_th ] && addons+=("$addon")
    done
fi
db=${POT_DB:-ssp_pot}
dropdb --if-exists "$db"
# shellcheck disable=SC2046
$(odoo_command "$odoo_python") -c odoo.conf --addons-path "$addons_path" -d "$db" \
    -i "$(IFS=,; echo "${addons[*]}")" --stop-after-init --log-level=warn
for addon in "${addons[@]}"; do
    addon_dir=$(dirname "$(ls -d "$addon/__manifest__.py" "addons_extra/$addon/__manifest__.py" 2>/dev/null | head -n 1)")
    mkdir -p "$addon_dir/i18n"
    # shellcheck disable=SC2046
    $(odoo_command "$odoo_python") -c odoo.conf --addons-path "$addons_path" -d "$db" \
        --i18n-export="$addon_dir/i18n/$addon.pot" --modules="$addon" --stop-after-init --log-level=warn
    echo "wrote $addon_dir/i18n/$addon.pot"
done
dropdb --if-exists "$db"
