# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models
from odoo.exceptions import UserError


class SaleSubscriptionChange(models.Model):
    """A change of a subscription's recurring lines or plan, applied on a future date.

    The invoicing job applies the changes that are due before it invoices,
    so the period that starts on the effective date is billed with the new
    lines.
    """
    _name = 'sale.subscription.change'
    _description = "Scheduled Subscription Change"
    _order = 'effective_date, id'
    _check_company_auto = True

    subscription_id = fields.Many2one(
        'sale.order', string="Subscription", required=True, ondelete='cascade', index=True,
        check_company=True)
    company_id = fields.Many2one(related='subscription_id.company_id', store=True)
    effective_date = fields.Date(required=True, index=True)
    state = fields.Selection(
        [('scheduled', 'Scheduled'), ('applied', 'Applied'), ('cancel', 'Cancelled')],
        default='scheduled', required=True, index=True)
    plan_id = fields.Many2one(
        'sale.subscription.plan', string="New Plan", check_company=True,
        help="Plan after the change; empty keeps the current plan.")
    line_ids = fields.One2many(
        'sale.subscription.change.line', 'change_id', string="Recurring Lines After the Change")
    description = fields.Text(help="What changes, as shown in the subscription's history.")

    def action_cancel(self):
        for change in self:
            if change.state != 'scheduled':
                raise UserError(self.env._(
                    "The change of %(subscription)s on %(date)s is %(state)s and can no longer be cancelled.",
                    subscription=change.subscription_id.name, date=change.effective_date,
                    state=dict(self._fields['state']._description_selection(self.env))[change.state],
                ))
        self.write({'state': 'cancel'})
        return True

    def _apply(self):
        """Apply the changes to their subscriptions, oldest first."""
        for change in self.sorted(lambda c: (c.effective_date, c.id)):
            change.subscription_id._apply_recurring_change(
                change._target_lines(), change.plan_id, change.effective_date,
                event_type='scheduled_change', note=change.description, settle=False,
            )
            change.state = 'applied'

    def _target_lines(self):
        self.ensure_one()
        return [line._as_target() for line in self.line_ids]
