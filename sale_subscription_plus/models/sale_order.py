# Part of sale_subscription_plus. License LGPL-3.
import logging
import threading
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.safe_eval import safe_eval

from ..tools import money, periods, proration
from .recurring_invoice_builder import RecurringInvoiceBuilder

_logger = logging.getLogger(__name__)

PRORATION_POLICY_SELECTION = [
    ('prorate_now', 'Prorate now'),
    ('prorate_next', 'Prorate on next invoice'),
    ('next_period', 'No proration, apply at next period'),
]

HEALTH_SELECTION = [
    ('normal', 'Neutral'),
    ('done', 'Healthy'),
    ('bad', 'Needs Attention'),
]

# States without recurring revenue: their MRR is zero.
ZERO_MRR_STATES = ('closed', 'cancel', 'paused')

SUBSCRIPTION_STATE_SELECTION = [
    ('draft', 'Quotation'),
    ('progress', 'In Progress'),
    ('paused', 'Paused'),
    ('closed', 'Closed'),
    ('cancel', 'Cancelled'),
]


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # === FIELDS === #

    plan_id = fields.Many2one(
        'sale.subscription.plan', string="Recurring Plan",
        compute='_compute_plan_id', store=True, readonly=False, precompute=True,
        check_company=True, tracking=True, index='btree_not_null',
        help="Billing period of the subscription. An order with a plan is a subscription.")
    is_subscription = fields.Boolean(
        compute='_compute_is_subscription', store=True, index=True)
    subscription_state = fields.Selection(
        SUBSCRIPTION_STATE_SELECTION, string="Subscription Status",
        compute='_compute_subscription_state', store=True, index=True, tracking=True, copy=False)
    start_date = fields.Date(
        tracking=True, copy=False,
        help="First day of the first billing period. Empty on a quotation means the confirmation date.")
    next_invoice_date = fields.Date(
        tracking=True, copy=False, index=True,
        help="First day of the next period to invoice. Invoices are issued in advance, on this date.")
    end_date = fields.Date(
        compute='_compute_end_date', store=True, readonly=False, precompute=True,
        tracking=True, copy=False,
        help="Last day of service. Empty means the subscription runs until it is closed.")
    company_currency_id = fields.Many2one(related='company_id.currency_id', string="Company Currency")
    recurring_total = fields.Monetary(
        string="Recurring Amount", compute='_compute_recurring_amounts', store=True,
        currency_field='currency_id',
        help="Untaxed amount of the recurring lines for one billing period, after discounts.")
    recurring_monthly = fields.Monetary(
        string="MRR", compute='_compute_recurring_amounts', store=True,
        currency_field='company_currency_id', aggregator='sum',
        help="Monthly recurring revenue: the recurring amount normalised to one month, "
             "in the company currency. Zero while paused and once closed.")
    billing_anchor_date = fields.Date(
        copy=False, readonly=True,
        help="Date the billing periods are counted from: the start date, moved by a plan "
             "switch, a resume after a pause or a reopening.")
    proration_policy = fields.Selection(
        PRORATION_POLICY_SELECTION, compute='_compute_proration_policy', store=True,
        readonly=False, precompute=True,
        help="How a change during a period is billed: an invoice or credit note now for the "
             "remaining days, dated lines on the next invoice, or no proration with the change "
             "applied at the next period start.")
    auto_renew = fields.Boolean(
        compute='_compute_auto_renew', store=True, readonly=False, precompute=True,
        help="At the end of a fixed term, start a new term of the same length instead of closing.")
    close_reason_id = fields.Many2one(
        'sale.subscription.close.reason', string="Closing Reason", copy=False, tracking=True)
    close_comment = fields.Text(string="Closing Comment", copy=False)
    pause_date = fields.Date(copy=False, readonly=True, help="First day without service while paused.")
    resume_date = fields.Date(
        copy=False, tracking=True,
        help="Day the subscription resumes by itself; empty means it stays paused until resumed by hand.")
    subscription_invoice_ids = fields.One2many(
        'account.move', 'subscription_id', string="Subscription Documents",
        help="Invoices and credit notes created by the subscription's billing, proration included.")
    event_ids = fields.One2many('sale.subscription.event', 'subscription_id', string="History")
    scheduled_change_ids = fields.One2many(
        'sale.subscription.change', 'subscription_id', string="Scheduled Changes")
    adjustment_ids = fields.One2many(
        'sale.subscription.adjustment', 'subscription_id', string="Pending Adjustments",
        domain=[('is_invoiced', '=', False)])
    health = fields.Selection(
        HEALTH_SELECTION, default='normal', copy=False, tracking=True, index=True,
        help="Computed every day from the conditions of the subscription's template.")
    health_color = fields.Integer(compute='_compute_health_color')
    unpaid_invoice_count = fields.Integer(
        string="Unpaid Invoices", copy=False, readonly=True,
        help="Posted invoices not fully paid, as of the last health check.")
    mrr_change_90_days = fields.Monetary(
        string="MRR Change (90 Days)", currency_field='company_currency_id', copy=False,
        readonly=True, help="MRR now minus MRR 90 days ago, as of the last health check.")

    # === COMPUTE METHODS === #

    @api.depends('sale_order_template_id')
    def _compute_plan_id(self):
        for order in self:
            if order.sale_order_template_id.plan_id:
                order.plan_id = order.sale_order_template_id.plan_id

    @api.depends('plan_id')
    def _compute_is_subscription(self):
        for order in self:
            order.is_subscription = bool(order.plan_id)

    @api.depends('sale_order_template_id', 'plan_id')
    def _compute_proration_policy(self):
        for order in self:
            order.proration_policy = (
                order.sale_order_template_id.proration_policy
                or order.plan_id.proration_policy
                or order.proration_policy
                or 'prorate_now'
            )

    @api.depends('sale_order_template_id')
    def _compute_auto_renew(self):
        for order in self:
            template = order.sale_order_template_id
            order.auto_renew = template.subscription_duration == 'fixed' and template.auto_renew

    @api.depends('subscription_invoice_ids')
    def _get_invoiced(self):
        super()._get_invoiced()
        # Proration invoices and credit notes are linked to the subscription,
        # not to its lines, so that they do not count as invoiced quantities.
        for order in self.filtered('subscription_invoice_ids'):
            invoices = order.invoice_ids | order.subscription_invoice_ids.filtered(
                lambda m: m.move_type in ('out_invoice', 'out_refund'))
            order.invoice_ids = invoices
            order.invoice_count = len(invoices)

    @api.depends('health')
    def _compute_health_color(self):
        # Kanban colour indexes: 1 is red, 10 is green, 0 is none.
        colors = {'bad': 1, 'done': 10}
        for order in self:
            order.health_color = colors.get(order.health, 0)

    @api.depends('plan_id', 'state')
    def _compute_subscription_state(self):
        for order in self:
            if not order.plan_id:
                order.subscription_state = False
            elif order.state in ('draft', 'sent'):
                order.subscription_state = 'draft'
            elif order.state == 'cancel':
                order.subscription_state = 'cancel'
            elif order.subscription_state not in ('closed', 'paused'):
                order.subscription_state = 'progress'

    @api.depends('sale_order_template_id', 'start_date', 'plan_id')
    def _compute_end_date(self):
        for order in self:
            template = order.sale_order_template_id
            if (
                template.subscription_duration == 'fixed'
                and order.plan_id
                and order.start_date
                and template.duration_period_count >= 1
            ):
                order.end_date = order.plan_id._get_term_end_date(
                    order.start_date, template.duration_period_count)

    @api.depends(
        'order_line.price_subtotal', 'order_line.is_recurring', 'plan_id.billing_period_value',
        'plan_id.billing_period_unit', 'currency_id', 'company_id', 'date_order',
        'subscription_state',
    )
    def _compute_recurring_amounts(self):
        for order in self:
            if not order.plan_id:
                order.recurring_total = 0.0
                order.recurring_monthly = 0.0
                continue
            recurring_total = sum(order.order_line.filtered('is_recurring').mapped('price_subtotal'))
            order.recurring_total = recurring_total
            # A paused, closed or cancelled subscription brings no recurring
            # revenue; a quotation shows what it would bring once confirmed.
            if order.subscription_state in ZERO_MRR_STATES:
                order.recurring_monthly = 0.0
                continue
            monthly = float(money.monthly_amount(recurring_total, *order.plan_id._period_args()))
            company_currency = order.company_id.currency_id
            if order.currency_id and order.currency_id != company_currency:
                # NOTE: the conversion uses the rate of the order date, so that
                # the stored MRR does not change every time a rate is added.
                monthly = order.currency_id._convert(
                    monthly, company_currency, order.company_id,
                    (order.date_order or fields.Datetime.now()).date(),
                    round=False,
                )
            order.recurring_monthly = company_currency.round(monthly)

    # === CONSTRAINT METHODS === #

    @api.constrains('start_date', 'end_date')
    def _check_subscription_dates(self):
        for order in self:
            if order.start_date and order.end_date and order.end_date < order.start_date:
                raise ValidationError(self.env._(
                    "Subscription %(name)s ends on %(end)s, before its start date %(start)s. "
                    "Set an end date on or after the start date, or leave it empty.",
                    name=order.name, end=format_date(self.env, order.end_date),
                    start=format_date(self.env, order.start_date),
                ))

    @api.constrains('plan_id', 'pricelist_id', 'order_line')
    def _check_recurring_prices(self):
        self._raise_missing_recurring_prices()

    def _raise_missing_recurring_prices(self):
        """Raise one error listing every recurring line without a price for its plan."""
        problems = []
        for order in self.filtered('plan_id'):
            problems += order._get_missing_price_problems()
        if problems:
            raise ValidationError(self.env._(
                "Some subscription products cannot be priced:\n%(problems)s\n"
                "Add the missing prices in the Recurring Prices tab of each product.",
                problems="\n".join(f"- {problem}" for problem in problems),
            ))

    def _get_missing_price_problems(self, require_currency=False):
        """List the recurring lines of this order that have no usable price.

        With ``require_currency``, a price found only in another currency than
        the pricelist's counts as missing too, since it would be converted
        at a rate instead of being the price agreed for that currency.
        """
        self.ensure_one()
        problems = []
        pricing_model = self.env['sale.subscription.pricing']
        for line in self.order_line.filtered(lambda l: l.is_recurring and l.product_id):
            pricing = pricing_model._find_pricing(line.product_id, self.plan_id, self.pricelist_id)
            if not pricing:
                problems.append(self.env._(
                    "%(product)s has no recurring price for plan \"%(plan)s\"",
                    product=line.product_id.display_name, plan=self.plan_id.name,
                ))
            elif require_currency and pricing.currency_id != self.currency_id:
                problems.append(self.env._(
                    "%(product)s has no recurring price in %(currency)s for plan \"%(plan)s\" "
                    "(only in %(pricing_currency)s): add a price for pricelist \"%(pricelist)s\"",
                    product=line.product_id.display_name, currency=self.currency_id.name,
                    plan=self.plan_id.name, pricing_currency=pricing.currency_id.name,
                    pricelist=self.pricelist_id.display_name,
                ))
        return problems

    # === CRUD / CORE OVERRIDES === #

    def _action_confirm(self):
        subscriptions = self.filtered('plan_id')
        subscriptions._add_template_setup_fees()
        self.filtered(
            lambda o: o.plan_id or o.order_line.product_id.filtered('recurring_invoice')
        )._check_before_confirmation()
        result = super()._action_confirm()
        for subscription in subscriptions:
            today = subscription.company_id._subscription_today()
            start_date = subscription.start_date or today
            values = {'start_date': start_date}
            if not subscription.billing_anchor_date:
                values['billing_anchor_date'] = start_date
            if not subscription.next_invoice_date:
                values['next_invoice_date'] = start_date
            subscription.write(values)
            subscription._log_events('start', start_date, {subscription.id: 0.0})
        return result

    def _add_template_setup_fees(self):
        """Add the template's setup fees as one-off lines, once."""
        for order in self:
            fees = order.sale_order_template_id.setup_fee_product_ids
            missing = fees - order.order_line.product_id
            if missing:
                order.order_line = [
                    Command.create({'product_id': product.id, 'product_uom_qty': 1.0})
                    for product in missing
                ]

    def action_confirm(self):
        result = super().action_confirm()
        # A subscription keeps changing after confirmation (quantities, plan,
        # taxes found at invoice time), so "Lock Confirmed Sales" skips it.
        # Locking one by hand stays possible.
        self.filtered(lambda o: o.is_subscription and o.locked).action_unlock()
        return result

    def _action_cancel(self):
        running = self.filtered(lambda o: o.subscription_state in ('progress', 'paused'))
        before = running._snapshot()
        result = super()._action_cancel()
        # A cancelled subscription stops paying like a closed one; the
        # history records it as a close so that the MRR ledger follows.
        for subscription in running:
            subscription._log_events('close', subscription.company_id._subscription_today(), before)
        return result

    def _should_be_locked(self):
        return super()._should_be_locked() and not self.is_subscription

    def _check_before_confirmation(self):
        """Raise one error that lists every problem blocking the confirmation."""
        problems = []
        for order in self:
            problems += order._get_confirmation_problems()
        if problems:
            raise ValidationError(self.env._(
                "These subscriptions cannot be confirmed yet:\n%(problems)s",
                problems="\n".join(f"- {problem}" for problem in problems),
            ))

    def _get_confirmation_problems(self):
        self.ensure_one()
        name = self.name
        problems = []
        if not self.plan_id:
            if self.order_line.product_id.filtered('recurring_invoice'):
                problems.append(self.env._(
                    "%(name)s: subscription products need a recurring plan; set one, or remove them.",
                    name=name))
            return problems
        if not self.order_line.filtered('is_recurring'):
            problems.append(self.env._(
                "%(name)s: no subscription product; add at least one product marked "
                "\"Subscription Product\", or remove the recurring plan to sell it once.",
                name=name))
        problems += [
            f"{name}: {problem}" for problem in self._get_missing_price_problems(require_currency=True)
        ]
        start_date = self.start_date or self.company_id._subscription_today()
        if self.end_date:
            if self.end_date < start_date:
                problems.append(self.env._(
                    "%(name)s: the end date %(end)s is before the start date %(start)s.",
                    name=name, end=format_date(self.env, self.end_date),
                    start=format_date(self.env, start_date)))
            else:
                first_period_end = periods.term_end_date(start_date, 1, *self.plan_id._period_args())
                if self.end_date < first_period_end:
                    problems.append(self.env._(
                        "%(name)s: the fixed term ends on %(end)s, before the end of its first "
                        "period (%(period_end)s); a term lasts at least one period.",
                        name=name, end=format_date(self.env, self.end_date),
                        period_end=format_date(self.env, first_period_end)))
        if self.plan_id.invoice_action == 'post_send':
            invoice_partner = self.partner_invoice_id
            if not invoice_partner:
                problems.append(self.env._(
                    "%(name)s: the customer has no invoice address.", name=name))
            elif not invoice_partner.email:
                problems.append(self.env._(
                    "%(name)s: the invoice address %(partner)s has no email, and plan "
                    "\"%(plan)s\" sends invoices by email; add an email or change the plan.",
                    name=name, partner=invoice_partner.display_name, plan=self.plan_id.name))
        return problems

    # === ACTION METHODS === #

    def action_confirm_imported(self):
        """Confirm quotations imported from another system, without back invoices.

        Each subscription starts on its start date, as if it had been
        confirmed that day, so its history and MRR movements are the same
        as if it had been created live. The first invoice is for the first
        period that starts today or later, unless the import gave a next
        invoice date. An end date in the past closes it the day after, like
        a close at the end of the paid period.
        """
        for order in self:
            if not order.plan_id or order.state not in ('draft', 'sent') or not order.start_date:
                raise UserError(self.env._(
                    "%(name)s cannot be confirmed as imported: it must have a recurring plan and a "
                    "start date, and still be a quotation.", name=order.name))
        for order in self:
            today = order.company_id._subscription_today()
            if not order.next_invoice_date:
                anchor = order.start_date
                interval, unit = order.plan_id._period_args()
                index = periods.period_index(anchor, today - timedelta(days=1), interval, unit) + 1
                order.next_invoice_date = max(periods.period_start(anchor, index, interval, unit), anchor)
            order.with_context(subscription_import=True).action_confirm()
            if order.end_date and order.end_date < today:
                order._close_finished_subscriptions(order.company_id, today)
            order.message_post(body=self.env._("Confirmed as an imported subscription, without back invoices."))
        return True

    def action_close_subscription(self):
        """Close the subscriptions today, with no reason (the wizard asks for one)."""
        self._close(when='now')
        return True

    def action_open_close_wizard(self):
        return self._open_wizard('sale.subscription.close.wizard', self.env._("Close Subscription"))

    def action_open_change_wizard(self):
        return self._open_wizard('sale.subscription.change.wizard', self.env._("Change Subscription"))

    def action_open_pause_wizard(self):
        return self._open_wizard('sale.subscription.pause.wizard', self.env._("Pause Subscription"))

    def action_open_reopen_wizard(self):
        return self._open_wizard('sale.subscription.reopen.wizard', self.env._("Reopen Subscription"))

    def _open_wizard(self, model, title):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': title,
            'res_model': model,
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_subscription_id': self.id},
        }

    def action_reopen_subscription(self):
        """Put closed subscriptions back in progress (the wizard asks for a reason)."""
        self._reopen()
        return True

    def action_resume_subscription(self):
        for subscription in self:
            subscription._resume(subscription.company_id._subscription_today())
        return True

    def action_create_recurring_invoices(self):
        """Invoice every due period of the selected subscriptions now (the button)."""
        invoices = self.env['account.move']
        for company, subscriptions in self.grouped('company_id').items():
            today = company._subscription_today()
            due = subscriptions.filtered(lambda s: s._is_due(today))
            if not due:
                continue
            invoices |= due.with_company(company)._create_recurring_invoices(today)
        if not invoices:
            raise UserError(self.env._(
                "Nothing to invoice: no period of %(names)s starts on or before today. "
                "The next invoice date shows when the next period starts.",
                names=", ".join(self.mapped('name')),
            ))
        return self.action_view_invoice(invoices=invoices)

    def action_view_events(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'sale_subscription_plus.sale_subscription_event_action')
        action['domain'] = [('subscription_id', '=', self.id)]
        return action

    def action_compute_health(self):
        self._compute_health_now()
        return True

    # === BUSINESS METHODS: HISTORY === #

    def _snapshot(self):
        """Return ``{id: amount billed per period}`` before a change, for the history."""
        return {s.id: s._billed_per_period() for s in self}

    def _billed_per_period(self):
        """Return what the customer pays per period now: zero while paused or closed."""
        self.ensure_one()
        if self.subscription_state in ZERO_MRR_STATES:
            return 0.0
        return self.recurring_total

    def _event_mrr(self, recurring, effective_date):
        """Return the MRR of ``recurring`` (per period) in the company currency.

        The conversion uses the rate of ``effective_date``, and the value is
        then kept: later rate changes never create a movement.
        """
        self.ensure_one()
        monthly = float(money.monthly_amount(recurring, *self.plan_id._period_args()))
        company_currency = self.company_id.currency_id
        if self.currency_id != company_currency:
            monthly = self.currency_id._convert(
                monthly, company_currency, self.company_id, effective_date, round=False)
        return company_currency.round(monthly)

    def _log_events(self, event_type, effective_date, before, **values):
        """Record one history event per subscription, then update the MRR movements.

        :param dict before: ``_snapshot()`` taken before the change
        """
        last_event = {
            event.subscription_id.id: event
            for event in self.env['sale.subscription.event'].sudo().search(
                [('subscription_id', 'in', self.ids)], order='effective_date, id')
        }
        vals_list = []
        for subscription in self:
            recurring_after = subscription._billed_per_period()
            previous = last_event.get(subscription.id)
            monthly_after = subscription.currency_id.round(
                float(money.monthly_amount(recurring_after, *subscription.plan_id._period_args())))
            vals_list.append({
                'subscription_id': subscription.id,
                'partner_id': subscription.partner_id.commercial_partner_id.id,
                'event_type': event_type,
                'effective_date': effective_date,
                'plan_id': subscription.plan_id.id,
                'user_id': subscription.user_id.id,
                'team_id': subscription.team_id.id,
                'currency_id': subscription.currency_id.id,
                'recurring_before': before.get(subscription.id, 0.0),
                'recurring_after': recurring_after,
                'mrr_before': previous.mrr_after if previous else 0.0,
                'mrr_after': subscription._event_mrr(recurring_after, effective_date),
                'monthly_before': previous.monthly_after if previous else 0.0,
                'monthly_after': monthly_after,
                **values,
            })
        # The history is written by whoever changes the subscription, and
        # users have no write access to it, so it cannot be edited by hand.
        events = self.env['sale.subscription.event'].sudo().create(vals_list)
        self.env['sale.subscription.mrr.movement'].sudo()._refresh_partners(events.partner_id)
        return events

    # === BUSINESS METHODS: LIFECYCLE === #

    def _anchor(self):
        self.ensure_one()
        return self.billing_anchor_date or self.start_date

    def _paid_period(self):
        """Return ``(first_day, last_day)`` of the last invoiced period, or None before the first invoice."""
        self.ensure_one()
        if not self.next_invoice_date or self.next_invoice_date <= self._anchor():
            return None
        last_day = self.next_invoice_date - timedelta(days=1)
        first_day, _end = periods.period_bounds(self._anchor(), last_day, *self.plan_id._period_args())
        return first_day, last_day

    def _check_state(self, allowed, action):
        """Raise unless every subscription is in one of the ``allowed`` states.

        :param str action: 'change', 'pause', 'resume', 'close' or 'reopen'
        """
        states = dict(self._fields['subscription_state']._description_selection(self.env))
        for subscription in self:
            if subscription.subscription_state in allowed:
                continue
            values = {'name': subscription.name, 'state': states.get(subscription.subscription_state, '-')}
            if action == 'change':
                message = self.env._("Subscription %(name)s is %(state)s, so it cannot be changed.", **values)
            elif action == 'pause':
                message = self.env._("Subscription %(name)s is %(state)s, so it cannot be paused.", **values)
            elif action == 'resume':
                message = self.env._("Subscription %(name)s is %(state)s, so it cannot be resumed.", **values)
            elif action == 'close':
                message = self.env._("Subscription %(name)s is %(state)s, so it cannot be closed.", **values)
            else:
                message = self.env._("Subscription %(name)s is %(state)s, so it cannot be reopened.", **values)
            raise UserError(message)

    def _apply_recurring_change(self, targets, new_plan, effective_date,
                                event_type=None, note=None, settle=True):
        """Make the recurring lines match ``targets`` from ``effective_date`` on.

        :param list targets: dicts with ``order_line_id`` (False for a new
            line), ``product_id``, ``quantity``, ``price_unit``, ``discount``;
            a current recurring line missing from the list is set to quantity 0
        :param new_plan: plan after the change, or an empty recordset to keep it
        :param bool settle: bill the change for the rest of the paid period
            by the subscription's proration policy
        :return: the invoices or credit notes created by the settlement
        """
        self.ensure_one()
        self._check_state(('progress',), 'change')
        # Periods that started before the change are billed first with the
        # old lines, so that the change is prorated on the period it falls in;
        # a period starting on the change date is billed with the new lines.
        day_before = effective_date - timedelta(days=1)
        if self._is_due(day_before):
            self._create_recurring_invoices(day_before)
        before = self._snapshot()
        paid_period = self._paid_period()
        old_amounts = self._recurring_line_amounts()
        plan_switch = bool(new_plan) and new_plan != self.plan_id

        self._write_recurring_lines(targets)
        if plan_switch:
            self.plan_id = new_plan
            # The new plan's periods are counted from the switch; its first
            # period is invoiced on that day.
            self.write({'billing_anchor_date': effective_date, 'next_invoice_date': effective_date})
        self.flush_recordset()
        new_amounts = self._recurring_line_amounts()

        documents = self.env['account.move']
        if settle and paid_period and effective_date <= paid_period[1]:
            if plan_switch:
                # The old plan's unused days are credited in full; the new plan
                # bills its own first period.
                deltas = {key: -amount for key, amount in old_amounts.items()}
            else:
                deltas = {
                    key: new_amounts.get(key, 0.0) - old_amounts.get(key, 0.0)
                    for key in set(old_amounts) | set(new_amounts)
                }
            documents = self._settle_change(deltas, paid_period, effective_date)

        if plan_switch and self._is_due(effective_date):
            # The new plan's first period is invoiced at once, together with
            # the credit of the old plan when it waits for this invoice.
            documents |= self._create_recurring_invoices(effective_date)
        if not event_type:
            if plan_switch:
                event_type = 'plan_switch'
            elif self.recurring_total < before[self.id]:
                event_type = 'downgrade'
            else:
                event_type = 'upsell'
        self._log_events(event_type, effective_date, before, note=note or False)
        return documents

    def _recurring_line_amounts(self):
        """Return ``{(line id, product id): untaxed amount per period}`` of the recurring lines."""
        self.ensure_one()
        return {
            (line.id, line.product_id.id): line.price_subtotal
            for line in self.order_line.filtered('is_recurring')
        }

    def _write_recurring_lines(self, targets):
        self.ensure_one()
        current = self.order_line.filtered('is_recurring')
        kept_ids = set()
        commands = []
        for target in targets:
            values = {
                'product_uom_qty': target['quantity'],
                'price_unit': target['price_unit'],
                'discount': target.get('discount', 0.0),
            }
            line = current.filtered(lambda l: l.id == target.get('order_line_id'))
            if line:
                kept_ids.add(line.id)
                if line.product_id.id != target['product_id']:
                    # A product swap is a new line; the old one drops to zero.
                    commands.append(Command.create({'product_id': target['product_id'], **values}))
                    commands.append(Command.update(line.id, {'product_uom_qty': 0.0}))
                else:
                    commands.append(Command.update(line.id, values))
            else:
                commands.append(Command.create({'product_id': target['product_id'], **values}))
        for line in current.filtered(lambda l: l.id not in kept_ids and l.product_uom_qty):
            # Confirmed order lines cannot be deleted; quantity 0 stops billing them.
            commands.append(Command.update(line.id, {'product_uom_qty': 0.0}))
        if commands:
            self.order_line = commands

    def _settle_change(self, deltas, paid_period, effective_date):
        """Bill or credit the rest of the paid period, by the proration policy.

        :param dict deltas: ``{(line id, product id): change of the amount per period}``
        :return: the invoices or credit notes created now (none when the
            policy defers the amounts to the next invoice)
        """
        self.ensure_one()
        first_day, last_day = paid_period
        digits = self.currency_id.decimal_places
        lines = self.env['sale.order.line'].browse([key[0] for key in deltas]).exists()
        products = self.env['product.product'].browse([key[1] for key in deltas])
        period_days = (last_day - first_day).days + 1
        remaining_days = (last_day - effective_date).days + 1
        adjustments = []
        for (line_id, product_id), delta in deltas.items():
            if not delta:
                continue
            amount = float(proration.prorate(delta, first_day, last_day, effective_date, digits))
            if not amount:
                continue
            product = products.filtered(lambda p: p.id == product_id)
            adjustments.append({
                'subscription_id': self.id,
                'order_line_id': line_id if line_id in lines.ids else False,
                'product_id': product_id,
                'name': self.env._(
                    "Prorated change: %(product)s, %(days)s of %(total)s days from %(start)s to %(end)s",
                    product=product.display_name, days=remaining_days, total=period_days,
                    start=format_date(self.env, effective_date), end=format_date(self.env, last_day),
                ),
                'amount': amount,
                'period_start': effective_date,
                'period_end': last_day,
            })
        if not adjustments:
            return self.env['account.move']
        # Adjustments are internal records of the subscription's billing;
        # their creation follows from a change the user was allowed to make.
        records = self.env['sale.subscription.adjustment'].sudo().create(adjustments)
        if self.proration_policy == 'prorate_now':
            return self._invoice_adjustments(records, effective_date)
        return self.env['account.move']

    def _invoice_adjustments(self, adjustments, invoice_date=None):
        """Invoice ``adjustments`` now: an invoice, or a credit note when they sum below zero.

        :param invoice_date: date of the document; today in the company's time zone by default
        """
        self.ensure_one()
        builder = RecurringInvoiceBuilder(self.env, invoice_date or self.company_id._subscription_today())
        vals = builder.prepare_adjustment_document(self, adjustments)
        # Salespeople may not create invoices themselves; sale's own
        # invoicing does the same elevation.
        document = self.env['account.move'].sudo().with_context(
            default_move_type=vals['move_type'], mail_create_nolog=True,
        ).create(vals)
        if self.plan_id.invoice_action != 'draft':
            document._post(soft=False)
            if self.plan_id.invoice_action == 'post_send':
                document._queue_subscription_sending()
                document._trigger_invoice_sending()
        return document.sudo(False)

    def _schedule_change(self, targets, new_plan, effective_date, description=False):
        """Record a change that the invoicing job applies on ``effective_date``."""
        self.ensure_one()
        self._check_state(('progress', 'paused'), 'change')
        return self.env['sale.subscription.change'].create({
            'subscription_id': self.id,
            'effective_date': effective_date,
            'plan_id': new_plan.id if new_plan and new_plan != self.plan_id else False,
            'description': description,
            'line_ids': [Command.create({
                'order_line_id': target.get('order_line_id') or False,
                'product_id': target['product_id'],
                'quantity': target['quantity'],
                'price_unit': target['price_unit'],
                'discount': target.get('discount', 0.0),
            }) for target in targets],
        })

    def _pause(self, pause_date, resume_date=False):
        """Pause the subscriptions from ``pause_date``: no invoice until they resume.

        The days already paid after ``pause_date`` are kept: resuming moves
        the next invoice date (and a fixed term's end) by the paused days.
        """
        self._check_state(('progress',), 'pause')
        for subscription in self:
            if resume_date and resume_date <= pause_date:
                raise ValidationError(self.env._(
                    "The resume date %(resume)s of %(name)s must be after the pause date %(pause)s.",
                    resume=format_date(self.env, resume_date), name=subscription.name,
                    pause=format_date(self.env, pause_date)))
            # Periods that started before the pause are billed first, so the
            # pause never swallows a period that was due.
            if subscription._is_due(pause_date):
                subscription._create_recurring_invoices(pause_date)
            before = subscription._snapshot()
            subscription.write({
                'subscription_state': 'paused',
                'pause_date': pause_date,
                'resume_date': resume_date,
            })
            subscription._log_events('pause', pause_date, before)

    def _resume(self, resume_date):
        """Resume paused subscriptions on ``resume_date``, keeping the paid days."""
        self._check_state(('paused',), 'resume')
        for subscription in self:
            resume_date = max(resume_date, subscription.pause_date)
            shift = resume_date - subscription.pause_date
            values = {
                'subscription_state': 'progress',
                'pause_date': False,
                'resume_date': False,
            }
            if subscription.next_invoice_date:
                next_date = max(subscription.next_invoice_date, subscription.pause_date) + shift
                values.update(next_invoice_date=next_date, billing_anchor_date=next_date)
            if subscription.end_date:
                values['end_date'] = subscription.end_date + shift
            before = subscription._snapshot()
            subscription.write(values)
            subscription._log_events('resume', resume_date, before)

    def _close(self, when='now', reason=False, comment=False, close_date=None):
        """Close now, or at the end of the paid period.

        Closing now ends the service on ``close_date`` (today by default);
        pending prorated amounts are invoiced at once so they are not lost. Closing at the end of the
        period keeps the subscription in progress until its last paid day;
        the invoicing job closes it the day after.
        """
        self._check_state(('progress', 'paused'), 'close')
        for subscription in self:
            today = close_date or subscription.company_id._subscription_today()
            values = {'close_reason_id': reason.id if reason else False, 'close_comment': comment or False}
            subscription.scheduled_change_ids.filtered(lambda c: c.state == 'scheduled').action_cancel()
            if when == 'period_end' and subscription.subscription_state == 'progress':
                paid = subscription._paid_period()
                values.update(end_date=paid[1] if paid else today, auto_renew=False)
                subscription.write(values)
                subscription.message_post(body=self.env._(
                    "The subscription will close after its last paid day, %(date)s.",
                    date=format_date(self.env, values['end_date'])))
                continue
            # Periods that started before the close are still owed.
            if subscription._is_due(today):
                subscription._create_recurring_invoices(today)
            pending = subscription.adjustment_ids.filtered(lambda a: not a.is_invoiced)
            if pending:
                subscription._invoice_adjustments(pending)
            before = subscription._snapshot()
            if not subscription.end_date or subscription.end_date > today:
                values['end_date'] = today
            values['subscription_state'] = 'closed'
            subscription.write(values)
            subscription._log_events(
                'close', today, before, close_reason_id=values['close_reason_id'], note=comment or False)

    def _reopen(self, note=False, reopen_date=None):
        """Put closed subscriptions back in progress.

        A subscription closed for longer than its paid period starts a new
        billing cycle today; the time it was closed is never invoiced.
        """
        self._check_state(('closed',), 'reopen')
        for subscription in self:
            today = reopen_date or subscription.company_id._subscription_today()
            values = {
                'subscription_state': 'progress',
                'end_date': False,
                'close_reason_id': False,
                'close_comment': False,
            }
            if not subscription.next_invoice_date or subscription.next_invoice_date < today:
                values.update(next_invoice_date=today, billing_anchor_date=today)
            before = subscription._snapshot()
            subscription.write(values)
            subscription._log_events('reopen', today, before, note=note or False)
            subscription.message_post(body=note and self.env._(
                "Subscription reopened: %(reason)s", reason=note,
            ) or self.env._("Subscription reopened."))

    def _renew_terms(self, today):
        """Start a new term for each auto-renewing fixed term that ended before ``today``."""
        for subscription in self:
            template = subscription.sale_order_template_id
            count = template.duration_period_count if template.subscription_duration == 'fixed' else 0
            if not count:
                continue
            before = subscription._snapshot()
            end_date = subscription.end_date
            while end_date < today:
                # The new term starts the day after the old one ends, on the
                # same period grid, so there is neither a gap nor an overlap.
                index = periods.period_index(
                    subscription._anchor(), end_date + timedelta(days=1), *subscription.plan_id._period_args())
                end_date = periods.period_start(
                    subscription._anchor(), index + count, *subscription.plan_id._period_args(),
                ) - timedelta(days=1)
                subscription._log_events(
                    'renewal', subscription.end_date + timedelta(days=1), before)
                subscription.end_date = end_date

    def _close_finished_subscriptions(self, company, today):
        """Close the subscriptions whose last day of service is over, or renew their term."""
        domain = [
            ('company_id', '=', company.id),
            ('subscription_state', '=', 'progress'),
            ('end_date', '<', today),
        ]
        if self:
            domain.append(('id', 'in', self.ids))
        finished = self.search(domain)
        renewing = finished.filtered('auto_renew')
        renewing._renew_terms(today)
        to_close = finished - renewing
        for subscription in to_close:
            before = subscription._snapshot()
            subscription.subscription_state = 'closed'
            subscription._log_events(
                'close', subscription.end_date + timedelta(days=1), before,
                close_reason_id=subscription.close_reason_id.id, note=subscription.close_comment or False)
        return to_close

    def _run_due_lifecycle(self, company, today):
        """Apply what is due before invoicing: resumes, scheduled changes, renewals.

        Closing finished terms waits until after invoicing, so that a term
        the job missed is still invoiced up to its end.
        """
        paused = self.search([
            ('company_id', '=', company.id),
            ('subscription_state', '=', 'paused'),
            ('resume_date', '!=', False),
            ('resume_date', '<=', today),
        ])
        for subscription in paused:
            subscription._resume(subscription.resume_date)
        changes = self.env['sale.subscription.change'].search([
            ('company_id', '=', company.id),
            ('state', '=', 'scheduled'),
            ('effective_date', '<=', today),
            ('subscription_id.subscription_state', '=', 'progress'),
        ])
        for change in changes.sorted(lambda c: (c.effective_date, c.id)):
            subscription = change.subscription_id
            # Periods that start before the change are billed with the old lines.
            day_before = change.effective_date - timedelta(days=1)
            if subscription._is_due(day_before):
                subscription._create_recurring_invoices(day_before)
            change._apply()
        renewing = self.search([
            ('company_id', '=', company.id),
            ('subscription_state', '=', 'progress'),
            ('auto_renew', '=', True),
            ('end_date', '<', today),
        ])
        renewing._renew_terms(today)

    # === BUSINESS METHODS: HEALTH === #

    @api.model
    def _cron_compute_health(self):
        subscriptions = self.search([('subscription_state', 'in', ('progress', 'paused'))])
        subscriptions._compute_health_now()

    def _compute_health_now(self):
        """Update the health helpers, then the health from each template's conditions."""
        if not self:
            return
        self._update_health_helpers()
        health_by_value = defaultdict(lambda: self.browse())
        for template, subscriptions in self.grouped('sale_order_template_id').items():
            bad = good = self.browse()
            if template.health_bad_domain and template.health_bad_domain != '[]':
                bad = subscriptions.filtered_domain(safe_eval(template.health_bad_domain))
            if template.health_good_domain and template.health_good_domain != '[]':
                good = (subscriptions - bad).filtered_domain(safe_eval(template.health_good_domain))
            health_by_value['bad'] |= bad
            health_by_value['done'] |= good
            health_by_value['normal'] |= subscriptions - bad - good
        for value, subscriptions in health_by_value.items():
            changed = subscriptions.filtered(lambda s: s.health != value)
            if changed:
                changed.health = value

    def _update_health_helpers(self):
        unpaid = dict(self.env['account.move']._read_group(
            [('subscription_id', 'in', self.ids), ('state', '=', 'posted'),
             ('move_type', '=', 'out_invoice'), ('payment_state', 'in', ('not_paid', 'partial'))],
            ['subscription_id'], ['__count'],
        ))
        since = fields.Date.context_today(self) - timedelta(days=90)
        changes = dict(self.env['sale.subscription.event']._read_group(
            [('subscription_id', 'in', self.ids), ('effective_date', '>', since)],
            ['subscription_id'], ['mrr_change:sum'],
        ))
        for subscription in self:
            subscription.unpaid_invoice_count = unpaid.get(subscription, 0)
            subscription.mrr_change_90_days = changes.get(subscription, 0.0)

    # === BUSINESS METHODS: RECURRING INVOICING === #

    def _is_due(self, today):
        self.ensure_one()
        return (
            self.subscription_state == 'progress'
            and self.next_invoice_date
            and self.next_invoice_date <= today
            and (not self.end_date or self.next_invoice_date <= self.end_date)
        )

    @api.model
    def _cron_create_recurring_invoices(self, batch_size=200):
        """Create, post and queue the invoices of every due subscription.

        Each batch is committed on its own, together with the advanced next
        invoice dates, so a crash loses at most the current batch, and a
        rerun starts where the last commit left off. Rows are locked with
        SKIP LOCKED, so two workers split the work instead of doubling it.
        """
        auto_commit = not getattr(threading.current_thread(), 'testing', False)
        companies = self.env['sale.order'].search(
            [('subscription_state', 'in', ('progress', 'paused'))]).company_id
        done = 0
        for company in companies:
            today = company._subscription_today()
            self.with_company(company)._run_due_lifecycle(company, today)
            if auto_commit:
                # Resumes, scheduled changes and renewals are durable before
                # the invoicing batches start committing on their own.
                self.env.cr.commit()
            done += self.with_company(company)._invoice_due_subscriptions(
                company, today, batch_size, auto_commit)
            self.with_company(company)._close_finished_subscriptions(company, today)
            if auto_commit:
                self.env.cr.commit()
        self.env['ir.cron']._notify_progress(done=done, remaining=0)
        return done

    def _invoice_due_subscriptions(self, company, today, batch_size, auto_commit):
        """Invoice the due subscriptions of ``company`` in batches; return how many were processed."""
        # Every subscription is handled at most once per run, even when it
        # fails, so a broken record cannot keep a run busy.
        seen_ids = set()
        processed = 0
        serialization_retries = 0
        while True:
            try:
                batch = self._lock_due_batch(company, today, batch_size, seen_ids)
                if not batch:
                    break
                seen_ids.update(batch.ids)
                try:
                    with self.env.cr.savepoint():
                        batch._create_recurring_invoices(today)
                except psycopg2.errors.SerializationFailure:
                    raise
                except Exception:
                    _logger.info(
                        "recurring invoicing of a batch of %s subscriptions failed, retrying one by one",
                        len(batch), exc_info=True)
                    batch._create_recurring_invoices_one_by_one(today)
            except psycopg2.errors.SerializationFailure:
                # Another worker committed changes to rows of this batch after
                # this transaction started. Without commits (tests, the
                # button) there is no clean state to roll back to.
                if not auto_commit or serialization_retries >= 5:
                    raise
                serialization_retries += 1
                _logger.info("recurring invoicing met a concurrent update, retrying the batch")
                self.env.cr.rollback()
                continue
            processed += len(batch)
            if auto_commit:
                # Committing here makes the batch's invoices and advanced next
                # invoice dates durable together; nothing after depends on an
                # uncommitted state.
                self.env.cr.commit()
            self.env['ir.cron']._notify_progress(done=processed, remaining=0)
        return processed

    def _lock_due_batch(self, company, today, batch_size, excluded_ids):
        """Lock and return up to ``batch_size`` due subscriptions of ``company``.

        Rows locked by another worker are skipped, so concurrent runs split
        the work. The column comparison with ``end_date`` keeps fixed terms
        whose next period starts after their end out of the batch.
        """
        self.env['sale.order'].flush_model(['subscription_state', 'next_invoice_date', 'end_date'])
        self.env.cr.execute(SQL(
            """
            SELECT id FROM sale_order
             WHERE company_id = %(company)s
               AND subscription_state = 'progress'
               AND next_invoice_date <= %(today)s
               AND (end_date IS NULL OR next_invoice_date <= end_date)
               AND NOT (id = ANY(%(excluded)s))
             ORDER BY next_invoice_date, id
             LIMIT %(limit)s
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            company=company.id, today=today, excluded=list(excluded_ids), limit=batch_size,
        ))
        batch = self.browse([row[0] for row in self.env.cr.fetchall()])
        batch.invalidate_recordset(['next_invoice_date', 'subscription_state', 'end_date'])
        return batch

    def _create_recurring_invoices_one_by_one(self, today):
        """Invoice each subscription in its own savepoint; return those that failed."""
        failed = self.browse()
        for subscription in self:
            try:
                with self.env.cr.savepoint():
                    subscription._create_recurring_invoices(today)
            except psycopg2.errors.SerializationFailure:
                raise
            except Exception as error:  # noqa: BLE001 - the error goes to the log and the chatter
                _logger.exception("recurring invoicing of subscription %s (id %s) failed",
                                  subscription.name, subscription.id)
                failed |= subscription
                subscription.message_post(body=self.env._(
                    "Recurring invoicing failed and will be retried by the next run: %(error)s",
                    error=str(error),
                ))
        return failed

    def _create_recurring_invoices(self, today):
        """Create one invoice per due period of each subscription, oldest first.

        ``self`` holds subscriptions of one company. Invoices are created in
        one batch, posted when the plan says so, and queued for sending; the
        next invoice dates are advanced in the same transaction.

        :return: the created invoices
        """
        builder = RecurringInvoiceBuilder(self.env, today)
        vals_list = []
        next_dates = {}
        for subscription in self:
            subscription_vals, next_date = builder.prepare_subscription_invoices(subscription)
            vals_list.extend(subscription_vals)
            if next_date:
                next_dates[subscription] = next_date
        builder.apply_fiscal_position_changes()
        separate = self.env['account.move']
        for subscription, adjustments in builder.adjustments_to_credit.items():
            separate |= subscription._invoice_adjustments(adjustments)
        if not vals_list:
            return separate

        # Salespeople may not create invoices themselves; sale's own
        # invoicing does the same elevation.
        invoices = self.env['account.move'].sudo().with_context(
            default_move_type='out_invoice', mail_create_nolog=True, tracking_disable=True,
        ).create(vals_list)

        to_post = invoices.filtered(lambda m: m.subscription_id.plan_id.invoice_action != 'draft')
        if to_post:
            to_post._post(soft=False)
        to_send = to_post.filtered(lambda m: m.subscription_id.plan_id.invoice_action == 'post_send')
        if to_send:
            to_send._queue_subscription_sending()
            to_send._trigger_invoice_sending()

        by_date = defaultdict(lambda: self.browse())
        for subscription, next_date in next_dates.items():
            by_date[next_date] |= subscription
        for next_date, subscriptions in by_date.items():
            subscriptions.write({'next_invoice_date': next_date})
        return invoices.sudo(False) | separate
