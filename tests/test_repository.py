"""Checks on the repository layout that both test runners rely on."""
import ast
import pathlib
import re

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = sorted(
    path.parent for path in
    [*REPO_ROOT.glob('*/__manifest__.py'), *REPO_ROOT.glob('addons_extra/*/__manifest__.py')]
)


def _manifest(addon_dir):
    return ast.literal_eval((addon_dir / '__manifest__.py').read_text(encoding='utf-8'))


def test_addons_found():
    assert REPO_ROOT / 'sale_subscription_plus' in ADDONS


def test_every_odoo_test_file_is_imported():
    # Odoo runs only the test modules that tests/__init__.py imports, while
    # pytest-odoo collects every test_*.py file: both must see the same set.
    for addon_dir in ADDONS:
        tests_dir = addon_dir / 'tests'
        if not tests_dir.is_dir():
            continue
        init_source = (tests_dir / '__init__.py').read_text(encoding='utf-8')
        imported = set(re.findall(r'^from \. import (\w+)', init_source, re.MULTILINE))
        for test_file in tests_dir.glob('test_*.py'):
            assert test_file.stem in imported, f"{test_file} is not imported in {tests_dir}/__init__.py"


def test_manifest_data_files_exist():
    for addon_dir in ADDONS:
        manifest = _manifest(addon_dir)
        for key in ('data', 'demo'):
            for relative in manifest.get(key, []):
                assert (addon_dir / relative).is_file(), f"{addon_dir.name}: missing {relative}"


def test_manifest_license_and_version():
    for addon_dir in ADDONS:
        manifest = _manifest(addon_dir)
        assert manifest['license'] == 'LGPL-3', addon_dir.name
        assert re.fullmatch(r'18\.0\.\d+\.\d+\.\d+', manifest['version']), addon_dir.name


def _po_entries(path):
    """Return ``{msgid: msgstr}`` of a .po file (enough of the format for a completeness check)."""
    entries = {}
    msgid = msgstr = None
    current = None

    def unquote(text):
        return ast.literal_eval(text)

    for raw_line in path.read_text(encoding='utf-8').splitlines() + ['']:
        line = raw_line.strip()
        if line.startswith('msgid '):
            if msgid is not None:
                entries[msgid] = msgstr
            msgid, msgstr, current = unquote(line[6:]), '', 'id'
        elif line.startswith('msgstr '):
            msgstr, current = unquote(line[7:]), 'str'
        elif line.startswith('"') and current == 'id':
            msgid += unquote(line)
        elif line.startswith('"') and current == 'str':
            msgstr += unquote(line)
        elif not line and msgid is not None:
            entries[msgid] = msgstr
            msgid = msgstr = current = None
    entries.pop('', None)
    return entries


def test_thai_translation_complete():
    for addon_dir in ADDONS:
        pot = addon_dir / 'i18n' / f'{addon_dir.name}.pot'
        if not pot.exists():
            continue
        thai = addon_dir / 'i18n' / 'th.po'
        assert thai.exists(), f"{addon_dir.name} has a .pot but no i18n/th.po"
        template_ids = set(_po_entries(pot))
        translations = _po_entries(thai)
        missing = sorted(template_ids - set(translations))
        assert not missing, f"{thai}: msgids of the .pot missing: {missing[:5]}"
        untranslated = sorted(msgid for msgid, msgstr in translations.items() if not msgstr)
        assert not untranslated, f"{thai}: untranslated: {untranslated[:5]}"


def test_thai_placeholders_match():
    placeholder = re.compile(r'%\(\w+\)s|%s|%d')
    for addon_dir in ADDONS:
        thai = addon_dir / 'i18n' / 'th.po'
        if not thai.exists():
            continue
        for msgid, msgstr in _po_entries(thai).items():
            if msgstr:
                assert sorted(placeholder.findall(msgid)) == sorted(placeholder.findall(msgstr)), msgid
