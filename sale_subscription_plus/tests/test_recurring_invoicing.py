# Part of sale_subscription_plus. License LGPL-3.
from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestRecurringInvoicing(SubscriptionCommon):

    # === LINES AND DATES === #

    @freeze_time('2026-01-15')
    def test_invoice_line_period(self):
        subscription = self._start_subscription('2026-01-15', lines=[(self.product_hosting, 2.0)])

        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(len(invoice), 1)
        line = invoice.invoice_line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual(line.product_id, self.product_hosting)
        self.assertIn("Period: 01/15/2026 to 02/14/2026", line.name)
        self.assertEqual(line.subscription_period_start, date(2026, 1, 15))
        self.assertEqual(line.subscription_period_end, date(2026, 2, 14))
        self.assertEqual(line.quantity, 2.0)
        self.assertEqual(line.price_unit, 1000.0)
        self.assertEqual(line.tax_ids, self.tax_vat_7)
        self.assertEqual(line.sale_line_ids, subscription.order_line)
        self.assertEqual(invoice.subscription_period_start, date(2026, 1, 15))
        self.assertEqual(invoice.subscription_period_end, date(2026, 2, 14))
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.invoice_origin, subscription.name)
        self.assertEqual(invoice.currency_id, self.company.currency_id)
        # 2 x 1,000.00 = 2,000.00 untaxed, and VAT 7 % of it = 140.00.
        self.assertEqual(invoice.amount_untaxed, 2000.0)
        self.assertEqual(invoice.amount_tax, 140.0)
        self.assertEqual(invoice.amount_total, 2140.0)
        self.assertEqual(subscription.next_invoice_date, date(2026, 2, 15))

    @freeze_time('2026-01-20')
    def test_invoice_date_period_start(self):
        # Started on 10 January, invoiced for the first time on the 20th.
        subscription = self._start_subscription('2026-01-10')

        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_date, date(2026, 1, 10))
        self.assertEqual(invoice.subscription_period_end, date(2026, 2, 9))
        self.assertEqual(subscription.next_invoice_date, date(2026, 2, 10))

    @freeze_time('2026-04-10')
    def test_missed_periods_oldest_first(self):
        subscription = self._start_subscription('2026-01-01')

        self._run_invoicing_job()

        invoices = self._invoices(subscription)
        self.assertEqual(len(invoices), 4)
        self.assertEqual(
            invoices.mapped('invoice_date'),
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)],
        )
        self.assertEqual(
            invoices.mapped('subscription_period_end'),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)],
        )
        # Posted in date order, so the journal sequence follows the periods.
        self.assertEqual(invoices.mapped('name'), sorted(invoices.mapped('name')))
        self.assertEqual(set(invoices.mapped('state')), {'posted'})
        self.assertEqual(subscription.next_invoice_date, date(2026, 5, 1))

    @freeze_time('2026-04-30')
    def test_month_end_anchor(self):
        subscription = self._start_subscription('2026-01-31')

        self._run_invoicing_job()

        invoices = self._invoices(subscription)
        # 2026 is not a leap year: the 31st is clamped to 28 February and to
        # 30 April, and comes back on 31 March.
        self.assertEqual(
            invoices.mapped('invoice_date'),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)],
        )
        self.assertEqual(
            invoices.mapped('subscription_period_end'),
            [date(2026, 2, 27), date(2026, 3, 30), date(2026, 4, 29), date(2026, 5, 30)],
        )
        self.assertEqual(subscription.next_invoice_date, date(2026, 5, 31))

    @freeze_time('2028-03-01')
    def test_month_end_anchor_leap_year(self):
        subscription = self._start_subscription('2028-01-31')

        self._run_invoicing_job()

        invoices = self._invoices(subscription)
        self.assertEqual(invoices.mapped('invoice_date'), [date(2028, 1, 31), date(2028, 2, 29)])
        self.assertEqual(
            invoices.mapped('subscription_period_end'), [date(2028, 2, 28), date(2028, 3, 30)])
        self.assertEqual(subscription.next_invoice_date, date(2028, 3, 31))

    # === ONE-OFF LINES AND REPEATED RUNS === #

    def test_setup_fee_first_invoice_only(self):
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription(
                '2026-01-01', lines=[(self.product_hosting, 1.0), (self.product_setup_fee, 1.0)])
            self._run_invoicing_job()
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()

        first, second = self._invoices(subscription)
        self.assertEqual(first.invoice_line_ids.product_id, self.product_hosting + self.product_setup_fee)
        fee_line = first.invoice_line_ids.filtered(lambda l: l.product_id == self.product_setup_fee)
        self.assertEqual(fee_line.price_unit, 500.0)
        self.assertNotIn("Period:", fee_line.name)
        self.assertFalse(fee_line.subscription_period_start)
        # 1,000.00 hosting + 500.00 fee.
        self.assertEqual(first.amount_untaxed, 1500.0)
        self.assertEqual(second.invoice_line_ids.product_id, self.product_hosting)
        self.assertEqual(second.amount_untaxed, 1000.0)

    @freeze_time('2026-03-15')
    def test_setup_fee_once_in_catch_up(self):
        subscription = self._start_subscription(
            '2026-01-01', lines=[(self.product_hosting, 1.0), (self.product_setup_fee, 1.0)])

        self._run_invoicing_job()

        invoices = self._invoices(subscription)
        self.assertEqual(len(invoices), 3)
        self.assertEqual(invoices.mapped('amount_untaxed'), [1500.0, 1000.0, 1000.0])
        self.assertEqual(invoices[1].invoice_line_ids.product_id, self.product_hosting)
        self.assertEqual(invoices[2].invoice_line_ids.product_id, self.product_hosting)

    @freeze_time('2026-01-01')
    def test_second_run_no_duplicate(self):
        subscription = self._start_subscription('2026-01-01')

        self._run_invoicing_job()
        self._run_invoicing_job()

        self.assertEqual(len(self._invoices(subscription)), 1)
        self.assertEqual(subscription.next_invoice_date, date(2026, 2, 1))

    # === TAXES === #

    @freeze_time('2026-02-01')
    def test_fiscal_position_new_country(self):
        subscription = self._start_subscription('2026-02-01')
        self.assertFalse(subscription.fiscal_position_id)
        self.assertEqual(subscription.order_line.tax_id, self.tax_vat_7)

        # The customer moved abroad after signing: exports are zero-rated.
        self.customer.country_id = self.country_us
        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(invoice.fiscal_position_id, self.fiscal_position_export)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(invoice.amount_tax, 0.0)
        self.assertEqual(invoice.amount_total, 1000.0)
        self.assertEqual(subscription.fiscal_position_id, self.fiscal_position_export)

    def test_fiscal_position_next_invoice(self):
        with freeze_time('2026-02-01'):
            subscription = self._start_subscription('2026-02-01')
            self.customer.country_id = self.country_us
            self._run_invoicing_job()
        self.assertEqual(subscription.order_line.tax_id, self.tax_export_0)

        # The customer is still abroad a month later.
        with freeze_time('2026-03-01'):
            self._run_invoicing_job()

        february, march = self._invoices(subscription)
        self.assertEqual(february.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(march.fiscal_position_id, self.fiscal_position_export)
        self.assertEqual(march.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(march.amount_total, 1000.0)

    @freeze_time('2026-02-01')
    def test_fiscal_position_set_on_customer(self):
        subscription = self._start_subscription('2026-02-01')

        self.customer.property_account_position_id = self.fiscal_position_export
        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(invoice.fiscal_position_id, self.fiscal_position_export)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(invoice.amount_total, 1000.0)

    @freeze_time('2026-02-01')
    def test_fiscal_position_lock_setting(self):
        # "Lock Confirmed Sales" must not block the taxes found at invoice time.
        self.env.user.groups_id += self.env.ref('sale.group_auto_done_setting')
        subscription = self._start_subscription('2026-02-01')

        self.customer.country_id = self.country_us
        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(invoice.amount_total, 1000.0)

    def test_fiscal_position_locked_by_hand(self):
        with freeze_time('2026-02-01'):
            subscription = self._start_subscription('2026-02-01')
            subscription.action_lock()
            self.customer.country_id = self.country_us
            self._run_invoicing_job()
        with freeze_time('2026-03-01'):
            self._run_invoicing_job()

        february, march = self._invoices(subscription)
        self.assertEqual(february.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(march.invoice_line_ids.tax_ids, self.tax_export_0)
        self.assertEqual(march.amount_total, 1000.0)
        self.assertTrue(subscription.locked)
        # Sale forbids changing the taxes of a locked order, so its lines keep theirs.
        self.assertEqual(subscription.order_line.tax_id, self.tax_vat_7)

    # === WHAT THE PLAN DOES WITH NEW INVOICES === #

    @freeze_time('2026-03-01')
    def test_invoice_action_per_plan(self):
        plan_draft = self._create_plan("Monthly, kept as draft", invoice_action='draft')
        plan_send = self._create_plan("Monthly, sent by email", invoice_action='post_send')
        self._add_prices(self.product_hosting, {plan_draft: 1000.0, plan_send: 1000.0})
        subscription_draft = self._start_subscription('2026-03-01', plan=plan_draft)
        subscription_post = self._start_subscription('2026-03-01')
        subscription_send = self._start_subscription(
            '2026-03-01', plan=plan_send, user_id=self.user_salesman.id)
        send_cron = self.env.ref('account.ir_cron_account_move_send')
        trigger_domain = [('cron_id', '=', send_cron.id)]
        triggers_before = self.env['ir.cron.trigger'].search_count(trigger_domain)

        self._run_invoicing_job()

        invoice_draft = self._invoices(subscription_draft)
        invoice_post = self._invoices(subscription_post)
        invoice_send = self._invoices(subscription_send)
        self.assertEqual(invoice_draft.state, 'draft')
        self.assertFalse(invoice_draft.sending_data)
        self.assertEqual(invoice_post.state, 'posted')
        self.assertFalse(invoice_post.sending_data)
        self.assertEqual(invoice_send.state, 'posted')
        # The email goes out in the salesperson's name.
        self.assertEqual(invoice_send.sending_data, {
            'author_user_id': self.user_salesman.id,
            'author_partner_id': self.user_salesman.partner_id.id,
        })
        self.assertEqual(self.env['ir.cron.trigger'].search_count(trigger_domain), triggers_before + 1)

    @freeze_time('2026-03-01')
    def test_post_send_email_sent(self):
        plan_send = self._create_plan("Monthly, sent by email", invoice_action='post_send')
        self._add_prices(self.product_hosting, {plan_send: 1000.0})
        subscription = self._start_subscription(
            '2026-03-01', plan=plan_send, user_id=self.user_salesman.id)
        self._run_invoicing_job()
        invoice = self._invoices(subscription)

        # Account's sending job picks up what the invoicing job queued.
        self.env['account.move']._cron_account_move_send()

        self.assertFalse(invoice.sending_data)
        self.assertTrue(invoice.is_move_sent)
        sent = invoice.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.author_id, self.user_salesman.partner_id)

    # === MANUAL BUTTON === #

    def test_button_invoices_due_periods(self):
        with freeze_time('2026-01-05'):
            subscription = self._start_subscription('2026-01-05')
        with freeze_time('2026-02-10'):
            action = subscription.action_create_recurring_invoices()

            invoices = self._invoices(subscription)
            self.assertEqual(invoices.mapped('invoice_date'), [date(2026, 1, 5), date(2026, 2, 5)])
            self.assertEqual(action['res_model'], 'account.move')
            self.assertEqual(action['domain'], [('id', 'in', invoices.ids)])
            self.assertEqual(subscription.next_invoice_date, date(2026, 3, 5))

            with self.assertRaises(UserError) as caught:
                subscription.action_create_recurring_invoices()
            self.assertIn(subscription.name, str(caught.exception))
            self.assertEqual(len(self._invoices(subscription)), 2)

    # === END OF SERVICE === #

    def test_fixed_term_stops_and_closes(self):
        template = self.env['sale.order.template'].create({
            'name': "Hosting, 3 months",
            'plan_id': self.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 3,
        })
        with freeze_time('2026-01-01'):
            subscription = self._create_subscription(
                '2026-01-01', sale_order_template_id=template.id,
            )
            self.assertEqual(subscription.plan_id, self.plan_month)
            self.assertEqual(subscription.end_date, date(2026, 3, 31))
            subscription.action_confirm()

        with freeze_time('2026-03-31'):
            self._run_invoicing_job()
            self.assertEqual(len(self._invoices(subscription)), 3)
            self.assertEqual(subscription.subscription_state, 'progress')

        with freeze_time('2026-04-01'):
            self._run_invoicing_job()
            self.assertEqual(len(self._invoices(subscription)), 3)
            self.assertEqual(subscription.subscription_state, 'closed')

        self.assertEqual(
            self._invoices(subscription).mapped('invoice_date'),
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        )

    def test_fixed_term_catch_up_after_end(self):
        template = self.env['sale.order.template'].create({
            'name': "Hosting, 2 months",
            'plan_id': self.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 2,
        })
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription('2026-01-01', sale_order_template_id=template.id)

        # The job did not run during the whole term. Both periods must still be
        # invoiced before the subscription is closed, and nothing after them.
        with freeze_time('2026-06-15'):
            self._run_invoicing_job()

        invoices = self._invoices(subscription)
        self.assertEqual(invoices.mapped('invoice_date'), [date(2026, 1, 1), date(2026, 2, 1)])
        self.assertEqual(subscription.subscription_state, 'closed')

    def test_closed_subscription_not_invoiced(self):
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription('2026-01-01')
            self._run_invoicing_job()
        with freeze_time('2026-02-10'):
            self._run_invoicing_job()
            subscription.action_close_subscription()
        self.assertEqual(subscription.subscription_state, 'closed')
        self.assertEqual(subscription.end_date, date(2026, 2, 10))

        with freeze_time('2026-05-01'):
            self._run_invoicing_job()
            with self.assertRaises(UserError):
                subscription.action_create_recurring_invoices()

        invoices = self._invoices(subscription)
        self.assertEqual(invoices.mapped('invoice_date'), [date(2026, 1, 1), date(2026, 2, 1)])
        self.assertEqual(subscription.next_invoice_date, date(2026, 3, 1))

    # === TIME ZONE === #

    def test_company_time_zone_today(self):
        with freeze_time('2026-03-20 10:00:00'):
            subscription = self._start_subscription('2026-04-01')
        self.assertEqual(subscription.next_invoice_date, date(2026, 4, 1))

        with freeze_time('2026-03-31 20:00:00'):
            self.assertEqual(self.company._subscription_today(), date(2026, 3, 31))
            self._run_invoicing_job()
            self.assertFalse(self._invoices(subscription))

            # 20:00 UTC is 03:00 the next morning in Bangkok (UTC+7).
            self.company.partner_id.tz = 'Asia/Bangkok'
            self.assertEqual(self.company._subscription_today(), date(2026, 4, 1))
            self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_date, date(2026, 4, 1))
        self.assertEqual(subscription.next_invoice_date, date(2026, 5, 1))

    def test_confirm_start_company_today(self):
        self.company.partner_id.tz = 'Asia/Bangkok'

        # 20:00 UTC on 31 March is already 1 April in Bangkok.
        with freeze_time('2026-03-31 20:00:00'):
            subscription = self._start_subscription()

        self.assertEqual(subscription.start_date, date(2026, 4, 1))
        self.assertEqual(subscription.next_invoice_date, date(2026, 4, 1))

    # === FIELDS COPIED FROM THE SUBSCRIPTION === #

    @freeze_time('2026-01-01')
    def test_invoice_header_from_subscription(self):
        journal = self.company_data['default_journal_sale'].copy({'name': "Subscriptions", 'code': 'SUBS'})
        plan = self._create_plan("Monthly, own journal", journal_id=journal.id)
        self._add_prices(self.product_hosting, {plan: 1000.0})
        subscription = self._start_subscription(
            '2026-01-01', plan=plan, user_id=self.user_salesman.id, client_order_ref="PO-4711",
            payment_term_id=self.pay_terms_b.id,
        )
        subscription.order_line = [Command.create({'display_type': 'line_note', 'name': "Support hours: 9-17"})]

        self._run_invoicing_job()

        invoice = self._invoices(subscription)
        self.assertEqual(invoice.journal_id, journal)
        self.assertEqual(invoice.invoice_user_id, self.user_salesman)
        self.assertEqual(invoice.ref, "PO-4711")
        self.assertEqual(invoice.invoice_payment_term_id, self.pay_terms_b)
        # A note line of the order is no product line of the invoice.
        self.assertEqual(invoice.invoice_line_ids.mapped('display_type'), ['product'])
