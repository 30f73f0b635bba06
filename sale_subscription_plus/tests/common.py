# Part of sale_subscription_plus. License LGPL-3.
from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class SubscriptionCommon(AccountTestInvoicingCommon):
    """Company in Thai baht with VAT 7 %, an export fiscal position, a monthly plan and products.

    Every amount below is chosen so that the expected values in the tests can
    be worked out by hand.
    """

    @classmethod
    def setup_independent_company(cls, **kwargs):
        # The add-on's first users invoice in baht. A company currency other
        # than USD also turns a USD order into a real conversion.
        thb = cls._enable_currency('THB')
        return super().setup_independent_company(currency_id=thb.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The invoicing job takes "today" from the company partner's time zone.
        cls.company.partner_id.tz = 'UTC'
        cls.country_th = cls.env.ref('base.th')
        cls.country_us = cls.env.ref('base.us')

        cls.tax_vat_7 = cls.env['account.tax'].create({
            'name': "VAT 7%",
            'amount_type': 'percent',
            'amount': 7.0,
            'type_tax_use': 'sale',
        })
        cls.tax_export_0 = cls.env['account.tax'].create({
            'name': "VAT 0% (export)",
            'amount_type': 'percent',
            'amount': 0.0,
            'type_tax_use': 'sale',
        })
        cls.fiscal_position_export = cls.env['account.fiscal.position'].create({
            'name': "Export",
            'auto_apply': True,
            'country_id': cls.country_us.id,
            'tax_ids': [Command.create({
                'tax_src_id': cls.tax_vat_7.id,
                'tax_dest_id': cls.tax_export_0.id,
            })],
        })

        cls.customer = cls.env['res.partner'].create({
            'name': "Siam Retail Co., Ltd.",
            'country_id': cls.country_th.id,
            'lang': 'en_US',
            'email': 'billing@siam-retail.example.com',
        })
        cls.user_salesman = new_test_user(
            cls.env, login='subscription_salesman', groups='sales_team.group_sale_salesman',
            name="Somchai Salesman", company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

        cls.plan_month = cls._create_plan("Monthly")
        cls.product_hosting = cls._create_recurring_product("Cloud Hosting", {cls.plan_month: 1000.0})
        cls.product_setup_fee = cls._create_product(
            name="Setup Fee",
            type='service',
            invoice_policy='order',
            list_price=500.0,
            taxes_id=[Command.set(cls.tax_vat_7.ids)],
        )

    # === HELPERS === #

    @classmethod
    def _create_plan(cls, name, value=1, unit='month', invoice_action='post', **values):
        return cls.env['sale.subscription.plan'].create({
            'name': name,
            'billing_period_value': value,
            'billing_period_unit': unit,
            'invoice_action': invoice_action,
            **values,
        })

    @classmethod
    def _create_recurring_product(cls, name, prices, **values):
        """Create a subscription service taxed at 7 %, with a price per plan in ``prices``.

        The list price (100.00) differs from every recurring price, so a test
        notices when a line ignores the recurring prices. The product belongs
        to the company, like the plans.
        """
        product = cls._create_product(**{
            'name': name,
            'type': 'service',
            'recurring_invoice': True,
            'list_price': 100.0,
            'taxes_id': [Command.set(cls.tax_vat_7.ids)],
            'company_id': cls.company.id,
            **values,
        })
        cls._add_prices(product, prices)
        return product

    @classmethod
    def _add_prices(cls, product, prices, **values):
        """Give ``product`` (a template or a variant's template) a price per plan of ``prices``."""
        template = product if product._name == 'product.template' else product.product_tmpl_id
        return cls.env['sale.subscription.pricing'].create([{
            'product_template_id': template.id,
            'plan_id': plan.id,
            'price': price,
            **values,
        } for plan, price in prices.items()])

    def _create_subscription(self, start_date=None, plan=None, lines=None, partner=None, **values):
        """Return a subscription quotation with ``lines``, a list of ``(product, quantity)``."""
        if lines is None:
            lines = [(self.product_hosting, 1.0)]
        return self.env['sale.order'].create({
            'partner_id': (partner or self.customer).id,
            'plan_id': (plan or self.plan_month).id,
            'start_date': start_date,
            'order_line': [
                Command.create({'product_id': product.id, 'product_uom_qty': quantity})
                for product, quantity in lines
            ],
            **values,
        })

    def _start_subscription(self, start_date=None, **kwargs):
        subscription = self._create_subscription(start_date, **kwargs)
        subscription.action_confirm()
        return subscription

    def _run_invoicing_job(self, batch_size=200):
        return self.env['sale.order']._cron_create_recurring_invoices(batch_size=batch_size)

    def _invoices(self, subscription):
        """Return the invoices of ``subscription`` in creation order."""
        return self.env['account.move'].search([('subscription_id', '=', subscription.id)], order='id')
