# Part of sale_subscription_plus. License LGPL-3.
from datetime import date

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestSubscriptionInputChecks(SubscriptionCommon):
    """Each bad value raises an error that names it, and nothing is written."""

    # === PLANS === #

    def test_plan_period_zero(self):
        plans = self.env['sale.subscription.plan']
        count = plans.search_count([])

        with self.assertRaises(ValidationError) as caught:
            plans.create({'name': "Never Billed", 'billing_period_value': 0})

        message = str(caught.exception)
        self.assertIn('"Never Billed"', message)
        self.assertIn("is 0:", message)
        self.assertIn("Billing Every", message)
        self.assertEqual(plans.search_count([]), count)

    def test_plan_period_negative(self):
        plans = self.env['sale.subscription.plan']
        count = plans.search_count([])

        with self.assertRaises(ValidationError) as caught:
            plans.create({'name': "Backwards", 'billing_period_value': -3})

        self.assertIn("is -3:", str(caught.exception))
        self.assertEqual(plans.search_count([]), count)

    def test_plan_period_edit_to_zero(self):
        with self.assertRaises(ValidationError) as caught:
            self.plan_month.billing_period_value = 0

        self.assertIn('"Monthly"', str(caught.exception))
        self.plan_month.invalidate_recordset()
        self.assertEqual(self.plan_month.billing_period_value, 1)

    # === SUBSCRIPTION DATES === #

    def test_end_before_start(self):
        subscription = self._create_subscription('2026-03-01')

        with self.assertRaises(ValidationError) as caught:
            subscription.end_date = '2026-02-01'

        message = str(caught.exception)
        self.assertIn(subscription.name, message)
        self.assertIn("02/01/2026", message)
        self.assertIn("03/01/2026", message)
        subscription.invalidate_recordset()
        self.assertFalse(subscription.end_date)

    def test_end_before_start_at_create(self):
        orders = self.env['sale.order']
        count = orders.search_count([])

        with self.assertRaises(ValidationError) as caught:
            self._create_subscription('2026-03-01', end_date='2026-02-28')

        self.assertIn("02/28/2026", str(caught.exception))
        self.assertEqual(orders.search_count([]), count)

    # === RECURRING PRICES === #

    def test_missing_price_at_save(self):
        product = self._create_recurring_product("Email Archive", {})
        orders = self.env['sale.order']
        count = orders.search_count([])

        with self.assertRaises(ValidationError) as caught:
            self._create_subscription(lines=[(product, 1.0)])

        message = str(caught.exception)
        self.assertIn("Email Archive", message)
        self.assertIn('"Monthly"', message)
        self.assertEqual(orders.search_count([]), count)

    def test_missing_price_added_line(self):
        product = self._create_recurring_product("Email Archive", {})
        subscription = self._create_subscription()

        with self.assertRaises(ValidationError) as caught:
            subscription.order_line = [Command.create({'product_id': product.id, 'product_uom_qty': 1.0})]

        self.assertIn("Email Archive", str(caught.exception))
        subscription.invalidate_recordset()
        self.assertEqual(subscription.order_line.product_id, self.product_hosting)

    @freeze_time('2026-01-01')
    def test_missing_price_at_confirmation(self):
        product = self._create_recurring_product("Email Archive", {self.plan_month: 300.0})
        subscription = self._create_subscription(lines=[(product, 1.0)])
        # The price disappears after the quotation was saved.
        product.subscription_pricing_ids.unlink()

        with self.assertRaises(ValidationError) as caught:
            subscription.action_confirm()

        message = str(caught.exception)
        self.assertIn("Email Archive", message)
        self.assertIn('"Monthly"', message)
        subscription.invalidate_recordset()
        self.assertEqual(subscription.state, 'draft')
        self.assertEqual(subscription.subscription_state, 'draft')
        self.assertFalse(subscription.start_date)
        self.assertFalse(subscription.next_invoice_date)

    def test_negative_price(self):
        prices = self.env['sale.subscription.pricing']
        count = prices.search_count([])
        plan_year = self._create_plan("Yearly", 1, 'year')

        with self.assertRaises(ValidationError) as caught:
            self._add_prices(self.product_hosting, {plan_year: -5.5})

        message = str(caught.exception)
        self.assertIn("-5.5", message)
        self.assertIn("Cloud Hosting", message)
        self.assertEqual(prices.search_count([]), count)

    def test_duplicate_price(self):
        prices = self.env['sale.subscription.pricing']
        count = prices.search_count([])

        with self.assertRaises(ValidationError) as caught:
            self._add_prices(self.product_hosting, {self.plan_month: 900.0})

        message = str(caught.exception)
        self.assertIn("Cloud Hosting", message)
        self.assertIn('"Monthly"', message)
        self.assertEqual(prices.search_count([]), count)
        self.product_hosting.invalidate_recordset()
        self.assertEqual(self.product_hosting.subscription_pricing_ids.mapped('price'), [1000.0])

    def test_duplicate_pricelist_price(self):
        pricelist = self.env['product.pricelist'].create({'name': "Resellers"})
        self._add_prices(self.product_hosting, {self.plan_month: 900.0}, pricelist_id=pricelist.id)

        with self.assertRaises(ValidationError) as caught:
            self._add_prices(self.product_hosting, {self.plan_month: 850.0}, pricelist_id=pricelist.id)

        self.assertIn('"Resellers"', str(caught.exception))
        self.assertEqual(
            sorted(self.product_hosting.subscription_pricing_ids.mapped('price')), [900.0, 1000.0])

    # === TEMPLATES === #

    def test_template_zero_periods(self):
        templates = self.env['sale.order.template']
        count = templates.search_count([])

        with self.assertRaises(ValidationError) as caught:
            templates.create({
                'name': "Trial Contract",
                'plan_id': self.plan_month.id,
                'subscription_duration': 'fixed',
                'duration_period_count': 0,
            })

        message = str(caught.exception)
        self.assertIn('"Trial Contract"', message)
        self.assertIn("0 periods", message)
        self.assertEqual(templates.search_count([]), count)

    def test_template_term_end_date(self):
        template = self.env['sale.order.template'].create({
            'name': "Annual Contract",
            'plan_id': self.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 12,
        })

        subscription = self._create_subscription('2026-01-31', sale_order_template_id=template.id)

        # 12 monthly periods from 31 January end the day before 31 January 2027.
        self.assertEqual(subscription.end_date, date(2027, 1, 30))
