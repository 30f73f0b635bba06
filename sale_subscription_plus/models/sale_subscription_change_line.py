# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class SaleSubscriptionChangeLine(models.Model):
    _name = 'sale.subscription.change.line'
    _description = "Scheduled Subscription Change Line"

    change_id = fields.Many2one(
        'sale.subscription.change', required=True, ondelete='cascade', index=True)
    order_line_id = fields.Many2one(
        'sale.order.line', string="Current Line", ondelete='set null',
        help="Recurring line this line replaces; empty for a new line.")
    product_id = fields.Many2one('product.product', string="Product", required=True)
    quantity = fields.Float(digits='Product Unit of Measure', required=True)
    price_unit = fields.Float(digits='Product Price', required=True)
    discount = fields.Float(digits='Discount')

    def _as_target(self):
        self.ensure_one()
        return {
            'order_line_id': self.order_line_id.id,
            'product_id': self.product_id.id,
            'quantity': self.quantity,
            'price_unit': self.price_unit,
            'discount': self.discount,
        }
