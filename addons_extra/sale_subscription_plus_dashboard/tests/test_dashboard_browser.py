# Part of sale_subscription_plus. License LGPL-3.
import json

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.sale_subscription_plus.tests.common import SubscriptionCommon

from .common import DASHBOARD_XML_ID

# Runs in the dashboard page: waits until every cell is computed, then checks
# that no cell is an error and that the KPI cells hold the expected figures.
CHECK_DASHBOARD_JS = """
(async () => {
    const expected = %(expected)s;
    const findModel = () => {
        const stack = [odoo.__WOWL_DEBUG__.root.__owl__];
        while (stack.length) {
            const node = stack.pop();
            const model = node.component && node.component.props && node.component.props.model;
            if (model && model.getters && model.getters.getSheetIds) {
                return model;
            }
            stack.push(...Object.values(node.children || {}));
        }
        return null;
    };
    const readCells = (model) => {
        const cells = {};
        let loading = 0;
        for (const sheetId of model.getters.getSheetIds()) {
            const sheetName = model.getters.getSheetName(sheetId);
            for (const cellId of Object.keys(model.getters.getCells(sheetId))) {
                const position = model.getters.getCellPosition(cellId);
                const evaluated = model.getters.getEvaluatedCell(position);
                if (evaluated.value === "Loading...") {
                    loading++;
                }
                const xc = String.fromCharCode(65 + position.col) + (position.row + 1);
                cells[sheetName + "!" + xc] = evaluated;
            }
        }
        return { cells, loading };
    };
    const deadline = Date.now() + 60000;
    let result = null;
    while (Date.now() < deadline) {
        const model = findModel();
        if (model) {
            result = readCells(model);
            if (result.loading === 0 && Object.keys(result.cells).length) {
                break;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!result || result.loading) {
        console.error("The dashboard did not finish loading: " + JSON.stringify(result && result.loading));
        return;
    }
    const errors = Object.entries(result.cells)
        .filter(([, cell]) => cell.type === "error")
        .map(([xc, cell]) => xc + ": " + cell.value + " " + (cell.message || ""));
    if (errors.length) {
        console.error("Error cells: " + errors.join("; "));
        return;
    }
    for (const [xc, value] of Object.entries(expected)) {
        const actual = result.cells[xc] && result.cells[xc].value;
        if (actual !== value) {
            console.error(xc + ": expected " + JSON.stringify(value) + ", got " + JSON.stringify(actual));
            return;
        }
    }
    console.log("test successful");
})();
"""


@tagged('post_install', '-at_install')
class TestDashboardBrowser(SubscriptionCommon, HttpCase):
    """Open the dashboard in the browser as a sales manager, on today's data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login='dashboard_manager', groups='sales_team.group_sale_manager',
            name="Dashboard Manager", company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)])

    def test_dashboard_renders(self):
        # The browser decides what "this month" is, so the history is relative to today.
        today = fields.Date.context_today(self.manager)
        this_month = today.replace(day=1)
        partners = self.env['res.partner'].create([{'name': f"Customer {name}"} for name in 'ABC'])
        self._start_subscription(this_month - relativedelta(months=2), partner=partners[0],
                                 user_id=self.manager.id)
        self._start_subscription(this_month - relativedelta(months=1), partner=partners[1],
                                 lines=[(self.product_hosting, 2.0)], user_id=self.user_salesman.id)
        leaving = self._start_subscription(this_month - relativedelta(months=2), partner=partners[2],
                                           user_id=self.user_salesman.id)
        leaving._close(when='now', reason=self.env.ref('sale_subscription_plus.close_reason_competitor'))

        dashboard = self.env.ref(DASHBOARD_XML_ID)
        expected = {
            # MRR of this month (A 1,000 + B 2,000) and of the previous one (+ C 1,000)
            'Data!B2': 3000,
            'Data!C2': 4000,
            'Data!D4': -1000,
            # Contracts and customers of this month
            'Data!B5': 2,
            'Data!B6': 2,
            # Top salesperson over 12 months: Somchai (B 2,000, C 1,000 - 1,000)
            'Dashboard!A11': "Somchai Salesman",
            'Dashboard!B11': 2000,
            # Churn reasons
            'Dashboard!E11': self.env.ref('sale_subscription_plus.close_reason_competitor').name,
            'Dashboard!F11': 1,
            'Dashboard!G11': 1000,
        }
        self.browser_js(
            f'/odoo/dashboards?dashboard_id={dashboard.id}',
            CHECK_DASHBOARD_JS % {'expected': json.dumps(expected)},
            ready='odoo.isReady',
            login=self.manager.login,
            timeout=120,
        )
