# Part of sale_subscription_plus. License LGPL-3.
from datetime import date

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import SubscriptionCommon


@tagged('post_install', '-at_install')
class TestSubscriptionChanges(SubscriptionCommon):
    """Upsells, downgrades and plan switches, prorated by days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_quarter = cls._create_plan("Quarterly", value=3)
        cls.plan_year = cls._create_plan("Yearly", unit='year')
        cls._add_prices(cls.product_hosting, {cls.plan_quarter: 3000.0, cls.plan_year: 36600.0})

    def _change(self, subscription, quantity=None, plan=None, effective_date=None):
        wizard = self.env['sale.subscription.change.wizard'].create({'subscription_id': subscription.id})
        if plan:
            wizard.plan_id = plan
            wizard._onchange_plan_id_reprice()
        if quantity is not None:
            wizard.line_ids[0].quantity = quantity
        if effective_date:
            wizard.effective_date = effective_date
        preview = (wizard.new_recurring, wizard.prorated_amount)
        wizard.action_confirm()
        return preview

    def _documents_after(self, subscription, count):
        return self._invoices(subscription)[count:]

    def test_upsell_prorate_now_31_day_month(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            preview = self._change(subscription, quantity=2)
        # 16 of January's 31 days remain: 1,000 x 16 / 31 = 516.129... -> 516.13
        self.assertEqual(preview, (2000.0, 516.13))
        adjustment = self._documents_after(subscription, 1)
        self.assertEqual(len(adjustment), 1)
        self.assertEqual(adjustment.move_type, 'out_invoice')
        self.assertEqual(adjustment.amount_untaxed, 516.13)
        self.assertEqual(adjustment.invoice_date, date(2026, 1, 16))
        self.assertIn("16 of 31 days", adjustment.invoice_line_ids.name)
        self.assertEqual(subscription.recurring_monthly, 2000.0)
        event = subscription.event_ids.filtered(lambda e: e.event_type == 'upsell')
        self.assertEqual((event.mrr_before, event.mrr_after), (1000.0, 2000.0))
        self.assertEqual(event.effective_date, date(2026, 1, 16))
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        february = self._documents_after(subscription, 2)
        self.assertEqual(february.amount_untaxed, 2000.0)

    def test_downgrade_prorate_now_28_day_month(self):
        with freeze_time('2026-02-15'):
            subscription = self._start_subscription(date(2026, 2, 1), lines=[(self.product_hosting, 2.0)])
            self._run_invoicing_job()
            preview = self._change(subscription, quantity=1)
        # 14 of February 2026's 28 days remain: -1,000 x 14 / 28 = -500
        self.assertEqual(preview, (1000.0, -500.0))
        credit_note = self._documents_after(subscription, 1)
        self.assertEqual(credit_note.move_type, 'out_refund')
        self.assertEqual(credit_note.amount_untaxed, 500.0)
        # VAT 7 % on the credit: 35
        self.assertEqual(credit_note.amount_total, 535.0)
        event = subscription.event_ids.filtered(lambda e: e.event_type == 'downgrade')
        self.assertEqual((event.mrr_before, event.mrr_after), (2000.0, 1000.0))

    def test_upsell_quarterly_plan(self):
        with freeze_time('2026-03-01'):
            subscription = self._start_subscription(date(2026, 1, 1), plan=self.plan_quarter)
            self._run_invoicing_job()
            preview = self._change(subscription, quantity=2)
        # Period 1 January - 31 March 2026 has 90 days, 31 remain:
        # 3,000 x 31 / 90 = 1,033.333... -> 1,033.33
        self.assertEqual(preview[1], 1033.33)
        self.assertEqual(self._documents_after(subscription, 1).amount_untaxed, 1033.33)
        # MRR of 6,000 per quarter: 2,000
        self.assertEqual(subscription.recurring_monthly, 2000.0)

    def test_upsell_yearly_plan_leap_year(self):
        with freeze_time('2028-07-01'):
            subscription = self._start_subscription(date(2028, 1, 1), plan=self.plan_year)
            self._run_invoicing_job()
            preview = self._change(subscription, quantity=2)
        # 2028 has 366 days; 184 remain from 1 July: 36,600 x 184 / 366 = 18,400
        self.assertEqual(preview[1], 18400.0)
        self.assertEqual(self._documents_after(subscription, 1).amount_untaxed, 18400.0)

    def test_prorate_on_next_invoice(self):
        self.plan_month.proration_policy = 'prorate_next'
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._change(subscription, quantity=2)
        self.assertEqual(len(self._invoices(subscription)), 1, "nothing is invoiced at the change")
        self.assertEqual(subscription.adjustment_ids.mapped('amount'), [516.13])
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        february = self._documents_after(subscription, 1)
        # 2 x 1,000 for February plus 516.13 for the end of January
        self.assertEqual(february.amount_untaxed, 2516.13)
        adjustment_line = february.invoice_line_ids.filtered('subscription_adjustment_id')
        self.assertEqual(adjustment_line.subscription_period_start, date(2026, 1, 16))
        self.assertEqual(adjustment_line.subscription_period_end, date(2026, 1, 31))
        self.assertFalse(subscription.adjustment_ids, "the adjustment is billed once")
        with freeze_time('2026-03-01'):
            self._run_invoicing_job()
        self.assertEqual(self._documents_after(subscription, 2).amount_untaxed, 2000.0)

    def test_no_proration_applies_at_next_period(self):
        self.plan_month.proration_policy = 'next_period'
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._change(subscription, quantity=3)
        self.assertEqual(subscription.recurring_total, 1000.0, "the change waits for the period end")
        change = subscription.scheduled_change_ids
        self.assertEqual(change.effective_date, date(2026, 2, 1))
        self.assertEqual(change.state, 'scheduled')
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        self.assertEqual(change.state, 'applied')
        self.assertEqual(subscription.recurring_total, 3000.0)
        self.assertEqual(self._documents_after(subscription, 1).amount_untaxed, 3000.0)
        event = subscription.event_ids.filtered(lambda e: e.event_type == 'scheduled_change')
        self.assertEqual(event.effective_date, date(2026, 2, 1))

    def test_scheduled_downgrade_at_period_end(self):
        with freeze_time('2026-01-10'):
            subscription = self._start_subscription(date(2026, 1, 1), lines=[(self.product_hosting, 2.0)])
            self._run_invoicing_job()
            self._change(subscription, quantity=1, effective_date=date(2026, 2, 1))
        self.assertEqual(len(self._invoices(subscription)), 1, "a scheduled change bills nothing now")
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        self.assertEqual(self._documents_after(subscription, 1).amount_untaxed, 1000.0)
        self.assertEqual(subscription.recurring_monthly, 1000.0)

    def test_scheduled_change_after_missed_periods(self):
        with freeze_time('2026-01-01'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
        subscription._schedule_change(
            [{'order_line_id': subscription.order_line.id, 'product_id': self.product_hosting.id,
              'quantity': 2.0, 'price_unit': 1000.0}],
            self.env['sale.subscription.plan'], date(2026, 3, 1))
        # The job did not run in February: February is billed with the old
        # line, March with the new one.
        with freeze_time('2026-03-05'):
            self._run_invoicing_job()
        self.assertEqual(self._documents_after(subscription, 1).mapped('amount_untaxed'), [1000.0, 2000.0])

    def test_plan_switch_monthly_to_yearly(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            preview = self._change(subscription, plan=self.plan_year)
        # The old plan's 16 remaining days are credited: 1,000 x 16 / 31 = 516.13
        self.assertEqual(preview, (36600.0, -516.13))
        documents = self._documents_after(subscription, 1)
        self.assertEqual(
            sorted((d.move_type, d.amount_untaxed) for d in documents),
            [('out_invoice', 36600.0), ('out_refund', 516.13)])
        yearly = documents.filtered(lambda d: d.move_type == 'out_invoice')
        self.assertEqual(yearly.subscription_period_start, date(2026, 1, 16))
        self.assertEqual(yearly.subscription_period_end, date(2027, 1, 15))
        self.assertEqual(subscription.next_invoice_date, date(2027, 1, 16))
        self.assertEqual(subscription.plan_id, self.plan_year)
        # 36,600 per year: 3,050 per month
        self.assertEqual(subscription.recurring_monthly, 3050.0)
        self.assertEqual(subscription.order_line.product_id, self.product_hosting, "lines are kept")

    def test_change_before_current_period_rejected(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            wizard = self.env['sale.subscription.change.wizard'].create({'subscription_id': subscription.id})
            wizard.effective_date = date(2025, 12, 31)
            with self.assertRaises(ValidationError) as error:
                wizard.action_confirm()
        self.assertIn("01/01/2026", str(error.exception))
        self.assertEqual(subscription.recurring_total, 1000.0)


@tagged('post_install', '-at_install')
class TestSubscriptionPauseRenewClose(SubscriptionCommon):

    def test_pause_across_month_end_then_resume(self):
        with freeze_time('2026-01-20'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            wizard = self.env['sale.subscription.pause.wizard'].create({
                'subscription_id': subscription.id, 'resume_date': date(2026, 2, 10)})
            wizard.action_pause()
        self.assertEqual(subscription.subscription_state, 'paused')
        self.assertEqual(subscription.recurring_monthly, 0.0)
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        self.assertEqual(len(self._invoices(subscription)), 1, "no invoice while paused")
        with freeze_time('2026-02-10'):
            self._run_invoicing_job()
        # Paused from 20 January to 10 February: 21 days. The paid period
        # ended on 31 January, so the next one starts 21 days after 1 February.
        self.assertEqual(subscription.subscription_state, 'progress')
        self.assertEqual(subscription.next_invoice_date, date(2026, 2, 22))
        self.assertEqual(subscription.recurring_monthly, 1000.0)
        self.assertEqual(subscription.order_line.price_unit, 1000.0, "pausing never changes prices")
        with freeze_time('2026-02-22'):
            self._run_invoicing_job()
        invoice = self._invoices(subscription)[1:]
        self.assertEqual(invoice.subscription_period_start, date(2026, 2, 22))
        self.assertEqual(invoice.subscription_period_end, date(2026, 3, 21))
        events = subscription.event_ids.sorted('id')
        self.assertEqual(events.mapped('event_type'), ['start', 'pause', 'resume'])
        self.assertEqual(events[1].effective_date, date(2026, 1, 20))
        self.assertEqual(events[2].effective_date, date(2026, 2, 10))

    def test_fixed_term_renews_without_gap(self):
        template = self.env['sale.order.template'].create({
            'name': "3-month contract",
            'plan_id': self.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 3,
            'auto_renew': True,
        })
        with freeze_time('2026-01-01'):
            subscription = self._create_subscription(date(2026, 1, 1), sale_order_template_id=template.id)
            subscription.action_confirm()
        self.assertEqual(subscription.end_date, date(2026, 3, 31))
        self.assertTrue(subscription.auto_renew)
        for day in ('2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'):
            with freeze_time(day):
                self._run_invoicing_job()
        self.assertEqual(subscription.end_date, date(2026, 6, 30))
        self.assertEqual(subscription.subscription_state, 'progress')
        invoices = self._invoices(subscription)
        self.assertEqual(invoices.mapped('subscription_period_start'),
                         [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)])
        self.assertEqual(invoices.mapped('subscription_period_end'),
                         [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)])
        renewal = subscription.event_ids.filtered(lambda e: e.event_type == 'renewal')
        self.assertEqual(renewal.effective_date, date(2026, 4, 1))
        self.assertEqual(renewal.mrr_before, renewal.mrr_after, "a renewal is not a movement")

    def test_fixed_term_without_renewal_closes(self):
        template = self.env['sale.order.template'].create({
            'name': "2-month contract",
            'plan_id': self.plan_month.id,
            'subscription_duration': 'fixed',
            'duration_period_count': 2,
        })
        with freeze_time('2026-01-01'):
            subscription = self._create_subscription(date(2026, 1, 1), sale_order_template_id=template.id)
            subscription.action_confirm()
        for day in ('2026-01-01', '2026-02-01', '2026-03-01'):
            with freeze_time(day):
                self._run_invoicing_job()
        self.assertEqual(subscription.subscription_state, 'closed')
        self.assertEqual(len(self._invoices(subscription)), 2)
        close = subscription.event_ids.filtered(lambda e: e.event_type == 'close')
        self.assertEqual(close.effective_date, date(2026, 3, 1))

    def _close(self, subscription, when, reason='sale_subscription_plus.close_reason_too_expensive'):
        self.env['sale.subscription.close.wizard'].create({
            'subscription_id': subscription.id,
            'close_reason_id': self.env.ref(reason).id,
            'close_comment': "Budget cut",
            'when': when,
        }).action_close()

    def test_close_now(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._close(subscription, 'now')
        self.assertEqual(subscription.subscription_state, 'closed')
        self.assertEqual(subscription.end_date, date(2026, 1, 16))
        self.assertEqual(subscription.recurring_monthly, 0.0)
        with freeze_time('2026-03-01'):
            self._run_invoicing_job()
        self.assertEqual(len(self._invoices(subscription)), 1, "nothing after the end")
        close = subscription.event_ids.filtered(lambda e: e.event_type == 'close')
        self.assertEqual(close.effective_date, date(2026, 1, 16))
        self.assertEqual(close.close_reason_id, self.env.ref('sale_subscription_plus.close_reason_too_expensive'))
        self.assertEqual(close.note, "Budget cut")

    def test_close_at_period_end(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._close(subscription, 'period_end')
        self.assertEqual(subscription.subscription_state, 'progress', "still served until 31 January")
        self.assertEqual(subscription.end_date, date(2026, 1, 31))
        with freeze_time('2026-02-01'):
            self._run_invoicing_job()
        self.assertEqual(subscription.subscription_state, 'closed')
        self.assertEqual(len(self._invoices(subscription)), 1, "February is not invoiced")
        close = subscription.event_ids.filtered(lambda e: e.event_type == 'close')
        self.assertEqual(close.effective_date, date(2026, 2, 1))
        self.assertEqual((close.mrr_before, close.mrr_after), (1000.0, 0.0))

    def test_reopen_after_long_close_starts_new_cycle(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._close(subscription, 'now')
        with freeze_time('2026-04-10'):
            self.env['sale.subscription.reopen.wizard'].create({
                'subscription_id': subscription.id, 'reason': "Customer came back"}).action_reopen()
            self._run_invoicing_job()
        self.assertEqual(subscription.subscription_state, 'progress')
        invoices = self._invoices(subscription)
        self.assertEqual(invoices.mapped('subscription_period_start'), [date(2026, 1, 1), date(2026, 4, 10)],
                         "the closed months are not invoiced")
        bodies = subscription.message_ids.mapped('body')
        self.assertTrue(any("Customer came back" in body for body in bodies))

    def test_late_payment_reopens_when_reason_allows(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._close(subscription, 'now', reason='sale_subscription_plus.close_reason_payment_failure')
            invoice = self._invoices(subscription)
            self.env['account.payment.register'].with_context(
                active_model='account.move', active_ids=invoice.ids,
            ).create({})._create_payments()
        self.assertEqual(invoice.payment_state, 'paid')
        self.assertEqual(subscription.subscription_state, 'progress')

    def test_late_payment_keeps_closed_by_default(self):
        with freeze_time('2026-01-16'):
            subscription = self._start_subscription(date(2026, 1, 1))
            self._run_invoicing_job()
            self._close(subscription, 'now')
            invoice = self._invoices(subscription)
            self.env['account.payment.register'].with_context(
                active_model='account.move', active_ids=invoice.ids,
            ).create({})._create_payments()
        self.assertEqual(subscription.subscription_state, 'closed')


@tagged('post_install', '-at_install')
class TestConfirmationChecks(SubscriptionCommon):

    def test_every_problem_listed_at_once(self):
        plan_send = self._create_plan("Monthly by email", invoice_action='post_send')
        product_backup = self._create_recurring_product("Backup", {plan_send: 200.0})
        customer = self.env['res.partner'].create({'name': "No Email Co."})
        subscription = self.env['sale.order'].create({
            'partner_id': customer.id,
            'plan_id': plan_send.id,
            'start_date': date(2026, 3, 1),
            'end_date': date(2026, 3, 10),
            'order_line': [Command.create({'product_id': product_backup.id})],
        })
        # A price removed after the quotation was saved.
        product_backup.subscription_pricing_ids.unlink()
        with self.assertRaises(ValidationError) as error:
            subscription.action_confirm()
        message = str(error.exception)
        self.assertIn("Backup has no recurring price", message)
        self.assertIn("before the end of its first period", message)
        self.assertIn("No Email Co.", message)
        self.assertEqual(subscription.state, 'draft', "nothing is confirmed")
        self.assertFalse(subscription.next_invoice_date)

    def test_recurring_product_without_plan(self):
        order = self.env['sale.order'].create({
            'partner_id': self.customer.id,
            'order_line': [Command.create({'product_id': self.product_hosting.id})],
        })
        with self.assertRaises(ValidationError) as error:
            order.action_confirm()
        self.assertIn("need a recurring plan", str(error.exception))
        self.assertEqual(order.state, 'draft')

    def test_price_in_other_currency_rejected(self):
        usd = self.env.ref('base.USD')
        usd.active = True
        pricelist = self.env['product.pricelist'].create({'name': "USD", 'currency_id': usd.id})
        subscription = self._create_subscription(date(2026, 1, 1), pricelist_id=pricelist.id)
        with self.assertRaises(ValidationError) as error:
            subscription.action_confirm()
        self.assertIn("no recurring price in USD", str(error.exception))
        self.assertEqual(subscription.state, 'draft')

    def test_template_inconsistent_with_plan(self):
        product_other = self._create_recurring_product("Support", {})
        with self.assertRaises(ValidationError) as error:
            self.env['sale.order.template'].create({
                'name': "Broken template",
                'plan_id': self.plan_month.id,
                'sale_order_template_line_ids': [Command.create({'product_id': product_other.id})],
            })
        self.assertIn("Support has no recurring price", str(error.exception))
        self.assertFalse(self.env['sale.order.template'].search([('name', '=', "Broken template")]))

    def test_template_recurring_product_without_plan(self):
        with self.assertRaises(ValidationError) as error:
            self.env['sale.order.template'].create({
                'name': "No plan",
                'sale_order_template_line_ids': [Command.create({'product_id': self.product_hosting.id})],
            })
        self.assertIn("no recurring plan", str(error.exception))

    def test_template_setup_fee_added_at_confirmation(self):
        template = self.env['sale.order.template'].create({
            'name': "With setup",
            'plan_id': self.plan_month.id,
            'setup_fee_product_ids': [Command.set(self.product_setup_fee.ids)],
        })
        with freeze_time('2026-01-01'):
            subscription = self._create_subscription(date(2026, 1, 1), sale_order_template_id=template.id)
            subscription.action_confirm()
            self._run_invoicing_job()
        self.assertIn(self.product_setup_fee, subscription.order_line.product_id)
        # 1,000 recurring + 500 setup fee
        self.assertEqual(self._invoices(subscription).amount_untaxed, 1500.0)


@tagged('post_install', '-at_install')
class TestSubscriptionHealth(SubscriptionCommon):

    def test_health_from_template_conditions(self):
        template = self.env['sale.order.template'].create({
            'name': "Watched",
            'plan_id': self.plan_month.id,
            'health_bad_domain': "[('unpaid_invoice_count', '>', 1)]",
            'health_good_domain': "[('unpaid_invoice_count', '=', 0)]",
        })
        with freeze_time('2026-03-01'):
            late = self._create_subscription(date(2026, 1, 1), sale_order_template_id=template.id)
            late.action_confirm()
            punctual = self._create_subscription(date(2026, 3, 1), sale_order_template_id=template.id)
            punctual.action_confirm()
            self._run_invoicing_job()
            invoice = self._invoices(punctual)
            self.env['account.payment.register'].with_context(
                active_model='account.move', active_ids=invoice.ids,
            ).create({})._create_payments()
            self.env['sale.order']._cron_compute_health()
        # January, February and March unpaid: 3 > 1
        self.assertEqual(late.unpaid_invoice_count, 3)
        self.assertEqual(late.health, 'bad')
        self.assertEqual(punctual.health, 'done')

    def test_invalid_health_domain_rejected(self):
        with self.assertRaises(ValidationError) as error:
            self.env['sale.order.template'].create({
                'name': "Bad domain",
                'plan_id': self.plan_month.id,
                'health_bad_domain': "[('no_such_field', '=', 1)]",
            })
        self.assertIn("no_such_field", str(error.exception))
