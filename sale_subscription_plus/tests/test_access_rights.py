# Part of sale_subscription_plus. License LGPL-3.
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestSubscriptionAccessRights(SubscriptionCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_ids = [Command.set(cls.company.ids)]
        cls.user_sales_manager = new_test_user(
            cls.env, login='subscription_sales_manager', groups='sales_team.group_sale_manager',
            company_id=cls.company.id, company_ids=company_ids)
        cls.user_accountant = new_test_user(
            cls.env, login='subscription_accountant', groups='account.group_account_invoice',
            company_id=cls.company.id, company_ids=company_ids)
        cls.user_salesman_2 = new_test_user(
            cls.env, login='subscription_salesman_2', groups='sales_team.group_sale_salesman',
            company_id=cls.company.id, company_ids=company_ids)

    def _plan_count(self):
        return self.env['sale.subscription.plan'].search_count([])

    # === PLANS === #

    def test_salesman_reads_plans(self):
        plans = self.env['sale.subscription.plan'].with_user(self.user_salesman).search([])

        self.assertIn(self.plan_month, plans)
        self.assertEqual(self.plan_month.with_user(self.user_salesman).billing_period_display, "Every 1 month")

    def test_salesman_cannot_create_plan(self):
        count = self._plan_count()

        with self.assertRaises(AccessError):
            self.env['sale.subscription.plan'].with_user(self.user_salesman).create({'name': "Weekly"})

        self.assertEqual(self._plan_count(), count)

    def test_salesman_cannot_edit_plan(self):
        with self.assertRaises(AccessError):
            self.plan_month.with_user(self.user_salesman).billing_period_value = 2

        self.assertEqual(self.plan_month.billing_period_value, 1)

    def test_sales_manager_creates_plan(self):
        plan = self.env['sale.subscription.plan'].with_user(self.user_sales_manager).create({
            'name': "Weekly",
            'billing_period_unit': 'week',
        })

        self.assertEqual(plan.create_uid, self.user_sales_manager)
        self.assertEqual(plan.company_id, self.company)
        self.assertEqual(plan.billing_period_display, "Every 1 week")

    def test_accountant_reads_plans(self):
        plans = self.env['sale.subscription.plan'].with_user(self.user_accountant).search([])

        self.assertIn(self.plan_month, plans)
        self.assertEqual(self.plan_month.with_user(self.user_accountant).name, "Monthly")

    def test_accountant_cannot_create_plan(self):
        count = self._plan_count()

        with self.assertRaises(AccessError):
            self.env['sale.subscription.plan'].with_user(self.user_accountant).create({'name': "Weekly"})

        self.assertEqual(self._plan_count(), count)

    def test_salesman_reads_prices(self):
        prices = self.env['sale.subscription.pricing'].with_user(self.user_salesman).search([
            ('product_template_id', '=', self.product_hosting.product_tmpl_id.id),
        ])

        self.assertEqual(prices.mapped('price'), [1000.0])

    # === INVOICING BUTTON === #

    @freeze_time('2026-01-01')
    def test_salesman_invoices_own_subscription(self):
        subscription = self._start_subscription('2026-01-01', user_id=self.user_salesman.id)
        # Salespeople may not create invoices themselves.
        with self.assertRaises(AccessError):
            self.env['account.move'].with_user(self.user_salesman).create({
                'move_type': 'out_invoice',
                'partner_id': self.customer.id,
            })

        subscription.with_user(self.user_salesman).action_create_recurring_invoices()

        invoice = self._invoices(subscription)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(invoice.invoice_user_id, self.user_salesman)
        self.assertEqual(invoice.create_uid, self.user_salesman)
        self.assertEqual(subscription.next_invoice_date, date(2026, 2, 1))

    @freeze_time('2026-01-01')
    def test_salesman_other_subscription(self):
        subscription = self._start_subscription('2026-01-01', user_id=self.user_salesman_2.id)

        with self.assertRaises(AccessError):
            subscription.with_user(self.user_salesman).action_create_recurring_invoices()

        self.assertFalse(self._invoices(subscription))

    # === COMPANIES === #

    def test_other_company_plans_hidden(self):
        company_b = self.env['res.company'].create({'name': "Company B"})
        user_b = new_test_user(
            self.env, login='subscription_manager_b', groups='sales_team.group_sale_manager',
            company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        plan_shared = self._create_plan("Monthly, all companies", company_id=False)
        plan_b = self.env['sale.subscription.plan'].with_user(user_b).create({'name': "Monthly B"})

        plans_b = self.env['sale.subscription.plan'].with_user(user_b).search([])
        self.assertNotIn(self.plan_month, plans_b)
        self.assertIn(plan_shared, plans_b)
        self.assertIn(plan_b, plans_b)
        self.assertEqual(plan_b.company_id, company_b)
        with self.assertRaises(AccessError):
            self.plan_month.with_user(user_b).read(['name'])

        plans_a = self.env['sale.subscription.plan'].with_user(self.user_sales_manager).search([])
        self.assertNotIn(plan_b, plans_a)
        self.assertIn(plan_shared, plans_a)
