# Part of sale_subscription_plus. License LGPL-3.
import datetime
import json

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools.safe_eval import datetime as safe_datetime, safe_eval

DASHBOARD_XML_ID = 'sale_subscription_plus_dashboard.spreadsheet_dashboard_recurring_revenue'


def dashboard_data(env):
    """Return the spreadsheet JSON of the installed dashboard, parsed."""
    return json.loads(env.ref(DASHBOARD_XML_ID).spreadsheet_data)


def odoo_charts(data):
    """Return ``(sheet name, figure)`` for every chart that reads an Odoo model."""
    return [
        (sheet['name'], figure)
        for sheet in data['sheets']
        for figure in sheet['figures']
        if figure['tag'] == 'chart' and figure['data']['type'].startswith('odoo_')
    ]


def evaluate_domain(env, domain, today):
    """Evaluate a data source domain the way the web client does.

    The spreadsheet evaluates string domains with the user context, where
    ``allowed_company_ids[0]`` is the current company, and with
    ``context_today()`` as the browser's date.
    """
    if not isinstance(domain, str):
        return domain
    return safe_eval(domain, {
        'allowed_company_ids': env.companies.ids,
        'context_today': lambda: today,
        'relativedelta': relativedelta,
        'datetime': safe_datetime,
    })


def month_filter_domain(matching, today):
    """Return the domain of a "this month" date filter on ``matching`` (a field matching with an offset)."""
    first_day = today.replace(day=1) + relativedelta(months=matching.get('offset', 0))
    last_day = first_day + relativedelta(months=1, days=-1)
    field_type = matching['type']
    bounds = (first_day, last_day)
    if field_type == 'datetime':
        bounds = (datetime.datetime.combine(first_day, datetime.time.min),
                  datetime.datetime.combine(last_day, datetime.time.max))
    to_string = fields.Datetime.to_string if field_type == 'datetime' else fields.Date.to_string
    return [(matching['chain'], '>=', to_string(bounds[0])), (matching['chain'], '<=', to_string(bounds[1]))]


def global_filter_domain(data, field_matching, today):
    """Return the domain added by the global filters at their default values."""
    domain = []
    for global_filter in data['globalFilters']:
        matching = field_matching.get(global_filter['id'])
        if not matching or not matching.get('chain'):
            continue
        # Only "this month" date filters are simulated here, so another kind must fail loudly.
        assert global_filter['type'] == 'date', global_filter
        assert global_filter.get('defaultValue') == 'this_month', global_filter
        domain += month_filter_domain(matching, today)
    return domain


def groupby_spec(dimension):
    if dimension.get('granularity'):
        return f"{dimension['fieldName']}:{dimension['granularity']}"
    return dimension['fieldName']


def aggregate_spec(measure):
    if measure['fieldName'] == '__count':
        return '__count'
    return f"{measure['fieldName']}:{measure['aggregator']}"


def read_pivot(env, data, pivot_id, today, filters=True):
    """Return the groups of a pivot as the dashboard loads them, as a list of dicts.

    Each dict maps the group-by specs (``"month:month"``) and the measure
    ids (``"mrr:max"``) to their values. A date is the first day of its
    group and a many2one value is a record. ``filters=False`` reads the
    pivot with the global filters cleared, as a user can do in the dashboard.
    """
    pivot = data['pivots'][pivot_id]
    model = env[pivot['model']]
    domain = evaluate_domain(env, pivot['domain'], today)
    if filters:
        domain += global_filter_domain(data, pivot['fieldMatching'], today)
    dimensions = pivot['rows'] + pivot['columns']
    groupby = [groupby_spec(dimension) for dimension in dimensions]
    order = ', '.join(
        f"{groupby_spec(dimension)} {dimension['order']}" for dimension in dimensions if dimension.get('order'))
    aggregates = [aggregate_spec(measure) for measure in pivot['measures']]
    rows = model._read_group(domain, groupby, aggregates, order=order or None)
    keys = groupby + [measure['id'] for measure in pivot['measures']]
    return [dict(zip(keys, row)) for row in rows]


def read_chart(env, data, figure, today):
    """Return ``{group value: measure}`` of an Odoo chart grouped by one field."""
    chart = figure['data']
    meta = chart['metaData']
    model = env[meta['resModel']]
    domain = evaluate_domain(env, chart['searchParams']['domain'], today)
    domain += global_filter_domain(data, chart.get('fieldMatching', {}), today)
    measure = '__count'
    if meta['measure'] != '__count':
        measure = f"{meta['measure']}:{model._fields[meta['measure']].aggregator}"
    return dict(model._read_group(domain, meta['groupBy'], [measure]))
