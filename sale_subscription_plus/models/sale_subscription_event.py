# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models

EVENT_TYPE_SELECTION = [
    ('start', 'Start'),
    ('upsell', 'Upsell'),
    ('downgrade', 'Downgrade'),
    ('plan_switch', 'Plan Switch'),
    ('scheduled_change', 'Scheduled Change'),
    ('pause', 'Pause'),
    ('resume', 'Resume'),
    ('renewal', 'Renewal'),
    ('close', 'Close'),
    ('reopen', 'Reopen'),
]


class SaleSubscriptionEvent(models.Model):
    """One change of what a subscription's customer pays, with its effective date.

    The amounts before and after are the subscription's recurring amount per
    period (in its currency) and its MRR (in the company currency), so that
    MRR movements can be rebuilt from this history alone.
    """
    _name = 'sale.subscription.event'
    _description = "Subscription Event"
    _order = 'effective_date desc, id desc'
    _check_company_auto = True

    subscription_id = fields.Many2one(
        'sale.order', string="Subscription", required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='subscription_id.company_id', store=True, index=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, index=True,
        help="Commercial partner of the subscription when the event happened.")
    event_type = fields.Selection(EVENT_TYPE_SELECTION, string="Event", required=True)
    effective_date = fields.Date(required=True, index=True)
    plan_id = fields.Many2one('sale.subscription.plan', string="Plan")
    user_id = fields.Many2one('res.users', string="Salesperson")
    team_id = fields.Many2one('crm.team', string="Sales Team")
    currency_id = fields.Many2one('res.currency', required=True)
    company_currency_id = fields.Many2one(related='company_id.currency_id', string="Company Currency")
    recurring_before = fields.Monetary(currency_field='currency_id', string="Recurring Before")
    recurring_after = fields.Monetary(currency_field='currency_id', string="Recurring After")
    mrr_before = fields.Monetary(currency_field='company_currency_id', string="MRR Before")
    mrr_after = fields.Monetary(currency_field='company_currency_id', string="MRR After")
    monthly_before = fields.Monetary(
        currency_field='currency_id', string="Monthly Before",
        help="Amount per month before the event, in the subscription currency.")
    monthly_after = fields.Monetary(
        currency_field='currency_id', string="Monthly After",
        help="Amount per month after the event, in the subscription currency.")
    mrr_change = fields.Monetary(
        currency_field='company_currency_id', string="MRR Change",
        compute='_compute_mrr_change', store=True, aggregator='sum')
    close_reason_id = fields.Many2one('sale.subscription.close.reason', string="Closing Reason")
    note = fields.Text()

    @api.depends('mrr_before', 'mrr_after')
    def _compute_mrr_change(self):
        for event in self:
            event.mrr_change = event.mrr_after - event.mrr_before
