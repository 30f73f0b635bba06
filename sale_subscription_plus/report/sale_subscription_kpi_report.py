# Part of sale_subscription_plus. License LGPL-3.
from odoo import fields, models
from odoo.tools import SQL


class SaleSubscriptionKpiReport(models.Model):
    """Subscription KPIs per company and calendar month, from the MRR ledger.

    Every figure follows the definitions of the MRR ledger's movements:
    rates are fractions (0.05 is 5 %), amounts are in the company currency,
    and a rate whose denominator is zero is empty rather than zero.
    """
    _name = 'sale.subscription.kpi.report'
    _description = "Subscription KPIs"
    _auto = False
    _rec_name = 'month'
    _order = 'company_id, month desc'
    _depends = {
        'sale.subscription.mrr.movement': [
            'company_id', 'partner_id', 'effective_date', 'movement_type', 'amount', 'mrr_before', 'mrr_after',
        ],
        'sale.subscription.event': ['company_id', 'subscription_id', 'effective_date', 'event_type'],
        'account.move': ['state', 'move_type', 'invoice_date', 'amount_untaxed_signed', 'subscription_id'],
    }

    month = fields.Date(readonly=True, help="First day of the month.")
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)

    mrr_start = fields.Monetary(string="Opening MRR", readonly=True, aggregator=None)
    mrr = fields.Monetary(string="MRR", readonly=True, aggregator=None, help="MRR at the end of the month.")
    arr = fields.Monetary(string="ARR", readonly=True, aggregator=None, help="12 x MRR at the end of the month.")
    new_mrr = fields.Monetary(string="New MRR", readonly=True)
    expansion_mrr = fields.Monetary(string="Expansion MRR", readonly=True)
    reactivation_mrr = fields.Monetary(string="Reactivation MRR", readonly=True)
    contraction_mrr = fields.Monetary(string="Contraction MRR", readonly=True, help="As a positive amount.")
    churn_mrr = fields.Monetary(string="Churned MRR", readonly=True, help="As a positive amount.")
    net_new_mrr = fields.Monetary(string="Net New MRR", readonly=True)
    mrr_previous = fields.Monetary(string="MRR Previous Month", readonly=True, aggregator=None)
    mrr_growth = fields.Float(string="MRR Growth", readonly=True, aggregator=None,
                              help="MRR over the previous month's MRR, minus 1.")

    contracts = fields.Integer(string="Contracts", readonly=True, aggregator=None,
                               help="Subscriptions in progress at the end of the month.")
    contracts_previous = fields.Integer(string="Contracts Previous Month", readonly=True, aggregator=None)
    new_contracts = fields.Integer(string="New Contracts", readonly=True)
    churned_contracts = fields.Integer(string="Closed Contracts", readonly=True)
    customers_start = fields.Integer(string="Customers at Start", readonly=True, aggregator=None)
    customers = fields.Integer(string="Customers", readonly=True, aggregator=None,
                               help="Customers with MRR above zero at the end of the month.")
    churned_customers = fields.Integer(string="Churned Customers", readonly=True,
                                       help="Counted for the logo churn rate.")

    average_revenue_per_contract = fields.Monetary(string="Average Revenue per Contract", readonly=True,
                                                   aggregator=None)
    arpa = fields.Monetary(string="ARPA", readonly=True, aggregator=None,
                           help="Average revenue per account: MRR over customers with MRR above zero.")
    logo_churn_rate = fields.Float(string="Logo Churn Rate", readonly=True, aggregator=None)
    gross_revenue_churn_rate = fields.Float(string="Gross Revenue Churn Rate", readonly=True, aggregator=None)
    net_revenue_churn_rate = fields.Float(string="Net Revenue Churn Rate", readonly=True, aggregator=None)
    nrr = fields.Float(string="NRR", readonly=True, aggregator=None, help="Net revenue retention.")
    grr = fields.Float(string="GRR", readonly=True, aggregator=None, help="Gross revenue retention.")
    ltv = fields.Monetary(string="LTV", readonly=True, aggregator=None,
                          help="ARPA over the average logo churn rate of the six previous months; "
                               "empty when that rate is zero.")
    quick_ratio = fields.Float(string="Quick Ratio", readonly=True, aggregator=None)
    net_revenue = fields.Monetary(string="Net Revenue", readonly=True,
                                  help="Posted subscription invoices minus credit notes, untaxed.")
    non_recurring_revenue = fields.Monetary(string="Non-Recurring Revenue", readonly=True,
                                            help="The part of net revenue from one-off lines.")

    @property
    def _table_query(self):
        return SQL("""
            WITH bounds AS (
                SELECT company_id,
                       date_trunc('month', MIN(effective_date))::date AS first_month,
                       GREATEST(date_trunc('month', MAX(effective_date)),
                                date_trunc('month', CURRENT_DATE))::date AS last_month
                  FROM sale_subscription_mrr_movement
              GROUP BY company_id
            ),
            months AS (
                SELECT company_id, generate_series(first_month, last_month, interval '1 month')::date AS month
                  FROM bounds
            ),
            movements AS (
                SELECT m.*, date_trunc('month', m.effective_date)::date AS month,
                       FIRST_VALUE(m.mrr_before) OVER (
                           PARTITION BY m.company_id, m.partner_id, date_trunc('month', m.effective_date)
                           ORDER BY m.effective_date, m.id
                       ) AS customer_mrr_at_month_start
                  FROM sale_subscription_mrr_movement m
            ),
            customer_months AS (
                SELECT company_id, partner_id, month,
                       BOOL_OR(movement_type = 'churn') AS churned,
                       BOOL_OR(movement_type IN ('new', 'reactivation')) AS started,
                       BOOL_OR(movement_type = 'reactivation' AND effective_date > churn_date) AS came_back
                  FROM (
                      SELECT mv.*, MIN(CASE WHEN movement_type = 'churn' THEN effective_date END)
                                       OVER (PARTITION BY company_id, partner_id, month) AS churn_date
                        FROM movements mv
                  ) flagged
              GROUP BY company_id, partner_id, month
            ),
            monthly_movements AS (
                SELECT company_id, month,
                       SUM(amount) AS net,
                       SUM(amount) FILTER (WHERE movement_type = 'new') AS new_mrr,
                       SUM(amount) FILTER (WHERE movement_type = 'expansion') AS expansion_mrr,
                       SUM(amount) FILTER (WHERE movement_type = 'reactivation') AS reactivation_mrr,
                       -SUM(amount) FILTER (WHERE movement_type = 'contraction') AS contraction_mrr,
                       -SUM(amount) FILTER (WHERE movement_type = 'churn') AS churn_mrr,
                       SUM(amount) FILTER (WHERE movement_type = 'expansion' AND customer_mrr_at_month_start > 0)
                           AS retained_expansion,
                       -SUM(amount) FILTER (WHERE movement_type IN ('contraction', 'churn')
                                            AND customer_mrr_at_month_start > 0) AS retained_losses,
                       SUM(CASE WHEN mrr_before = 0 AND mrr_after > 0 THEN 1
                                WHEN mrr_before > 0 AND mrr_after = 0 THEN -1 ELSE 0 END) AS customer_delta
                  FROM movements
              GROUP BY company_id, month
            ),
            monthly_churn AS (
                SELECT company_id, month,
                       COUNT(*) FILTER (WHERE churned AND NOT started AND NOT COALESCE(came_back, FALSE))
                           AS churned_customers
                  FROM customer_months
              GROUP BY company_id, month
            ),
            event_status AS (
                SELECT e.company_id, e.subscription_id, e.event_type,
                       date_trunc('month', e.effective_date)::date AS month,
                       CASE WHEN e.event_type IN ('pause', 'close') THEN 0 ELSE 1 END AS active_after,
                       COALESCE(LAG(CASE WHEN e.event_type IN ('pause', 'close') THEN 0 ELSE 1 END)
                                OVER (PARTITION BY e.subscription_id ORDER BY e.effective_date, e.id), 0)
                           AS active_before
                  FROM sale_subscription_event e
            ),
            monthly_contracts AS (
                SELECT company_id, month,
                       SUM(active_after - active_before) AS contract_delta,
                       COUNT(*) FILTER (WHERE event_type = 'start') AS new_contracts,
                       COUNT(*) FILTER (WHERE event_type = 'close') AS churned_contracts
                  FROM event_status
              GROUP BY company_id, month
            ),
            revenue AS (
                SELECT mv.company_id, date_trunc('month', mv.invoice_date)::date AS month,
                       SUM(mv.amount_untaxed_signed) AS net_revenue
                  FROM account_move mv
                 WHERE mv.state = 'posted' AND mv.subscription_id IS NOT NULL
                   AND mv.move_type IN ('out_invoice', 'out_refund')
              GROUP BY 1, 2
            ),
            one_off AS (
                SELECT aml.company_id, date_trunc('month', mv.invoice_date)::date AS month,
                       -SUM(aml.balance) AS non_recurring
                  FROM account_move_line aml
                  JOIN account_move mv ON mv.id = aml.move_id
                 WHERE mv.state = 'posted' AND mv.subscription_id IS NOT NULL
                   AND mv.move_type IN ('out_invoice', 'out_refund')
                   AND aml.display_type = 'product'
                   AND aml.subscription_adjustment_id IS NULL
                   AND NOT EXISTS (
                       SELECT 1
                         FROM sale_order_line_invoice_rel rel
                         JOIN sale_order_line sol ON sol.id = rel.order_line_id
                        WHERE rel.invoice_line_id = aml.id AND sol.is_recurring
                   )
              GROUP BY 1, 2
            ),
            base AS (
                SELECT mo.company_id, mo.month,
                       COALESCE(mm.net, 0) AS net,
                       COALESCE(mm.new_mrr, 0) AS new_mrr,
                       COALESCE(mm.expansion_mrr, 0) AS expansion_mrr,
                       COALESCE(mm.reactivation_mrr, 0) AS reactivation_mrr,
                       COALESCE(mm.contraction_mrr, 0) AS contraction_mrr,
                       COALESCE(mm.churn_mrr, 0) AS churn_mrr,
                       COALESCE(mm.retained_expansion, 0) AS retained_expansion,
                       COALESCE(mm.retained_losses, 0) AS retained_losses,
                       SUM(COALESCE(mm.net, 0)) OVER w AS mrr,
                       SUM(COALESCE(mm.customer_delta, 0)) OVER w AS customers,
                       COALESCE(mm.customer_delta, 0) AS customer_delta,
                       SUM(COALESCE(mc.contract_delta, 0)) OVER w AS contracts,
                       COALESCE(mc.new_contracts, 0) AS new_contracts,
                       COALESCE(mc.churned_contracts, 0) AS churned_contracts,
                       COALESCE(ch.churned_customers, 0) AS churned_customers,
                       COALESCE(r.net_revenue, 0) AS net_revenue,
                       COALESCE(o.non_recurring, 0) AS non_recurring_revenue
                  FROM months mo
             LEFT JOIN monthly_movements mm ON mm.company_id = mo.company_id AND mm.month = mo.month
             LEFT JOIN monthly_contracts mc ON mc.company_id = mo.company_id AND mc.month = mo.month
             LEFT JOIN monthly_churn ch ON ch.company_id = mo.company_id AND ch.month = mo.month
             LEFT JOIN revenue r ON r.company_id = mo.company_id AND r.month = mo.month
             LEFT JOIN one_off o ON o.company_id = mo.company_id AND o.month = mo.month
                WINDOW w AS (PARTITION BY mo.company_id ORDER BY mo.month)
            ),
            rates AS (
                SELECT b.*,
                       b.mrr - b.net AS mrr_start,
                       b.customers - b.customer_delta AS customers_start,
                       b.churned_customers::numeric / NULLIF(b.customers - b.customer_delta, 0) AS logo_churn_rate
                  FROM base b
            )
            SELECT ROW_NUMBER() OVER (ORDER BY r.company_id, r.month) AS id,
                   r.month, r.company_id, c.currency_id,
                   r.mrr_start, r.mrr, 12 * r.mrr AS arr,
                   r.new_mrr, r.expansion_mrr, r.reactivation_mrr, r.contraction_mrr, r.churn_mrr,
                   r.net AS net_new_mrr,
                   LAG(r.mrr) OVER p AS mrr_previous,
                   r.mrr / NULLIF(LAG(r.mrr) OVER p, 0) - 1 AS mrr_growth,
                   r.contracts, LAG(r.contracts) OVER p AS contracts_previous,
                   r.new_contracts, r.churned_contracts,
                   r.customers_start, r.customers, r.churned_customers,
                   r.mrr / NULLIF(r.contracts, 0) AS average_revenue_per_contract,
                   r.mrr / NULLIF(r.customers, 0) AS arpa,
                   r.logo_churn_rate,
                   (r.churn_mrr + r.contraction_mrr) / NULLIF(r.mrr_start, 0) AS gross_revenue_churn_rate,
                   (r.churn_mrr + r.contraction_mrr - r.expansion_mrr - r.reactivation_mrr)
                       / NULLIF(r.mrr_start, 0) AS net_revenue_churn_rate,
                   (r.mrr_start + r.retained_expansion - r.retained_losses) / NULLIF(r.mrr_start, 0) AS nrr,
                   (r.mrr_start - r.retained_losses) / NULLIF(r.mrr_start, 0) AS grr,
                   (r.mrr / NULLIF(r.customers, 0))
                       / NULLIF(AVG(COALESCE(r.logo_churn_rate, 0)) OVER (
                             p ROWS BETWEEN 6 PRECEDING AND 1 PRECEDING), 0) AS ltv,
                   (r.new_mrr + r.expansion_mrr + r.reactivation_mrr)
                       / NULLIF(r.contraction_mrr + r.churn_mrr, 0) AS quick_ratio,
                   r.net_revenue, r.non_recurring_revenue
              FROM rates r
              JOIN res_company c ON c.id = r.company_id
            WINDOW p AS (PARTITION BY r.company_id ORDER BY r.month)
        """)
