# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import periods

PERIOD_UNIT_SELECTION = [
    ('day', 'Days'),
    ('week', 'Weeks'),
    ('month', 'Months'),
    ('year', 'Years'),
]

INVOICE_ACTION_SELECTION = [
    ('post_send', 'Post and send by email'),
    ('post', 'Post only'),
    ('draft', 'Keep as draft'),
]


class SaleSubscriptionPlan(models.Model):
    _name = 'sale.subscription.plan'
    _description = "Recurring Plan"
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        'res.company', default=lambda self: self.env.company, index=True,
        help="Leave empty to share the plan between companies.")
    billing_period_value = fields.Integer(
        string="Billing Every", required=True, default=1,
        help="Number of units in one billing period, at least 1.")
    billing_period_unit = fields.Selection(
        PERIOD_UNIT_SELECTION, string="Billing Unit", required=True, default='month')
    billing_period_display = fields.Char(
        string="Billing Period", compute='_compute_billing_period_display')
    invoice_action = fields.Selection(
        INVOICE_ACTION_SELECTION, string="Invoice Handling", required=True, default='post_send',
        help="What the invoicing job does with each invoice it creates.")
    journal_id = fields.Many2one(
        'account.journal', string="Invoicing Journal", check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal of the recurring invoices; empty uses the subscription's or the company's default.")
    proration_policy = fields.Selection(
        [
            ('prorate_now', 'Prorate now'),
            ('prorate_next', 'Prorate on next invoice'),
            ('next_period', 'No proration, apply at next period'),
        ],
        required=True, default='prorate_now',
        help="How a change during a period is billed. Prorate now: an invoice for an upsell or a "
             "credit note for a downgrade, for the remaining days of the period. Prorate on next "
             "invoice: the same amounts as dated lines on the next regular invoice. No proration: "
             "the change waits for the next period start.")
    note = fields.Html(string="Description", translate=True)
    subscription_count = fields.Integer(compute='_compute_subscription_count')

    # === COMPUTE METHODS === #

    @api.depends('billing_period_value', 'billing_period_unit')
    def _compute_billing_period_display(self):
        labels = {
            'day': (self.env._("day"), self.env._("days")),
            'week': (self.env._("week"), self.env._("weeks")),
            'month': (self.env._("month"), self.env._("months")),
            'year': (self.env._("year"), self.env._("years")),
        }
        for plan in self:
            if not plan.billing_period_unit:
                plan.billing_period_display = False
                continue
            singular, plural = labels[plan.billing_period_unit]
            value = plan.billing_period_value
            plan.billing_period_display = self.env._(
                "Every %(count)s %(unit)s",
                count=value, unit=singular if value == 1 else plural,
            )

    def _compute_subscription_count(self):
        counts = dict(self.env['sale.order']._read_group(
            [('plan_id', 'in', self.ids), ('subscription_state', '=', 'progress')],
            ['plan_id'], ['__count'],
        ))
        for plan in self:
            plan.subscription_count = counts.get(plan, 0)

    # === CONSTRAINT METHODS === #

    @api.constrains('billing_period_value')
    def _check_billing_period_value(self):
        for plan in self:
            if plan.billing_period_value < 1:
                raise ValidationError(self.env._(
                    "The billing period of plan \"%(plan)s\" is %(value)s: it must be at least 1. "
                    "Enter 1 or more in \"Billing Every\".",
                    plan=plan.name, value=plan.billing_period_value,
                ))

    # === ACTION METHODS === #

    def action_open_subscriptions(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'sale_subscription_plus.sale_subscription_action')
        action['domain'] = [('plan_id', '=', self.id)]
        action['context'] = {'default_plan_id': self.id, 'search_default_in_progress': 1}
        return action

    # === BUSINESS METHODS === #

    def _period_args(self):
        """Return ``(interval, unit)`` for the period functions of ``tools.periods``."""
        self.ensure_one()
        return self.billing_period_value, self.billing_period_unit

    def _get_term_end_date(self, start_date, period_count):
        self.ensure_one()
        return periods.term_end_date(start_date, period_count, *self._period_args())
