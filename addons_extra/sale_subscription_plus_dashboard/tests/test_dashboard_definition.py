# Part of sale_subscription_plus. License LGPL-3.
import re
from datetime import date

from babel.messages.pofile import read_po

from odoo.addons.spreadsheet.utils.validate_data import fields_in_spreadsheet, menus_xml_ids_in_spreadsheet
from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open
from odoo.tools.translate import extract_spreadsheet_terms

from .common import DASHBOARD_XML_ID, dashboard_data, evaluate_domain, odoo_charts

JSON_PATH = 'sale_subscription_plus_dashboard/data/files/subscriptions_dashboard.json'
PIVOT_FUNCTION = re.compile(r'PIVOT\.(VALUE|HEADER)\((\d+),([^)]*)\)')
QUOTED = re.compile(r'^"[^"]*"$')
RANGE_SHEET = re.compile(r"^'?([^'!]+)'?!")
MENU_LINK = re.compile(r'^\[(.+)\]\(odoo://ir_menu_xml_id/(.+)\)$')


@tagged('post_install', '-at_install')
class TestDashboardDefinition(TransactionCase):
    """The installed dashboard and the references inside its spreadsheet JSON."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref(DASHBOARD_XML_ID)
        cls.data = dashboard_data(cls.env)

    def _check_field(self, model_name, field_name, context):
        self.assertIn(model_name, self.env, f"{context}: unknown model {model_name}")
        self.assertIn(field_name, self.env[model_name]._fields,
                      f"{context}: no field {field_name!r} on {model_name}")
        return self.env[model_name]._fields[field_name]

    def _check_dimension(self, model_name, dimension, context):
        field = self._check_field(model_name, dimension['fieldName'], context)
        self.assertTrue(field._description_groupable(self.env), f"{context}: {field} cannot be grouped by")
        if dimension.get('granularity'):
            self.assertIn(field.type, ('date', 'datetime'), f"{context}: granularity on {field}")

    def _check_domain(self, model_name, domain, context):
        evaluated = evaluate_domain(self.env, domain, date(2026, 3, 20))
        self.assertIsInstance(evaluated, list, context)
        # _search rejects unknown fields and malformed leaves.
        self.env[model_name]._search(evaluated)

    def _check_field_matching(self, model_name, field_matching, context):
        filter_ids = {global_filter['id'] for global_filter in self.data['globalFilters']}
        for filter_id, matching in field_matching.items():
            self.assertIn(filter_id, filter_ids, f"{context}: matching of an unknown filter")
            field = self._check_field(model_name, matching['chain'], context)
            self.assertEqual(field.type, matching['type'], f"{context}: filter matching type")

    def test_dashboard_record(self):
        self.assertEqual(self.dashboard.dashboard_group_id,
                         self.env.ref('sale_subscription_plus_dashboard.spreadsheet_dashboard_group_subscriptions'))
        self.assertTrue(self.dashboard.is_published)
        self.assertEqual(self.dashboard.group_ids, self.env.ref('sales_team.group_sale_manager'))
        with file_open(JSON_PATH, 'rb') as json_file:
            self.assertEqual(self.dashboard.spreadsheet_data.encode(), json_file.read())
        readonly = self.dashboard.get_readonly_dashboard()
        self.assertEqual([sheet['name'] for sheet in readonly['snapshot']['sheets']], ['Dashboard', 'Data'])
        self.assertEqual(readonly['default_currency']['code'], self.env.company.currency_id.name)

    def test_odoo_validation(self):
        # spreadsheet.mixin runs this check only when the file is written, so it
        # is repeated against the current registry of the main add-on.
        for model_name, field_chains in fields_in_spreadsheet(self.data).items():
            self.assertIn(model_name, self.env)
            for chain in field_chains:
                self.assertIn(chain.split('.')[0], self.env[model_name]._fields, f"{model_name}.{chain}")
        self.dashboard._check_spreadsheet_data()

    def test_pivot_references(self):
        self.assertEqual(set(self.data['pivots']), {'1', '2', '3', '4', '5', '6'})
        self.assertGreater(self.data['pivotNextId'], max(int(pivot_id) for pivot_id in self.data['pivots']))
        for pivot_id, pivot in self.data['pivots'].items():
            context = f"pivot {pivot_id} ({pivot['name']})"
            model_name = pivot['model']
            self.assertEqual(pivot['type'], 'ODOO', context)
            self.assertEqual(pivot['formulaId'], pivot_id, context)
            for dimension in pivot['rows'] + pivot['columns']:
                self._check_dimension(model_name, dimension, context)
            measure_names = set()
            for measure in pivot['measures']:
                measure_names.add(measure['fieldName'])
                if measure['fieldName'] == '__count':
                    continue
                field = self._check_field(model_name, measure['fieldName'], context)
                self.assertEqual(measure['id'], f"{measure['fieldName']}:{measure['aggregator']}", context)
                self.assertTrue(field.aggregator or measure.get('aggregator'), f"{context}: {field} has no aggregator")
            if pivot['sortedColumn']:
                # Odoo's pivot model looks the sorting measure up by field name.
                self.assertIn(pivot['sortedColumn']['measure'], measure_names, context)
            self._check_domain(model_name, pivot['domain'], context)
            self._check_field_matching(model_name, pivot['fieldMatching'], context)
            self.assertTrue(self.env.ref(pivot['actionXmlId'], raise_if_not_found=False), context)

    def test_chart_references(self):
        charts = odoo_charts(self.data)
        self.assertEqual(len(charts), 2)
        for sheet_name, figure in charts:
            chart = figure['data']
            context = f"chart {figure['id']} on {sheet_name}"
            model_name = chart['metaData']['resModel']
            self.assertEqual(chart['metaData']['groupBy'], chart['searchParams']['groupBy'], context)
            for groupby in chart['metaData']['groupBy']:
                field_name, _sep, granularity = groupby.partition(':')
                self._check_dimension(model_name, {'fieldName': field_name, 'granularity': granularity}, context)
            if chart['metaData']['measure'] != '__count':
                field = self._check_field(model_name, chart['metaData']['measure'], context)
                self.assertTrue(field.aggregator, context)
            self._check_domain(model_name, chart['searchParams']['domain'], context)
            self._check_field_matching(model_name, chart.get('fieldMatching', {}), context)

    def test_formula_references(self):
        """Every pivot formula names an existing pivot, one of its measures and its group-bys."""
        sheet_names = {sheet['name'] for sheet in self.data['sheets']}
        formula_count = 0
        for sheet in self.data['sheets']:
            for xc, cell in sheet['cells'].items():
                for function, pivot_id, arguments in PIVOT_FUNCTION.findall(cell.get('content', '')):
                    formula_count += 1
                    context = f"{sheet['name']}!{xc}"
                    self.assertIn(pivot_id, self.data['pivots'], context)
                    pivot = self.data['pivots'][pivot_id]
                    dimensions = {
                        f"{dimension['fieldName']}:{dimension['granularity']}" if dimension.get('granularity')
                        else dimension['fieldName']
                        for dimension in pivot['rows'] + pivot['columns']
                    }
                    tokens = [token.strip() for token in arguments.split(',')]
                    if function == 'VALUE':
                        measure_id = tokens.pop(0).strip('"')
                        self.assertIn(measure_id, {measure['id'] for measure in pivot['measures']}, context)
                    # Then come (group-by, value) pairs. A "#field" group-by selects the nth group.
                    self.assertEqual(len(tokens) % 2, 0, context)
                    for groupby in tokens[::2]:
                        self.assertRegex(groupby, QUOTED, context)
                        self.assertIn(groupby.strip('"').lstrip('#'), dimensions, context)
            for figure in sheet['figures']:
                chart = figure['data']
                ranges = [chart.get('keyValue'), chart.get('baseline'), chart.get('labelRange')]
                ranges += [data_set['dataRange'] for data_set in chart.get('dataSets', [])]
                for cell_range in filter(None, ranges):
                    match = RANGE_SHEET.match(cell_range)
                    self.assertTrue(match and match.group(1) in sheet_names, f"{figure['id']}: {cell_range}")
        # KPIs (8 x 2), salespeople and reasons (10 x 6), cohorts (12 x 3), movements (12 x 5)
        self.assertEqual(formula_count, 8 * 2 + 10 * 6 + 12 * 3 + 12 * 5)

    def test_menu_links(self):
        # Odoo's menus_xml_ids_in_spreadsheet() reads the chart references, but
        # its link scan only keeps view links, so the menu links are read here.
        xml_ids = set(self.data['chartOdooMenusReferences'].values())
        for sheet in self.data['sheets']:
            for cell in sheet['cells'].values():
                match = MENU_LINK.match(cell.get('content', ''))
                if match:
                    xml_ids.add(match.group(2))
        self.assertIn('sale_subscription_plus.sale_subscription_cohort_menu', xml_ids)
        self.assertLessEqual(menus_xml_ids_in_spreadsheet(self.data), xml_ids)
        for xml_id in xml_ids:
            menu = self.env.ref(xml_id)
            self.assertEqual(menu._name, 'ir.ui.menu', xml_id)
            self.assertTrue(menu.action, f"{xml_id} opens nothing")
        figure_ids = {figure['id'] for sheet in self.data['sheets'] for figure in sheet['figures']}
        self.assertLessEqual(set(self.data['chartOdooMenusReferences']), figure_ids)

    def test_thai_translations(self):
        """Every text that the dashboard translates at runtime has a Thai translation."""
        with file_open(JSON_PATH, 'rb') as json_file:
            terms = {term for _line, _function, term, _comments in extract_spreadsheet_terms(json_file, [], [], {})}
        self.assertIn("Logo churn rate", terms)
        with file_open('sale_subscription_plus_dashboard/i18n/th.po', 'rb') as po_file:
            catalog = read_po(po_file)
        thai = {message.id: message.string for message in catalog if message.id}
        with file_open('sale_subscription_plus_dashboard/i18n/sale_subscription_plus_dashboard.pot', 'rb') as pot:
            template_ids = {message.id for message in read_po(pot) if message.id}
        self.assertEqual(set(thai), template_ids)
        for term in terms | {self.dashboard.name, self.dashboard.dashboard_group_id.name}:
            self.assertTrue(thai.get(term), f"no Thai translation for {term!r}")

    def test_menu_link_labels_are_terms(self):
        # Odoo extracts the label of a markdown link only when the whole cell is the link.
        for sheet in self.data['sheets']:
            for xc, cell in sheet['cells'].items():
                content = cell.get('content', '')
                if 'odoo://' in content:
                    self.assertRegex(content, MENU_LINK, f"{sheet['name']}!{xc}")
