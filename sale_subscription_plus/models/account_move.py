# Part of sale_subscription_plus. License LGPL-3.
from collections import defaultdict

from odoo import fields, models
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = 'account.move'

    subscription_id = fields.Many2one(
        'sale.order', string="Subscription", index='btree_not_null', copy=False, readonly=True,
        help="Subscription whose recurring invoicing created this invoice.")
    subscription_period_start = fields.Date(string="Period Start", copy=False, readonly=True)
    subscription_period_end = fields.Date(string="Period End", copy=False, readonly=True)

    def init(self):
        super().init()
        # The last guard against a period invoiced twice, whatever the code
        # path or the number of workers: one live invoice per period.
        self.env.cr.execute(SQL("""
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_subscription_period_unique
                ON account_move (subscription_id, subscription_period_start)
             WHERE subscription_id IS NOT NULL
               AND move_type = 'out_invoice'
               AND state != 'cancel'
        """))

    def _invoice_paid_hook(self):
        result = super()._invoice_paid_hook()
        # A late payment reopens a subscription only when its closing reason allows it.
        closed = self.subscription_id.filtered(
            lambda s: s.subscription_state == 'closed' and s.close_reason_id.reopen_on_payment)
        for subscription in closed:
            invoices = self.filtered(lambda m: m.subscription_id == subscription)
            subscription._reopen(note=self.env._(
                "late payment of %(invoices)s", invoices=", ".join(invoices.mapped('name'))))
        return result

    def _queue_subscription_sending(self):
        """Queue the invoices for account's sending job, authored by their salesperson.

        Rendering PDFs and sending emails happens in that job, outside the
        invoicing transaction, the same way as the Send button on many invoices.
        """
        by_author = defaultdict(lambda: self.browse())
        for move in self:
            by_author[move.invoice_user_id or self.env.user] |= move
        for user, moves in by_author.items():
            moves.sending_data = {
                'author_user_id': user.id,
                'author_partner_id': user.partner_id.id,
            }

    def _trigger_invoice_sending(self):
        cron = self.env.ref('account.ir_cron_account_move_send', raise_if_not_found=False)
        if cron:
            cron._trigger()
