# Part of sale_subscription_plus. License LGPL-3.
from datetime import date
from unittest.mock import patch

import psycopg2

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import SubscriptionCommon

SALE_ORDER_LOGGER = 'odoo.addons.sale_subscription_plus.models.sale_order'


class WorkerKilled(BaseException):
    """Simulated kill of a worker in the middle of a batch (time limit, out of memory).

    It derives from BaseException, so no ``except Exception`` of the job can
    catch it, just as none can catch a real kill.
    """


@tagged('post_install', '-at_install')
class TestInvoicingJobRecovery(SubscriptionCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_2 = cls.customer.copy({'name': "Chiang Mai Coffee Co., Ltd."})
        cls.customer_3 = cls.customer.copy({'name': "Phuket Divers Ltd."})

    def _start_three_subscriptions(self):
        # Same start date, so the job takes them in id order: one per batch
        # with batch_size=1, the second one in the second batch.
        return [
            self._start_subscription('2026-01-01', partner=partner)
            for partner in (self.customer, self.customer_2, self.customer_3)
        ]

    def _patch_invoicing(self, side_effect):
        """Patch the add-on's ``_create_recurring_invoices`` to run ``side_effect(records, original)``.

        ``original`` is a callable that runs the real method on ``records``.
        """
        order_class = type(self.env['sale.order'])
        original = order_class._create_recurring_invoices

        def patched(records, today):
            return side_effect(records, lambda: original(records, today))

        return patch.object(order_class, '_create_recurring_invoices', patched)

    def _failure_notes(self, subscription):
        return self.env['mail.message'].search([
            ('model', '=', 'sale.order'),
            ('res_id', '=', subscription.id),
            ('body', 'ilike', 'Recurring invoicing failed'),
        ])

    @freeze_time('2026-01-01')
    def test_failing_second_batch(self):
        first, second, third = self._start_three_subscriptions()

        def fail_on_second(records, original):
            if second in records:
                raise UserError("Simulated failure of the invoicing of the second subscription")
            return original()

        with self._patch_invoicing(fail_on_second), mute_logger(SALE_ORDER_LOGGER):
            self._run_invoicing_job(batch_size=1)

        self.assertEqual(len(self._invoices(first)), 1)
        self.assertEqual(len(self._invoices(third)), 1)
        self.assertFalse(self._invoices(second))
        self.assertEqual(second.next_invoice_date, date(2026, 1, 1))
        notes = self._failure_notes(second)
        self.assertEqual(len(notes), 1)
        self.assertIn("Simulated failure of the invoicing of the second subscription", notes.body)
        self.assertFalse(self._failure_notes(first))

        # The next run invoices the failed subscription and nothing else.
        self._run_invoicing_job(batch_size=1)

        self.assertEqual(len(self._invoices(first)), 1)
        self.assertEqual(len(self._invoices(second)), 1)
        self.assertEqual(len(self._invoices(third)), 1)
        self.assertEqual(second.next_invoice_date, date(2026, 2, 1))

    @freeze_time('2026-01-01')
    def test_failing_subscription_in_batch(self):
        first, second, third = self._start_three_subscriptions()

        def fail_on_second(records, original):
            if second in records:
                raise UserError("Simulated failure of the invoicing of the second subscription")
            return original()

        # One batch of three: it fails as a whole, then each subscription is
        # retried on its own.
        with self._patch_invoicing(fail_on_second), mute_logger(SALE_ORDER_LOGGER):
            self._run_invoicing_job()

        self.assertEqual(len(self._invoices(first)), 1)
        self.assertFalse(self._invoices(second))
        self.assertEqual(len(self._invoices(third)), 1)
        self.assertEqual(len(self._failure_notes(second)), 1)

    @freeze_time('2026-01-01')
    def test_worker_killed_mid_batch(self):
        first, second, third = self._start_three_subscriptions()
        calls = []

        def kill_in_second_batch(records, original):
            calls.append(records)
            invoices = original()
            if len(calls) == 2:
                # The invoices of this batch exist, but the batch is not committed yet.
                self.assertEqual(len(invoices), 1)
                raise WorkerKilled()
            return invoices

        with self._patch_invoicing(kill_in_second_batch):
            try:
                self._run_invoicing_job(batch_size=1)
            except WorkerKilled:
                pass
            else:
                self.fail("the job should have been stopped in its second batch")

        self.assertEqual(calls, [first, second])
        self.assertEqual(len(self._invoices(first)), 1)
        self.assertEqual(first.next_invoice_date, date(2026, 2, 1))
        self.assertFalse(self._invoices(second))
        self.assertEqual(second.next_invoice_date, date(2026, 1, 1))
        self.assertFalse(self._invoices(third))

        self._run_invoicing_job(batch_size=1)

        self.assertEqual(len(self._invoices(first)), 1)
        self.assertEqual(len(self._invoices(second)), 1)
        self.assertEqual(len(self._invoices(third)), 1)
        self.assertEqual(
            [s.next_invoice_date for s in (first, second, third)], [date(2026, 2, 1)] * 3)

    # === UNIQUE INDEX === #

    def _invoice_vals(self, subscription, period_start):
        return {
            'move_type': 'out_invoice',
            'partner_id': subscription.partner_id.id,
            'invoice_date': period_start,
            'subscription_id': subscription.id,
            'subscription_period_start': period_start,
            'invoice_line_ids': [Command.create({
                'product_id': self.product_hosting.id,
                'quantity': 1.0,
                'price_unit': 1000.0,
            })],
        }

    @freeze_time('2026-01-01')
    def test_unique_live_invoice_per_period(self):
        subscription = self._start_subscription('2026-01-01')
        self._run_invoicing_job()
        self.assertEqual(len(self._invoices(subscription)), 1)

        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger('odoo.sql_db'):
            self.env['account.move'].create(self._invoice_vals(subscription, date(2026, 1, 1)))
            self.env.flush_all()

        self.assertEqual(len(self._invoices(subscription)), 1)

    @freeze_time('2026-01-01')
    def test_unique_index_cancelled_invoice(self):
        subscription = self._start_subscription('2026-01-01')
        self._run_invoicing_job()
        invoice = self._invoices(subscription)
        invoice.button_draft()
        invoice.button_cancel()
        # The index reads the database, so the cancellation must be written first.
        invoice.flush_recordset()

        # A cancelled invoice does not count: the period can be invoiced again.
        replacement = self.env['account.move'].create(self._invoice_vals(subscription, date(2026, 1, 1)))
        self.env.flush_all()

        self.assertEqual(self._invoices(subscription), invoice + replacement)
        # Another period of the same subscription is no duplicate either.
        next_period = self.env['account.move'].create(self._invoice_vals(subscription, date(2026, 2, 1)))
        self.env.flush_all()
        self.assertIn(next_period, self._invoices(subscription))

    @freeze_time('2026-01-01')
    def test_job_stopped_by_unique_index(self):
        subscription = self._start_subscription('2026-01-01')
        self._run_invoicing_job()
        # A wrong manual edit sends the subscription back to a period already invoiced.
        subscription.next_invoice_date = '2026-01-01'

        with mute_logger('odoo.sql_db', SALE_ORDER_LOGGER):
            self._run_invoicing_job()

        self.assertEqual(len(self._invoices(subscription)), 1)
        self.assertEqual(len(self._failure_notes(subscription)), 1)
        self.assertEqual(subscription.next_invoice_date, date(2026, 1, 1))
