# Part of sale_subscription_plus. License LGPL-3.
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import movements

_logger = logging.getLogger(__name__)

MOVEMENT_TYPE_SELECTION = [
    ('new', 'New'),
    ('expansion', 'Expansion'),
    ('contraction', 'Contraction'),
    ('churn', 'Churn'),
    ('reactivation', 'Reactivation'),
]


class SaleSubscriptionMrrMovement(models.Model):
    """The MRR movement ledger: one row per customer, company and effective date.

    Rows are derived from the subscription history (``sale.subscription.event``)
    by ``tools.movements.classify``; every change rewrites the rows of the
    customers it touches, in the same transaction, so that a backdated change
    re-sequences the later movements. The dimensions (plan, salesperson,
    team, template) are those of the subscription whose MRR changed the most
    that day, as recorded when the change happened.
    """
    _name = 'sale.subscription.mrr.movement'
    _description = "MRR Movement"
    _order = 'effective_date desc, id desc'
    _rec_name = 'partner_id'

    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id', string="Company Currency")
    partner_id = fields.Many2one('res.partner', string="Customer", required=True, index=True, readonly=True)
    country_id = fields.Many2one('res.country', string="Country", readonly=True)
    effective_date = fields.Date(required=True, index=True, readonly=True)
    movement_type = fields.Selection(MOVEMENT_TYPE_SELECTION, string="Movement", required=True, readonly=True)
    amount = fields.Monetary(
        string="MRR Change", currency_field='currency_id', readonly=True, aggregator='sum',
        help="Signed change of the customer's MRR, in the company currency.")
    mrr_before = fields.Monetary(string="Customer MRR Before", currency_field='currency_id', readonly=True,
                                 aggregator=None)
    mrr_after = fields.Monetary(string="Customer MRR After", currency_field='currency_id', readonly=True,
                                aggregator=None)
    subscription_currency_id = fields.Many2one('res.currency', string="Subscription Currency", readonly=True)
    amount_currency = fields.Monetary(
        string="MRR Change in Subscription Currency", currency_field='subscription_currency_id', readonly=True,
        help="The change in the main subscription's currency; empty when the customer's subscriptions "
             "that day use several currencies.")
    subscription_id = fields.Many2one(
        'sale.order', string="Main Subscription", readonly=True, index=True,
        help="The subscription whose MRR changed the most that day.")
    subscription_ids = fields.Many2many(
        'sale.order', 'sale_subscription_mrr_movement_order_rel', 'movement_id', 'order_id',
        string="Subscriptions", readonly=True)
    plan_id = fields.Many2one('sale.subscription.plan', string="Plan", readonly=True)
    template_id = fields.Many2one('sale.order.template', string="Template", readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True, index=True)
    team_id = fields.Many2one('crm.team', string="Sales Team", readonly=True)
    close_reason_id = fields.Many2one('sale.subscription.close.reason', string="Closing Reason", readonly=True)

    # === BUSINESS METHODS === #

    @api.model
    def _refresh_partners(self, partners):
        """Rewrite the movements of ``partners`` from their whole history."""
        if not partners:
            return
        self.env['sale.subscription.event'].flush_model()
        self._rewrite(self._compute_rows(partner_ids=partners.ids), partner_ids=partners.ids)

    @api.model
    def _rebuild(self):
        """Rebuild the whole ledger from the history and report what differed.

        :return: dict with the numbers of rows ``before``, ``after``,
            ``missing`` (computed but not stored) and ``unexpected`` (stored
            but not computed); after the rebuild both sets are identical
        """
        self.env['sale.subscription.event'].flush_model()
        self.flush_model()
        rows = self._compute_rows()
        expected = {self._row_key(row) for row in rows}
        self.env.cr.execute(SQL("""
            SELECT company_id, partner_id, effective_date, movement_type, amount, mrr_after
              FROM sale_subscription_mrr_movement
        """))
        stored = {
            (company_id, partner_id, effective_date, movement_type, round(amount, 6), round(mrr_after, 6))
            for company_id, partner_id, effective_date, movement_type, amount, mrr_after in self.env.cr.fetchall()
        }
        report = {
            'before': len(stored),
            'after': len(expected),
            'missing': len(expected - stored),
            'unexpected': len(stored - expected),
        }
        self._rewrite(rows)
        _logger.info("MRR movement ledger rebuilt: %(before)s rows before, %(after)s after, "
                     "%(missing)s missing, %(unexpected)s unexpected", report)
        return report

    def action_rebuild(self):
        report = self._rebuild()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("MRR movements rebuilt"),
                'message': self.env._(
                    "Rebuilt %(after)s movements from the subscription history. Before the rebuild, "
                    "%(missing)s were missing and %(unexpected)s did not match the history.",
                    **report),
                'type': 'success' if not (report['missing'] or report['unexpected']) else 'warning',
                'sticky': True,
            },
        }

    @staticmethod
    def _row_key(row):
        return (row['company_id'], row['partner_id'], row['effective_date'], row['movement_type'],
                round(row['amount'], 6), round(row['mrr_after'], 6))

    @api.model
    def _compute_rows(self, partner_ids=None):
        """Return the ledger rows computed from the history, for some customers or all."""
        where = SQL("TRUE") if partner_ids is None else SQL("e.partner_id = ANY(%s)", list(partner_ids))
        self.env.cr.execute(SQL("""
            SELECT e.id, e.company_id, e.partner_id, e.subscription_id, e.effective_date, e.event_type,
                   e.mrr_before, e.mrr_after, e.monthly_before, e.monthly_after, e.currency_id,
                   e.plan_id, e.user_id, e.team_id, e.close_reason_id, o.sale_order_template_id,
                   p.country_id, c.currency_id, cur.decimal_places
              FROM sale_subscription_event e
              JOIN sale_order o ON o.id = e.subscription_id
              JOIN res_partner p ON p.id = e.partner_id
              JOIN res_company c ON c.id = e.company_id
              JOIN res_currency cur ON cur.id = c.currency_id
             WHERE %s
          ORDER BY e.company_id, e.partner_id, e.effective_date, e.id
        """, where))
        rows = []
        for key, customer_events in movements.group_customer_events(self.env.cr.fetchall()):
            rows.extend(movements.classify(key, customer_events))
        return rows

    @api.model
    def _rewrite(self, rows, partner_ids=None):
        """Replace the stored rows (of ``partner_ids``, or all) with ``rows``."""
        if partner_ids is None:
            self.env.cr.execute(SQL("DELETE FROM sale_subscription_mrr_movement"))
        else:
            self.env.cr.execute(SQL(
                "DELETE FROM sale_subscription_mrr_movement WHERE partner_id = ANY(%s)", list(partner_ids)))
        self.invalidate_model()
        if not rows:
            return
        columns = [
            'company_id', 'partner_id', 'country_id', 'effective_date', 'movement_type', 'amount',
            'mrr_before', 'mrr_after', 'subscription_currency_id', 'amount_currency', 'subscription_id',
            'plan_id', 'template_id', 'user_id', 'team_id', 'close_reason_id',
        ]
        # The ledger is derived data written in bulk: plain SQL keeps a full
        # rebuild of a million rows within minutes, where the ORM would take hours.
        uid = self.env.uid
        for chunk_start in range(0, len(rows), 5000):
            chunk = rows[chunk_start:chunk_start + 5000]
            values = SQL(", ").join(
                SQL("(%s, %s, now() at time zone 'UTC', now() at time zone 'UTC', %s)",
                    uid, uid, SQL(", ").join(row[column] for column in columns))
                for row in chunk
            )
            self.env.cr.execute(SQL(
                "INSERT INTO sale_subscription_mrr_movement (create_uid, write_uid, create_date, write_date, %s) "
                "VALUES %s RETURNING id",
                SQL(", ").join(SQL.identifier(column) for column in columns), values,
            ))
            ids = [row_id for (row_id,) in self.env.cr.fetchall()]
            relations = [
                (movement_id, order_id)
                for movement_id, row in zip(ids, chunk)
                for order_id in row['subscription_ids']
            ]
            if relations:
                self.env.cr.execute(SQL(
                    "INSERT INTO sale_subscription_mrr_movement_order_rel (movement_id, order_id) VALUES %s "
                    "ON CONFLICT DO NOTHING",
                    SQL(", ").join(SQL("(%s, %s)", movement_id, order_id) for movement_id, order_id in relations),
                ))
