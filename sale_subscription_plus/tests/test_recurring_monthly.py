# Part of sale_subscription_plus. License LGPL-3.
from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestRecurringMonthly(SubscriptionCommon):
    """MRR stored on subscriptions: untaxed recurring lines per month, in the company currency (THB)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_day = cls._create_plan("Daily", 1, 'day')
        cls.plan_week = cls._create_plan("Weekly", 1, 'week')
        cls.plan_quarter = cls._create_plan("Quarterly", 3, 'month')
        cls.plan_year = cls._create_plan("Yearly", 1, 'year')
        cls._add_prices(cls.product_hosting, {
            cls.plan_day: 10.0,
            cls.plan_week: 100.0,
            cls.plan_quarter: 300.0,
            cls.plan_year: 1200.0,
        })

    def test_mrr_monthly_untaxed(self):
        subscription = self._create_subscription(lines=[(self.product_hosting, 2.0)])

        self.assertEqual(subscription.recurring_total, 2000.0)
        # VAT 7 % (140.00) is no revenue.
        self.assertEqual(subscription.amount_total, 2140.0)
        self.assertEqual(subscription.recurring_monthly, 2000.0)

    def test_mrr_weekly(self):
        subscription = self._create_subscription(plan=self.plan_week)

        self.assertEqual(subscription.recurring_total, 100.0)
        # 100.00 x 30.4375 / 7 = 434.8214... per month.
        self.assertEqual(subscription.recurring_monthly, 434.82)

    def test_mrr_daily(self):
        subscription = self._create_subscription(plan=self.plan_day)

        # 10.00 x 30.4375 = 304.375, a half cent rounded up.
        self.assertEqual(subscription.recurring_monthly, 304.38)

    def test_mrr_quarterly(self):
        subscription = self._create_subscription(plan=self.plan_quarter)

        self.assertEqual(subscription.recurring_total, 300.0)
        # 300.00 / 3 months.
        self.assertEqual(subscription.recurring_monthly, 100.0)

    def test_mrr_yearly(self):
        subscription = self._create_subscription(plan=self.plan_year, lines=[(self.product_hosting, 3.0)])

        self.assertEqual(subscription.recurring_total, 3600.0)
        # 3 x 1,200.00 / 12 months.
        self.assertEqual(subscription.recurring_monthly, 300.0)

    def test_mrr_line_discount(self):
        subscription = self._create_subscription(lines=[])
        subscription.order_line = [Command.create({
            'product_id': self.product_hosting.id,
            'product_uom_qty': 3.0,
            'discount': 15.0,
        })]

        # 3 x 1,000.00 less 15 % = 2,550.00.
        self.assertEqual(subscription.order_line.discount, 15.0)
        self.assertEqual(subscription.recurring_total, 2550.0)
        self.assertEqual(subscription.recurring_monthly, 2550.0)

    def test_mrr_excludes_setup_fee(self):
        subscription = self._create_subscription(
            lines=[(self.product_hosting, 1.0), (self.product_setup_fee, 1.0)])

        self.assertEqual(subscription.amount_untaxed, 1500.0)
        self.assertEqual(subscription.recurring_total, 1000.0)
        self.assertEqual(subscription.recurring_monthly, 1000.0)

    def test_mrr_unit_of_measure(self):
        # Priced per Unit, sold by the Dozen.
        product = self._create_recurring_product("Seat Licence", {self.plan_month: 12.5})
        subscription = self._create_subscription(lines=[])
        subscription.order_line = [Command.create({
            'product_id': product.id,
            'product_uom_qty': 2.0,
            'product_uom': self.uom_dozen.id,
        })]

        line = subscription.order_line
        self.assertEqual(line.product_uom, self.uom_dozen)
        # 12.50 per Unit x 12 = 150.00 per Dozen, and 2 Dozens = 300.00.
        self.assertEqual(line.price_unit, 150.0)
        self.assertEqual(subscription.recurring_total, 300.0)
        self.assertEqual(subscription.recurring_monthly, 300.0)

    @freeze_time('2026-03-02')
    def test_mrr_usd_order(self):
        usd = self.setup_other_currency('USD', rates=[
            ('2026-01-01', 1 / 36.0),
            ('2026-02-01', 1 / 34.5),
        ])
        pricelist_usd = self.env['product.pricelist'].create({'name': "USD", 'currency_id': usd.id})
        self._add_prices(self.product_hosting, {self.plan_month: 29.9}, pricelist_id=pricelist_usd.id)

        subscription = self._create_subscription(pricelist_id=pricelist_usd.id)

        self.assertEqual(subscription.currency_id, usd)
        self.assertEqual(subscription.recurring_total, 29.9)
        # 29.90 USD x 34.5 THB per USD (rate of 1 February) = 1,031.55 THB.
        self.assertEqual(subscription.recurring_monthly, 1031.55)

    def test_mrr_without_plan(self):
        order = self._create_subscription(plan_id=False)

        self.assertFalse(order.is_subscription)
        self.assertFalse(order.order_line.is_recurring)
        self.assertEqual(order.recurring_monthly, 0.0)
