# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class SaleSubscriptionCloseReason(models.Model):
    _name = 'sale.subscription.close.reason'
    _description = "Subscription Closing Reason"
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    reopen_on_payment = fields.Boolean(
        string="Reopen on Late Payment",
        help="When an invoice of a subscription closed for this reason is paid after the "
             "closing, the subscription goes back in progress.")
