# Part of sale_subscription_plus. License LGPL-3.
from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import proration


class SaleSubscriptionChangeWizard(models.TransientModel):
    """Change the recurring lines or the plan of a running subscription.

    The wizard shows what the change costs before it is confirmed, and
    applies it through the same methods as the invoicing job.
    """
    _name = 'sale.subscription.change.wizard'
    _description = "Change Subscription"

    subscription_id = fields.Many2one('sale.order', string="Subscription", required=True)
    company_id = fields.Many2one(related='subscription_id.company_id')
    currency_id = fields.Many2one(related='subscription_id.currency_id')
    proration_policy = fields.Selection(related='subscription_id.proration_policy')
    current_plan_id = fields.Many2one(related='subscription_id.plan_id', string="Current Plan")
    plan_id = fields.Many2one(
        'sale.subscription.plan', string="Plan", required=True,
        compute='_compute_plan_id', store=True, readonly=False, precompute=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]")
    effective_date = fields.Date(
        required=True, compute='_compute_effective_date', store=True, readonly=False, precompute=True,
        help="Day the change takes effect. A later day schedules it; the invoicing job applies it then.")
    line_ids = fields.One2many(
        'sale.subscription.change.wizard.line', 'wizard_id', string="Recurring Lines",
        compute='_compute_line_ids', store=True, readonly=False)
    description = fields.Text(help="Shown in the subscription's history.")
    current_recurring = fields.Monetary(
        string="Current Amount per Period", related='subscription_id.recurring_total')
    new_recurring = fields.Monetary(
        string="New Amount per Period", compute='_compute_preview', currency_field='currency_id')
    prorated_amount = fields.Monetary(
        string="Prorated Amount", compute='_compute_preview', currency_field='currency_id',
        help="Untaxed amount billed (positive) or credited (negative) for the rest of the paid period.")
    preview = fields.Text(compute='_compute_preview', string="What Happens")

    @api.depends('subscription_id')
    def _compute_plan_id(self):
        for wizard in self:
            wizard.plan_id = wizard.subscription_id.plan_id

    @api.depends('subscription_id', 'proration_policy')
    def _compute_effective_date(self):
        for wizard in self:
            subscription = wizard.subscription_id
            if not subscription:
                wizard.effective_date = False
            elif subscription.proration_policy == 'next_period' and subscription.next_invoice_date:
                wizard.effective_date = subscription.next_invoice_date
            else:
                wizard.effective_date = subscription.company_id._subscription_today()

    @api.depends('subscription_id')
    def _compute_line_ids(self):
        for wizard in self:
            lines = wizard.subscription_id.order_line.filtered(lambda l: l.is_recurring and l.product_uom_qty)
            wizard.line_ids = [Command.clear()] + [Command.create({
                'order_line_id': line.id,
                'product_id': line.product_id.id,
                'quantity': line.product_uom_qty,
                'price_unit': line.price_unit,
                'discount': line.discount,
            }) for line in lines]

    @api.onchange('plan_id')
    def _onchange_plan_id_reprice(self):
        """Price every line for the newly chosen plan."""
        for line in self.line_ids:
            line.price_unit = line._get_plan_price()

    @api.depends('line_ids.subtotal', 'plan_id', 'effective_date', 'subscription_id')
    def _compute_preview(self):
        for wizard in self:
            wizard.new_recurring = sum(wizard.line_ids.mapped('subtotal'))
            wizard.prorated_amount = wizard._get_prorated_amount()
            wizard.preview = wizard._get_preview_text()

    def _get_prorated_amount(self):
        self.ensure_one()
        subscription = self.subscription_id
        paid = subscription._paid_period() if subscription.next_invoice_date else None
        if (
            not paid or not self.effective_date or self._is_scheduled()
            or self.effective_date > paid[1] or self.effective_date < paid[0]
        ):
            return 0.0
        digits = subscription.currency_id.decimal_places
        if self.plan_id != subscription.plan_id:
            delta = -subscription.recurring_total
        else:
            delta = self.new_recurring - subscription.recurring_total
        return float(proration.prorate(delta, paid[0], paid[1], self.effective_date, digits))

    def _is_scheduled(self):
        self.ensure_one()
        subscription = self.subscription_id
        today = subscription.company_id._subscription_today()
        return bool(self.effective_date and (
            self.effective_date > today or subscription.proration_policy == 'next_period'))

    def _get_preview_text(self):
        self.ensure_one()
        subscription = self.subscription_id
        if not subscription or not self.effective_date:
            return False
        currency = subscription.currency_id
        amount = currency.round(abs(self.prorated_amount))
        date_text = format_date(self.env, self.effective_date)
        if self._is_scheduled():
            text = self.env._(
                "The change is scheduled for %(date)s; from then on each period costs %(amount)s %(currency)s.",
                date=date_text, amount=self.new_recurring, currency=currency.name)
        elif not self.prorated_amount:
            text = self.env._(
                "The change applies on %(date)s with nothing to prorate; each period then costs "
                "%(amount)s %(currency)s.", date=date_text, amount=self.new_recurring, currency=currency.name)
        elif subscription.proration_policy == 'prorate_now':
            text = self.env._(
                "An invoice of %(amount)s %(currency)s (untaxed) is created now for the rest of the paid period.",
                amount=amount, currency=currency.name) if self.prorated_amount > 0 else self.env._(
                "A credit note of %(amount)s %(currency)s (untaxed) is created now for the rest of the paid period.",
                amount=amount, currency=currency.name)
        else:
            text = self.env._(
                "The next invoice gets a line of %(amount)s %(currency)s (untaxed) for the rest of the paid period.",
                amount=currency.round(self.prorated_amount), currency=currency.name)
        if self.plan_id != subscription.plan_id and not self._is_scheduled():
            text += "\n" + self.env._(
                "The new plan's first period starts on %(date)s and is invoiced that day.", date=date_text)
        return text

    def action_confirm(self):
        self.ensure_one()
        subscription = self.subscription_id
        if not self.line_ids.filtered('quantity'):
            raise UserError(self.env._(
                "The change would leave %(name)s without a recurring line. Keep at least one line, "
                "or close the subscription instead.", name=subscription.name))
        paid = subscription._paid_period()
        if paid and self.effective_date < paid[0]:
            raise ValidationError(self.env._(
                "The change date %(date)s is before the current period, which starts on %(start)s. "
                "Choose a date on or after %(start)s.",
                date=format_date(self.env, self.effective_date), start=format_date(self.env, paid[0])))
        self._check_plan_prices()
        targets = [line._as_target() for line in self.line_ids.filtered('product_id')]
        if self._is_scheduled():
            subscription._schedule_change(targets, self.plan_id, self.effective_date, self.description)
            return {'type': 'ir.actions.act_window_close'}
        documents = subscription._apply_recurring_change(
            targets, self.plan_id, self.effective_date, note=self.description)
        if self.plan_id != self.current_plan_id or not documents:
            return {'type': 'ir.actions.act_window_close'}
        return subscription.action_view_invoice(invoices=documents)

    def _check_plan_prices(self):
        problems = []
        pricing_model = self.env['sale.subscription.pricing']
        for line in self.line_ids.filtered(lambda l: l.product_id.recurring_invoice):
            if not pricing_model._find_pricing(line.product_id, self.plan_id, self.subscription_id.pricelist_id):
                problems.append(self.env._(
                    "%(product)s has no recurring price for plan \"%(plan)s\"",
                    product=line.product_id.display_name, plan=self.plan_id.name))
        if problems:
            raise ValidationError(self.env._(
                "Some subscription products cannot be priced:\n%(problems)s\n"
                "Add the missing prices in the Recurring Prices tab of each product.",
                problems="\n".join(f"- {problem}" for problem in problems)))
