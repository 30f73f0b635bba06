"""Plain pytest set-up: load the add-on's pure tools without importing Odoo.

Importing ``sale_subscription_plus`` itself would import its models and so
Odoo. The ``tools`` folder is loaded as a stand-alone package named
``ssp_tools`` instead, which keeps its relative imports working.
"""
import importlib.util
import pathlib
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDON_DIR = REPO_ROOT / 'sale_subscription_plus'


def _load_tools_package():
    tools_dir = ADDON_DIR / 'tools'
    spec = importlib.util.spec_from_file_location(
        'ssp_tools', tools_dir / '__init__.py', submodule_search_locations=[str(tools_dir)])
    package = importlib.util.module_from_spec(spec)
    sys.modules['ssp_tools'] = package
    spec.loader.exec_module(package)


_load_tools_package()
