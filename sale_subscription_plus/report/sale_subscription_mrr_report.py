# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models
from odoo.tools import SQL

ROW_TYPE_SELECTION = [
    ('opening', 'Opening MRR'),
    ('new', 'New'),
    ('expansion', 'Expansion'),
    ('reactivation', 'Reactivation'),
    ('contraction', 'Contraction'),
    ('churn', 'Churn'),
    ('closing', 'Closing MRR'),
]

# Ids of the opening and closing rows start here, above any movement id,
# so that every row of the report has its own id.
BALANCE_ROW_ID_OFFSET = 10 ** 12


class SaleSubscriptionMrrReport(models.Model):
    """MRR analysis: each month's opening MRR, its movements and its closing MRR.

    Movement rows are the ledger's own rows, so a pivot cell drills down to
    the movements and from there to the subscription. Opening and closing
    rows hold, for each combination of dimensions, the running sum of the
    movements before and up to the end of each month; in a pivot with one
    month per column, opening + movements = closing holds in every cell.
    When a customer's plan or salesperson changes, the movement is counted
    under the new values, so a split by those dimensions shows where MRR
    was gained or lost rather than a per-customer reassignment.
    """
    _name = 'sale.subscription.mrr.report'
    _description = "MRR Analysis"
    _auto = False
    _rec_name = 'row_type'
    _order = 'date, id'
    _depends = {
        'sale.subscription.mrr.movement': [
            'company_id', 'partner_id', 'country_id', 'effective_date', 'movement_type', 'amount',
            'subscription_id', 'plan_id', 'template_id', 'user_id', 'team_id', 'close_reason_id',
        ],
    }

    date = fields.Date(readonly=True, help="Movement date, or the first day of the month for opening and closing MRR.")
    row_type = fields.Selection(ROW_TYPE_SELECTION, string="Type", readonly=True)
    amount = fields.Monetary(string="MRR", currency_field='currency_id', readonly=True, aggregator='sum')
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', string="Currency", readonly=True)
    partner_id = fields.Many2one('res.partner', string="Customer", readonly=True)
    country_id = fields.Many2one('res.country', string="Country", readonly=True)
    subscription_id = fields.Many2one('sale.order', string="Subscription", readonly=True)
    movement_id = fields.Many2one('sale.subscription.mrr.movement', string="Movement", readonly=True)
    plan_id = fields.Many2one('sale.subscription.plan', string="Plan", readonly=True)
    template_id = fields.Many2one('sale.order.template', string="Template", readonly=True)
    user_id = fields.Many2one('res.users', string="Salesperson", readonly=True)
    team_id = fields.Many2one('crm.team', string="Sales Team", readonly=True)
    close_reason_id = fields.Many2one('sale.subscription.close.reason', string="Closing Reason", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            -- NOTE: CURRENT_DATE is the database session's date, not the
            -- company's, so the new month appears at midnight UTC.
            WITH bounds AS (
                SELECT date_trunc('month', MIN(effective_date))::date AS first_month,
                       GREATEST(date_trunc('month', MAX(effective_date)),
                                date_trunc('month', CURRENT_DATE))::date AS last_month
                  FROM sale_subscription_mrr_movement
            ),
            months AS (
                SELECT generate_series(first_month, last_month, interval '1 month')::date AS month
                  FROM bounds
                 WHERE first_month IS NOT NULL
            ),
            monthly AS (
                SELECT company_id, COALESCE(plan_id, 0) AS plan_id, COALESCE(template_id, 0) AS template_id,
                       COALESCE(user_id, 0) AS user_id, COALESCE(team_id, 0) AS team_id,
                       COALESCE(country_id, 0) AS country_id,
                       date_trunc('month', effective_date)::date AS month, SUM(amount) AS amount
                  FROM sale_subscription_mrr_movement
              GROUP BY 1, 2, 3, 4, 5, 6, 7
            ),
            combinations AS (
                SELECT company_id, plan_id, template_id, user_id, team_id, country_id, MIN(month) AS first_month
                  FROM monthly
              GROUP BY 1, 2, 3, 4, 5, 6
            ),
            balances AS (
                SELECT c.company_id, c.plan_id, c.template_id, c.user_id, c.team_id, c.country_id, m.month,
                       SUM(COALESCE(mo.amount, 0)) OVER (
                           PARTITION BY c.company_id, c.plan_id, c.template_id, c.user_id, c.team_id, c.country_id
                           ORDER BY m.month
                       ) AS closing,
                       COALESCE(mo.amount, 0) AS net
                  FROM combinations c
                  JOIN months m ON m.month >= c.first_month
             LEFT JOIN monthly mo ON mo.company_id = c.company_id AND mo.plan_id = c.plan_id
                                 AND mo.template_id = c.template_id AND mo.user_id = c.user_id
                                 AND mo.team_id = c.team_id AND mo.country_id = c.country_id
                                 AND mo.month = m.month
            ),
            balance_rows AS (
                SELECT b.*, kind.row_type,
                       CASE WHEN kind.row_type = 'opening' THEN b.closing - b.net ELSE b.closing END AS amount
                  FROM balances b
            CROSS JOIN (VALUES ('opening'), ('closing')) AS kind(row_type)
            )
            SELECT m.id AS id, m.effective_date AS date, m.movement_type AS row_type, m.amount AS amount,
                   m.company_id, c.currency_id, m.partner_id, m.country_id, m.subscription_id, m.id AS movement_id,
                   m.plan_id, m.template_id, m.user_id, m.team_id, m.close_reason_id
              FROM sale_subscription_mrr_movement m
              JOIN res_company c ON c.id = m.company_id
            UNION ALL
            SELECT %(offset)s + ROW_NUMBER() OVER (ORDER BY b.month, b.company_id, b.plan_id, b.template_id,
                                                   b.user_id, b.team_id, b.country_id, b.row_type) AS id,
                   b.month AS date, b.row_type, b.amount,
                   b.company_id, c.currency_id, NULL AS partner_id, NULLIF(b.country_id, 0) AS country_id,
                   NULL AS subscription_id, NULL AS movement_id,
                   NULLIF(b.plan_id, 0), NULLIF(b.template_id, 0), NULLIF(b.user_id, 0), NULLIF(b.team_id, 0),
                   NULL AS close_reason_id
              FROM balance_rows b
              JOIN res_company c ON c.id = b.company_id
             WHERE b.amount != 0 OR b.row_type = 'closing'
            """,
            offset=BALANCE_ROW_ID_OFFSET,
        )
