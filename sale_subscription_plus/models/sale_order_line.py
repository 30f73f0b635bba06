# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    is_recurring = fields.Boolean(
        string="Recurring", compute='_compute_is_recurring', store=True, precompute=True,
        help="Invoiced every billing period of the subscription.")

    @api.depends('product_id.recurring_invoice', 'order_id.plan_id', 'display_type')
    def _compute_is_recurring(self):
        for line in self:
            line.is_recurring = bool(
                not line.display_type
                and line.product_id.recurring_invoice
                and line.order_id.plan_id
            )

    @api.depends('order_id.plan_id')
    def _compute_price_unit(self):
        return super()._compute_price_unit()

    @api.depends('is_recurring')
    def _compute_qty_to_invoice(self):
        super()._compute_qty_to_invoice()
        # Recurring lines are invoiced period by period by the subscription's
        # invoicing, never by sale's "Create Invoice", which would bill them once.
        for line in self.filtered('is_recurring'):
            line.qty_to_invoice = 0.0

    @api.constrains('product_id', 'order_id')
    def _check_recurring_price(self):
        self.order_id._raise_missing_recurring_prices()

    def _get_pricelist_price(self):
        if self.is_recurring:
            pricing = self.env['sale.subscription.pricing']._find_pricing(
                self.product_id, self.order_id.plan_id, self.order_id.pricelist_id)
            if pricing:
                return self._convert_recurring_price(pricing)
        return super()._get_pricelist_price()

    def _convert_recurring_price(self, pricing):
        """Return ``pricing``'s price in the line's unit of measure and currency."""
        self.ensure_one()
        price = pricing.price
        if self.product_uom and self.product_uom != self.product_id.uom_id:
            price = self.product_id.uom_id._compute_price(price, self.product_uom)
        if pricing.currency_id != self.currency_id:
            price = pricing.currency_id._convert(
                price, self.currency_id, self.company_id or self.env.company,
                fields.Date.context_today(self), round=False,
            )
        return price
