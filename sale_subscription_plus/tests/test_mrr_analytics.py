# Part of sale_subscription_plus. License LGPL-3.
from contextlib import contextmanager
from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestMrrAnalytics(SubscriptionCommon):
    """A small history of five customers from January to April 2026.

    Monthly plan, 1,000 per unit and month. By customer:
    - A: starts 1 Jan with 1 unit and a 500 setup fee; 2 units from 15 Feb.
    - B: starts 10 Jan with 1 unit; closed 5 Mar.
    - C: starts 1 Feb with 3 units; 2 units from 1 Mar.
    - D: starts 20 Feb with 1 unit; closed 25 Feb; reopened 3 Apr.
    - E: one subscription from 5 Jan, a second one from 1 Mar; the first is
      closed 1 Apr and the second paused 10 Apr.
    The invoicing job runs every day that something happens.
    """

    @contextmanager
    def _on(self, day):
        with freeze_time(day):
            self._run_invoicing_job()
            yield
            self._run_invoicing_job()

    def _customer(self, name):
        return self.env['res.partner'].create({'name': name, 'email': f'{name.lower()}@example.com'})

    def _close_now(self, subscription, reason='sale_subscription_plus.close_reason_too_expensive'):
        subscription._close(when='now', reason=self.env.ref(reason))

    def _set_quantity(self, subscription, quantity):
        line = subscription.order_line.filtered('is_recurring')
        subscription._apply_recurring_change(
            [{'order_line_id': line.id, 'product_id': line.product_id.id,
              'quantity': quantity, 'price_unit': line.price_unit}],
            self.env['sale.subscription.plan'], subscription.company_id._subscription_today())

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = 'UTC'

    def _build_history(self):
        customer = {name: self._customer(name) for name in 'ABCDE'}
        subs = {}
        with self._on('2026-01-01'):
            subs['A'] = self._start_subscription(
                date(2026, 1, 1), partner=customer['A'],
                lines=[(self.product_hosting, 1.0), (self.product_setup_fee, 1.0)])
        with self._on('2026-01-05'):
            subs['E1'] = self._start_subscription(date(2026, 1, 5), partner=customer['E'])
        with self._on('2026-01-10'):
            subs['B'] = self._start_subscription(date(2026, 1, 10), partner=customer['B'])
        with self._on('2026-02-01'):
            subs['C'] = self._start_subscription(
                date(2026, 2, 1), partner=customer['C'], lines=[(self.product_hosting, 3.0)])
        with self._on('2026-02-15'):
            self._set_quantity(subs['A'], 2.0)
        with self._on('2026-02-20'):
            subs['D'] = self._start_subscription(date(2026, 2, 20), partner=customer['D'])
        with self._on('2026-02-25'):
            self._close_now(subs['D'])
        with self._on('2026-03-01'):
            self._set_quantity(subs['C'], 2.0)
            subs['E2'] = self._start_subscription(date(2026, 3, 1), partner=customer['E'])
        with self._on('2026-03-05'):
            self._close_now(subs['B'])
        with self._on('2026-04-01'):
            self._close_now(subs['E1'])
        with self._on('2026-04-03'):
            subs['D']._reopen(note="Came back")
        with self._on('2026-04-10'):
            subs['E2']._pause(date(2026, 4, 10))
        return customer, subs

    def _movements(self, partner):
        return [
            (m.effective_date, m.movement_type, m.amount, m.mrr_after)
            for m in self.env['sale.subscription.mrr.movement'].search(
                [('partner_id', '=', partner.id)], order='effective_date, id')
        ]

    def _kpi(self, month):
        return self.env['sale.subscription.kpi.report'].search(
            [('company_id', '=', self.env.company.id), ('month', '=', month)])

    def test_movements_per_customer(self):
        customer, _subs = self._build_history()
        self.assertEqual(self._movements(customer['A']), [
            (date(2026, 1, 1), 'new', 1000.0, 1000.0),
            (date(2026, 2, 15), 'expansion', 1000.0, 2000.0),
        ])
        self.assertEqual(self._movements(customer['B']), [
            (date(2026, 1, 10), 'new', 1000.0, 1000.0),
            (date(2026, 3, 5), 'churn', -1000.0, 0.0),
        ])
        self.assertEqual(self._movements(customer['C']), [
            (date(2026, 2, 1), 'new', 3000.0, 3000.0),
            (date(2026, 3, 1), 'contraction', -1000.0, 2000.0),
        ])
        self.assertEqual(self._movements(customer['D']), [
            (date(2026, 2, 20), 'new', 1000.0, 1000.0),
            (date(2026, 2, 25), 'churn', -1000.0, 0.0),
            (date(2026, 4, 3), 'reactivation', 1000.0, 1000.0),
        ])
        # Closing one of two subscriptions is a contraction; pausing the last
        # one brings the MRR to zero without churn.
        self.assertEqual(self._movements(customer['E']), [
            (date(2026, 1, 5), 'new', 1000.0, 1000.0),
            (date(2026, 3, 1), 'expansion', 1000.0, 2000.0),
            (date(2026, 4, 1), 'contraction', -1000.0, 1000.0),
            (date(2026, 4, 10), 'contraction', -1000.0, 0.0),
        ])
        churn_b = self.env['sale.subscription.mrr.movement'].search(
            [('partner_id', '=', customer['B'].id), ('movement_type', '=', 'churn')])
        self.assertEqual(churn_b.close_reason_id, self.env.ref('sale_subscription_plus.close_reason_too_expensive'))

    def test_ledger_matches_current_mrr(self):
        _customer, subs = self._build_history()
        total = sum(self.env['sale.subscription.mrr.movement'].search([]).mapped('amount'))
        current = sum(sub.recurring_monthly for sub in subs.values())
        # A 2,000 + C 2,000 + D 1,000; B and E1 closed, E2 paused
        self.assertEqual(current, 5000.0)
        self.assertEqual(total, 5000.0)

    def test_kpis_january(self):
        self._build_history()
        kpi = self._kpi(date(2026, 1, 1))
        self.assertEqual(kpi.mrr_start, 0.0)
        self.assertEqual(kpi.new_mrr, 3000.0)
        self.assertEqual(kpi.mrr, 3000.0)
        self.assertEqual(kpi.arr, 36000.0)
        self.assertEqual(kpi.contracts, 3)
        self.assertEqual(kpi.customers, 3)
        # Invoices: A 1,000 + 500 setup fee, E 1,000, B 1,000
        self.assertEqual(kpi.net_revenue, 3500.0)
        self.assertEqual(kpi.non_recurring_revenue, 500.0)

    def test_kpis_february(self):
        self._build_history()
        kpi = self._kpi(date(2026, 2, 1))
        self.assertEqual(kpi.mrr_start, 3000.0)
        self.assertEqual((kpi.new_mrr, kpi.expansion_mrr, kpi.churn_mrr), (4000.0, 1000.0, 1000.0))
        self.assertEqual(kpi.net_new_mrr, 4000.0)
        self.assertEqual(kpi.mrr, 7000.0)
        self.assertEqual(kpi.mrr_previous, 3000.0)
        self.assertAlmostEqual(kpi.mrr_growth, 7000 / 3000 - 1, places=6)
        self.assertEqual(kpi.contracts, 4)
        self.assertEqual((kpi.new_contracts, kpi.churned_contracts), (2, 1))
        # D started and churned in February: not counted as logo churn.
        self.assertEqual(kpi.churned_customers, 0)
        self.assertEqual(kpi.logo_churn_rate, 0.0)
        # Invoices: C 3,000; A, E, B 1,000 each; A's upsell for 14 of 28 days
        # 500; D 1,000. Closing D gives no refund.
        self.assertEqual(kpi.net_revenue, 7500.0)
        self.assertEqual(kpi.non_recurring_revenue, 0.0)

    def test_kpis_march(self):
        self._build_history()
        kpi = self._kpi(date(2026, 3, 1))
        self.assertEqual(kpi.mrr_start, 7000.0)
        self.assertEqual(
            (kpi.new_mrr, kpi.expansion_mrr, kpi.contraction_mrr, kpi.churn_mrr, kpi.reactivation_mrr),
            (0.0, 1000.0, 1000.0, 1000.0, 0.0))
        self.assertEqual(kpi.mrr, 6000.0)
        self.assertEqual(kpi.customers_start, 4)
        self.assertEqual(kpi.customers, 3)
        self.assertEqual(kpi.contracts, 4)
        self.assertEqual(kpi.churned_customers, 1)
        self.assertAlmostEqual(kpi.logo_churn_rate, 0.25, places=6)
        # (1,000 churn + 1,000 contraction) / 7,000
        self.assertAlmostEqual(kpi.gross_revenue_churn_rate, 2000 / 7000, places=6)
        # (2,000 - 1,000 expansion) / 7,000
        self.assertAlmostEqual(kpi.net_revenue_churn_rate, 1000 / 7000, places=6)
        # (7,000 + 1,000 - 2,000) / 7,000 and (7,000 - 2,000) / 7,000
        self.assertAlmostEqual(kpi.nrr, 6000 / 7000, places=6)
        self.assertAlmostEqual(kpi.grr, 5000 / 7000, places=6)
        self.assertAlmostEqual(kpi.quick_ratio, 0.5, places=6)
        self.assertEqual(kpi.arpa, 2000.0)
        self.assertEqual(kpi.average_revenue_per_contract, 1500.0)

    def test_kpis_april(self):
        self._build_history()
        kpi = self._kpi(date(2026, 4, 1))
        self.assertEqual(kpi.mrr_start, 6000.0)
        self.assertEqual((kpi.contraction_mrr, kpi.reactivation_mrr, kpi.churn_mrr), (2000.0, 1000.0, 0.0))
        self.assertEqual(kpi.mrr, 5000.0)
        self.assertEqual(kpi.customers, 3)
        self.assertEqual(kpi.contracts, 3)
        self.assertEqual(kpi.logo_churn_rate, 0.0)
        # ARPA 5,000 / 3; logo churn of January to March: 0 (no customer at
        # start), 0 and 0.25, an average of 0.25 / 3.
        self.assertAlmostEqual(kpi.ltv, (5000 / 3) / (0.25 / 3), places=2)

    def test_mrr_analysis_balances(self):
        self._build_history()
        report = self.env['sale.subscription.mrr.report']
        groups = report.read_group(
            [('date', '>=', '2026-03-01'), ('date', '<', '2026-04-01')], ['amount:sum'], ['row_type'], lazy=False)
        totals = {group['row_type']: group['amount'] for group in groups}
        self.assertEqual(totals['opening'], 7000.0)
        self.assertEqual(totals['expansion'], 1000.0)
        self.assertEqual(totals['contraction'], -1000.0)
        self.assertEqual(totals['churn'], -1000.0)
        self.assertEqual(totals['closing'], 6000.0)
        # Drill-down: the movement rows point to their subscription.
        churn_row = report.search([('row_type', '=', 'churn'), ('date', '=', '2026-03-05')])
        self.assertEqual(churn_row.subscription_id.partner_id.name, 'B')

    def test_rebuild_gives_same_ledger(self):
        self._build_history()
        movements = self.env['sale.subscription.mrr.movement']
        before = sorted(movements.search([]).mapped(
            lambda m: (m.partner_id.id, m.effective_date, m.movement_type, m.amount, m.mrr_after)))
        report = movements._rebuild()
        self.assertEqual(report['missing'], 0)
        self.assertEqual(report['unexpected'], 0)
        after = sorted(movements.search([]).mapped(
            lambda m: (m.partner_id.id, m.effective_date, m.movement_type, m.amount, m.mrr_after)))
        self.assertEqual(before, after)

    def test_rebuild_repairs_a_tampered_ledger(self):
        self._build_history()
        movements = self.env['sale.subscription.mrr.movement']
        # Nobody may edit the ledger through the ORM, so the damage is done in SQL.
        self.env.cr.execute("DELETE FROM sale_subscription_mrr_movement "
                            "WHERE id = (SELECT MIN(id) FROM sale_subscription_mrr_movement)")
        self.env.cr.execute("UPDATE sale_subscription_mrr_movement SET amount = amount + 1 "
                            "WHERE id = (SELECT MAX(id) FROM sale_subscription_mrr_movement)")
        report = movements._rebuild()
        self.assertEqual(report['missing'], 2)
        self.assertEqual(report['unexpected'], 1)
        self.assertEqual(movements._rebuild()['missing'], 0)


@tagged('post_install', '-at_install')
class TestMrrLedgerCases(SubscriptionCommon):

    def _movements(self, partner):
        return [
            (m.effective_date, m.movement_type, m.amount)
            for m in self.env['sale.subscription.mrr.movement'].search(
                [('partner_id', '=', partner.id)], order='effective_date, id')
        ]

    def test_backdated_subscription_resequences(self):
        with freeze_time('2026-03-10'):
            self._start_subscription(date(2026, 3, 1))
            self.assertEqual(self._movements(self.customer), [(date(2026, 3, 1), 'new', 1000.0)])
            # A second subscription signed earlier, entered late.
            self._start_subscription(date(2026, 2, 1), lines=[(self.product_hosting, 2.0)])
        self.assertEqual(self._movements(self.customer), [
            (date(2026, 2, 1), 'new', 2000.0),
            (date(2026, 3, 1), 'expansion', 1000.0),
        ])

    def test_same_day_upsell_and_downgrade_netted(self):
        product_support = self._create_recurring_product("Support", {self.plan_month: 300.0})
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription(
                date(2026, 1, 1), lines=[(self.product_hosting, 1.0), (product_support, 1.0)])
            self._run_invoicing_job()
        with freeze_time('2026-01-20'):
            hosting = subscription.order_line.filtered(lambda l: l.product_id == self.product_hosting)
            support = subscription.order_line.filtered(lambda l: l.product_id == product_support)
            # +1,000 hosting, then support removed (-300) the same day: +700
            subscription._apply_recurring_change(
                [{'order_line_id': hosting.id, 'product_id': self.product_hosting.id, 'quantity': 2.0,
                  'price_unit': 1000.0},
                 {'order_line_id': support.id, 'product_id': product_support.id, 'quantity': 1.0,
                  'price_unit': 300.0}],
                self.env['sale.subscription.plan'], date(2026, 1, 20))
            subscription._apply_recurring_change(
                [{'order_line_id': hosting.id, 'product_id': self.product_hosting.id, 'quantity': 2.0,
                  'price_unit': 1000.0}],
                self.env['sale.subscription.plan'], date(2026, 1, 20))
        self.assertEqual(self._movements(self.customer), [
            (date(2026, 1, 1), 'new', 1300.0),
            (date(2026, 1, 20), 'expansion', 700.0),
        ])

    def test_close_at_period_end_churns_after_paid_period(self):
        with freeze_time('2026-01-10'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            subscription._close(when='period_end', reason=self.env.ref('sale_subscription_plus.close_reason_other'))
        self.assertEqual(self._movements(self.customer), [(date(2026, 1, 1), 'new', 1000.0)])
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        self.assertEqual(self._movements(self.customer)[-1], (date(2026, 2, 1), 'churn', -1000.0))

    def test_usd_subscription_in_thb_company(self):
        usd = self.env.ref('base.USD')
        usd.active = True
        # Rates are USD per THB: 0.025 is 40 THB per USD, 0.02 is 50 THB per USD.
        self.env['res.currency.rate'].create([
            {'currency_id': usd.id, 'name': '2026-01-01', 'rate': 0.025, 'company_id': self.env.company.id},
            {'currency_id': usd.id, 'name': '2026-03-01', 'rate': 0.02, 'company_id': self.env.company.id},
        ])
        pricelist = self.env['product.pricelist'].create({'name': "USD", 'currency_id': usd.id})
        self._add_prices(self.product_hosting, {self.plan_month: 100.0}, pricelist_id=pricelist.id)
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription(date(2026, 1, 1), pricelist_id=pricelist.id)
            self._run_invoicing_job()
        self.assertEqual(subscription.order_line.price_unit, 100.0)
        with freeze_time('2026-03-10'):
            self._run_invoicing_job()
            line = subscription.order_line
            subscription._apply_recurring_change(
                [{'order_line_id': line.id, 'product_id': line.product_id.id, 'quantity': 2.0,
                  'price_unit': 100.0}],
                self.env['sale.subscription.plan'], date(2026, 3, 10))
        movements = self.env['sale.subscription.mrr.movement'].search(
            [('partner_id', '=', self.customer.id)], order='effective_date')
        # 100 USD at 40 THB = 4,000 THB; then 200 USD at 50 THB = 10,000 THB.
        self.assertEqual(movements.mapped('amount'), [4000.0, 6000.0])
        self.assertEqual(movements.mapped('amount_currency'), [100.0, 100.0])
        self.assertEqual(movements[1].subscription_currency_id, usd)
        # The new rate alone created no movement.
        self.assertEqual(len(movements), 2)

    def test_imported_subscription_same_ledger_as_live(self):
        other = self.env['res.partner'].create({'name': "Imported Co.", 'email': 'imported@example.com'})
        # Live: confirmed on 15 January, closed on 10 March at the end of the
        # paid period, 15 February to 14 March.
        with freeze_time('2026-01-15'):
            self._start_subscription(date(2026, 1, 15))
        for day in ('2026-02-15', '2026-03-10'):
            with freeze_time(day):
                self._run_invoicing_job()
        live = self.env['sale.order'].search([('partner_id', '=', self.customer.id)])
        with freeze_time('2026-03-10'):
            live._close(when='period_end')
        with freeze_time('2026-04-20'):
            self._run_invoicing_job()
            # Imported on 20 April with the same dates, no back invoices.
            imported = self._create_subscription(
                date(2026, 1, 15), partner=other, end_date=date(2026, 3, 14))
            imported.action_confirm_imported()
        self.assertEqual(imported.subscription_state, 'closed')
        self.assertFalse(self._invoices(imported), "no back invoices")
        live_rows = [(d, t, a) for d, t, a in self._movements(self.customer)]
        imported_rows = [(d, t, a) for d, t, a in self._movements(other)]
        self.assertEqual(live_rows, [(date(2026, 1, 15), 'new', 1000.0), (date(2026, 3, 15), 'churn', -1000.0)])
        self.assertEqual(imported_rows, live_rows)

    def test_imported_running_subscription_next_invoice(self):
        with freeze_time('2026-04-20'):
            imported = self._create_subscription(date(2026, 1, 15))
            imported.action_confirm_imported()
            self._run_invoicing_job()
        self.assertEqual(imported.next_invoice_date, date(2026, 5, 15))
        self.assertFalse(self._invoices(imported))
        self.assertEqual(self._movements(self.customer), [(date(2026, 1, 15), 'new', 1000.0)])

    def test_company_rule_on_ledger(self):
        with freeze_time('2026-01-01'):
            self._start_subscription(date(2026, 1, 1))
        other_company = self.env['res.company'].create({'name': "Other Co."})
        user = self.env['res.users'].create({
            'name': "Other Manager", 'login': 'other_manager',
            'company_id': other_company.id, 'company_ids': [Command.set(other_company.ids)],
            'groups_id': [Command.set(self.env.ref('sales_team.group_sale_manager').ids)],
        })
        movements = self.env['sale.subscription.mrr.movement'].with_user(user).search([])
        self.assertFalse(movements)
        self.assertFalse(self.env['sale.subscription.kpi.report'].with_user(user).search([]))
        self.assertFalse(self.env['sale.subscription.mrr.report'].with_user(user).search([]))
