# Part of sale_subscription_plus. License LGPL-3.
from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from ..tools.cohorts import percentage, period_offset, period_start
from .common import SubscriptionCommon

TODAY = '2026-04-15'


@tagged('post_install', '-at_install')
class TestCohortReport(SubscriptionCommon, HttpCase):
    """Cohort grids of a small history from December 2025 to 15 April 2026.

    Prices: 1,000 per unit and month on the monthly plan, 6,000 per year
    (500 per month) on the yearly plan, and Backup at 400 per month. By customer:
    - G: starts 10 Dec 2025 with 1 unit; a second subscription from 1 Mar.
    - H: starts 1 Dec 2025 with 1 unit; closed 15 Jan; reopened 10 Mar.
    - A: starts 5 Jan with 1 unit; 2 units from 10 Feb.
    - B: starts 20 Jan with 1 unit; closed 3 Mar.
    - C: starts 25 Jan with 3 units; closed 28 Jan.
    - D (United States): starts 1 Feb on the yearly plan.
    - E: starts 14 Feb with 2 units, sold by Somchai; 1 unit from 5 Apr.
    - F: starts 2 Apr with Backup.
    Every change is made on its own date, through the add-on's methods.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_year = cls._create_plan("Yearly", unit='year')
        cls._add_prices(cls.product_hosting, {cls.plan_year: 6000.0})
        cls.product_backup = cls._create_recurring_product("Backup", {cls.plan_month: 400.0})
        cls.partners = {
            name: cls.env['res.partner'].create({
                'name': f"Customer {name}",
                'country_id': (cls.country_us if name == 'D' else cls.country_th).id,
            })
            for name in 'ABCDEFGH'
        }

    # === HELPERS === #

    def _start(self, day, name, **kwargs):
        with freeze_time(day):
            return self._start_subscription(date.fromisoformat(day), partner=self.partners[name], **kwargs)

    def _set_quantity(self, day, subscription, quantity):
        line = subscription.order_line.filtered('is_recurring')
        with freeze_time(day):
            subscription._apply_recurring_change(
                [{'order_line_id': line.id, 'product_id': line.product_id.id,
                  'quantity': quantity, 'price_unit': line.price_unit}],
                self.env['sale.subscription.plan'], date.fromisoformat(day))

    def _close_now(self, day, subscription):
        with freeze_time(day):
            subscription._close(when='now', reason=self.env.ref('sale_subscription_plus.close_reason_too_expensive'))

    def _build_history(self):
        subscriptions = {
            'H': self._start('2025-12-01', 'H'),
            'G': self._start('2025-12-10', 'G'),
            'A': self._start('2026-01-05', 'A'),
        }
        self._close_now('2026-01-15', subscriptions['H'])
        subscriptions['B'] = self._start('2026-01-20', 'B')
        subscriptions['C'] = self._start('2026-01-25', 'C', lines=[(self.product_hosting, 3.0)])
        self._close_now('2026-01-28', subscriptions['C'])
        subscriptions['D'] = self._start('2026-02-01', 'D', plan=self.plan_year)
        self._set_quantity('2026-02-10', subscriptions['A'], 2.0)
        subscriptions['E'] = self._start(
            '2026-02-14', 'E', lines=[(self.product_hosting, 2.0)], user_id=self.user_salesman.id)
        subscriptions['G2'] = self._start('2026-03-01', 'G')
        self._close_now('2026-03-03', subscriptions['B'])
        with freeze_time('2026-03-10'):
            subscriptions['H']._reopen(note="Back after a pause in the project")
        subscriptions['F'] = self._start('2026-04-02', 'F', lines=[(self.product_backup, 1.0)])
        self._set_quantity('2026-04-05', subscriptions['E'], 1.0)
        return subscriptions

    def _grid(self, companies=None, **kwargs):
        companies = companies or self.company
        cohort_model = self.env['sale.subscription.cohort'].with_context(allowed_company_ids=companies.ids)
        with freeze_time(TODAY):
            return cohort_model.get_cohort_grid(**kwargs)

    @staticmethod
    def _table(grid):
        return [(row['cohort'], row['group_label'], row['size'], row['start_mrr'], row['cells'])
                for row in grid['rows']]

    # === TESTS === #

    def test_monthly_logo_retention(self):
        self._build_history()

        grid = self._grid(period='month', measure='logo')

        self.assertEqual(grid['columns'], ["Month 0", "Month 1", "Month 2", "Month 3", "Month 4"])
        self.assertEqual(self._table(grid), [
            ('2025-12-01', False, 2, 2000.0, [100.0, 50.0, 50.0, 100.0, 100.0]),
            ('2026-01-01', False, 3, 2000.0, [66.7, 66.7, 33.3, 33.3, None]),
            ('2026-02-01', False, 2, 2500.0, [100.0, 100.0, 100.0, None, None]),
            ('2026-04-01', False, 1, 400.0, [100.0, None, None, None, None]),
        ])
        self.assertEqual([row['cohort_label'] for row in grid['rows']],
                         ["December 2025", "January 2026", "February 2026", "April 2026"])
        self.assertEqual([row['last_offset'] for row in grid['rows']], [4, 3, 2, 0])
        # 7/8, 5/7, 4/7, 3/5 and 2/2 of the customers of the cohorts that reached each month.
        self.assertEqual(grid['total']['cells'], [87.5, 71.4, 57.1, 60.0, 100.0])
        self.assertEqual(grid['total']['size'], 8)
        self.assertEqual(grid['total']['cohort_label'], "All cohorts")

    def test_monthly_revenue_retention(self):
        self._build_history()

        grid = self._grid(period='month', measure='revenue')

        self.assertEqual(self._table(grid), [
            ('2025-12-01', False, 2, 2000.0, [100.0, 50.0, 50.0, 150.0, 150.0]),
            ('2026-01-01', False, 3, 2000.0, [100.0, 150.0, 100.0, 100.0, None]),
            ('2026-02-01', False, 2, 2500.0, [100.0, 100.0, 60.0, None, None]),
            ('2026-04-01', False, 1, 400.0, [100.0, None, None, None, None]),
        ])
        # 6,900/6,900, 6,500/6,500, 4,500/6,500, 5,000/4,000 and 3,000/2,000.
        self.assertEqual(grid['total']['cells'], [100.0, 100.0, 69.2, 125.0, 150.0])
        self.assertEqual(grid['total']['start_mrr'], 6900.0)

    def test_quarterly_cohorts(self):
        self._build_history()

        logo = self._grid(period='quarter', measure='logo')
        revenue = self._grid(period='quarter', measure='revenue')

        self.assertEqual(logo['columns'], ["Quarter 0", "Quarter 1", "Quarter 2"])
        self.assertEqual([row['cohort_label'] for row in logo['rows']], ["Q4 2025", "Q1 2026", "Q2 2026"])
        self.assertEqual(self._table(logo), [
            ('2025-10-01', False, 2, 2000.0, [100.0, 100.0, 100.0]),
            ('2026-01-01', False, 5, 4500.0, [60.0, 60.0, None]),
            ('2026-04-01', False, 1, 400.0, [100.0, None, None]),
        ])
        # Q1 2026: A 2,000 + D 500 + E 2,000 at the end of March, then
        # 3,500 today after E's downgrade: 77.8 %.
        self.assertEqual([row['cells'] for row in revenue['rows']], [
            [100.0, 150.0, 150.0],
            [100.0, 77.8, None],
            [100.0, None, None],
        ])
        self.assertEqual(logo['total']['cells'], [75.0, 71.4, 100.0])
        self.assertEqual(revenue['total']['cells'], [100.0, 100.0, 150.0])

    def test_yearly_cohorts(self):
        self._build_history()

        logo = self._grid(period='year', measure='logo')
        revenue = self._grid(period='year', measure='revenue')

        self.assertEqual(logo['columns'], ["Year 0", "Year 1"])
        self.assertEqual(self._table(logo), [
            ('2025-01-01', False, 2, 2000.0, [100.0, 100.0]),
            ('2026-01-01', False, 6, 3900.0, [66.7, None]),
        ])
        self.assertEqual([row['cells'] for row in revenue['rows']], [[100.0, 150.0], [100.0, None]])

    def test_group_by_plan(self):
        self._build_history()

        grid = self._grid(period='month', measure='revenue', groupby='plan_id')

        self.assertEqual(self._table(grid), [
            ('2025-12-01', "Monthly", 2, 2000.0, [100.0, 50.0, 50.0, 150.0, 150.0]),
            ('2026-01-01', "Monthly", 3, 2000.0, [100.0, 150.0, 100.0, 100.0, None]),
            ('2026-02-01', "Monthly", 1, 2000.0, [100.0, 100.0, 50.0, None, None]),
            ('2026-02-01', "Yearly", 1, 500.0, [100.0, 100.0, 100.0, None, None]),
            ('2026-04-01', "Monthly", 1, 400.0, [100.0, None, None, None, None]),
        ])
        self.assertEqual(grid['rows'][3]['group_id'], self.plan_year.id)
        self.assertEqual(grid['total']['cells'], [100.0, 100.0, 69.2, 125.0, 150.0])

    def test_group_by_first_product(self):
        self._build_history()

        grid = self._grid(period='quarter', measure='logo', groupby='product_id')

        self.assertEqual(self._table(grid), [
            ('2025-10-01', "Cloud Hosting", 2, 2000.0, [100.0, 100.0, 100.0]),
            ('2026-01-01', "Cloud Hosting", 5, 4500.0, [60.0, 60.0, None]),
            ('2026-04-01', "Backup", 1, 400.0, [100.0, None, None]),
        ])

    def test_group_by_salesperson_and_country(self):
        self._build_history()

        by_user = self._grid(period='month', measure='logo', groupby='user_id', date_from='2026-02-20')
        by_country = self._grid(period='month', measure='logo', groupby='country_id', date_from='2026-02-20')

        february = [row for row in by_user['rows'] if row['cohort'] == '2026-02-01']
        somchai = [row for row in february if row['group_id'] == self.user_salesman.id]
        self.assertEqual(len(february), 2)
        self.assertEqual([(row['group_label'], row['size'], row['start_mrr']) for row in somchai],
                         [("Somchai Salesman", 1, 2000.0)])
        self.assertEqual([(row['cohort'], row['group_label'], row['size']) for row in by_country['rows']], [
            ('2026-02-01', "Thailand", 1),
            ('2026-02-01', "United States", 1),
            ('2026-04-01', "Thailand", 1),
        ])

    def test_group_by_template_without_template(self):
        self._build_history()

        grid = self._grid(period='year', measure='logo', groupby='template_id')

        self.assertEqual([(row['group_id'], row['group_label'], row['size']) for row in grid['rows']],
                         [(False, "None", 2), (False, "None", 6)])

    def test_date_from_starts_at_its_period(self):
        self._build_history()

        grid = self._grid(period='month', measure='logo', date_from='2026-01-20')

        self.assertEqual(grid['date_from'], '2026-01-01')
        self.assertEqual(grid['columns'], ["Month 0", "Month 1", "Month 2", "Month 3"])
        self.assertEqual([row['cohort'] for row in grid['rows']], ['2026-01-01', '2026-02-01', '2026-04-01'])
        self.assertEqual(grid['rows'][0]['cells'], [66.7, 66.7, 33.3, 33.3])

    def test_grid_matches_ledger_definition(self):
        """Each cell equals the definition applied to the ledger rows read through the ORM."""
        self._build_history()
        with freeze_time(TODAY):
            movements = self.env['sale.subscription.mrr.movement'].search_read(
                [('company_id', '=', self.company.id)],
                ['partner_id', 'effective_date', 'movement_type', 'mrr_after'],
                order='effective_date, id')
        by_customer = defaultdict(list)
        for movement in movements:
            by_customer[movement['partner_id'][0]].append(movement)
        today = date.fromisoformat(TODAY)

        for period in ('month', 'quarter', 'year'):
            expected = self._grid_by_definition(by_customer, today, period)
            for measure in ('logo', 'revenue'):
                grid = self._grid(period=period, measure=measure)
                cells = {row['cohort']: row['cells'][:row['last_offset'] + 1] for row in grid['rows']}
                self.assertEqual(cells, {
                    cohort: [percentage(value, size if measure == 'logo' else start) for value in values[measure]]
                    for cohort, (size, start, values) in expected.items()
                }, f"{period} {measure}")

    @staticmethod
    def _grid_by_definition(by_customer, today, period):
        months = {'month': 1, 'quarter': 3, 'year': 12}[period]
        grid = {}
        for customer_movements in by_customer.values():
            acquired_on = next(m['effective_date'] for m in customer_movements if m['movement_type'] == 'new')
            cohort = period_start(acquired_on, period)
            last_offset = period_offset(cohort, today, period)
            size, _start, values = grid.setdefault(
                cohort.isoformat(), [0, 0.0, {'logo': [0] * (last_offset + 1), 'revenue': [0.0] * (last_offset + 1)}])
            grid[cohort.isoformat()][0] = size + 1
            for offset in range(last_offset + 1):
                index = cohort.year * 12 + cohort.month - 1 + (offset + 1) * months
                end = min(date(index // 12, index % 12 + 1, 1) - timedelta(days=1), today)
                known = [m['mrr_after'] for m in customer_movements if m['effective_date'] <= end]
                mrr = known[-1] if known else 0.0
                values['logo'][offset] += mrr > 0
                values['revenue'][offset] += mrr
        for entry in grid.values():
            entry[1] = entry[2]['revenue'][0]
        return grid

    def test_selected_companies_only(self):
        """A second company's customers count only when it is selected, converted at today's rate."""
        self._build_history()
        company_2 = self.setup_other_company(name="Cohort Branch", currency_id=self.env.ref('base.USD').id)['company']
        company_2.partner_id.tz = 'UTC'
        self.env['res.currency.rate'].create({
            'name': '2026-01-01', 'rate': 35.0,
            'currency_id': self.company.currency_id.id, 'company_id': self.company.id,
        })
        plan_branch = self._create_plan("Monthly (branch)", company_id=company_2.id)
        support = self._create_recurring_product(
            "Support", {plan_branch: 100.0}, company_id=company_2.id, taxes_id=[Command.clear()])
        with freeze_time('2026-03-10'):
            # Customer A of the first company is another customer in this one.
            order = self.env['sale.order'].with_company(company_2).create({
                'partner_id': self.partners['A'].id,
                'company_id': company_2.id,
                'plan_id': plan_branch.id,
                'start_date': date(2026, 3, 10),
                'order_line': [Command.create({'product_id': support.product_variant_id.id})],
            })
            order.action_confirm()
        self.assertEqual(order.recurring_monthly, 100.0)

        alone = self._grid(period='month', measure='logo')
        both = self._grid(companies=self.company + company_2, period='month', measure='logo')

        self.assertNotIn('2026-03-01', [row['cohort'] for row in alone['rows']])
        march = [row for row in both['rows'] if row['cohort'] == '2026-03-01']
        # 100 USD per month at 35 THB per USD.
        self.assertEqual([(row['size'], row['start_mrr'], row['cells'][:2]) for row in march],
                         [(1, 3500.0, [100.0, 100.0])])
        self.assertEqual(both['total']['size'], 9)
        self.assertEqual(both['currency_id'], self.company.currency_id.id)

    def test_salesman_reads_grid_and_other_users_cannot(self):
        self._build_history()
        user_plain = new_test_user(self.env, login='cohort_plain_user', groups='base.group_user',
                                   company_id=self.company.id, company_ids=[Command.set(self.company.ids)])

        expected = self._grid(period='month', measure='logo')
        with freeze_time(TODAY):
            as_salesman = self.env['sale.subscription.cohort'].with_user(self.user_salesman).get_cohort_grid()
        self.assertEqual(as_salesman['rows'], expected['rows'])
        with self.assertRaises(AccessError), mute_logger('odoo.models'):
            self.env['sale.subscription.cohort'].with_user(user_plain).get_cohort_grid()

    def test_empty_ledger(self):
        grid = self._grid(period='month', measure='revenue', groupby='plan_id')

        self.assertEqual((grid['columns'], grid['rows'], grid['total']), ([], [], None))

    def test_invalid_options_rejected(self):
        cases = [
            ({'period': 'week'}, 'Invalid cohort period "week"'),
            ({'measure': 'customers'}, 'Invalid cohort measure "customers"'),
            ({'groupby': 'partner_id'}, 'Invalid cohort grouping "partner_id"'),
            ({'date_from': '15/01/2026'}, 'Invalid start date "15/01/2026"'),
        ]
        for options, message in cases:
            with self.subTest(options=options), self.assertRaises(UserError) as caught:
                self._grid(**options)
            self.assertIn(message, str(caught.exception))

    def test_cohort_menu_tour(self):
        """A salesperson opens the grid from the menu and changes measure, grouping and period."""
        # Real dates: the browser and the server do not share a frozen clock.
        today = self.company._subscription_today()
        acquired_on = today.replace(day=1) - relativedelta(months=2)
        self._start_subscription(acquired_on, partner=self.partners['A'])
        closed = self._start_subscription(acquired_on + timedelta(days=3), partner=self.partners['B'])
        closed._close(when='now', reason=self.env.ref('sale_subscription_plus.close_reason_competitor'))

        self.start_tour('/odoo', 'sale_subscription_plus_cohort_report', login=self.user_salesman.login)
