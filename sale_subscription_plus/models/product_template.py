# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = 'product.template'

    recurring_invoice = fields.Boolean(
        string="Subscription Product",
        help="Invoiced every billing period on a subscription. Other products on a subscription "
             "are one-off lines, invoiced once on its first invoice.")
    subscription_pricing_ids = fields.One2many(
        'sale.subscription.pricing', 'product_template_id', string="Recurring Prices",
        copy=True)
