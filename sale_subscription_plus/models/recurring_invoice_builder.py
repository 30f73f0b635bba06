# Part of sale_subscription_plus. License LGPL-3.
from collections import defaultdict
from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools import periods


class RecurringInvoiceBuilder:
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
        # Pending adjustments that would turn a regular invoice negative are
        # left out of it and credited on their own.
        self.adjustments_to_credit = {}

    def prepare_subscription_invoices(self, subscription):
        """Return ``(vals_list, next_invoice_date)`` for one subscription."""
        plan = subscription.plan_id
        interval, unit = plan._period_args()
        # NOTE: an end date set by hand in the middle of a period still bills
        # that whole last period; terms from templates end on a period boundary.
        due = periods.due_periods(
            subscription.billing_anchor_date or subscription.start_date,
            subscription.next_invoice_date, self.today,
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
        # A recurring line at quantity 0 was removed by a change; it stays on
        # the order for the history but is no longer billed.
        recurring_lines = recurring_lines.filtered('product_uom_qty')
        adjustments = subscription.adjustment_ids.filtered(lambda a: not a.is_invoiced)
        if adjustments and subscription.recurring_total + sum(adjustments.mapped('amount')) < 0:
            self.adjustments_to_credit[subscription] = adjustments
            adjustments = adjustments.browse()
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
                for adjustment in adjustments:
                    line_commands.append(Command.create(
                        self._adjustment_line_vals(adjustment, fiscal_position, 1)))
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
        """Store the fiscal position found at invoice time on the subscriptions and their lines.

        Locked orders keep their values: sale forbids changing taxes on them,
        and their invoices get the mapped taxes all the same.
        """
        for fiscal_position, subscriptions in self._fiscal_position_changes.items():
            for subscription in subscriptions:
                if subscription.locked:
                    continue
                lines = subscription.order_line.filtered(lambda l: l.product_id)
                taxes = {line: self._taxes(line, fiscal_position) for line in lines}
                subscription.fiscal_position_id = fiscal_position
                for line, line_taxes in taxes.items():
                    line.tax_id = line_taxes

    def prepare_adjustment_document(self, subscription, adjustments):
        """Return the values of an invoice, or a credit note when ``adjustments`` sum below zero."""
        fiscal_position = self._fiscal_position(subscription)
        sign = 1 if sum(adjustments.mapped('amount')) >= 0 else -1
        return {
            'move_type': 'out_invoice' if sign > 0 else 'out_refund',
            'company_id': subscription.company_id.id,
            'journal_id': self._journal(subscription).id,
            'partner_id': subscription.partner_invoice_id.id,
            'partner_shipping_id': subscription.partner_shipping_id.id,
            'fiscal_position_id': fiscal_position.id,
            'currency_id': subscription.currency_id.id,
            'invoice_date': self.today,
            'invoice_origin': subscription.name,
            'ref': subscription.client_order_ref or '',
            'invoice_payment_term_id': subscription.payment_term_id.id,
            'invoice_user_id': subscription.user_id.id,
            'team_id': subscription.team_id.id,
            'subscription_id': subscription.id,
            'invoice_line_ids': [
                Command.create(self._adjustment_line_vals(adjustment, fiscal_position, sign))
                for adjustment in adjustments
            ],
        }

    def _adjustment_line_vals(self, adjustment, fiscal_position, sign):
        line = adjustment.order_line_id
        if line:
            taxes = self._taxes(line, fiscal_position)
        else:
            company = adjustment.subscription_id.company_id
            taxes = fiscal_position.map_tax(
                adjustment.product_id.taxes_id._filter_taxes_by_company(company))
        return {
            'display_type': 'product',
            'product_id': adjustment.product_id.id,
            'name': adjustment.name,
            'quantity': 1.0,
            'price_unit': sign * adjustment.amount,
            'tax_ids': [Command.set(taxes.ids)],
            'subscription_period_start': adjustment.period_start,
            'subscription_period_end': adjustment.period_end,
            'subscription_adjustment_id': adjustment.id,
        }

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
        """Return the line's taxes under ``fiscal_position``.

        Taxes set by hand on the line (different from what the order's
        fiscal position maps the product's taxes to) are kept while the
        fiscal position is unchanged; otherwise the product's taxes are
        mapped again by the fiscal position found at invoice time.
        """
        mapped = self._mapped_product_taxes(line, fiscal_position)
        if fiscal_position == line.order_id.fiscal_position_id:
            expected = self._mapped_product_taxes(line, line.order_id.fiscal_position_id)
            if line.tax_id != expected:
                return line.tax_id
        return mapped

    def _mapped_product_taxes(self, line, fiscal_position):
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
                    "invoiced. Create a journal of type Sales in Accounting > Configuration > Journals.",
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
