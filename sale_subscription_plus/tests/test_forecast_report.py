# Part of sale_subscription_plus. License LGPL-3.
from contextlib import contextmanager
from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestForecastReport(SubscriptionCommon):
    """The 12-month forecast made on 15 July 2026 from a small real history.

    Monthly plan, 1,000 per unit and month; one subscription per customer.
    History months run from the 16th to the 15th. The first starts on
    16 January 2026, and the last ends on the forecast date, 15 July 2026.
    - A: from 1 Dec 2025 with 1 unit; 2 units from 10 Jul; 3 units scheduled for 1 Oct.
    - B: from 1 Feb; closed 1 Mar.
    - C: from 1 Dec 2025 with 4 units; 3 units from 1 Jun.
    - D: six-month term without renewal from 1 Jul, so it ends 31 Dec.
    - E: twelve-month term from 1 May that renews itself.
    - F: from 1 Dec 2025; paused 20 Jun until 1 Sep.
    - G: confirmed 10 Jul, starts 1 Aug.
    - H: from 1 Jan with 2 units; closed at the end of its paid period (31 Jul) on 15 Jul.
    The invoicing job runs every day something happens, like the daily cron.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template_six_months = cls.env['sale.order.template'].create({
            'name': "Six months",
            'plan_id': cls.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 6,
        })
        cls.template_year_renewing = cls.env['sale.order.template'].create({
            'name': "One year, renewed",
            'plan_id': cls.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 12,
            'auto_renew': True,
        })

    @contextmanager
    def _on(self, day):
        with freeze_time(day):
            self._run_invoicing_job()
            yield
            self._run_invoicing_job()

    def _customer(self, name):
        return self.env['res.partner'].create({'name': f"Customer {name}", 'email': f'{name.lower()}@example.com'})

    def _targets(self, subscription, quantity):
        line = subscription.order_line.filtered('is_recurring')
        return [{'order_line_id': line.id, 'product_id': line.product_id.id,
                 'quantity': quantity, 'price_unit': line.price_unit}]

    def _set_quantity(self, subscription, quantity):
        subscription._apply_recurring_change(
            self._targets(subscription, quantity), self.env['sale.subscription.plan'],
            subscription.company_id._subscription_today())

    def _build_history(self):
        customer = {name: self._customer(name) for name in 'ABCDEFGH'}
        subs = {}
        with self._on('2026-01-01'):
            subs['A'] = self._start_subscription(date(2025, 12, 1), partner=customer['A'])
            subs['C'] = self._start_subscription(
                date(2025, 12, 1), partner=customer['C'], lines=[(self.product_hosting, 4.0)])
            subs['F'] = self._start_subscription(date(2025, 12, 1), partner=customer['F'])
            subs['H'] = self._start_subscription(
                date(2026, 1, 1), partner=customer['H'], lines=[(self.product_hosting, 2.0)])

        with self._on('2026-02-01'):
            subs['B'] = self._start_subscription(date(2026, 2, 1), partner=customer['B'])
        with self._on('2026-03-01'):
            subs['B']._close(when='now', reason=self.env.ref('sale_subscription_plus.close_reason_competitor'))

        with self._on('2026-05-01'):
            subs['E'] = self._start_subscription(
                date(2026, 5, 1), partner=customer['E'], sale_order_template_id=self.template_year_renewing.id)
        with self._on('2026-06-01'):
            self._set_quantity(subs['C'], 3.0)
        with self._on('2026-06-20'):
            subs['F']._pause(date(2026, 6, 20), date(2026, 9, 1))

        with self._on('2026-07-01'):
            subs['D'] = self._start_subscription(
                date(2026, 7, 1), partner=customer['D'], sale_order_template_id=self.template_six_months.id)
        with self._on('2026-07-10'):
            self._set_quantity(subs['A'], 2.0)
            subs['G'] = self._start_subscription(date(2026, 8, 1), partner=customer['G'])

        with self._on('2026-07-15'):
            subs['H']._close(when='period_end')
            subs['A']._schedule_change(
                self._targets(subs['A'], 3.0), self.env['sale.subscription.plan'], date(2026, 10, 1))
        return subs

    def _open_forecast(self, user=None, company=None):
        model = self.env['sale.subscription.forecast']
        if user:
            model = model.with_user(user)
        if company:
            model = model.with_company(company)
        with freeze_time('2026-07-15'):
            action = model.action_open_forecast()
        self.assertEqual(action['res_model'], 'sale.subscription.forecast')
        return model.browse(action['res_id'])

    def test_history_is_as_described(self):
        subs = self._build_history()
        self.assertEqual(subs['D'].end_date, date(2026, 12, 31))
        self.assertFalse(subs['D'].auto_renew)
        self.assertEqual(subs['E'].end_date, date(2027, 4, 30))
        self.assertTrue(subs['E'].auto_renew)
        self.assertEqual(subs['F'].subscription_state, 'paused')
        self.assertEqual(subs['H'].end_date, date(2026, 7, 31))
        self.assertEqual(subs['B'].subscription_state, 'closed')
        # A 2,000 + C 3,000 + D 1,000 + E 1,000 + H 2,000; F is paused and G starts later.
        in_progress = self.env['sale.order'].search([
            ('subscription_state', '=', 'progress'), ('start_date', '<=', date(2026, 7, 15))])
        self.assertEqual(len(in_progress), 5)
        self.assertEqual(sum(in_progress.mapped('recurring_monthly')), 9000.0)

    def test_forecast_values_and_rates(self):
        self._build_history()
        forecast = self._open_forecast(user=self.user_salesman)

        self.assertEqual(forecast.company_id, self.company)
        self.assertEqual(forecast.date, date(2026, 7, 15))
        self.assertEqual((forecast.history_start, forecast.history_end), (date(2026, 1, 16), date(2026, 7, 15)))
        self.assertEqual(forecast.mrr, 9000.0)
        self.assertEqual(forecast.contracts, 5)

        # Opening MRR of the six history months (16 Jan, 16 Feb, ... 16 Jun):
        # 8,000 (A, C, F, H) / 9,000 (+ B) / 8,000 / 8,000 / 9,000 (+ E) / 8,000 (C down 1,000): 50,000.
        # New: B, E, D = 3,000 over 6 months. Expansion: A's 1,000. Contraction:
        # C's 1,000 and F's pause 1,000. Churn: B's 1,000.
        self.assertEqual(forecast.new_mrr_rate, 500.0)
        self.assertAlmostEqual(forecast.expansion_rate, 0.02, places=12)
        self.assertAlmostEqual(forecast.contraction_rate, 0.04, places=12)
        self.assertAlmostEqual(forecast.churn_rate, 0.02, places=12)
        # Opening contracts 4, 5, 4, 4, 5, 5 = 27; B closed; B, E and D started.
        self.assertEqual(forecast.new_contracts_rate, 0.5)
        self.assertAlmostEqual(forecast.contract_churn_rate, 1 / 27, places=12)

        lines = forecast.line_ids.sorted('sequence')
        self.assertEqual(lines.mapped('sequence'), list(range(1, 13)))
        self.assertEqual(lines[0].first_day, date(2026, 7, 16))
        self.assertEqual(lines.mapped('date')[:3], [date(2026, 8, 15), date(2026, 9, 15), date(2026, 10, 15)])
        self.assertEqual(lines[-1].date, date(2027, 7, 15))

        # Month 1: G starts 1 Aug (+1,000, +1) and H leaves 1 Aug (-2,000, -1).
        self.assertEqual((lines[0].scheduled_mrr, lines[0].scheduled_contracts), (-1000.0, 0.0))
        self.assertAlmostEqual(lines[0].expansion_mrr, 180.0, places=9)
        self.assertAlmostEqual(lines[0].contraction_mrr, 360.0, places=9)
        self.assertAlmostEqual(lines[0].churn_mrr, 180.0, places=9)
        # 9,000 + 500 + 180 - 360 - 180 - 1,000
        self.assertAlmostEqual(lines[0].mrr, 8140.0, places=9)
        # Month 2: F resumes 1 Sep. 8,140 x 0.96 + 500 + 1,000
        self.assertEqual((lines[1].scheduled_mrr, lines[1].scheduled_contracts), (1000.0, 1.0))
        self.assertAlmostEqual(lines[1].mrr, 9314.4, places=9)
        # Month 3: A goes to 3 units on 1 Oct. 9,314.40 x 0.96 + 500 + 1,000
        self.assertEqual((lines[2].scheduled_mrr, lines[2].scheduled_contracts), (1000.0, 0.0))
        self.assertAlmostEqual(lines[2].mrr, 10441.824, places=9)
        # Months 4 and 5 have nothing scheduled, because E's term renews itself.
        self.assertEqual(lines[3:5].mapped('scheduled_mrr'), [0.0, 0.0])
        # Month 6: D's term ends 31 Dec, so it leaves 1 Jan 2027.
        # 10,603.1849984 x 0.96 + 500 - 1,000
        self.assertEqual((lines[5].scheduled_mrr, lines[5].scheduled_contracts), (-1000.0, -1.0))
        self.assertAlmostEqual(lines[5].mrr, 9679.057598464, places=6)
        self.assertEqual(lines[6:].mapped('scheduled_mrr'), [0.0] * 6)
        # Then V' = 0.96 V + 500 (fixed point 12,500):
        # 12,500 - (12,500 - 9,679.057598464) x 0.96 ** 6 = 10,291.885360914
        self.assertAlmostEqual(lines[-1].mrr, 10291.885360914, places=6)
        self.assertAlmostEqual(forecast.projected_mrr, 10291.885360914, places=6)
        self.assertTrue(forecast.has_mrr_growth)
        self.assertAlmostEqual(forecast.mrr_growth, 10291.885360914 / 9000 - 1, places=9)

        # Contracts: C' = C x 26 / 27 + 0.5 + scheduled.
        self.assertAlmostEqual(lines[0].contracts, 5 * 26 / 27 + 0.5, places=9)
        # Month 6 is 6.582273248072846; from there C' - 13.5 = (C - 13.5) x 26 / 27.
        self.assertAlmostEqual(lines[5].contracts, 6.582273248072846, places=9)
        expected_contracts = 13.5 - (13.5 - 6.582273248072846) * (26 / 27) ** 6
        self.assertAlmostEqual(lines[-1].contracts, expected_contracts, places=9)
        self.assertAlmostEqual(forecast.contract_growth, expected_contracts / 5 - 1, places=9)

    def test_forecast_other_company(self):
        self._build_history()
        company_b = self.env['res.company'].create({
            'name': "Forecast Company B", 'currency_id': self.company.currency_id.id})
        company_b.partner_id.tz = 'UTC'
        self.env.user.sudo().company_ids |= company_b
        plan_b = self._create_plan("Monthly B", company_id=company_b.id)
        product_b = self.env['product.product'].create({
            'name': "Hosting B", 'type': 'service', 'recurring_invoice': True, 'list_price': 100.0,
            'company_id': company_b.id, 'taxes_id': [Command.clear()],
        })
        self._add_prices(product_b, {plan_b: 700.0})
        with freeze_time('2026-07-01'):
            order_b = self.env['sale.order'].with_company(company_b).create({
                'company_id': company_b.id,
                'partner_id': self._customer('B2').id,
                'plan_id': plan_b.id,
                'start_date': date(2026, 7, 1),
                'order_line': [Command.create({'product_id': product_b.id, 'product_uom_qty': 1.0})],
            })
            order_b.action_confirm()

        forecast_b = self._open_forecast(company=company_b)
        self.assertEqual(forecast_b.company_id, company_b)
        self.assertEqual((forecast_b.mrr, forecast_b.contracts), (700.0, 1))
        # One start of 700 in the last history month, no opening MRR: nothing to apply a fraction to.
        self.assertAlmostEqual(forecast_b.new_mrr_rate, 700 / 6, places=9)
        self.assertEqual((forecast_b.expansion_rate, forecast_b.churn_rate), (0.0, 0.0))
        self.assertAlmostEqual(forecast_b.line_ids.sorted('sequence')[-1].mrr, 700 + 12 * 700 / 6, places=9)

        # Company A's forecast does not count company B's subscription.
        forecast_a = self._open_forecast()
        self.assertEqual((forecast_a.mrr, forecast_a.contracts), (9000.0, 5))

    def test_forecast_without_history(self):
        forecast = self._open_forecast(user=self.user_salesman)
        self.assertEqual((forecast.mrr, forecast.contracts), (0.0, 0))
        self.assertEqual(forecast.line_ids.mapped('mrr'), [0.0] * 12)
        self.assertFalse(forecast.has_mrr_growth)
        self.assertFalse(forecast.has_contract_growth)

    def test_graph_action_and_refresh(self):
        forecast = self._open_forecast(user=self.user_salesman)
        action = forecast.action_view_contracts_graph()
        self.assertEqual(action['res_model'], 'sale.subscription.forecast.line')
        self.assertEqual(action['context']['graph_measure'], 'contracts')
        self.assertEqual(self.env[action['res_model']].with_user(self.user_salesman).search(action['domain']),
                         forecast.line_ids)
        with freeze_time('2026-07-15'):
            refreshed = forecast.browse(forecast.action_refresh()['res_id'])
        self.assertNotEqual(refreshed, forecast)
        self.assertEqual(refreshed.date, date(2026, 7, 15))
