# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models


class SaleSubscriptionPauseWizard(models.TransientModel):
    _name = 'sale.subscription.pause.wizard'
    _description = "Pause Subscription"

    subscription_id = fields.Many2one('sale.order', string="Subscription", required=True)
    resume_date = fields.Date(
        help="The subscription resumes by itself on this day; leave empty to resume it by hand.")

    def action_pause(self):
        self.ensure_one()
        subscription = self.subscription_id
        subscription._pause(subscription.company_id._subscription_today(), self.resume_date)
        return {'type': 'ir.actions.act_window_close'}
