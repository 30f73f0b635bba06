# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class SaleSubscriptionReopenWizard(models.TransientModel):
    _name = 'sale.subscription.reopen.wizard'
    _description = "Reopen Subscription"

    subscription_id = fields.Many2one('sale.order', string="Subscription", required=True)
    reason = fields.Text(required=True, help="Why the subscription is reopened; posted in its chatter.")

    def action_reopen(self):
        self.ensure_one()
        self.subscription_id._reopen(note=self.reason)
        return {'type': 'ir.actions.act_window_close'}
