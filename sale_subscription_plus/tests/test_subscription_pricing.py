# Part of sale_subscription_plus. License LGPL-3.
from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestSubscriptionPricing(SubscriptionCommon):
    """Which recurring price a subscription line gets.

    Backup has two variants and four monthly prices. With any pricelist it
    costs 500.00, or 800.00 for the 1 TB variant. With the "Partners"
    pricelist it costs 450.00, or 700.00 for the 1 TB variant.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist_partners = cls.env['product.pricelist'].create({'name': "Partners"})
        cls.pricelist_retail = cls.env['product.pricelist'].create({'name': "Retail"})

        storage = cls.env['product.attribute'].create({
            'name': "Storage",
            'value_ids': [Command.create({'name': "100 GB"}), Command.create({'name': "1 TB"})],
        })
        cls.backup = cls.env['product.template'].create({
            'name': "Backup",
            'type': 'service',
            'recurring_invoice': True,
            'list_price': 100.0,
            'taxes_id': [Command.set(cls.tax_vat_7.ids)],
            'company_id': cls.company.id,
            'attribute_line_ids': [Command.create({
                'attribute_id': storage.id,
                'value_ids': [Command.set(storage.value_ids.ids)],
            })],
        })
        cls.backup_small, cls.backup_large = cls.backup.product_variant_ids.sorted(
            lambda p: p.product_template_attribute_value_ids.product_attribute_value_id.name != "100 GB")
        pricing = cls.env['sale.subscription.pricing']
        pricing.create([
            {'product_template_id': cls.backup.id, 'plan_id': cls.plan_month.id, 'price': 500.0},
            {'product_template_id': cls.backup.id, 'product_id': cls.backup_large.id,
             'plan_id': cls.plan_month.id, 'price': 800.0},
            {'product_template_id': cls.backup.id, 'pricelist_id': cls.pricelist_partners.id,
             'plan_id': cls.plan_month.id, 'price': 450.0},
            {'product_template_id': cls.backup.id, 'product_id': cls.backup_large.id,
             'pricelist_id': cls.pricelist_partners.id, 'plan_id': cls.plan_month.id, 'price': 700.0},
        ])

    def _line_price(self, product, pricelist, plan=None):
        subscription = self._create_subscription(
            plan=plan, lines=[(product, 1.0)], pricelist_id=pricelist.id)
        return subscription.order_line.price_unit

    def test_variant_before_template(self):
        self.assertEqual(self.backup_small.product_template_attribute_value_ids.name, "100 GB")
        self.assertEqual(self._line_price(self.backup_small, self.pricelist), 500.0)
        self.assertEqual(self._line_price(self.backup_large, self.pricelist), 800.0)

    def test_pricelist_before_variant(self):
        self.assertEqual(self._line_price(self.backup_small, self.pricelist_partners), 450.0)
        self.assertEqual(self._line_price(self.backup_large, self.pricelist_partners), 700.0)

    def test_pricelist_without_own_price(self):
        self.assertEqual(self._line_price(self.backup_small, self.pricelist_retail), 500.0)
        self.assertEqual(self._line_price(self.backup_large, self.pricelist_retail), 800.0)

    def test_price_of_line_plan(self):
        plan_quarter = self._create_plan("Quarterly", 3, 'month')
        self._add_prices(self.backup, {plan_quarter: 1400.0})

        self.assertEqual(self._line_price(self.backup_large, self.pricelist, plan=plan_quarter), 1400.0)

    def test_update_prices_new_pricelist(self):
        subscription = self._create_subscription(
            lines=[(self.backup_large, 1.0)], pricelist_id=self.pricelist.id)
        self.assertEqual(subscription.order_line.price_unit, 800.0)

        # As on any quotation, a new pricelist applies through "Update Prices".
        subscription.pricelist_id = self.pricelist_partners
        subscription.action_update_prices()

        self.assertEqual(subscription.order_line.price_unit, 700.0)
        self.assertEqual(subscription.recurring_total, 700.0)

    @freeze_time('2026-03-02')
    def test_usd_pricelist_own_price(self):
        usd = self.setup_other_currency('USD', rates=[('2026-02-01', 1 / 34.5)])
        pricelist_usd = self.env['product.pricelist'].create({'name': "USD", 'currency_id': usd.id})
        self._add_prices(self.backup, {self.plan_month: 29.9}, pricelist_id=pricelist_usd.id)

        subscription = self._create_subscription(
            lines=[(self.backup_small, 2.0)], pricelist_id=pricelist_usd.id)

        line = subscription.order_line
        self.assertEqual(line.currency_id, usd)
        # The USD price is used as it is, not the baht price converted.
        self.assertEqual(line.price_unit, 29.9)
        self.assertEqual(subscription.recurring_total, 59.8)

    @freeze_time('2026-03-02')
    def test_usd_pricelist_converts_generic_price(self):
        usd = self.setup_other_currency('USD', rates=[('2026-02-01', 1 / 34.5)])
        pricelist_usd = self.env['product.pricelist'].create({'name': "USD", 'currency_id': usd.id})

        subscription = self._create_subscription(
            lines=[(self.product_hosting, 1.0)], pricelist_id=pricelist_usd.id)

        # 1,000.00 THB / 34.5 THB per USD = 28.985... USD, rounded to 28.99.
        self.assertEqual(subscription.order_line.price_unit, 28.99)
        self.assertEqual(subscription.recurring_total, 28.99)

    def test_shared_product_company_plan(self):
        # By default a product is shared between companies and a plan belongs
        # to one company, so such a pair must accept a price.
        product = self._create_product(name="Shared Support", type='service', recurring_invoice=True)
        self.assertFalse(product.company_id)
        self.assertEqual(self.plan_month.company_id, self.company)

        self._add_prices(product, {self.plan_month: 250.0})

        subscription = self._create_subscription(lines=[(product, 1.0)])
        self.assertEqual(subscription.order_line.price_unit, 250.0)
