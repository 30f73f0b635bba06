# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrderTemplate(models.Model):
    _inherit = 'sale.order.template'

    plan_id = fields.Many2one(
        'sale.subscription.plan', string="Recurring Plan", check_company=True,
        help="Quotations made from this template are subscriptions billed on this plan.")
    subscription_duration = fields.Selection(
        [('unlimited', 'Until closed'), ('fixed', 'Fixed number of periods')],
        string="Duration", default='unlimited', required=True)
    duration_period_count = fields.Integer(
        string="Number of Periods", default=12,
        help="Length of a fixed term, in billing periods of the plan.")

    @api.constrains('subscription_duration', 'duration_period_count')
    def _check_duration_period_count(self):
        for template in self:
            if template.subscription_duration == 'fixed' and template.duration_period_count < 1:
                raise ValidationError(self.env._(
                    "Template \"%(template)s\" has a fixed term of %(count)s periods: "
                    "enter at least 1 period, or choose \"Until closed\".",
                    template=template.name, count=template.duration_period_count,
                ))
