# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models


class SaleSubscriptionChangeWizardLine(models.TransientModel):
    _name = 'sale.subscription.change.wizard.line'
    _description = "Change Subscription Line"

    wizard_id = fields.Many2one('sale.subscription.change.wizard', required=True, ondelete='cascade')
    currency_id = fields.Many2one(related='wizard_id.currency_id')
    order_line_id = fields.Many2one('sale.order.line', string="Current Line")
    product_id = fields.Many2one(
        'product.product', string="Product", required=True,
        domain="[('recurring_invoice', '=', True), ('sale_ok', '=', True)]")
    quantity = fields.Float(digits='Product Unit of Measure', default=1.0)
    price_unit = fields.Float(
        string="Unit Price", digits='Product Price', compute='_compute_price_unit', store=True,
        readonly=False)
    discount = fields.Float(string="Discount (%)", digits='Discount')
    subtotal = fields.Monetary(compute='_compute_subtotal', currency_field='currency_id')

    @api.depends('product_id')
    def _compute_price_unit(self):
        for line in self:
            if line.order_line_id and line.order_line_id.product_id == line.product_id:
                line.price_unit = line.order_line_id.price_unit
            else:
                line.price_unit = line._get_plan_price()

    @api.depends('quantity', 'price_unit', 'discount')
    def _compute_subtotal(self):
        for line in self:
            line.subtotal = line.currency_id.round(
                line.quantity * line.price_unit * (1 - (line.discount or 0.0) / 100.0))

    def _get_plan_price(self):
        """Return the recurring price of the product for the wizard's plan, in the order's currency."""
        self.ensure_one()
        if not self.product_id:
            return 0.0
        subscription = self.wizard_id.subscription_id
        pricing = self.env['sale.subscription.pricing']._find_pricing(
            self.product_id, self.wizard_id.plan_id, subscription.pricelist_id)
        if not pricing:
            return 0.0
        price = pricing.price
        if pricing.currency_id != subscription.currency_id:
            price = pricing.currency_id._convert(
                price, subscription.currency_id, subscription.company_id,
                subscription.company_id._subscription_today(), round=False)
        return price

    def _as_target(self):
        self.ensure_one()
        return {
            'order_line_id': self.order_line_id.id,
            'product_id': self.product_id.id,
            'quantity': self.quantity,
            'price_unit': self.price_unit,
            'discount': self.discount,
        }
