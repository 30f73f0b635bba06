# Part of sale_subscription_plus. License LGPL-3.
from datetime import date

from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.sale_subscription_plus.tests.common import SubscriptionCommon

from .common import dashboard_data, odoo_charts, read_chart, read_pivot

TODAY = date(2026, 3, 20)


@tagged('post_install', '-at_install')
class TestDashboardData(SubscriptionCommon):
    """What the dashboard's data sources return on a small history, read on 20 March 2026.

    Monthly plan at 1,000 per unit and month. By customer:
    - A (Somchai): starts 1 Jan with 1 unit; 2 units from 15 Feb.
    - B (Somchai): starts 10 Jan with 1 unit; closed 5 Mar as too expensive.
    - C (Malee): starts 1 Feb with 3 units; 2 units from 1 Mar.
    - D (Malee): starts 10 Mar with 1 unit.
    MRR at month end: January 2,000; February 6,000; March 5,000.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_malee = new_test_user(
            cls.env, login='dashboard_malee', groups='sales_team.group_sale_salesman',
            name="Malee Salesperson", company_id=cls.company.id)
        cls.partners = {
            name: cls.env['res.partner'].create({'name': f"Customer {name}"}) for name in 'ABCD'
        }
        cls.data = dashboard_data(cls.env)

    def _start(self, day, name, quantity, user):
        with freeze_time(day):
            return self._start_subscription(
                date.fromisoformat(day), partner=self.partners[name],
                lines=[(self.product_hosting, quantity)], user_id=user.id)

    def _set_quantity(self, day, subscription, quantity):
        line = subscription.order_line.filtered('is_recurring')
        with freeze_time(day):
            subscription._apply_recurring_change(
                [{'order_line_id': line.id, 'product_id': line.product_id.id,
                  'quantity': quantity, 'price_unit': line.price_unit}],
                self.env['sale.subscription.plan'], date.fromisoformat(day))

    def _build_history(self):
        somchai, malee = self.user_salesman, self.user_malee
        subscription_a = self._start('2026-01-01', 'A', 1.0, somchai)
        subscription_b = self._start('2026-01-10', 'B', 1.0, somchai)
        subscription_c = self._start('2026-02-01', 'C', 3.0, malee)
        self._set_quantity('2026-02-15', subscription_a, 2.0)
        self._set_quantity('2026-03-01', subscription_c, 2.0)
        with freeze_time('2026-03-05'):
            subscription_b._close(
                when='now', reason=self.env.ref('sale_subscription_plus.close_reason_too_expensive'))
        self._start('2026-03-10', 'D', 1.0, malee)

    def _kpis(self, pivot_id):
        groups = read_pivot(self.env, self.data, pivot_id, TODAY)
        # PIVOT.VALUE(..., "#month:month", 1) reads the first group.
        return groups[0]

    def test_kpis_selected_month(self):
        self._build_history()
        kpis = self._kpis('1')
        self.assertEqual(kpis['month:month'], date(2026, 3, 1))
        self.assertEqual(kpis['mrr:max'], 5000.0)
        self.assertEqual(kpis['arr:max'], 60000.0)
        # New D +1,000, contraction C -1,000, churn B -1,000
        self.assertEqual(kpis['net_new_mrr:sum'], -1000.0)
        self.assertEqual(kpis['contracts:max'], 3)
        self.assertEqual(kpis['customers:max'], 3)
        self.assertAlmostEqual(kpis['arpa:max'], 5000.0 / 3, places=2)
        # B churned out of the 3 customers of 1 March.
        self.assertAlmostEqual(kpis['logo_churn_rate:max'], 1 / 3)
        # Customers of 1 March: 6,000 - churn 1,000 - contraction 1,000
        self.assertAlmostEqual(kpis['nrr:max'], 4000.0 / 6000.0)

    def test_kpis_previous_month(self):
        self._build_history()
        kpis = self._kpis('2')
        self.assertEqual(kpis['month:month'], date(2026, 2, 1))
        self.assertEqual(kpis['mrr:max'], 6000.0)
        self.assertEqual(kpis['arr:max'], 72000.0)
        self.assertEqual(kpis['net_new_mrr:sum'], 4000.0)
        self.assertEqual(kpis['contracts:max'], 3)
        self.assertEqual(kpis['customers:max'], 3)
        self.assertEqual(kpis['arpa:max'], 2000.0)
        self.assertEqual(kpis['logo_churn_rate:max'], 0.0)
        # A and B had 2,000 on 1 February; A expanded by 1,000.
        self.assertEqual(kpis['nrr:max'], 1.5)

    def test_kpis_skip_future_months(self):
        """Without the month filter, the cards show today's month, not a later month of the report."""
        self._build_history()
        with freeze_time('2026-03-20'):
            self._start_subscription(date(2026, 4, 1), partner=self.partners['A'])
        later = self.env['sale.subscription.kpi.report'].search(
            [('company_id', '=', self.company.id), ('month', '=', date(2026, 4, 1))])
        self.assertEqual(later.mrr, 6000.0)
        kpis = read_pivot(self.env, self.data, '1', TODAY, filters=False)[0]
        self.assertEqual(kpis['month:month'], date(2026, 3, 1))
        self.assertEqual(kpis['mrr:max'], 5000.0)

    def test_kpis_other_company(self):
        """With several companies selected, the dashboard shows the current (first) one only."""
        self._build_history()
        other_company = self.setup_other_company()['company']
        self.env.user.sudo().company_ids |= other_company
        # One ledger row is enough for the KPI report of the other company.
        self.env['sale.subscription.mrr.movement'].sudo().create({
            'company_id': other_company.id,
            'partner_id': self.partners['A'].id,
            'effective_date': date(2026, 3, 2),
            'movement_type': 'new',
            'amount': 700.0,
            'mrr_before': 0.0,
            'mrr_after': 700.0,
        })
        both = [self.company.id, other_company.id]
        for allowed, expected in ((both, 5000.0), (both[::-1], 700.0)):
            env = self.env(context=dict(self.env.context, allowed_company_ids=allowed))
            groups = read_pivot(env, self.data, '1', TODAY)
            self.assertEqual([group['mrr:max'] for group in groups], [expected], allowed)

    def test_movement_chart(self):
        self._build_history()
        groups = read_pivot(self.env, self.data, '6', TODAY)
        amounts = {(group['date:month'], group['row_type']): group['amount:sum'] for group in groups}
        self.assertEqual(amounts, {
            (date(2026, 1, 1), 'new'): 2000.0,
            (date(2026, 2, 1), 'new'): 3000.0,
            (date(2026, 2, 1), 'expansion'): 1000.0,
            (date(2026, 3, 1), 'new'): 1000.0,
            (date(2026, 3, 1), 'contraction'): -1000.0,
            (date(2026, 3, 1), 'churn'): -1000.0,
        })

    def test_month_end_mrr_chart(self):
        self._build_history()
        charts = {figure['data']['metaData']['groupBy'][0]: figure for _sheet, figure in odoo_charts(self.data)}
        mrr = read_chart(self.env, self.data, charts['date:month'], TODAY)
        # Closing rows of future months (up to the real today) stay out of the 12 months.
        self.assertEqual(mrr, {date(2026, 1, 1): 2000.0, date(2026, 2, 1): 6000.0, date(2026, 3, 1): 5000.0})
        new_customers = read_chart(self.env, self.data, charts['effective_date:month'], TODAY)
        self.assertEqual(new_customers, {date(2026, 1, 1): 2, date(2026, 2, 1): 1, date(2026, 3, 1): 1})

    def test_new_customers_by_month(self):
        self._build_history()
        groups = read_pivot(self.env, self.data, '3', TODAY)
        self.assertEqual(
            [(group['effective_date:month'], group['__count'], group['amount:sum']) for group in groups],
            [(date(2026, 1, 1), 2, 2000.0), (date(2026, 2, 1), 1, 3000.0), (date(2026, 3, 1), 1, 1000.0)])

    def test_churn_reasons(self):
        self._build_history()
        groups = read_pivot(self.env, self.data, '4', TODAY)
        self.assertEqual(
            [(group['close_reason_id'], group['__count'], group['amount:sum']) for group in groups],
            [(self.env.ref('sale_subscription_plus.close_reason_too_expensive'), 1, -1000.0)])

    def test_top_salespeople(self):
        self._build_history()
        pivot = self.data['pivots']['5']
        self.assertEqual(pivot['sortedColumn'], {'groupId': [[], []], 'measure': 'amount', 'order': 'desc'})
        groups = read_pivot(self.env, self.data, '5', TODAY)
        ranking = sorted(
            ((group['user_id'], group['amount:sum'], group['__count']) for group in groups),
            key=lambda row: -row[1])
        # Malee: C 3,000 - 1,000 and D 1,000; Somchai: A 1,000 + 1,000 and B 1,000 - 1,000
        self.assertEqual(ranking, [(self.user_malee, 3000.0, 3), (self.user_salesman, 2000.0, 4)])

    def test_window_moves_with_today(self):
        """A year later, the 12-month sources no longer see this history."""
        self._build_history()
        for pivot_id in ('3', '4', '5', '6'):
            self.assertEqual(read_pivot(self.env, self.data, pivot_id, date(2027, 3, 1)), [], pivot_id)
        self.assertTrue(read_pivot(self.env, self.data, '3', date(2027, 2, 28)))
