# Part of sale_subscription_plus. License LGPL-3.
import logging
import threading
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import money, periods

_logger = logging.getLogger(__name__)

SUBSCRIPTION_STATE_SELECTION = [
    ('draft', 'Quotation'),
    ('progress', 'In Progress'),
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
             "in the company currency.")

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

    @api.depends('plan_id', 'state')
    def _compute_subscription_state(self):
        for order in self:
            if not order.plan_id:
                order.subscription_state = False
            elif order.state in ('draft', 'sent'):
                order.subscription_state = 'draft'
            elif order.state == 'cancel':
                order.subscription_state = 'cancel'
            elif order.subscription_state != 'closed':
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
    )
    def _compute_recurring_amounts(self):
        for order in self:
            if not order.plan_id:
                order.recurring_total = 0.0
                order.recurring_monthly = 0.0
                continue
            recurring_total = sum(order.order_line.filtered('is_recurring').mapped('price_subtotal'))
            order.recurring_total = recurring_total
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
        pricing_model = self.env['sale.subscription.pricing']
        for order in self.filtered('plan_id'):
            for line in order.order_line.filtered('is_recurring'):
                if not pricing_model._find_pricing(line.product_id, order.plan_id, order.pricelist_id):
                    problems.append(self.env._(
                        "- %(product)s has no recurring price for plan \"%(plan)s\"",
                        product=line.product_id.display_name, plan=order.plan_id.name,
                    ))
        if problems:
            raise ValidationError(self.env._(
                "Some subscription products cannot be priced:\n%(problems)s\n"
                "Add the missing prices in the Recurring Prices tab of each product.",
                problems="\n".join(problems),
            ))

    # === CRUD / CORE OVERRIDES === #

    def _action_confirm(self):
        subscriptions = self.filtered('plan_id')
        subscriptions._check_before_confirmation()
        result = super()._action_confirm()
        today = fields.Date.context_today(self)
        for subscription in subscriptions:
            values = {}
            if not subscription.start_date:
                values['start_date'] = today
            if not subscription.next_invoice_date:
                values['next_invoice_date'] = values.get('start_date', subscription.start_date)
            if values:
                subscription.write(values)
        return result

    def _check_before_confirmation(self):
        self._raise_missing_recurring_prices()
        for order in self:
            if not order.order_line.filtered('is_recurring'):
                raise ValidationError(self.env._(
                    "Subscription %(name)s has no subscription product. Add at least one product "
                    "marked \"Subscription Product\", or remove the recurring plan to sell it once.",
                    name=order.name,
                ))

    # === ACTION METHODS === #

    def action_close_subscription(self):
        """Close the subscriptions today: no period starting after today is invoiced."""
        today = fields.Date.context_today(self)
        for subscription in self:
            if subscription.subscription_state != 'progress':
                raise UserError(self.env._(
                    "Subscription %(name)s is not in progress, so it cannot be closed.",
                    name=subscription.name,
                ))
            values = {'subscription_state': 'closed'}
            if not subscription.end_date or subscription.end_date > today:
                values['end_date'] = today
            subscription.write(values)
        return True

    def action_reopen_subscription(self):
        """Put closed subscriptions back in progress, without an end date."""
        for subscription in self:
            if subscription.subscription_state != 'closed':
                raise UserError(self.env._(
                    "Subscription %(name)s is not closed, so it cannot be reopened.",
                    name=subscription.name,
                ))
        self.write({'subscription_state': 'progress', 'end_date': False})
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
            [('subscription_state', '=', 'progress')]).company_id
        done = 0
        for company in companies:
            today = company._subscription_today()
            done += self.with_company(company)._invoice_due_subscriptions(
                company, today, batch_size, auto_commit)
            self._close_finished_subscriptions(company, today)
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

    def _close_finished_subscriptions(self, company, today):
        """Close the fixed-term subscriptions whose last day of service is over."""
        finished = self.search([
            ('company_id', '=', company.id),
            ('subscription_state', '=', 'progress'),
            ('end_date', '<', today),
        ])
        if finished:
            finished.write({'subscription_state': 'closed'})
        return finished

    def _create_recurring_invoices(self, today):
        """Create one invoice per due period of each subscription, oldest first.

        ``self`` holds subscriptions of one company. Invoices are created in
        one batch, posted when the plan says so, and queued for sending; the
        next invoice dates are advanced in the same transaction.

        :return: the created invoices
        """
        builder = _RecurringInvoiceBuilder(self.env, today)
        vals_list = []
        next_dates = {}
        for subscription in self:
            subscription_vals, next_date = builder.prepare_subscription_invoices(subscription)
            vals_list.extend(subscription_vals)
            if next_date:
                next_dates[subscription] = next_date
        builder.apply_fiscal_position_changes()
        if not vals_list:
            return self.env['account.move']

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
        return invoices.sudo(False)


class _RecurringInvoiceBuilder:
    """Builds the value dictionaries of recurring invoices with cached look-ups.

    Fiscal positions, journals, taxes and period labels are computed once per
    distinct key, so the cost per invoice stays flat as batches grow.
    """

    def __init__(self, env, today):
        self.env = env
        self.today = today
        self._fiscal_positions = {}
        self._journals = {}
        self._mapped_taxes = {}
        self._labels = {}
        self._formatted_dates = {}
        self._fiscal_position_changes = defaultdict(list)

    def prepare_subscription_invoices(self, subscription):
        """Return ``(vals_list, next_invoice_date)`` for one subscription."""
        plan = subscription.plan_id
        interval, unit = plan._period_args()
        due = periods.due_periods(
            subscription.start_date, subscription.next_invoice_date, self.today,
            interval, unit, subscription.end_date or None,
        )
        if not due:
            return [], None

        fiscal_position = self._fiscal_position(subscription)
        if fiscal_position != subscription.fiscal_position_id:
            self._fiscal_position_changes[fiscal_position].append(subscription)
        lines = subscription.order_line.filtered(lambda l: not l.display_type)
        recurring_lines = lines.filtered('is_recurring')
        one_off_lines = (lines - recurring_lines).filtered(lambda l: l.qty_to_invoice > 0)
        lang = subscription.partner_invoice_id.lang or self.env.lang or 'en_US'

        vals_list = []
        for index, (first_day, last_day) in enumerate(due):
            line_commands = []
            label = self._period_label(lang, first_day, last_day)
            for line in recurring_lines:
                line_commands.append(Command.create(self._line_vals(
                    line, fiscal_position, line.product_uom_qty,
                    name=f"{line.name}\n{label}",
                    subscription_period_start=first_day,
                    subscription_period_end=last_day,
                )))
            if index == 0:
                for line in one_off_lines:
                    line_commands.append(Command.create(self._line_vals(
                        line, fiscal_position, line.qty_to_invoice, name=line.name)))
            vals_list.append({
                'move_type': 'out_invoice',
                'company_id': subscription.company_id.id,
                'journal_id': self._journal(subscription).id,
                'partner_id': subscription.partner_invoice_id.id,
                'partner_shipping_id': subscription.partner_shipping_id.id,
                'fiscal_position_id': fiscal_position.id,
                'currency_id': subscription.currency_id.id,
                'invoice_date': first_day,
                'invoice_origin': subscription.name,
                'ref': subscription.client_order_ref or '',
                'narration': subscription.note,
                'invoice_payment_term_id': subscription.payment_term_id.id,
                'invoice_user_id': subscription.user_id.id,
                'team_id': subscription.team_id.id,
                'subscription_id': subscription.id,
                'subscription_period_start': first_day,
                'subscription_period_end': last_day,
                'invoice_line_ids': line_commands,
            })
        next_date = due[-1][1] + timedelta(days=1)
        return vals_list, next_date

    def apply_fiscal_position_changes(self):
        """Store the fiscal position found at invoice time on the subscriptions and their lines."""
        for fiscal_position, subscriptions in self._fiscal_position_changes.items():
            for subscription in subscriptions:
                subscription.fiscal_position_id = fiscal_position
                for line in subscription.order_line.filtered(lambda l: l.product_id):
                    line.tax_id = self._taxes(line, fiscal_position)

    def _line_vals(self, line, fiscal_position, quantity, **values):
        vals = {
            'display_type': 'product',
            'sequence': line.sequence,
            'product_id': line.product_id.id,
            'product_uom_id': line.product_uom.id,
            'quantity': quantity,
            'price_unit': line.price_unit,
            'discount': line.discount,
            'tax_ids': [Command.set(self._taxes(line, fiscal_position).ids)],
            'sale_line_ids': [Command.link(line.id)],
        }
        if line.analytic_distribution:
            vals['analytic_distribution'] = line.analytic_distribution
        vals.update(values)
        return vals

    def _fiscal_position(self, subscription):
        key = (subscription.company_id.id, subscription.partner_invoice_id.id,
               subscription.partner_shipping_id.id)
        if key not in self._fiscal_positions:
            self._fiscal_positions[key] = self.env['account.fiscal.position'].with_company(
                subscription.company_id,
            )._get_fiscal_position(subscription.partner_invoice_id, subscription.partner_shipping_id)
        return self._fiscal_positions[key]

    def _taxes(self, line, fiscal_position):
        """Return the line's taxes mapped by ``fiscal_position``.

        A line keeps the taxes it was sold with while the fiscal position is
        unchanged, so a tax set by hand survives; a new fiscal position maps
        the product's default taxes again.
        """
        if fiscal_position == line.order_id.fiscal_position_id:
            return line.tax_id
        key = (line.product_id.id, line.company_id.id, fiscal_position.id)
        if key not in self._mapped_taxes:
            taxes = line.product_id.taxes_id._filter_taxes_by_company(line.company_id)
            self._mapped_taxes[key] = fiscal_position.map_tax(taxes)
        return self._mapped_taxes[key]

    def _journal(self, subscription):
        if subscription.plan_id.journal_id:
            return subscription.plan_id.journal_id
        if subscription.journal_id:
            return subscription.journal_id
        company = subscription.company_id
        if company.id not in self._journals:
            journal = self.env['account.journal'].search([
                *self.env['account.journal']._check_company_domain(company),
                ('type', '=', 'sale'),
            ], limit=1)
            if not journal:
                raise UserError(self.env._(
                    "Company %(company)s has no sales journal, so its subscriptions cannot be "
                    "invoiced. Create a journal of type Sales in Accounting settings.",
                    company=company.display_name,
                ))
            self._journals[company.id] = journal
        return self._journals[company.id]

    def _period_label(self, lang, first_day, last_day):
        key = (lang, first_day, last_day)
        if key not in self._labels:
            env = self.env(context=dict(self.env.context, lang=lang))
            self._labels[key] = env._(
                "Period: %(start)s to %(end)s",
                start=self._format_date(lang, first_day),
                end=self._format_date(lang, last_day),
            )
        return self._labels[key]

    def _format_date(self, lang, value):
        key = (lang, value)
        if key not in self._formatted_dates:
            self._formatted_dates[key] = format_date(self.env, value, lang_code=lang)
        return self._formatted_dates[key]
