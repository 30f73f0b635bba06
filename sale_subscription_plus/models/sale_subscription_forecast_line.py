# Part of sale_subscription_plus. License LGPL-3.
from odoo import api, fields, models


class SaleSubscriptionForecastLine(models.TransientModel):
    """One month of an MRR forecast: the projected values at its end and what made them change.

    A forecast month is a month-long window that ends on the forecast
    date's day of month (16 May to 15 June for a forecast made on 15 May).
    Contraction and churn are positive amounts; contracts are fractional
    because the rates are averages.
    """
    _name = 'sale.subscription.forecast.line'
    _description = "MRR Forecast Month"
    _order = 'forecast_id, sequence'
    _rec_name = 'date'

    forecast_id = fields.Many2one('sale.subscription.forecast', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='forecast_id.company_id')
    currency_id = fields.Many2one(related='forecast_id.currency_id')
    sequence = fields.Integer(string="Month", readonly=True, help="Months after the forecast date, 1 to 12.")
    first_day = fields.Date(string="From", readonly=True)
    date = fields.Date(
        string="Date", readonly=True,
        help="Last day of the forecast month. The projected values are those at the end of this day.")
    mrr = fields.Float(string="Projected MRR", readonly=True)
    contracts = fields.Float(string="Projected Contracts", readonly=True)
    opening_mrr = fields.Float(string="Opening MRR", readonly=True)
    new_mrr = fields.Float(
        string="New MRR", readonly=True, help="The new MRR rate: new and reactivation MRR per month.")
    expansion_mrr = fields.Float(string="Expansion MRR", readonly=True, help="Opening MRR x expansion rate.")
    contraction_mrr = fields.Float(string="Contraction MRR", readonly=True, help="Opening MRR x contraction rate.")
    churn_mrr = fields.Float(string="Churned MRR", readonly=True, help="Opening MRR x churn rate.")
    scheduled_mrr = fields.Float(
        string="Scheduled MRR Change", readonly=True,
        help="Changes already known for this month: subscriptions starting or pausing, scheduled changes, "
             "fixed terms ending without renewal, paused subscriptions resuming.")
    new_contracts = fields.Float(string="New Contracts", readonly=True)
    churned_contracts = fields.Float(
        string="Churned Contracts", readonly=True,
        help="Opening contracts x contract churn rate.")
    scheduled_contracts = fields.Float(string="Scheduled Contract Change", readonly=True)

    @api.model
    def _prepare_values(self, sequence, month):
        """Return the create values of one ``tools.forecast.ProjectedMonth``."""
        return {
            'sequence': sequence,
            'first_day': month.first_day,
            'date': month.last_day,
            'mrr': float(month.mrr),
            'contracts': float(month.contracts),
            'opening_mrr': float(month.opening_mrr),
            'new_mrr': float(month.new_mrr),
            'expansion_mrr': float(month.expansion_mrr),
            'contraction_mrr': float(month.contraction_mrr),
            'churn_mrr': float(month.churn_mrr),
            'scheduled_mrr': float(month.scheduled_mrr),
            'new_contracts': float(month.new_contracts),
            'churned_contracts': float(month.churned_contracts),
            'scheduled_contracts': float(month.scheduled_contracts),
        }
