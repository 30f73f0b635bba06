# Part of sale_subscription_plus. License LGPL-3.
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from ..tools import cohorts
from ..tools.money import to_decimal

# Grouping key -> model of the dimension. Every key except product_id is a
# column of the MRR ledger. product_id is the first recurring product of the
# main subscription of the customer's 'new' movement.
COHORT_GROUPBY_MODELS = {
    'plan_id': 'sale.subscription.plan',
    'template_id': 'sale.order.template',
    'user_id': 'res.users',
    'team_id': 'crm.team',
    'country_id': 'res.country',
    'product_id': 'product.product',
}

# Babel patterns of the cohort labels: "January 2026", "Q1 2026", "2026".
COHORT_LABEL_FORMATS = {'month': 'MMMM y', 'quarter': 'QQQ y', 'year': 'y'}


class SaleSubscriptionCohort(models.AbstractModel):
    """Retention of customers by acquisition cohort, computed from the MRR ledger.

    A customer (commercial partner, per company) belongs to the cohort of the
    period of its 'new' movement. Each cell is measured at the end of a period
    since acquisition, and today's period ends today.
    """
    _name = 'sale.subscription.cohort'
    _description = "Subscription Cohort Analysis"

    @api.readonly
    @api.model
    def get_cohort_grid(self, period='month', measure='logo', groupby=False, date_from=None):
        """Return the retention grid of the customers of the selected companies.

        :param str period: ``'month'``, ``'quarter'`` or ``'year'``, for both
            the cohorts and the columns
        :param str measure: ``'logo'`` (customers with MRR above zero /
            cohort size) or ``'revenue'`` (the cohort's MRR / its MRR at the
            end of its first period)
        :param groupby: False, or a key of ``COHORT_GROUPBY_MODELS`` that
            splits each cohort by a dimension of the customer's 'new' movement
        :param date_from: a date or ISO date string; cohorts before its
            period are left out. None or False shows every cohort.
        :return: JSON-serializable dict with ``columns`` (offset labels),
            ``rows`` and ``total`` (None when there is no customer). A row
            contains the cohort and group labels, ``size``, ``start_mrr``
            (in the current company's currency) and ``cells``: percentages
            rounded to 0.1. A cell is None after today's period
            (``last_offset``) and where the cohort's starting MRR is zero.
        :raises UserError: on an unknown period, measure or grouping, or an invalid date
        """
        self._check_cohort_options(period, measure, groupby)
        first_period = self._parse_cohort_date_from(date_from, period)
        today = self.env.company._subscription_today()
        currency = self.env.company.currency_id

        cohort_rows, change_rows = self._read_cohort_aggregates(period, groupby, first_period, today)
        group_labels = self._cohort_group_labels(groupby, {row[1] for row in cohort_rows})
        grid = cohorts.build_grid(
            cohort_rows, change_rows, today, period, measure,
            group_sort_key=lambda key: (key is None, (group_labels.get(key) or '').casefold()),
        )

        return {
            'period': period,
            'measure': measure,
            'groupby': groupby or False,
            'date_from': fields.Date.to_string(first_period) if first_period else False,
            'today': fields.Date.to_string(today),
            'currency_id': currency.id,
            'columns': [self._cohort_column_label(period, offset) for offset in range(grid['columns'])],
            'rows': [
                self._cohort_row_values(row, period, groupby, group_labels, currency)
                for row in grid['rows']
            ],
            'total': grid['total'] and {
                **self._cohort_row_values(grid['total'], period, groupby, group_labels, currency),
                'cohort': False,
                'cohort_label': self.env._("All cohorts"),
            },
        }

    # === INPUT CHECKS === #

    @api.model
    def _check_cohort_options(self, period, measure, groupby):
        if period not in cohorts.COHORT_PERIODS:
            raise UserError(self.env._(
                'Invalid cohort period "%(value)s": choose month, quarter or year.', value=period))
        if measure not in cohorts.COHORT_MEASURES:
            raise UserError(self.env._(
                'Invalid cohort measure "%(value)s": choose logo (customer count) or revenue.', value=measure))
        if groupby and groupby not in COHORT_GROUPBY_MODELS:
            raise UserError(self.env._(
                'Invalid cohort grouping "%(value)s": choose one of %(choices)s, or none.',
                value=groupby, choices=", ".join(COHORT_GROUPBY_MODELS)))

    @api.model
    def _parse_cohort_date_from(self, date_from, period):
        """Return the first day of the period of ``date_from``, or None to show every cohort."""
        if not date_from:
            return None
        try:
            value = fields.Date.to_date(date_from)
        except (TypeError, ValueError):
            raise UserError(self.env._(
                'Invalid start date "%(value)s" for the cohorts: enter a date such as 2026-01-31.',
                value=date_from)) from None
        return cohorts.period_start(value, period)

    # === AGGREGATES === #

    @api.model
    def _read_cohort_aggregates(self, period, groupby, first_period, today):
        """Return ``(cohort rows, change rows)`` in the shape ``tools.cohorts.build_grid`` takes.

        Change rows sum, over a cohort's customers and per period, each
        movement's ``mrr_after - mrr_before`` and its change of "MRR above
        zero". The ledger stores each customer's movements as a chain: a
        movement's ``mrr_before`` is the previous movement's ``mrr_after``.
        So the running total of these sums up to a period end is the sum of
        the ``mrr_after`` of each customer's last movement on or before that
        date. One hash join and one grouping of the ledger give it, without
        sorting the ledger per customer.

        MRR sums are converted to the current company's currency here, after
        the grouping, so the query handles any number of companies alike.
        """
        movement_model = self.env['sale.subscription.mrr.movement']
        movement_model.flush_model()
        # _search applies the access rights and record rules of the ledger.
        query = movement_model._search([('company_id', 'in', self.env.companies.ids)])
        if query.is_empty():
            return [], []
        table = query.table
        group_source = (
            SQL.identifier(table, 'subscription_id') if groupby == 'product_id'
            else SQL.identifier(table, groupby) if groupby
            else SQL("NULL::integer")
        )
        movements = query.select(
            SQL.identifier(table, 'company_id'),
            SQL.identifier(table, 'partner_id'),
            SQL.identifier(table, 'effective_date'),
            SQL.identifier(table, 'movement_type'),
            SQL("COALESCE(%s, 0) AS mrr_before", SQL.identifier(table, 'mrr_before')),
            SQL("COALESCE(%s, 0) AS mrr_after", SQL.identifier(table, 'mrr_after')),
            SQL("%s AS group_source", group_source),
        )

        if groupby == 'product_id':
            self.env['sale.order.line'].flush_model(
                ['order_id', 'product_id', 'sequence', 'is_recurring', 'display_type'])
            # The product is read from the subscription's lines, like the
            # other dimensions that the ledger copied from the subscription.
            # One hash join with every subscription's first line costs less
            # than one line lookup per customer.
            group_join = SQL("""
                LEFT JOIN (
                    SELECT DISTINCT ON (line.order_id) line.order_id, line.product_id
                      FROM sale_order_line line
                     WHERE line.is_recurring
                       AND line.display_type IS NULL
                       AND line.product_id IS NOT NULL
                  ORDER BY line.order_id, line.sequence, line.id
                ) first_line ON first_line.order_id = movement.group_source
            """)
            group_key = SQL("first_line.product_id")
        else:
            group_join = SQL()
            group_key = SQL("movement.group_source")

        from_condition = SQL("AND movement.effective_date >= %s", first_period) if first_period else SQL()
        # Read the rates first: reading them runs queries on the same cursor.
        rates = self._cohort_currency_rates(today)
        # tools.movements.classify gives a customer one 'new' movement per
        # company (its first MRR above zero), so the 'new' rows are the customers.
        self.env.cr.execute(SQL("""
            WITH movement AS NOT MATERIALIZED (%(movements)s),
            customer AS NOT MATERIALIZED (
                SELECT movement.company_id, movement.partner_id,
                       date_trunc(%(unit)s, movement.effective_date::timestamp)::date AS cohort,
                       %(group_key)s AS group_key
                  FROM movement
                  %(group_join)s
                 WHERE movement.movement_type = 'new'
                   AND movement.effective_date <= %(today)s
                   %(from_condition)s
            )
            SELECT movement.company_id, customer.cohort, customer.group_key,
                   date_trunc(%(unit)s, movement.effective_date::timestamp)::date,
                   COUNT(*) FILTER (WHERE movement.movement_type = 'new'),
                   COUNT(*) FILTER (WHERE movement.mrr_after > 0)
                       - COUNT(*) FILTER (WHERE movement.mrr_before > 0),
                   -- As text: Odoo reads numeric columns as floats.
                   (SUM(movement.mrr_after) - SUM(movement.mrr_before))::text
              FROM movement
              JOIN customer ON customer.company_id = movement.company_id
                           AND customer.partner_id = movement.partner_id
             WHERE movement.effective_date <= %(today)s
               %(from_condition)s
          GROUP BY 1, 2, 3, 4
        """,
            movements=movements,
            unit=period,
            group_key=group_key,
            group_join=group_join,
            today=today,
            from_condition=from_condition,
        ))
        sizes = defaultdict(int)
        changes = defaultdict(lambda: [0, Decimal(0)])
        for company_id, cohort, group_key, change_start, acquired, active_change, mrr_change in self.env.cr.fetchall():
            sizes[cohort, group_key] += acquired
            change = changes[cohort, group_key, change_start]
            change[0] += active_change
            change[1] += Decimal(mrr_change) * rates[company_id]
        cohort_rows = [(cohort, group_key, size) for (cohort, group_key), size in sizes.items()]
        change_rows = [(*key, active, mrr) for key, (active, mrr) in changes.items()]
        return cohort_rows, change_rows

    @api.model
    def _cohort_currency_rates(self, today):
        """Return ``{company id: Decimal rate to the current company's currency}``.

        Every company's amounts are converted at today's rate of the current
        company, as Odoo's multi-company reports do. So a cohort that spans
        companies has ratios that follow its customers' MRR, not exchange rates.
        """
        current_company = self.env.company
        currency_model = self.env['res.currency']
        return {
            company.id: to_decimal(currency_model._get_conversion_rate(
                company.currency_id, current_company.currency_id, current_company, today))
            for company in self.env.companies
        }

    # === LABELS === #

    @api.model
    def _cohort_group_labels(self, groupby, keys):
        if not groupby:
            return {}
        ids = [key for key in keys if key]
        # The names of linked records are read like the web client reads a
        # many2one's name: without the record rules of the linked model.
        records = self.env[COHORT_GROUPBY_MODELS[groupby]].browse(ids).sudo().with_context(active_test=False)
        labels = {record.id: record.display_name for record in records}
        labels[None] = self.env._("None")
        return labels

    @api.model
    def _cohort_column_label(self, period, offset):
        if period == 'month':
            return self.env._("Month %(number)s", number=offset)
        if period == 'quarter':
            return self.env._("Quarter %(number)s", number=offset)
        return self.env._("Year %(number)s", number=offset)

    @api.model
    def _cohort_row_values(self, row, period, groupby, group_labels, currency):
        start_mrr = currency.round(float(row['start_mrr']))
        cohort_start = row.get('cohort')
        return {
            'cohort': fields.Date.to_string(cohort_start) if cohort_start else False,
            'cohort_label': (
                format_date(self.env, cohort_start, date_format=COHORT_LABEL_FORMATS[period])
                if cohort_start else False
            ),
            'group_id': row.get('group') or False,
            'group_label': group_labels.get(row.get('group'), False) if groupby and cohort_start else False,
            'size': row['size'],
            'start_mrr': start_mrr,
            'start_mrr_display': format_amount(self.env, start_mrr, currency),
            'last_offset': row['last_offset'],
            'cells': row['cells'],
        }
