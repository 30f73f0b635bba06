# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models


class SaleSubscriptionAdjustment(models.Model):
    """A prorated amount waiting for the subscription's next regular invoice.

    Plans whose proration policy is "prorate on next invoice" turn a change
    made during a period into adjustments; the invoicing job adds them as
    dated lines to the next invoice, and the invoice line points back to its
    adjustment, so each one is billed once.
    """
    _name = 'sale.subscription.adjustment'
    _description = "Subscription Proration Adjustment"
    _order = 'id'
    _check_company_auto = True

    subscription_id = fields.Many2one(
        'sale.order', string="Subscription", required=True, ondelete='cascade', index=True,
        check_company=True)
    company_id = fields.Many2one(related='subscription_id.company_id', store=True)
    currency_id = fields.Many2one(related='subscription_id.currency_id')
    order_line_id = fields.Many2one('sale.order.line', string="Subscription Line", ondelete='set null')
    product_id = fields.Many2one('product.product', string="Product", required=True)
    name = fields.Text(string="Label", required=True)
    amount = fields.Monetary(
        currency_field='currency_id', required=True,
        help="Untaxed prorated amount: positive for an upsell, negative for a downgrade.")
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    invoice_line_ids = fields.One2many(
        'account.move.line', 'subscription_adjustment_id', string="Invoice Lines")
    is_invoiced = fields.Boolean(compute='_compute_is_invoiced', store=True, index=True)

    @api.depends('invoice_line_ids.parent_state')
    def _compute_is_invoiced(self):
        for adjustment in self:
            adjustment.is_invoiced = any(
                line.parent_state != 'cancel' for line in adjustment.invoice_line_ids)
