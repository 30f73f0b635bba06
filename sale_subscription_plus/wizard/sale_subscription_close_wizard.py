# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class SaleSubscriptionCloseWizard(models.TransientModel):
    _name = 'sale.subscription.close.wizard'
    _description = "Close Subscription"

    subscription_id = fields.Many2one('sale.order', string="Subscription", required=True)
    close_reason_id = fields.Many2one(
        'sale.subscription.close.reason', string="Reason", required=True)
    close_comment = fields.Text(string="Comment")
    when = fields.Selection(
        [('now', 'Now'), ('period_end', 'At the end of the paid period')],
        required=True, default='period_end',
        help="Now: the service ends today. At the end of the paid period: the subscription stays "
             "in progress until its last paid day and closes the day after.")

    def action_close(self):
        self.ensure_one()
        self.subscription_id._close(
            when=self.when, reason=self.close_reason_id, comment=self.close_comment)
        return {'type': 'ir.actions.act_window_close'}
