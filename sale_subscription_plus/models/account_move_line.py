# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    subscription_period_start = fields.Date(
        string="Period Start", copy=False,
        help="First day of the subscription period this recurring line bills.")
    subscription_period_end = fields.Date(
        string="Period End", copy=False,
        help="Last day of the subscription period this recurring line bills.")
    subscription_adjustment_id = fields.Many2one(
        'sale.subscription.adjustment', string="Proration Adjustment", copy=False,
        index='btree_not_null', ondelete='set null')
