# Part of sale_subscription_plus. License LGPL-3.
"""Invoices of the past periods, their sending state and their payments."""
import datetime
from collections import defaultdict

from odoo import Command

ONE_DAY = datetime.timedelta(days=1)
# The replay runs the invoicing job once a week. Invoices still get the first
# day of their period as date, and each run posts its invoices sorted by
# date, so their numbers follow the dates. A daily replay took about twice as
# long in a test with 160 invoices, because each run has a fixed cost.
REPLAY_STEP = datetime.timedelta(days=7)
# Larger than the number of subscriptions due in one step, so each step of
# the replay is a single batch.
REPLAY_BATCH_SIZE = 1000
# Share of the monthly payments that customers made. The rest stay unpaid.
PAID_SHARE = 0.9
# Invoices issued less than this many days ago stay unpaid.
RECENT_INVOICE_DAYS = 20
# Customers pay between a few days before and a week after the due date.
PAYMENT_DELAY_DAYS = (-3, 7)


def replay_billing(env, company, first_day, today, close_requests, lifecycle_requests=None):
    """Replay the invoicing job from ``first_day`` to ``today``, once a week.

    Each run does the steps of ``_cron_create_recurring_invoices`` for the
    company, in the same order: renewals, invoicing, then closing of the
    finished subscriptions. Renewal and close events are dated from the end
    dates, so they get their real day whatever the step. The close requests
    made since the previous run are handled between invoicing and closing,
    as a salesperson would handle them once a week.

    The job's commits are left out: the install of the add-on commits once at
    its end, so a failure leaves no half-built demo behind.

    :param dict close_requests: ``{day: [(subscription, close reason), ...]}``
    :param dict lifecycle_requests: ``{day: [action, ...]}``; each action is
        called with the replay day, before that day's steps
    """
    orders = env['sale.order'].with_company(company)
    pending_days = sorted(close_requests)
    lifecycle_requests = lifecycle_requests or {}
    pending_changes = sorted(lifecycle_requests)
    day = first_day
    while True:
        day = min(day, today)
        while pending_changes and pending_changes[0] <= day:
            for action in lifecycle_requests[pending_changes.pop(0)]:
                action(day)
        orders._run_due_lifecycle(company, day)
        orders._invoice_due_subscriptions(company, day, REPLAY_BATCH_SIZE, auto_commit=False)
        while pending_days and pending_days[0] <= day:
            for subscription, reason in close_requests[pending_days.pop(0)]:
                # Service continues to the end of the paid period, and the
                # job closes the subscription the day after.
                subscription._close(when='period_end', reason=reason)
        orders._close_finished_subscriptions(company, day)
        if day == today:
            break
        day += REPLAY_STEP


def stop_sending_past_invoices(env, today):
    """Mark the invoices dated before ``today`` as sent instead of queued.

    The job queues every invoice for account's email job. Rendering and
    emailing two years of history would only fail on a demo without a mail
    server, so only the invoices dated today stay queued.
    """
    past = env['account.move'].search([
        ('sending_data', '!=', False),
        ('invoice_date', '<', today),
    ])
    past.write({'sending_data': False, 'is_move_sent': True})
    return past


def register_payments(env, company, rng, today):
    """Pay most invoices older than ``RECENT_INVOICE_DAYS`` and return the payments.

    Many Thai companies pay their suppliers once a month, so each payment
    covers the invoices of one customer that fall due in one month.
    """
    invoices = env['account.move'].search([
        ('company_id', '=', company.id),
        ('move_type', '=', 'out_invoice'),
        ('state', '=', 'posted'),
        ('payment_state', '=', 'not_paid'),
        ('invoice_date', '<', today - datetime.timedelta(days=RECENT_INVOICE_DAYS)),
    ], order='invoice_date_due, id')
    groups = defaultdict(lambda: env['account.move'])
    for invoice in invoices:
        key = (invoice.commercial_partner_id, invoice.currency_id, invoice.invoice_date_due.replace(day=1))
        groups[key] |= invoice

    to_pay = []
    for group in groups.values():
        if rng.random() < PAID_SHARE:
            to_pay.append((_payment_date(rng, group, today), group))
    to_pay.sort(key=lambda pair: (pair[0], pair[1][0].id))
    if not to_pay:
        return env['account.payment']

    journal = env['account.journal'].search([
        *env['account.journal']._check_company_domain(company),
        ('type', '=', 'bank'),
    ], limit=1)
    payments = env['account.payment'].create([
        _payment_vals(journal, payment_date, group) for payment_date, group in to_pay
    ])
    payments.action_post()
    env['account.move.line']._reconcile_plan([
        (payment.move_id.line_ids | group.line_ids).filtered(
            lambda line: line.account_id.account_type == 'asset_receivable' and not line.reconciled)
        for payment, (_payment_date_, group) in zip(payments, to_pay)
    ])
    return payments


def _payment_date(rng, invoices, today):
    delay = datetime.timedelta(days=rng.randint(*PAYMENT_DELAY_DAYS))
    payment_date = max(invoices.mapped('invoice_date_due')) + delay
    return min(max(payment_date, max(invoices.mapped('invoice_date'))), today - ONE_DAY)


def _payment_vals(journal, payment_date, invoices):
    return {
        'payment_type': 'inbound',
        'partner_type': 'customer',
        'partner_id': invoices.commercial_partner_id.id,
        'amount': sum(invoices.mapped('amount_residual')),
        'currency_id': invoices.currency_id.id,
        'date': payment_date,
        'journal_id': journal.id,
        'memo': ", ".join(invoices.mapped('name')),
        'invoice_ids': [Command.set(invoices.ids)],
    }
