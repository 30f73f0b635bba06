# Part of sale_subscription_plus. License LGPL-3.
from odoo import Command, api, fields, models
from odoo.tools import SQL, format_date

from ..tools import forecast, money


class SaleSubscriptionForecast(models.TransientModel):
    """A 12-month projection of the MRR and contracts of one company.

    Each forecast is computed once, when it is opened, from the MRR ledger,
    the subscription history and what is already scheduled. The arithmetic
    and the exact definition of the rates are in ``tools/forecast.py``.
    Amounts are kept unrounded in the company currency and rounded by the
    views only.
    """
    _name = 'sale.subscription.forecast'
    _description = "MRR Forecast"
    _rec_name = 'date'
    _order = 'id desc'

    company_id = fields.Many2one('res.company', required=True, readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id', string="Currency")
    date = fields.Date(
        string="Forecast Date", required=True, readonly=True,
        help="Today in the company's time zone. The forecast starts from the values at the end of this day.")
    history_start = fields.Date(string="History From", readonly=True,
                                help="First day of the six months the rates come from.")
    history_end = fields.Date(string="History Until", readonly=True,
                              help="Last day of the six months the rates come from: the forecast date.")
    mrr = fields.Float(
        string="MRR Today", readonly=True,
        help="Sum of the MRR ledger up to today, in the company currency.")
    contracts = fields.Integer(string="Contracts Today", readonly=True, help="Subscriptions in progress today.")
    projected_mrr = fields.Float(string="Projected MRR in 12 Months", readonly=True)
    projected_contracts = fields.Float(string="Projected Contracts in 12 Months", readonly=True)
    mrr_growth = fields.Float(
        string="Projected Yearly MRR Growth", readonly=True,
        help="Projected MRR in 12 months divided by the MRR today, minus 1. Undefined when the MRR today is zero.")
    has_mrr_growth = fields.Boolean(readonly=True)
    contract_growth = fields.Float(
        string="Projected Yearly Contract Growth", readonly=True,
        help="Projected contracts in 12 months divided by the contracts today, minus 1. "
             "Undefined when there is no contract today.")
    has_contract_growth = fields.Boolean(readonly=True)

    new_mrr_rate = fields.Float(
        string="New MRR per Month", readonly=True,
        help="New and reactivation MRR of the six history months divided by 6, in the company currency. "
             "Added to every forecast month.")
    expansion_rate = fields.Float(
        string="Expansion Rate", readonly=True,
        help="Expansion MRR of the six history months divided by the sum of their opening MRR: the "
             "average part of the opening MRR gained by expansion each month.")
    contraction_rate = fields.Float(
        string="Contraction Rate", readonly=True,
        help="Contraction MRR (pauses included) of the six history months divided by the sum of their "
             "opening MRR: the average part of the opening MRR lost by contraction each month.")
    churn_rate = fields.Float(
        string="Churn Rate", readonly=True,
        help="Churned MRR of the six history months divided by the sum of their opening MRR: the "
             "average part of the opening MRR lost by churn each month.")
    new_contracts_rate = fields.Float(
        string="New Contracts per Month", readonly=True,
        help="Subscriptions started or reopened in the six history months, divided by 6.")
    contract_churn_rate = fields.Float(
        string="Contract Churn Rate", readonly=True,
        help="Subscriptions closed while in progress in the six history months, divided by the sum of "
             "the six months' opening contracts.")
    line_ids = fields.One2many('sale.subscription.forecast.line', 'forecast_id', string="Months", readonly=True)

    # === COMPUTE METHODS === #

    @api.depends('date')
    def _compute_display_name(self):
        for record in self:
            if record.date:
                record.display_name = self.env._("Forecast of %(date)s", date=format_date(self.env, record.date))
            else:
                record.display_name = False

    # === ACTION METHODS === #

    @api.model
    def action_open_forecast(self):
        """Compute the forecast of the current company and open it."""
        return self._generate(self.env.company)._get_form_action()

    def action_refresh(self):
        self.ensure_one()
        return self._generate(self.company_id)._get_form_action()

    def action_view_mrr_graph(self):
        return self._get_lines_action('mrr', self.env._("Projected MRR"))

    def action_view_contracts_graph(self):
        return self._get_lines_action('contracts', self.env._("Projected Contracts"))

    def _get_form_action(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("MRR Forecast"),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(self.env.ref('sale_subscription_plus.sale_subscription_forecast_view_form').id, 'form')],
            'target': 'current',
        }

    def _get_lines_action(self, measure, name):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': 'sale.subscription.forecast.line',
            'view_mode': 'graph,list',
            'views': [(False, 'graph'), (False, 'list')],
            'domain': [('forecast_id', '=', self.id)],
            'context': {'graph_measure': measure, 'graph_mode': 'line'},
            'target': 'current',
        }

    # === BUSINESS METHODS === #

    @api.model
    def _generate(self, company):
        """Create the forecast of ``company`` as of today in its time zone."""
        today = company._subscription_today()
        result = forecast.build_forecast(today, *self._read_history(company, today),
                                         self._read_scheduled(company, today))
        rates = result.rates
        return self.create({
            'company_id': company.id,
            'date': today,
            'history_start': result.history[0].first_day,
            'history_end': result.history[-1].last_day,
            'mrr': float(result.mrr),
            'contracts': result.contracts,
            'projected_mrr': float(result.months[-1].mrr),
            'projected_contracts': float(result.months[-1].contracts),
            'mrr_growth': float(result.mrr_growth or 0.0),
            'has_mrr_growth': result.mrr_growth is not None,
            'contract_growth': float(result.contract_growth or 0.0),
            'has_contract_growth': result.contract_growth is not None,
            'new_mrr_rate': float(rates.new_mrr),
            'expansion_rate': float(rates.expansion),
            'contraction_rate': float(rates.contraction),
            'churn_rate': float(rates.churn),
            'new_contracts_rate': float(rates.new_contracts),
            'contract_churn_rate': float(rates.contract_churn),
            'line_ids': [
                Command.create(self.env['sale.subscription.forecast.line']._prepare_values(index, month))
                for index, month in enumerate(result.months, start=1)
            ],
        })

    @api.model
    def _read_history(self, company, today):
        """Return ``(mrr_before, movements, contracts_before, status_events)`` for ``build_forecast``.

        Values before the first history month come as totals. Later rows,
        future ones included, come one per date and type.
        """
        first_day = forecast.history_windows(today)[0][0]
        self.env['sale.subscription.mrr.movement'].flush_model()
        self.env['sale.subscription.event'].flush_model()
        # Plain SQL over the whole company: the forecast is a company total,
        # like the MRR ledger that salespeople may read in full, while the
        # record rules on orders would limit them to their own subscriptions.
        self.env.cr.execute(SQL("""
            SELECT CASE WHEN effective_date < %(first_day)s THEN NULL ELSE effective_date END AS day,
                   CASE WHEN effective_date < %(first_day)s THEN NULL ELSE movement_type END AS movement_type,
                   SUM(amount)
              FROM sale_subscription_mrr_movement
             WHERE company_id = %(company)s
          GROUP BY 1, 2
        """, first_day=first_day, company=company.id))
        mrr_before = 0.0
        movements = []
        for day, movement_type, amount in self.env.cr.fetchall():
            if day is None:
                mrr_before = amount
            else:
                movements.append((day, movement_type, amount))

        self.env.cr.execute(SQL("""
            SELECT CASE WHEN effective_date < %(first_day)s THEN NULL ELSE effective_date END AS day,
                   event_type, previous_type, COUNT(*)
              FROM (
                  SELECT effective_date, event_type,
                         LAG(event_type) OVER (PARTITION BY subscription_id ORDER BY effective_date, id)
                             AS previous_type
                    FROM sale_subscription_event
                   WHERE company_id = %(company)s AND event_type = ANY(%(types)s)
              ) status_events
          GROUP BY 1, 2, 3
        """, first_day=first_day, company=company.id, types=list(forecast.STATUS_EVENT_TYPES)))
        contracts_before = 0
        status_events = []
        for day, event_type, previous_type, count in self.env.cr.fetchall():
            if day is None:
                contracts_before += forecast.contract_change(event_type, previous_type) * count
            else:
                status_events.append((day, event_type, previous_type, count))
        return mrr_before, movements, contracts_before, status_events

    @api.model
    def _read_scheduled(self, company, today):
        """Return the ``SubscriptionOutlook`` of every subscription of ``company`` with something scheduled."""
        # sudo: see _read_history, the forecast counts every subscription of the company.
        orders = self.env['sale.order'].sudo()
        changes = self.env['sale.subscription.change'].sudo().search([
            ('company_id', '=', company.id),
            ('state', '=', 'scheduled'),
            ('subscription_id.subscription_state', 'in', ('progress', 'paused')),
        ])
        subscriptions = changes.subscription_id | orders.search([
            ('company_id', '=', company.id),
            '|',
            '&', '&', ('subscription_state', '=', 'progress'), ('end_date', '!=', False), ('auto_renew', '=', False),
            '&', ('subscription_state', '=', 'paused'), ('resume_date', '!=', False),
        ])
        if not subscriptions:
            return []
        current_mrr = self._read_current_mrr(subscriptions)
        changes_by_subscription = changes.grouped('subscription_id')
        outlooks = []
        for subscription in subscriptions:
            outlooks.append(forecast.SubscriptionOutlook(
                state=subscription.subscription_state,
                mrr=current_mrr.get(subscription.id, 0.0),
                end_date=subscription.end_date or None,
                auto_renew=subscription.auto_renew,
                pause_date=subscription.pause_date or None,
                resume_date=subscription.resume_date or None,
                resume_mrr=self._monthly_mrr(subscription, subscription.recurring_total, subscription.plan_id, today),
                changes=self._changes_mrr(
                    subscription, changes_by_subscription.get(subscription, changes.browse()), today),
            ))
        return outlooks

    @api.model
    def _read_current_mrr(self, subscriptions):
        """Return ``{subscription id: MRR after its latest event}``, the amount the ledger holds for it."""
        self.env.cr.execute(SQL("""
            SELECT DISTINCT ON (subscription_id) subscription_id, mrr_after
              FROM sale_subscription_event
             WHERE subscription_id = ANY(%s)
          ORDER BY subscription_id, effective_date DESC, id DESC
        """, subscriptions.ids))
        return dict(self.env.cr.fetchall())

    @api.model
    def _changes_mrr(self, subscription, changes, today):
        """Return ``[(effective_date, MRR after the change)]`` of a subscription's scheduled changes."""
        plan = subscription.plan_id
        result = []
        for change in changes.sorted(lambda c: (c.effective_date, c.id)):
            # A change without a plan keeps the plan of the change before it.
            plan = change.plan_id or plan
            recurring = sum(self._change_line_subtotal(subscription, line) for line in change.line_ids)
            result.append((change.effective_date, self._monthly_mrr(subscription, recurring, plan, today)))
        return result

    @api.model
    def _change_line_subtotal(self, subscription, line):
        """Return the untaxed amount per period of a scheduled change line, as the order line will compute it."""
        order_line = line.order_line_id
        if order_line and order_line.product_id == line.product_id:
            taxes = order_line.tax_id
        else:
            # A new line gets the product's taxes through the fiscal position,
            # as sale computes it when the change creates the line.
            taxes = subscription.fiscal_position_id.map_tax(
                line.product_id.taxes_id._filter_taxes_by_company(subscription.company_id))
        tax_model = self.env['account.tax']
        base_line = tax_model._prepare_base_line_for_taxes_computation(
            None,
            product_id=line.product_id,
            tax_ids=taxes,
            price_unit=line.price_unit,
            quantity=line.quantity,
            discount=line.discount,
            currency_id=subscription.currency_id,
            partner_id=subscription.partner_id,
        )
        tax_model._add_tax_details_in_base_line(base_line, subscription.company_id)
        return base_line['tax_details']['total_excluded_currency']

    @api.model
    def _monthly_mrr(self, subscription, recurring, plan, today):
        """Return the MRR of ``recurring`` per period of ``plan``, in the company currency.

        Rounded to the company currency like the history's MRR, and
        converted at today's rate since future rates are unknown.
        """
        monthly = float(money.monthly_amount(recurring, *plan._period_args()))
        company = subscription.company_id
        if subscription.currency_id != company.currency_id:
            monthly = subscription.currency_id._convert(monthly, company.currency_id, company, today, round=False)
        return company.currency_id.round(monthly)
