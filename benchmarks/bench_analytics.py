# Part of sale_subscription_plus. License LGPL-3.
"""Measure the speed of the subscription analytics of sale_subscription_plus.

Run it with the Python of the installed Odoo 18 and the Odoo options, for example::

    source tools/lib.sh
    python=$(find_odoo_python)
    "$python" benchmarks/bench_analytics.py -c odoo.conf \\
        --addons-path "$(odoo_addons_path "$python")" --log-level=warn

Every option this script does not know goes to Odoo's own option parser.

Set-up (timed and printed, but not a target):

1. A scratch database (``--db``, default ``bench_analytics``) gets
   ``sale_subscription_plus`` and the generic chart of accounts on a company
   in Thai baht, five plans, three seat products, a USD pricelist, ten
   salespeople in three sales teams, two quotation templates and twenty
   countries.
2. A seeded simulation writes a history of ``--subscriptions`` subscriptions
   of ``--customers`` customers over ``--months`` months: starts spread over
   the whole span, upsells, downgrades, plan switches, pauses and resumes,
   renewals, closes with a reason, reopenings, and a few USD subscriptions.
   Orders, order lines, history events and (unless ``--no-invoices``) one
   posted invoice per billed period are inserted in bulk with SQL, cloned
   from records made through the ORM. ``_rebuild()`` then writes the MRR
   movement ledger from the history.

Measures, as the administrator (so record rules apply):

1. the MRR analysis pivot: the ``read_group`` call of the brief, and the
   four ``read_group`` calls the pivot view makes when it opens;
2. the KPI list for one month: ``search_read`` of one company and month;
3. the cohort grid of the monthly cohorts;
4. a change of a subscription of a customer with a typical history (an
   upsell through ``_apply_recurring_change``, and ``_close``), with and
   without the ledger refresh, and the refresh alone;
5. the full ledger rebuild, ``_rebuild()``.

"Warm" is the median of ``--repeat`` calls, each in a new cursor of a
registry that has already run the call. "Cold" is the first call after a
new registry and a new PostgreSQL connection: Odoo's caches and the
PostgreSQL backend's catalog caches and plans are empty. The data can still
be in PostgreSQL's shared buffers and in the operating system's page cache:
this script can neither restart PostgreSQL nor drop the page cache.

For the slowest SQL statement of each report, the plan of
``EXPLAIN (ANALYZE, BUFFERS)`` is printed with the nodes that took the most
time. ``--experiments`` then tries changes in the scratch database only
(indexes, settings, a monthly snapshot) and times the reports again.

The scratch database is dropped at the end unless ``--keep`` is given;
``--reuse-data`` measures a database kept by an earlier run.
"""
import argparse
import bisect
import io
import math
import os
import random
import resource
import shutil
import statistics
import sys
import threading
import time
from contextlib import ExitStack, closing, contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

MODULE = 'sale_subscription_plus'
SET_UP_CONTEXT = {
    'tracking_disable': True,
    'mail_create_nolog': True,
    'mail_create_nosubscribe': True,
    'mail_notrack': True,
}
# Name, interval, unit, share of the subscriptions.
PLANS = [
    ("Bench Monthly", 1, 'month', 0.55),
    ("Bench Quarterly", 3, 'month', 0.12),
    ("Bench Half-Yearly", 6, 'month', 0.08),
    ("Bench Yearly", 1, 'year', 0.20),
    ("Bench Two-Yearly", 2, 'year', 0.05),
]
# Discount of a longer period on the monthly price, by months per period.
PERIOD_FACTORS = {1: 1.0, 3: 0.97, 6: 0.95, 12: 0.90, 24: 0.85}
# Name, monthly price per seat in THB and in USD, share of the subscriptions.
PRODUCTS = [
    ("Bench Starter Seat", 290.0, 8.90, 0.50),
    ("Bench Business Seat", 590.0, 16.90, 0.35),
    ("Bench Enterprise Seat", 1490.0, 42.90, 0.15),
]
SETUP_FEE = ("Bench Onboarding", 4900.0, 149.0)
# ISO codes and shares of the customers' countries.
COUNTRIES = [
    ('th', 0.45), ('sg', 0.06), ('my', 0.05), ('vn', 0.05), ('id', 0.04), ('ph', 0.03),
    ('jp', 0.03), ('kr', 0.02), ('cn', 0.02), ('in', 0.02), ('au', 0.03), ('nz', 0.01),
    ('us', 0.05), ('uk', 0.03), ('de', 0.03), ('fr', 0.02), ('nl', 0.02), ('ch', 0.01),
    ('ca', 0.02), ('ae', 0.01),
]
# Customers of these countries pay in USD, a few percent of all subscriptions.
USD_COUNTRIES = {'us', 'ca', 'au'}
TEAMS = ["Bench Team Bangkok", "Bench Team Regional", "Bench Team Enterprise"]
SALESPEOPLE = 10
CLOSE_REASONS = [
    ('close_reason_too_expensive', 0.30), ('close_reason_missing_features', 0.20),
    ('close_reason_competitor', 0.15), ('close_reason_not_needed', 0.20),
    ('close_reason_payment_failure', 0.10), ('close_reason_other', 0.05),
]
# History simulation: mean days between two changes of a running subscription,
# chance that a change is a close, and the mix of the other changes.
MEAN_DAYS_BETWEEN_CHANGES = 33
CLOSE_CHANCE = 0.04
CHANGE_MIX = [('upsell', 0.48), ('downgrade', 0.26), ('plan_switch', 0.06), ('pause', 0.06),
              ('renewal', 0.04)]
REOPEN_CHANCE = 0.10
CLOSE_WHILE_PAUSED_CHANCE = 0.15
SAME_DAY_SECOND_START = 0.25
SETUP_FEE_CHANCE = 0.15
USD_PER_THB = 0.0285
TARGETS = {'report_warm': 1.0, 'report_cold': 3.0, 'rebuild': 300.0, 'ledger_share': 0.10}


def parse_arguments():
    parser = argparse.ArgumentParser(
        description="Benchmark of the subscription analytics (MRR pivot, KPIs, cohorts, ledger). "
                    "Options not listed here are passed to Odoo (for example -c and --addons-path).")
    parser.add_argument('--db', default='bench_analytics', help="Scratch database (default: %(default)s).")
    parser.add_argument('--subscriptions', type=int, default=100_000, help="Default: %(default)s.")
    parser.add_argument('--customers', type=int, default=60_000, help="Default: %(default)s.")
    parser.add_argument('--months', type=int, default=36, help="Span of the history (default: %(default)s).")
    parser.add_argument('--seed', type=int, default=18, help="Seed of the simulation (default: %(default)s).")
    parser.add_argument('--repeat', type=int, default=5,
                        help="Warm calls per measure; the median is reported (default: %(default)s).")
    parser.add_argument('--no-invoices', action='store_true',
                        help="Insert no invoice: the revenue columns of the KPIs then read empty tables.")
    parser.add_argument('--reuse-data', action='store_true',
                        help="Measure the database left by an earlier run with --keep instead of building it.")
    parser.add_argument('--sections', default='reports,changes,rebuild',
                        help="Comma-separated measures to run among reports, changes and rebuild "
                             "(default: %(default)s).")
    parser.add_argument('--experiments', action='store_true',
                        help="After the measures, try indexes, settings and a monthly snapshot in the "
                             "scratch database and time the reports again.")
    parser.add_argument('--no-plans', action='store_true', help="Do not print the EXPLAIN plans.")
    parser.add_argument('--keep', action='store_true', help="Keep the scratch database.")
    arguments, odoo_arguments = parser.parse_known_args()
    if arguments.customers < 1 or arguments.subscriptions < arguments.customers:
        parser.error(f"--subscriptions ({arguments.subscriptions}) must be at least --customers "
                     f"({arguments.customers}), which must be at least 1")
    if arguments.months < 2 or arguments.repeat < 1:
        parser.error("--months must be at least 2 and --repeat at least 1")
    arguments.sections = {section.strip() for section in arguments.sections.split(',') if section.strip()}
    unknown = arguments.sections - {'reports', 'changes', 'rebuild'}
    if unknown:
        parser.error(f"unknown --sections {', '.join(sorted(unknown))}: choose among reports, changes, rebuild")
    return arguments, odoo_arguments


def report(message=""):
    print(message, flush=True)


def seconds_text(value):
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


# === DATABASE === #

def database_exists(name):
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        # DROP DATABASE cannot run inside a transaction.
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def fresh_registry(name):
    """Return a new registry with new connections: the state a "cold" measure starts from."""
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    return Registry.new(name)


def user_env(cr, company_id):
    """The administrator, not the superuser, so that record rules apply as in the web client."""
    admin_id = 2
    return api.Environment(cr, admin_id, {
        'lang': 'en_US', 'tz': 'UTC', 'allowed_company_ids': [company_id],
    })


def copy_rows(cr, table, columns, rows):
    """COPY ``rows`` (tuples, None for NULL) into ``table``."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write('\t'.join('\\N' if value is None else str(value) for value in row))
        buffer.write('\n')
    buffer.seek(0)
    cr._obj.copy_expert(
        SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns)).code,
        buffer,
    )


def table_columns(cr, table):
    cr.execute(SQL(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = %s
         ORDER BY ordinal_position
        """, table,
    ))
    return [row[0] for row in cr.fetchall() if row[0] != 'id']


def clone_query(cr, table, alias, overrides, source):
    """Return an INSERT that copies rows of ``table`` read as ``alias`` from ``source``."""
    columns = table_columns(cr, table)
    values = [
        overrides.get(column, SQL("%s.%s", SQL.identifier(alias), SQL.identifier(column)))
        for column in columns
    ]
    return SQL(
        "INSERT INTO %s (%s) SELECT %s FROM %s",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
        SQL(", ").join(values),
        source,
    )


# === SET-UP: FIXED DATA THROUGH THE ORM === #

def build_database(arguments):
    drop_database(arguments.db)
    report(f"creating {arguments.db} and installing {MODULE} (a few minutes)")
    started = time.perf_counter()
    odoo.service.db._create_empty_database(arguments.db)
    config['init'] = {MODULE: 1}
    try:
        registry = Registry.new(arguments.db, update_module=True)
    finally:
        config['init'] = {}
    report(f"  installed in {time.perf_counter() - started:.0f} s")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, SET_UP_CONTEXT)
        dims = create_fixed_data(env)
    return registry, dims


def create_fixed_data(env):
    company = env.ref('base.main_company')
    company.partner_id.tz = 'UTC'
    company.country_id = env.ref('base.th')
    if not company.chart_template:
        env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
    # A baht company, so that the USD subscriptions are converted. Installing
    # account may already have loaded a chart in USD; no entry exists yet.
    thb = env.ref('base.THB')
    thb.active = True
    company.currency_id = thb
    # Pricelists made at installation are in the old company currency.
    thb_pricelist = env['product.pricelist'].search([], limit=1) or env['product.pricelist'].create(
        {'name': "Bench THB"})
    env['product.pricelist'].search([]).currency_id = thb
    usd = env.ref('base.USD')
    usd.active = True
    today = company._subscription_today()

    plans = env['sale.subscription.plan'].create([{
        'name': name, 'billing_period_value': value, 'billing_period_unit': unit, 'invoice_action': 'post',
    } for name, value, unit, _share in PLANS])
    usd_pricelist = env['product.pricelist'].create({'name': "Bench USD", 'currency_id': usd.id})
    products = env['product.product'].create([{
        'name': name, 'company_id': company.id, 'type': 'service', 'recurring_invoice': True,
        'list_price': thb_price, 'taxes_id': [Command.clear()],
    } for name, thb_price, _usd_price, _share in PRODUCTS])
    setup_fee = env['product.product'].create({
        'name': SETUP_FEE[0], 'company_id': company.id, 'type': 'service', 'invoice_policy': 'order',
        'list_price': SETUP_FEE[1], 'taxes_id': [Command.clear()],
    })
    pricing = []
    for product, (_name, thb_price, usd_price, _share) in zip(products, PRODUCTS):
        for plan, (_plan_name, value, unit, _plan_share) in zip(plans, PLANS):
            pricing.append({'product_template_id': product.product_tmpl_id.id, 'plan_id': plan.id,
                            'price': period_price(thb_price, value, unit, 0)})
            pricing.append({'product_template_id': product.product_tmpl_id.id, 'plan_id': plan.id,
                            'pricelist_id': usd_pricelist.id, 'price': period_price(usd_price, value, unit, 2)})
    env['sale.subscription.pricing'].create(pricing)

    # One USD rate per month of the history, so that USD subscriptions convert
    # at a rate of their effective date.
    rates = monthly_usd_rates(today, 40)
    env['res.currency.rate'].create([
        {'currency_id': usd.id, 'company_id': company.id, 'name': month, 'rate': rate}
        for month, rate in rates
    ])

    teams = env['crm.team'].create([{'name': name, 'company_id': company.id} for name in TEAMS])
    salesman_group = env.ref('sales_team.group_sale_salesman')
    users = env['res.users'].create([{
        'name': f"Bench Salesperson {index:02d}",
        'login': f"bench_salesperson_{index:02d}",
        'company_id': company.id,
        'company_ids': [Command.set(company.ids)],
        'groups_id': [Command.set(salesman_group.ids)],
    } for index in range(1, SALESPEOPLE + 1)])
    templates = env['sale.order.template'].create([
        {'name': "Bench Standard", 'plan_id': plans[0].id},
        {'name': "Bench Annual Contract", 'plan_id': plans[3].id},
    ])
    countries = {code: env.ref(f'base.{code}') for code, _share in COUNTRIES}

    # Sources of the SQL clones: a customer, one THB and one USD subscription
    # confirmed and invoiced through the ORM.
    source_partner = env['res.partner'].create({
        'name': "Bench Source Customer", 'is_company': True, 'country_id': countries['th'].id,
        'email': 'source@bench.example.com', 'customer_rank': 1,
    })
    sources = env['sale.order']
    for code, pricelist in (('thb', thb_pricelist), ('usd', usd_pricelist)):
        order = env['sale.order'].create({
            'partner_id': source_partner.id,
            'plan_id': plans[0].id,
            'pricelist_id': pricelist.id,
            'client_order_ref': f"bench-source-{code}",
            'order_line': [Command.create({'product_id': products[0].id, 'product_uom_qty': 1})],
        })
        if order.currency_id != pricelist.currency_id:
            raise SystemExit(f"the {code} source subscription is in {order.currency_id.name}; the set-up cannot go on")
        sources |= order
    sources.action_confirm()
    invoices = sources.action_create_recurring_invoices()
    invoice = env['account.move'].search([('subscription_id', '=', sources[0].id)], limit=1)
    if not invoice or invoice.state != 'posted':
        raise SystemExit(f"the source subscription was not invoiced ({invoices!r}); the set-up cannot go on")
    return {
        'company': company.id, 'thb': thb.id, 'usd': usd.id, 'today': today,
        'plans': [(plan.id, value, unit, share) for plan, (_n, value, unit, share) in zip(plans, PLANS)],
        'products': [(product.id, thb_price, usd_price, share)
                     for product, (_n, thb_price, usd_price, share) in zip(products, PRODUCTS)],
        'setup_fee': setup_fee.id,
        'usd_pricelist': usd_pricelist.id,
        'rates': rates,
        'teams': teams.ids,
        'users': users.ids,
        'templates': templates.ids,
        'countries': [(countries[code].id, code, share) for code, share in COUNTRIES],
        'close_reasons': [(env.ref(f'{MODULE}.{xmlid}').id, share) for xmlid, share in CLOSE_REASONS],
        'source_partner': source_partner.id,
        'source_orders': {'thb': sources[0].id, 'usd': sources[1].id},
        'source_invoice': invoice.id,
    }


def period_price(monthly, value, unit, digits):
    months = value * (12 if unit == 'year' else 1)
    return round(monthly * months * PERIOD_FACTORS[months], digits)


def monthly_usd_rates(today, months):
    """Return ``[(first day of month, USD per THB)]`` for ``months`` months up to today's."""
    first = date(today.year, today.month, 1)
    rates = []
    for index in range(months, -1, -1):
        month_index = first.year * 12 + first.month - 1 - index
        month = date(month_index // 12, month_index % 12 + 1, 1)
        rates.append((month, round(USD_PER_THB * (1 + 0.04 * math.sin(index / 5)), 6)))
    return rates


# === SET-UP: SIMULATED HISTORY === #

class Simulation:
    """A seeded history of subscriptions, events and invoices, as plain tuples."""

    def __init__(self, arguments, dims):
        from odoo.addons.sale_subscription_plus.tools import money, periods
        self.money = money
        self.periods = periods
        self.rng = random.Random(arguments.seed)
        self.dims = dims
        self.today = dims['today']
        self.first_day = periods.add_months(self.today, -arguments.months) + timedelta(days=1)
        self.rate_months = [month for month, _rate in dims['rates']]
        self.rate_values = [rate for _month, rate in dims['rates']]
        self.with_invoices = not arguments.no_invoices
        self.subscriptions = []
        self.events = []
        self.invoices = []

    def pick(self, choices):
        """Return the first item of an element of ``choices`` (tuples ending with a share)."""
        value = self.rng.random() * sum(choice[-1] for choice in choices)
        for choice in choices:
            value -= choice[-1]
            if value <= 0:
                return choice
        return choices[-1]

    def usd_rate(self, day):
        return self.rate_values[bisect.bisect_right(self.rate_months, day) - 1]

    def run(self, customer_countries, subscription_count):
        """Simulate ``subscription_count`` subscriptions of ``customer_countries``, ``[(partner id, ISO code)]``."""
        rng = self.rng
        span = (self.today - self.first_day).days
        users = self.dims['users']
        teams = self.dims['teams']
        customers = []
        for partner_id, code in customer_countries:
            user_index = rng.randrange(len(users))
            customers.append({
                'partner_id': partner_id,
                'usd': code in USD_COUNTRIES and rng.random() < 0.3,
                'user_index': user_index,
                'first_start': self.first_day + timedelta(days=rng.randrange(span)),
            })
        for position in range(subscription_count):
            if position < len(customers):
                customer = customers[position]
                start = customer['first_start']
            else:
                # Extra subscriptions go mostly to a few large customers.
                customer = customers[int(len(customers) * rng.random() ** 2.5)]
                start = customer['first_start']
                if rng.random() >= SAME_DAY_SECOND_START:
                    start += timedelta(days=rng.randrange((self.today - start).days + 1))
            user_index = customer['user_index']
            if rng.random() < 0.1:
                user_index = rng.randrange(len(users))
            self.simulate_subscription(position, customer, start, users[user_index],
                                       teams[user_index % len(teams)])
        return self

    def simulate_subscription(self, position, customer, start, user_id, team_id):
        rng = self.rng
        dims = self.dims
        usd = customer['usd']
        plan = self.pick(dims['plans'])
        product = self.pick(dims['products'])
        quantity = 1 + int(rng.expovariate(1 / 4))
        template_id = None
        if rng.random() < 0.4:
            template_id = dims['templates'][0] if plan[2] == 'month' else dims['templates'][1]
        currency_id = dims['usd'] if usd else dims['thb']
        state = {'value': 'progress', 'anchor': start, 'index': 0, 'previous': (0.0, 0.0, 0.0)}
        setup_fee = rng.random() < SETUP_FEE_CHANCE

        def price():
            monthly_price = product[2] if usd else product[1]
            return period_price(monthly_price, plan[1], plan[2], 2 if usd else 0)

        def amounts(day):
            if state['value'] != 'progress':
                return 0.0, 0.0, 0.0
            recurring = round(quantity * price(), 2)
            monthly = float(self.money.monthly_amount(recurring, plan[1], plan[2], 2))
            mrr = round(monthly / self.usd_rate(day), 2) if usd else monthly
            return recurring, monthly, mrr

        def log(event_type, day, reason_id=None):
            recurring, monthly, mrr = amounts(day)
            before = state['previous']
            self.events.append((
                position, customer['partner_id'], event_type, day, plan[0], user_id, team_id, currency_id,
                reason_id, before[0], recurring, before[2], mrr, before[1], monthly,
            ))
            state['previous'] = (recurring, monthly, mrr)

        def next_bill():
            return self.periods.period_start(state['anchor'], state['index'], plan[1], plan[2])

        def bill_until(limit):
            """Invoice the periods that start before ``limit`` while in progress."""
            while state['value'] == 'progress' and next_bill() < limit:
                period_start = next_bill()
                state['index'] += 1
                if self.with_invoices:
                    recurring = round(quantity * price(), 2)
                    rate = self.usd_rate(period_start) if usd else 1.0
                    first = setup_fee and not any_invoice[0]
                    self.invoices.append((
                        position, period_start, next_bill() - timedelta(days=1), currency_id, rate,
                        product[0], quantity, round(recurring / quantity, 2), recurring,
                        (SETUP_FEE[2] if usd else SETUP_FEE[1]) if first else 0.0,
                    ))
                    any_invoice[0] = True

        def restart(day):
            state['value'] = 'progress'
            state['anchor'] = day
            state['index'] = 0

        any_invoice = [False]
        day = start
        close_reason_id = None
        pause_day = None
        log('start', day)
        while True:
            if state['value'] == 'progress':
                gap = max(1, round(rng.expovariate(1 / MEAN_DAYS_BETWEEN_CHANGES)))
                if day + timedelta(days=gap) > self.today:
                    break
                bill_until(day + timedelta(days=gap))
                day += timedelta(days=gap)
                if rng.random() < CLOSE_CHANCE:
                    state['value'] = 'closed'
                    close_reason_id = self.pick(dims['close_reasons'])[0]
                    log('close', day, close_reason_id)
                    continue
                change = self.pick(CHANGE_MIX)[0]
                if change == 'downgrade' and quantity == 1:
                    change = 'upsell'
                if change == 'upsell':
                    quantity += rng.choice((1, 1, 1, 2, 2, 3, 5))
                    log('scheduled_change' if rng.random() < 0.05 else 'upsell', day)
                elif change == 'downgrade':
                    quantity -= rng.randint(1, min(3, quantity - 1))
                    log('downgrade', day)
                elif change == 'plan_switch':
                    plan = self.pick([p for p in dims['plans'] if p is not plan])
                    restart(day)
                    log('plan_switch', day)
                elif change == 'pause':
                    state['value'] = 'paused'
                    pause_day = day
                    log('pause', day)
                else:
                    log('renewal', day)
            elif state['value'] == 'paused':
                resume_day = day + timedelta(days=rng.randint(20, 120))
                if resume_day > self.today:
                    break
                day = resume_day
                if rng.random() < CLOSE_WHILE_PAUSED_CHANCE:
                    state['value'] = 'closed'
                    close_reason_id = self.pick(dims['close_reasons'])[0]
                    log('close', day, close_reason_id)
                else:
                    restart(day)
                    pause_day = None
                    log('resume', day)
            else:
                if rng.random() >= REOPEN_CHANCE:
                    break
                reopen_day = day + timedelta(days=rng.randint(30, 240))
                if reopen_day > self.today:
                    break
                day = reopen_day
                close_reason_id = None
                restart(day)
                log('reopen', day)
        bill_until(self.today + timedelta(days=1))
        recurring, monthly, mrr = state['previous']
        self.subscriptions.append({
            'position': position,
            'name': f"BSUB/{position + 1:06d}",
            'partner_id': customer['partner_id'],
            'currency': 'usd' if usd else 'thb',
            'plan_id': plan[0],
            'template_id': template_id,
            'user_id': user_id,
            'team_id': team_id,
            'state': state['value'],
            'start_date': start,
            'next_invoice_date': next_bill() if state['value'] == 'progress' else None,
            'anchor': state['anchor'],
            'end_date': day if state['value'] == 'closed' else None,
            'pause_date': pause_day if state['value'] == 'paused' else None,
            'close_reason_id': close_reason_id if state['value'] == 'closed' else None,
            'product_id': product[0],
            'quantity': quantity,
            'price_unit': price(),
            'recurring_total': round(quantity * price(), 2),
            'recurring_monthly': mrr,
        })


def load_history(registry, arguments, dims):
    """Insert the simulated orders, lines, events and invoices; return the counts."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, SET_UP_CONTEXT)
        started = time.perf_counter()
        customers = insert_customers(env, dims, arguments.customers)
        report(f"  {len(customers)} customers inserted in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        simulation = Simulation(arguments, dims).run(customers, arguments.subscriptions)
        report(f"  simulated {len(simulation.subscriptions)} subscriptions, {len(simulation.events)} events, "
               f"{len(simulation.invoices)} invoices in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        order_ids = insert_subscriptions(env, dims, simulation.subscriptions)
        report(f"  orders and lines inserted in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        insert_events(env, dims, simulation.events, order_ids)
        report(f"  events inserted in {time.perf_counter() - started:.0f} s")
        if simulation.invoices:
            started = time.perf_counter()
            insert_invoices(env, dims, simulation.invoices, order_ids)
            report(f"  invoices inserted in {time.perf_counter() - started:.0f} s")
        # The source orders are not part of the benchmark's history.
        source_ids = list(dims['source_orders'].values())
        cr.execute(SQL("DELETE FROM sale_subscription_event WHERE subscription_id = ANY(%s)", source_ids))
        cr.execute(SQL(
            "UPDATE sale_order SET state = 'cancel', subscription_state = 'cancel', recurring_monthly = 0 "
            "WHERE id = ANY(%s)", source_ids))
        cr.execute(SQL("DELETE FROM sale_subscription_mrr_movement"))
        env.invalidate_all()


def insert_customers(env, dims, count):
    """Insert ``count`` customers; return ``[(partner id, country ISO code)]``."""
    cr = env.cr
    rng = random.Random(f"customers-{count}")
    countries = dims['countries']
    shares = [share for _id, _code, share in countries]
    chosen = [countries[index] for index in rng.choices(range(len(countries)), weights=shares, k=count)]
    cr.execute("CREATE TEMP TABLE bench_customer (position int, country_id int) ON COMMIT DROP")
    copy_rows(cr, 'bench_customer', ['position', 'country_id'],
              ((position, country[0]) for position, country in enumerate(chosen, start=1)))
    name = SQL("'Bench Customer ' || lpad(customer.position::text, 6, '0')")
    cr.execute(SQL(
        "%s ORDER BY customer.position RETURNING id",
        clone_query(cr, 'res_partner', 'source', {
            'name': name,
            'complete_name': name,
            'email': SQL("'customer' || customer.position || '@bench.example.com'"),
            'email_normalized': SQL("'customer' || customer.position || '@bench.example.com'"),
            'country_id': SQL("customer.country_id"),
            'partner_gid': SQL("NULL"),
            'create_date': SQL("source.create_date"),
        }, SQL("res_partner source, bench_customer customer WHERE source.id = %s", dims['source_partner'])),
    ))
    ids = [row[0] for row in cr.fetchall()]
    cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", ids))
    return [(partner_id, country[1]) for partner_id, country in zip(ids, chosen)]


def insert_subscriptions(env, dims, subscriptions):
    """Insert one order and one recurring line per subscription; return ``{position: order id}``."""
    cr = env.cr
    columns = ['position', 'name', 'partner_id', 'currency', 'plan_id', 'template_id', 'user_id', 'team_id',
               'state', 'start_date', 'next_invoice_date', 'anchor', 'end_date', 'pause_date',
               'close_reason_id', 'product_id', 'quantity', 'price_unit', 'recurring_total',
               'recurring_monthly']
    cr.execute("""
        CREATE TEMP TABLE bench_subscription (
            position int, name varchar, partner_id int, currency varchar, plan_id int, template_id int,
            user_id int, team_id int, state varchar, start_date date, next_invoice_date date, anchor date,
            end_date date, pause_date date, close_reason_id int, product_id int, quantity numeric,
            price_unit numeric, recurring_total numeric, recurring_monthly numeric
        ) ON COMMIT DROP
    """)
    copy_rows(cr, 'bench_subscription', columns, ([sub[column] for column in columns] for sub in subscriptions))
    source_thb, source_usd = dims['source_orders']['thb'], dims['source_orders']['usd']
    cr.execute(SQL(
        "%s ORDER BY sub.position",
        clone_query(cr, 'sale_order', 'source', {
            'name': SQL("sub.name"),
            'partner_id': SQL("sub.partner_id"),
            'partner_invoice_id': SQL("sub.partner_id"),
            'partner_shipping_id': SQL("sub.partner_id"),
            'user_id': SQL("sub.user_id"),
            'team_id': SQL("sub.team_id"),
            'plan_id': SQL("sub.plan_id"),
            'sale_order_template_id': SQL("sub.template_id"),
            'client_order_ref': SQL("NULL"),
            'access_token': SQL("NULL"),
            'date_order': SQL("sub.start_date::timestamp"),
            'create_date': SQL("sub.start_date::timestamp"),
            'write_date': SQL("sub.start_date::timestamp"),
            'start_date': SQL("sub.start_date"),
            'next_invoice_date': SQL("sub.next_invoice_date"),
            'billing_anchor_date': SQL("sub.anchor"),
            'end_date': SQL("sub.end_date"),
            'pause_date': SQL("sub.pause_date"),
            'resume_date': SQL("NULL"),
            'subscription_state': SQL("sub.state"),
            'close_reason_id': SQL("sub.close_reason_id"),
            'recurring_total': SQL("sub.recurring_total"),
            'recurring_monthly': SQL("sub.recurring_monthly"),
            'amount_untaxed': SQL("sub.recurring_total"),
            'amount_total': SQL("sub.recurring_total"),
            'amount_tax': SQL("0"),
        }, SQL(
            "bench_subscription sub JOIN sale_order source "
            "ON source.id = CASE WHEN sub.currency = 'usd' THEN %s ELSE %s END",
            source_usd, source_thb,
        )),
    ))
    cr.execute("SELECT sub.position, o.id FROM bench_subscription sub JOIN sale_order o ON o.name = sub.name")
    order_ids = dict(cr.fetchall())
    cr.execute("ALTER TABLE bench_subscription ADD COLUMN order_id int")
    cr.execute("UPDATE bench_subscription sub SET order_id = o.id FROM sale_order o WHERE o.name = sub.name")
    cr.execute(SQL(
        "%s ORDER BY sub.position",
        clone_query(cr, 'sale_order_line', 'line', {
            'order_id': SQL("sub.order_id"),
            'order_partner_id': SQL("sub.partner_id"),
            'salesman_id': SQL("sub.user_id"),
            'product_id': SQL("sub.product_id"),
            'name': SQL("product_template.name->>'en_US'"),
            'product_uom_qty': SQL("sub.quantity"),
            'price_unit': SQL("sub.price_unit"),
            'technical_price_unit': SQL("sub.price_unit"),
            'price_subtotal': SQL("sub.recurring_total"),
            'price_total': SQL("sub.recurring_total"),
            'price_tax': SQL("0"),
            'price_reduce_taxexcl': SQL("sub.price_unit"),
            'price_reduce_taxinc': SQL("sub.price_unit"),
            'qty_invoiced': SQL("sub.quantity"),
            'qty_to_invoice': SQL("0"),
            'untaxed_amount_to_invoice': SQL("0"),
            'untaxed_amount_invoiced': SQL("sub.recurring_total"),
            'invoice_status': SQL("'invoiced'"),
            'create_date': SQL("sub.start_date::timestamp"),
            'write_date': SQL("sub.start_date::timestamp"),
        }, SQL(
            """bench_subscription sub
               JOIN sale_order_line line ON line.order_id = CASE WHEN sub.currency = 'usd' THEN %s ELSE %s END
               JOIN product_product product ON product.id = sub.product_id
               JOIN product_template ON product_template.id = product.product_tmpl_id""",
            source_usd, source_thb,
        )),
    ))
    return order_ids


def insert_events(env, dims, events, order_ids):
    cr = env.cr
    columns = ['subscription_id', 'partner_id', 'event_type', 'effective_date', 'plan_id', 'user_id', 'team_id',
               'currency_id', 'close_reason_id', 'recurring_before', 'recurring_after', 'mrr_before',
               'mrr_after', 'monthly_before', 'monthly_after', 'company_id', 'mrr_change', 'create_uid',
               'write_uid', 'create_date', 'write_date']
    company_id = dims['company']

    def rows():
        for event in events:
            created = datetime.combine(event[3], datetime.min.time())
            yield (order_ids[event[0]], *event[1:], company_id, round(event[12] - event[11], 2),
                   SUPERUSER_ID, SUPERUSER_ID, created, created)

    copy_rows(cr, 'sale_subscription_event', columns, rows())


def insert_invoices(env, dims, invoices, order_ids):
    """Insert one posted invoice per billed period, cloned from the source invoice and its lines."""
    cr = env.cr
    cr.execute("""
        CREATE TEMP TABLE bench_invoice (
            position int, order_id int, name varchar, period_start date, period_end date, currency_id int,
            rate numeric, product_id int, quantity numeric, price_unit numeric, amount numeric,
            setup_fee numeric
        ) ON COMMIT DROP
    """)
    counters = {}

    def rows():
        for position, start, end, currency_id, rate, product_id, quantity, price_unit, amount, fee in invoices:
            number = counters[start.year] = counters.get(start.year, 0) + 1
            yield (position, order_ids[position], f"BINV/{start.year}/{number:07d}", start, end, currency_id,
                   rate, product_id, quantity, price_unit, amount, fee)

    copy_rows(cr, 'bench_invoice', ['position', 'order_id', 'name', 'period_start', 'period_end', 'currency_id',
                                    'rate', 'product_id', 'quantity', 'price_unit', 'amount', 'setup_fee'], rows())
    cr.execute("ANALYZE bench_invoice")
    total = SQL("(inv.amount + inv.setup_fee)")
    total_company = SQL("round((inv.amount + inv.setup_fee) / inv.rate, 2)")
    cr.execute(clone_query(cr, 'account_move', 'move', {
        'name': SQL("inv.name"),
        'sequence_prefix': SQL("split_part(inv.name, '/', 1) || '/' || split_part(inv.name, '/', 2) || '/'"),
        'sequence_number': SQL("split_part(inv.name, '/', 3)::int"),
        'payment_reference': SQL("inv.name"),
        'ref': SQL("NULL"),
        'access_token': SQL("NULL"),
        'date': SQL("inv.period_start"),
        'invoice_date': SQL("inv.period_start"),
        'invoice_date_due': SQL("inv.period_start"),
        'partner_id': SQL("o.partner_id"),
        'commercial_partner_id': SQL("o.partner_id"),
        'partner_shipping_id': SQL("o.partner_id"),
        'invoice_partner_display_name': SQL("partner.name"),
        'invoice_origin': SQL("o.name"),
        'invoice_user_id': SQL("o.user_id"),
        'team_id': SQL("o.team_id"),
        'currency_id': SQL("inv.currency_id"),
        'invoice_currency_rate': SQL("inv.rate"),
        'amount_untaxed': total,
        'amount_total': total,
        'amount_residual': SQL("0"),
        'amount_untaxed_signed': total_company,
        'amount_untaxed_in_currency_signed': total,
        'amount_total_signed': total_company,
        'amount_total_in_currency_signed': total,
        'amount_residual_signed': SQL("0"),
        'amount_tax': SQL("0"),
        'amount_tax_signed': SQL("0"),
        'payment_state': SQL("'paid'"),
        'sending_data': SQL("NULL"),
        'subscription_id': SQL("inv.order_id"),
        'subscription_period_start': SQL("inv.period_start"),
        'subscription_period_end': SQL("inv.period_end"),
        'create_date': SQL("inv.period_start::timestamp"),
        'write_date': SQL("inv.period_start::timestamp"),
    }, SQL(
        """bench_invoice inv
           JOIN sale_order o ON o.id = inv.order_id
           JOIN res_partner partner ON partner.id = o.partner_id
           JOIN account_move move ON move.id = %s""", dims['source_invoice'],
    )))
    cr.execute("ALTER TABLE bench_invoice ADD COLUMN move_id int")
    cr.execute("UPDATE bench_invoice inv SET move_id = move.id FROM account_move move "
               "WHERE move.name = inv.name AND move.subscription_id = inv.order_id")
    cr.execute("ANALYZE bench_invoice")
    common = {
        'move_id': SQL("inv.move_id"),
        'move_name': SQL("inv.name"),
        'partner_id': SQL("o.partner_id"),
        'currency_id': SQL("inv.currency_id"),
        'date': SQL("inv.period_start"),
        'invoice_date': SQL("inv.period_start"),
        'amount_residual': SQL("0"),
        'amount_residual_currency': SQL("0"),
        'reconciled': SQL("FALSE"),
        'create_date': SQL("inv.period_start::timestamp"),
        'write_date': SQL("inv.period_start::timestamp"),
    }
    source = SQL(
        """bench_invoice inv
           JOIN sale_order o ON o.id = inv.order_id
           JOIN account_move_line line ON line.move_id = %s AND line.display_type = %s""",
        dims['source_invoice'], 'product',
    )
    # Recurring product lines, linked to the order line like the job links them.
    cr.execute(clone_query(cr, 'account_move_line', 'line', {
        **common,
        'product_id': SQL("inv.product_id"),
        'quantity': SQL("inv.quantity"),
        'price_unit': SQL("inv.price_unit"),
        'price_subtotal': SQL("inv.amount"),
        'price_total': SQL("inv.amount"),
        'balance': SQL("-round(inv.amount / inv.rate, 2)"),
        'credit': SQL("round(inv.amount / inv.rate, 2)"),
        'debit': SQL("0"),
        'amount_currency': SQL("-inv.amount"),
        'subscription_period_start': SQL("inv.period_start"),
        'subscription_period_end': SQL("inv.period_end"),
    }, source))
    # One-off onboarding fee on the first invoice of some subscriptions.
    cr.execute(clone_query(cr, 'account_move_line', 'line', {
        **common,
        'product_id': SQL("%s", dims['setup_fee']),
        'name': SQL("%s", SETUP_FEE[0]),
        'quantity': SQL("1"),
        'price_unit': SQL("inv.setup_fee"),
        'price_subtotal': SQL("inv.setup_fee"),
        'price_total': SQL("inv.setup_fee"),
        'balance': SQL("-round(inv.setup_fee / inv.rate, 2)"),
        'credit': SQL("round(inv.setup_fee / inv.rate, 2)"),
        'debit': SQL("0"),
        'amount_currency': SQL("-inv.setup_fee"),
        'subscription_period_start': SQL("NULL"),
        'subscription_period_end': SQL("NULL"),
        'sequence': SQL("line.sequence + 1"),
    }, SQL("%s WHERE inv.setup_fee > 0", source)))
    cr.execute(clone_query(cr, 'account_move_line', 'line', {
        **common,
        'balance': total_company,
        'debit': total_company,
        'credit': SQL("0"),
        'amount_currency': total,
        'price_unit': SQL("-%s", total),
        'price_subtotal': SQL("-%s", total),
        'price_total': SQL("-%s", total),
        'date_maturity': SQL("inv.period_start"),
    }, SQL(
        """bench_invoice inv
           JOIN sale_order o ON o.id = inv.order_id
           JOIN account_move_line line ON line.move_id = %s AND line.display_type = %s""",
        dims['source_invoice'], 'payment_term',
    )))
    cr.execute("""
        INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
        SELECT aml.id, sol.id
          FROM bench_invoice inv
          JOIN account_move_line aml ON aml.move_id = inv.move_id AND aml.display_type = 'product'
                                    AND aml.product_id = inv.product_id
          JOIN sale_order_line sol ON sol.order_id = inv.order_id
    """)


def build_history(arguments):
    """Build the scratch database and its ledger; return the set-up figures."""
    started = time.perf_counter()
    registry, dims = build_database(arguments)
    report("inserting the simulated history")
    load_history(registry, arguments, dims)
    with registry.cursor() as cr:
        cr.execute("ANALYZE")
    report("writing the MRR ledger from the history: _rebuild() on an empty ledger")
    rebuild = time_rebuild(registry, dims['company'])
    vacuum_analyze(arguments.db)
    report(f"set-up done in {time.perf_counter() - started:.0f} s")
    return rebuild


def vacuum_analyze(name, tables=None):
    """VACUUM ANALYZE, as autovacuum would do after a bulk load; it needs autocommit."""
    with closing(odoo.sql_db.db_connect(name).cursor()) as cr:
        cr._cnx.autocommit = True
        if tables:
            for table in tables:
                cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))
        else:
            cr.execute("VACUUM ANALYZE")


# === MEASURES === #

class QueryRecorder:
    """Collect the SQL statements run by this thread, with their durations."""

    def __init__(self):
        self.queries = []

    def __enter__(self):
        thread = threading.current_thread()
        self.previous = getattr(thread, 'query_hooks', ())
        thread.query_hooks = (*self.previous, self.hook)
        return self

    def __exit__(self, *exc):
        threading.current_thread().query_hooks = self.previous

    def hook(self, cr, query, params, start, delay):
        self.queries.append((query, params, delay))

    @property
    def sql_seconds(self):
        return sum(delay for _query, _params, delay in self.queries)

    def slowest(self):
        return max(self.queries, key=lambda query: query[2]) if self.queries else None


class Measure:
    def __init__(self, name, target_warm=None, target_cold=None):
        self.name = name
        self.target_warm = target_warm
        self.target_cold = target_cold
        self.cold = []
        self.warm = []
        self.sql_warm = []
        self.cpu_warm = []
        self.queries_warm = None
        self.slowest = None

    @property
    def warm_median(self):
        return statistics.median(self.warm) if self.warm else None

    @property
    def cold_value(self):
        return self.cold[0] if self.cold else None

    def verdict(self):
        checks = []
        if self.target_warm is not None and self.warm:
            checks.append(self.warm_median < self.target_warm)
        if self.target_cold is not None and self.cold:
            checks.append(self.cold_value < self.target_cold)
        if not checks:
            return "-"
        return "OK" if all(checks) else "MISSED"

    def describe(self):
        warm = self.warm_median
        sql = statistics.median(self.sql_warm) if self.sql_warm else None
        cpu = statistics.median(self.cpu_warm) if self.cpu_warm else None
        return (f"{self.name}: cold {seconds_text(self.cold_value)}, warm median {seconds_text(warm)} "
                f"(runs {', '.join(seconds_text(value) for value in self.warm)}), SQL {seconds_text(sql)} "
                f"in {self.queries_warm} queries, Python and transfer {seconds_text(warm - sql if warm else None)}, "
                f"CPU (Odoo + PostgreSQL backend) {seconds_text(cpu)}")


class CpuClock:
    """CPU seconds of this process and of the PostgreSQL backend of ``cr``.

    The machine may be shared: CPU time shows the work done, whatever the
    load; the wall time also counts the waits for a core. Parallel workers
    of PostgreSQL are other processes and are not counted.
    """

    def __init__(self, cr):
        cr.execute("SELECT pg_backend_pid()")
        self.stat_path = f"/proc/{cr.fetchone()[0]}/stat"
        self.started = self.read()

    def read(self):
        backend = None
        try:
            with open(self.stat_path) as stat_file:
                # Fields after the command name, which is in brackets and may contain spaces.
                fields = stat_file.read().rsplit(')', 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        except OSError:
            pass
        return time.process_time(), backend

    def elapsed(self):
        """Return the CPU seconds of both processes since creation, or None when unknown."""
        python_now, backend_now = self.read()
        if backend_now is None or self.started[1] is None:
            return None
        return python_now - self.started[0] + backend_now - self.started[1]


def measure_call(registry, measure, company_id, call, repeat, cold):
    """Run ``call(env)`` once cold (when ``cold``), then ``repeat`` times warm, each in a new cursor."""
    def run():
        with registry.cursor() as cr:
            env = user_env(cr, company_id)
            clock = CpuClock(cr)
            with QueryRecorder() as recorder:
                started = time.perf_counter()
                result = call(env)
                seconds = time.perf_counter() - started
            cpu = clock.elapsed()
            cr.rollback()
        return seconds, recorder, result, cpu

    result = None
    if cold:
        seconds, recorder, result, _cpu = run()
        measure.cold.append(seconds)
    for _index in range(repeat):
        seconds, recorder, result, cpu = run()
        measure.warm.append(seconds)
        measure.sql_warm.append(recorder.sql_seconds)
        if cpu is not None:
            measure.cpu_warm.append(cpu)
        measure.queries_warm = len(recorder.queries)
        measure.slowest = recorder.slowest()
    return result


def report_calls(dims_company, month):
    """Return ``{name: (callable, warm target, cold target)}`` of the measured report calls."""
    def pivot(env):
        return env['sale.subscription.mrr.report'].read_group(
            [], ['amount:sum'], ['date:month', 'row_type'], lazy=False)

    def pivot_view(env):
        # The pivot view asks for every prefix of its row and column groupings.
        model = env['sale.subscription.mrr.report']
        return [model.read_group([], ['amount:sum', '__count'], groupby, lazy=False)
                for groupby in ([], ['row_type'], ['date:month'], ['date:month', 'row_type'])]

    def kpi(env):
        return env['sale.subscription.kpi.report'].search_read(
            [('company_id', '=', dims_company), ('month', '=', month)])

    def kpi_year(env):
        # The KPI list opens on the last 12 months.
        return env['sale.subscription.kpi.report'].web_search_read(
            [('month', '>=', month.replace(year=month.year - 1))],
            {'month': {}, 'mrr': {}, 'arr': {}, 'net_new_mrr': {}, 'customers': {}, 'logo_churn_rate': {},
             'nrr': {}, 'ltv': {}, 'net_revenue': {}})

    # 36 monthly cohorts: today's month and the 35 before it.
    from odoo.addons.sale_subscription_plus.tools.periods import add_months
    cohort_start = add_months(month.replace(day=1), -35)

    def cohort(env):
        return env['sale.subscription.cohort'].get_cohort_grid('month', 'logo', False, cohort_start)

    def cohort_revenue_plan(env):
        return env['sale.subscription.cohort'].get_cohort_grid('month', 'revenue', 'plan_id', cohort_start)

    calls = {
        "MRR pivot read_group(date:month, row_type)": pivot,
        "MRR pivot view opening (4 read_group)": pivot_view,
        "KPI search_read, one company and month": kpi,
        "KPI list web_search_read, last 12 months": kpi_year,
    }
    calls["Cohort grid, 36 monthly cohorts, logo"] = cohort
    calls["Cohort grid, 36 monthly cohorts, revenue by plan"] = cohort_revenue_plan
    return calls


def measure_reports(arguments, company_id, month, measures, print_plans=True, label=""):
    registry = fresh_registry(arguments.db)
    has_cohorts = 'sale.subscription.cohort' in registry
    calls = report_calls(company_id, month)
    results = {}
    for name, call in calls.items():
        if name.startswith("Cohort") and not has_cohorts:
            continue
        key = f"{name}{label}"
        measure = measures.setdefault(key, Measure(key, TARGETS['report_warm'], TARGETS['report_cold']))
        # A new registry and connection for each report: its first call is cold.
        registry = fresh_registry(arguments.db)
        results[name] = measure_call(registry, measure, company_id, call, arguments.repeat, cold=True)
        report(f"  {measure.describe()}")
    if print_plans:
        for name in calls:
            measure = measures.get(f"{name}{label}")
            if measure and measure.slowest:
                explain(arguments.db, name, measure.slowest)
    return results


def explain(db, name, slowest):
    query, params, delay = slowest
    registry = Registry(db)
    with registry.cursor() as cr:
        text = cr.mogrify(query, params).decode()
        cr.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + text)
        plan = cr.fetchone()[0]
        cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
        lines = [row[0] for row in cr.fetchall()]
        cr.rollback()
    report("")
    report(f"--- plan of the slowest statement of: {name} ({delay * 1000:.0f} ms when timed)")
    report("    " + " ".join(text.split())[:400] + (" ..." if len(text) > 400 else ""))
    for line in lines:
        report("    " + line)
    report("    nodes with the most time of their own:")
    for node_time, description in top_plan_nodes(plan[0]['Plan'])[:6]:
        report(f"      {node_time:9.1f} ms  {description}")


def top_plan_nodes(root):
    """Return ``[(exclusive ms, description)]`` of a JSON plan, most expensive first."""
    nodes = []

    def visit(node):
        loops = node.get('Actual Loops', 1) or 1
        total = node.get('Actual Total Time', 0.0) * loops
        children = node.get('Plans', [])
        # Subplans of CTE scans are reported once under the CTE.
        own = total - sum(child.get('Actual Total Time', 0.0) * (child.get('Actual Loops', 1) or 1)
                          for child in children if child.get('Parent Relationship') != 'InitPlan')
        label = node['Node Type']
        for key in ('Relation Name', 'CTE Name', 'Index Name', 'Strategy', 'Sort Method'):
            if node.get(key):
                label += f" {key.lower()}={node[key]}"
        if node.get('Sort Space Type') == 'Disk':
            label += f" on disk {node.get('Sort Space Used')} kB"
        if node.get('Temp Written Blocks'):
            label += f" temp written {node['Temp Written Blocks']} blocks"
        label += f" rows={node.get('Actual Rows')} loops={loops}"
        nodes.append((max(own, 0.0), label))
        for child in children:
            visit(child)

    visit(root)
    return sorted(nodes, reverse=True)


# === CHANGE COST === #

def typical_subscriptions(registry, company_id, count):
    """Return in-progress, not due, company-currency subscriptions of customers with the median history."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env['res.company'].browse(company_id)
        today = company._subscription_today()
        cr.execute(SQL("""
            WITH history AS (
                SELECT partner_id, COUNT(*) AS events, COUNT(DISTINCT subscription_id) AS subscriptions
                  FROM sale_subscription_event GROUP BY partner_id
            ),
            middle AS (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY events) AS events FROM history)
            SELECT o.id, o.partner_id, h.events, h.subscriptions,
                   (SELECT COUNT(*) FROM sale_subscription_mrr_movement m WHERE m.partner_id = o.partner_id)
              FROM sale_order o
              JOIN history h ON h.partner_id = o.partner_id
              JOIN middle ON h.events BETWEEN middle.events - 1 AND middle.events + 1
             WHERE o.subscription_state = 'progress' AND o.currency_id = %(currency)s
               AND o.next_invoice_date > %(today)s + 3 AND o.name LIKE %(pattern)s
               AND h.subscriptions > 1
          ORDER BY o.id
             LIMIT %(count)s
        """, currency=company.currency_id.id, today=today, count=count, pattern='BSUB/%'))
        rows = cr.fetchall()
        cr.execute("""
            SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n), MAX(n), AVG(n)
              FROM (SELECT COUNT(*) AS n FROM sale_subscription_event GROUP BY partner_id) counts
        """)
        median_events, max_events, average_events = cr.fetchone()
    return rows, (median_events, max_events, float(average_events))


@contextmanager
def ledger_refresh_replaced(registry, function):
    """Replace ``_refresh_partners`` of this registry's ledger model by ``function`` (None: no refresh)."""
    model_class = registry['sale.subscription.mrr.movement']
    original = model_class._refresh_partners

    def skip_refresh(self, partners):
        return None

    model_class._refresh_partners = function or skip_refresh
    try:
        yield
    finally:
        model_class._refresh_partners = original


def measure_change(arguments, company_id, kind, refresh_function=None, label=""):
    """Time an upsell or a close with and without the ledger refresh; each run is rolled back.

    :param refresh_function: replaces ``_refresh_partners`` in the runs with a
        refresh and in the refresh alone, to measure another way of writing
    """
    rows, (median_events, max_events, average_events) = typical_subscriptions(
        Registry(arguments.db), company_id, arguments.repeat + 1)
    if not rows:
        report(f"  no typical subscription found for the {kind}")
        return None
    kind_label = f"{kind}{label}"
    report(f"  {kind_label}: customers with {median_events} events (median; average {average_events:.1f}, "
           f"max {max_events}); chosen subscriptions (id, events, subscriptions, movements of the customer): "
           + ", ".join(f"{row[0]} ({row[2]}, {row[3]}, {row[4]})" for row in rows))

    def change(env, order_id):
        subscription = env['sale.order'].browse(order_id)
        if kind == 'upsell':
            line = subscription.order_line.filtered('is_recurring')[:1]
            targets = [{
                'order_line_id': line.id, 'product_id': line.product_id.id,
                'quantity': line.product_uom_qty + 2, 'price_unit': line.price_unit, 'discount': line.discount,
            }]
            subscription._apply_recurring_change(
                targets, env['sale.subscription.plan'], env.company._subscription_today())
        else:
            reason = env.ref(f'{MODULE}.close_reason_too_expensive')
            subscription._close('now', reason)

    def run(registry, order_id, refresh):
        with registry.cursor() as cr, QueryRecorder() as recorder:
            env = user_env(cr, company_id)
            subscription = env['sale.order'].browse(order_id)
            partners = subscription.partner_id.commercial_partner_id
            started = time.perf_counter()
            if refresh:
                if refresh_function:
                    with ledger_refresh_replaced(registry, refresh_function):
                        change(env, order_id)
                        env.flush_all()
                else:
                    change(env, order_id)
                    env.flush_all()
                seconds = time.perf_counter() - started
                refresh_seconds = None
            else:
                with ledger_refresh_replaced(registry, None):
                    change(env, order_id)
                    env.flush_all()
                seconds = time.perf_counter() - started
                # The refresh alone, on the history that now holds the new event.
                mark = len(recorder.queries)
                movement_model = env['sale.subscription.mrr.movement'].sudo()
                started = time.perf_counter()
                if refresh_function:
                    refresh_function(movement_model, partners)
                else:
                    movement_model._refresh_partners(partners)
                refresh_seconds = time.perf_counter() - started
                last_refresh_queries[:] = recorder.queries[mark:]
            queries = len(recorder.queries)
            cr.rollback()
        return seconds, refresh_seconds, queries

    last_refresh_queries = []

    registry = fresh_registry(arguments.db)
    cold_seconds, _refresh, _queries = run(registry, rows[0][0], True)
    with_refresh, without_refresh, refresh_alone, queries = [], [], [], []
    for row in rows[1:]:
        seconds, _refresh, count = run(registry, row[0], True)
        with_refresh.append(seconds)
        queries.append(count)
        seconds, refresh_seconds, _count = run(registry, row[0], False)
        without_refresh.append(seconds)
        refresh_alone.append(refresh_seconds)
    result = {
        'kind': kind_label,
        'cold': cold_seconds,
        'with': statistics.median(with_refresh),
        'without': statistics.median(without_refresh),
        'refresh': statistics.median(refresh_alone),
        'queries': statistics.median(queries),
    }
    result['share'] = result['refresh'] / result['with']
    report(f"  {kind_label}: cold {seconds_text(cold_seconds)}; warm medians: with the ledger refresh "
           f"{seconds_text(result['with'])} ({result['queries']:.0f} queries), without "
           f"{seconds_text(result['without'])}, refresh alone {seconds_text(result['refresh'])} = "
           f"{100 * result['share']:.1f} % of the change (difference with/without "
           f"{100 * (result['with'] - result['without']) / result['with']:.1f} %)")
    report(f"    runs with: {', '.join(seconds_text(v) for v in with_refresh)}; without: "
           f"{', '.join(seconds_text(v) for v in without_refresh)}; refresh alone: "
           f"{', '.join(seconds_text(v) for v in refresh_alone)}")
    report(f"    statements of the last refresh ({seconds_text(refresh_alone[-1])} in all): " + "; ".join(
        f"{statement_label(query)} {delay * 1000:.1f} ms" for query, _params, delay in last_refresh_queries))
    return result


def statement_label(query):
    text = query.decode() if isinstance(query, bytes) else str(query)
    return " ".join(text.split()[:4])[:48]


# === REBUILD === #

def time_rebuild(registry, company_id):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with registry.cursor() as cr, QueryRecorder() as recorder:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        outcome = env['sale.subscription.mrr.movement']._rebuild()
        seconds = time.perf_counter() - started
        cr.commit()
        commit_seconds = time.perf_counter() - started - seconds
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    by_kind = {}
    for query, _params, delay in recorder.queries:
        text = query.decode() if isinstance(query, bytes) else str(query)
        kind = " ".join(text.split()[:3])[:40]
        count, total = by_kind.get(kind, (0, 0.0))
        by_kind[kind] = (count + 1, total + delay)
    sql = recorder.sql_seconds
    report(f"  _rebuild(): {seconds:.1f} s (commit {commit_seconds:.1f} s) for {outcome}; SQL {sql:.1f} s, "
           f"Python {seconds - sql:.1f} s; peak memory of this process {rss_before // 1024} MB before, "
           f"{rss_after // 1024} MB after")
    for kind, (count, total) in sorted(by_kind.items(), key=lambda item: -item[1][1])[:6]:
        report(f"    {total:7.1f} s in {count:5d} x {kind}")
    return {'seconds': seconds, 'sql': sql, 'outcome': outcome, 'rss_mb': rss_after // 1024}


def time_rebuild_phases(registry):
    """Time the parts of a rebuild separately: reading and classifying, then writing."""
    with registry.cursor() as cr, QueryRecorder() as recorder:
        env = api.Environment(cr, SUPERUSER_ID, {})
        movement = env['sale.subscription.mrr.movement']
        started = time.perf_counter()
        rows = movement._compute_rows()
        compute_seconds = time.perf_counter() - started
        compute_sql = recorder.sql_seconds
        started = time.perf_counter()
        movement._rewrite(rows)
        rewrite_seconds = time.perf_counter() - started
        rewrite_sql = recorder.sql_seconds - compute_sql
        cr.rollback()
    report(f"  phases: _compute_rows {compute_seconds:.1f} s (SQL {compute_sql:.1f} s) for {len(rows)} rows; "
           f"_rewrite {rewrite_seconds:.1f} s (SQL {rewrite_sql:.1f} s)")
    return {'compute': compute_seconds, 'compute_sql': compute_sql,
            'rewrite': rewrite_seconds, 'rewrite_sql': rewrite_sql}


# === FACTS === #

def describe_database(db, company_id):
    registry = Registry(db)
    with registry.cursor() as cr:
        cr.execute("SELECT version()")
        report(cr.fetchone()[0])
        cr.execute("""SELECT name, setting, COALESCE(unit, '') FROM pg_settings
                       WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit',
                                      'max_parallel_workers_per_gather', 'random_page_cost')
                    ORDER BY name""")
        report("PostgreSQL settings: " + ", ".join(f"{name}={value}{unit}" for name, value, unit in cr.fetchall()))
        facts = {}
        for label, query in (
            ("customers with a subscription", "SELECT COUNT(DISTINCT partner_id) FROM sale_order "
                                              "WHERE name LIKE 'BSUB/%'"),
            ("subscriptions", "SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BSUB/%'"),
            ("history events", "SELECT COUNT(*) FROM sale_subscription_event"),
            ("ledger movements", "SELECT COUNT(*) FROM sale_subscription_mrr_movement"),
            ("invoices", "SELECT COUNT(*) FROM account_move WHERE subscription_id IS NOT NULL"),
            ("invoice lines", "SELECT COUNT(*) FROM account_move_line"),
        ):
            cr.execute(query)
            facts[label] = cr.fetchone()[0]
        report("data: " + ", ".join(f"{value} {label}" for label, value in facts.items()))
        cr.execute("SELECT subscription_state, COUNT(*) FROM sale_order WHERE name LIKE 'BSUB/%' "
                   "GROUP BY 1 ORDER BY 1")
        report("subscription states: " + ", ".join(f"{state} {count}" for state, count in cr.fetchall()))
        cr.execute("SELECT event_type, COUNT(*) FROM sale_subscription_event GROUP BY 1 ORDER BY 2 DESC")
        report("events: " + ", ".join(f"{kind} {count}" for kind, count in cr.fetchall()))
        cr.execute("SELECT movement_type, COUNT(*), ROUND(SUM(amount)) FROM sale_subscription_mrr_movement "
                   "GROUP BY 1 ORDER BY 2 DESC")
        report("movements: " + ", ".join(f"{kind} {count} ({amount} THB)" for kind, count, amount in cr.fetchall()))
        cr.execute("""SELECT MIN(effective_date), MAX(effective_date),
                             COUNT(DISTINCT currency_id), COUNT(DISTINCT user_id), COUNT(DISTINCT team_id),
                             COUNT(DISTINCT plan_id)
                        FROM sale_subscription_event""")
        first, last, currencies, users, teams, plans = cr.fetchone()
        report(f"history from {first} to {last}: {currencies} currencies, {users} salespeople, {teams} teams, "
               f"{plans} plans")
        cr.execute("SELECT COUNT(DISTINCT country_id) FROM sale_subscription_mrr_movement")
        report(f"countries in the ledger: {cr.fetchone()[0]}")
        cr.execute("""SELECT relname, pg_size_pretty(pg_total_relation_size(oid))
                        FROM pg_class WHERE relname IN ('sale_subscription_event', 'sale_subscription_mrr_movement',
                             'sale_subscription_mrr_movement_order_rel', 'account_move', 'account_move_line')
                    ORDER BY 1""")
        report("sizes with indexes: " + ", ".join(f"{name} {size}" for name, size in cr.fetchall()))
        month = env_today(cr, company_id)
    return facts, month


def env_today(cr, company_id):
    env = api.Environment(cr, SUPERUSER_ID, {})
    return env['res.company'].browse(company_id)._subscription_today()


def company_of(db):
    with Registry(db).cursor() as cr:
        cr.execute("SELECT company_id FROM sale_order WHERE name LIKE 'BSUB/%' LIMIT 1")
        row = cr.fetchone()
    if not row:
        raise SystemExit(f"{db} holds no benchmark data: run without --reuse-data")
    return row[0]


# === EXPERIMENTS === #

# Indexes tried by the experiments: the KPI report orders the ledger per
# customer and the history per subscription; the cohort grid joins each
# customer's movements.
EXPERIMENT_INDEXES = [
    ("bench_movement_customer_date",
     "CREATE INDEX bench_movement_customer_date ON sale_subscription_mrr_movement "
     "(company_id, partner_id, effective_date, id) INCLUDE (movement_type, amount, mrr_before, mrr_after)"),
    ("bench_event_subscription_date",
     "CREATE INDEX bench_event_subscription_date ON sale_subscription_event "
     "(subscription_id, effective_date, id) INCLUDE (company_id, event_type)"),
]


@contextmanager
def database_settings(db, settings):
    """Set PostgreSQL settings for new connections to ``db``; reset them at the end."""
    def alter(statements):
        with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
            cr._cnx.autocommit = True
            for statement in statements:
                cr.execute(statement)

    # ALTER DATABASE takes no query parameters; names and values are this script's constants.
    alter([f'ALTER DATABASE "{db}" SET {name} = {value}' for name, value in settings.items()])
    try:
        yield
    finally:
        alter([f'ALTER DATABASE "{db}" RESET {name}' for name in settings])


@contextmanager
def extra_indexes(db, indexes):
    registry = Registry(db)
    with registry.cursor() as cr:
        for name, statement in indexes:
            started = time.perf_counter()
            cr.execute(statement)
            cr.execute(SQL("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", name))
            report(f"  created {name} in {time.perf_counter() - started:.1f} s, {cr.fetchone()[0]}")
        cr.execute("ANALYZE sale_subscription_mrr_movement")
        cr.execute("ANALYZE sale_subscription_event")
    try:
        yield
    finally:
        with Registry(db).cursor() as cr:
            for name, _statement in indexes:
                cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


@contextmanager
def table_query_replaced(registry, model_name, query):
    """Make ``model_name`` of this registry read ``query`` instead of its own ``_table_query``."""
    model_class = registry[model_name]
    own = model_class.__dict__.get('_table_query')
    model_class._table_query = property(lambda self: query)
    try:
        yield
    finally:
        if own is None:
            del model_class._table_query
        else:
            model_class._table_query = own


def create_snapshots(db):
    """Materialize what the report queries compute, as a snapshot table maintained by the ledger would hold.

    The rows come from the reports' own ``_table_query``, so that they are
    exactly what the reports show today.
    """
    registry = Registry(db)
    statements = {
        # Opening and closing rows of the MRR analysis.
        'bench_mrr_balance': lambda env: SQL(
            """CREATE TABLE bench_mrr_balance AS
               SELECT ROW_NUMBER() OVER () AS id, r.date AS month, r.row_type, r.amount, r.company_id,
                      r.country_id, r.plan_id, r.template_id, r.user_id, r.team_id
                 FROM (%s) r
                WHERE r.movement_id IS NULL""", env['sale.subscription.mrr.report']._table_query),
        # The movements summed per month, type and dimension.
        'bench_mrr_monthly': lambda env: SQL(
            """CREATE TABLE bench_mrr_monthly AS
               SELECT ROW_NUMBER() OVER () AS id, month, row_type, amount, company_id, country_id, plan_id,
                      template_id, user_id, team_id, close_reason_id
                 FROM (SELECT date_trunc('month', effective_date)::date AS month, movement_type AS row_type,
                              SUM(amount) AS amount, company_id, country_id, plan_id, template_id, user_id,
                              team_id, close_reason_id
                         FROM sale_subscription_mrr_movement
                     GROUP BY 1, 2, 4, 5, 6, 7, 8, 9, 10) monthly"""),
        # Every KPI row.
        'bench_kpi': lambda env: SQL(
            "CREATE TABLE bench_kpi AS SELECT * FROM (%s) k", env['sale.subscription.kpi.report']._table_query),
    }
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for name, statement in statements.items():
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
            started = time.perf_counter()
            cr.execute(statement(env))
            cr.execute(SQL("ANALYZE %s", SQL.identifier(name)))
            cr.execute(SQL("SELECT COUNT(*) FROM %s", SQL.identifier(name)))
            report(f"  snapshot {name}: {cr.fetchone()[0]} rows, built in {time.perf_counter() - started:.1f} s")


def drop_snapshots(db):
    with Registry(db).cursor() as cr:
        for name in ('bench_mrr_balance', 'bench_mrr_monthly', 'bench_kpi'):
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))


MRR_WITH_BALANCE_SNAPSHOT = SQL("""
    SELECT m.id AS id, m.effective_date AS date, m.movement_type AS row_type, m.amount AS amount,
           m.company_id, c.currency_id, m.partner_id, m.country_id, m.subscription_id, m.id AS movement_id,
           m.plan_id, m.template_id, m.user_id, m.team_id, m.close_reason_id
      FROM sale_subscription_mrr_movement m
      JOIN res_company c ON c.id = m.company_id
    UNION ALL
    SELECT %s + b.id, b.month, b.row_type, b.amount, b.company_id, c.currency_id, NULL, b.country_id, NULL, NULL,
           b.plan_id, b.template_id, b.user_id, b.team_id, NULL
      FROM bench_mrr_balance b
      JOIN res_company c ON c.id = b.company_id
""", 10 ** 12)

MRR_FROM_MONTHLY_SNAPSHOTS = SQL("""
    SELECT mo.id AS id, mo.month AS date, mo.row_type, mo.amount, mo.company_id, c.currency_id,
           NULL::integer AS partner_id, mo.country_id, NULL::integer AS subscription_id,
           NULL::integer AS movement_id, mo.plan_id, mo.template_id, mo.user_id, mo.team_id, mo.close_reason_id
      FROM bench_mrr_monthly mo
      JOIN res_company c ON c.id = mo.company_id
    UNION ALL
    SELECT %s + b.id, b.month, b.row_type, b.amount, b.company_id, c.currency_id, NULL, b.country_id, NULL, NULL,
           b.plan_id, b.template_id, b.user_id, b.team_id, NULL
      FROM bench_mrr_balance b
      JOIN res_company c ON c.id = b.company_id
""", 10 ** 12)

KPI_FROM_SNAPSHOT = SQL("SELECT * FROM bench_kpi")


def measure_named_calls(arguments, company_id, month, names, label, patches=(), results=None):
    """Time the report calls ``names`` with ``_table_query`` replacements ``[(model, query)]``."""
    calls = report_calls(company_id, month)
    for name in names:
        measure = Measure(f"{name} [{label}]", TARGETS['report_warm'], TARGETS['report_cold'])
        registry = fresh_registry(arguments.db)
        with ExitStack() as stack:
            for model_name, query in patches:
                stack.enter_context(table_query_replaced(registry, model_name, query))
            measure_call(registry, measure, company_id, calls[name], arguments.repeat, cold=True)
        report(f"  {measure.describe()}")
        if results is not None:
            results.setdefault(name, {})[label] = measure


def refresh_partners_by_difference(self, partners):
    """A variant of ``_refresh_partners`` that writes only the rows that changed.

    Most changes add one movement at the end of a customer's history; the
    current code deletes and inserts all of the customer's rows instead.
    """
    if not partners:
        return
    self.env['sale.subscription.event'].flush_model()
    rows = self._compute_rows(partner_ids=partners.ids)
    columns = ['company_id', 'partner_id', 'country_id', 'effective_date', 'movement_type', 'amount',
               'mrr_before', 'mrr_after', 'subscription_currency_id', 'amount_currency', 'subscription_id',
               'plan_id', 'template_id', 'user_id', 'team_id', 'close_reason_id']
    self.env.cr.execute(SQL(
        """SELECT m.id, %s, ARRAY(SELECT r.order_id FROM sale_subscription_mrr_movement_order_rel r
                                   WHERE r.movement_id = m.id ORDER BY r.order_id)
             FROM sale_subscription_mrr_movement m
            WHERE m.partner_id = ANY(%s)""",
        SQL(", ").join(SQL.identifier('m', column) for column in columns), partners.ids,
    ))

    def key(values, subscription_ids):
        return tuple(round(float(value), 6) if isinstance(value, (float, Decimal)) else value
                     for value in values) + (tuple(subscription_ids),)

    stored = {}
    for movement_id, *values, subscription_ids in self.env.cr.fetchall():
        stored.setdefault(key(values, subscription_ids), []).append(movement_id)
    missing = []
    for row in rows:
        ids = stored.get(key([row[column] for column in columns], sorted(row['subscription_ids'])))
        if ids:
            ids.pop()
        else:
            missing.append(row)
    obsolete = [movement_id for ids in stored.values() for movement_id in ids]
    if obsolete:
        self.env.cr.execute(SQL("DELETE FROM sale_subscription_mrr_movement WHERE id = ANY(%s)", obsolete))
    if missing or obsolete:
        # An empty list of customers deletes nothing and inserts the rows.
        self._rewrite(missing, partner_ids=[])


LEDGER_COLUMN_TYPES = [
    ('company_id', 'int'), ('partner_id', 'int'), ('country_id', 'int'), ('effective_date', 'date'),
    ('movement_type', 'varchar'), ('amount', 'numeric'), ('mrr_before', 'numeric'), ('mrr_after', 'numeric'),
    ('subscription_currency_id', 'int'), ('amount_currency', 'numeric'), ('subscription_id', 'int'),
    ('plan_id', 'int'), ('template_id', 'int'), ('user_id', 'int'), ('team_id', 'int'), ('close_reason_id', 'int'),
]


def refresh_partners_in_one_statement(self, partners):
    """A variant of ``_refresh_partners`` that replaces the rows with one statement instead of three.

    The ledger has at most one row per company, customer and day, which
    links each inserted row back to its subscriptions.
    """
    if not partners:
        return
    self.env['sale.subscription.event'].flush_model()
    rows = self._compute_rows(partner_ids=partners.ids)
    columns = [column for column, _type in LEDGER_COLUMN_TYPES]
    arrays = SQL(", ").join(
        SQL("%s::%s[]", [row[column] for row in rows], SQL(column_type))
        for column, column_type in LEDGER_COLUMN_TYPES
    )
    subscription_ids = ['{' + ','.join(map(str, row['subscription_ids'])) + '}' for row in rows]
    self.env.cr.execute(SQL(
        """
        WITH deleted AS (
            DELETE FROM sale_subscription_mrr_movement WHERE partner_id = ANY(%(partners)s)
        ),
        new_rows AS (
            SELECT * FROM unnest(%(arrays)s, %(subscription_ids)s::text[]) AS new_row(%(columns)s, subscription_ids)
        ),
        inserted AS (
            INSERT INTO sale_subscription_mrr_movement (create_uid, write_uid, create_date, write_date, %(columns)s)
            SELECT %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC', %(columns)s FROM new_rows
            RETURNING id, company_id, partner_id, effective_date
        )
        INSERT INTO sale_subscription_mrr_movement_order_rel (movement_id, order_id)
        SELECT inserted.id, unnest(new_rows.subscription_ids::int[])
          FROM inserted
          JOIN new_rows USING (company_id, partner_id, effective_date)
        """,
        partners=partners.ids, arrays=arrays, subscription_ids=subscription_ids, uid=self.env.uid,
        columns=SQL(", ").join(SQL.identifier(column) for column in columns),
    ))
    self.invalidate_model()


def experiment_rebuild_writes(arguments):
    """Time other ways of writing the whole ledger; every attempt is rolled back."""
    registry = fresh_registry(arguments.db)
    columns = ['company_id', 'partner_id', 'country_id', 'effective_date', 'movement_type', 'amount',
               'mrr_before', 'mrr_after', 'subscription_currency_id', 'amount_currency', 'subscription_id',
               'plan_id', 'template_id', 'user_id', 'team_id', 'close_reason_id']
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        rows = env['sale.subscription.mrr.movement']._compute_rows()
        report(f"  _compute_rows(): {time.perf_counter() - started:.1f} s for {len(rows)} rows")
        cr.execute("""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
              FROM pg_constraint
             WHERE contype = 'f' AND conrelid IN ('sale_subscription_mrr_movement'::regclass,
                                                  'sale_subscription_mrr_movement_order_rel'::regclass)
        """)
        foreign_keys = cr.fetchall()
        cr.rollback()

    def write_with_copy(cr, drop_foreign_keys):
        timings = {}
        started = time.perf_counter()
        cr.execute("TRUNCATE sale_subscription_mrr_movement, sale_subscription_mrr_movement_order_rel")
        timings['TRUNCATE'] = time.perf_counter() - started
        if drop_foreign_keys:
            started = time.perf_counter()
            for table, name, _definition in foreign_keys:
                cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
            timings['drop foreign keys'] = time.perf_counter() - started
        started = time.perf_counter()
        cr.execute(SQL("SELECT nextval(pg_get_serial_sequence('sale_subscription_mrr_movement', 'id')) "
                       "FROM generate_series(1, %s)", len(rows)))
        ids = [row[0] for row in cr.fetchall()]
        timings['ids'] = time.perf_counter() - started
        started = time.perf_counter()
        copy_rows(cr, 'sale_subscription_mrr_movement', ['id', 'create_uid', 'write_uid', *columns], (
            (movement_id, SUPERUSER_ID, SUPERUSER_ID, *(row[column] for column in columns))
            for movement_id, row in zip(ids, rows)))
        timings['COPY movements'] = time.perf_counter() - started
        started = time.perf_counter()
        copy_rows(cr, 'sale_subscription_mrr_movement_order_rel', ['movement_id', 'order_id'], (
            (movement_id, order_id) for movement_id, row in zip(ids, rows) for order_id in row['subscription_ids']))
        timings['COPY subscriptions'] = time.perf_counter() - started
        if drop_foreign_keys:
            started = time.perf_counter()
            for table, name, definition in foreign_keys:
                cr.execute(SQL("ALTER TABLE %s ADD CONSTRAINT %s %s", SQL.identifier(table), SQL.identifier(name),
                               SQL(definition)))
            timings['add foreign keys back (validation)'] = time.perf_counter() - started
        return timings

    results = {}
    for label, drop_foreign_keys in (("TRUNCATE + COPY", False), ("TRUNCATE + COPY, foreign keys added back after",
                                                                   True)):
        with registry.cursor() as cr:
            timings = write_with_copy(cr, drop_foreign_keys)
            cr.rollback()
        total = sum(timings.values())
        results[label] = total
        report(f"  writing {len(rows)} rows by {label}: {total:.1f} s ("
               + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()) + ")")
    return results


def run_experiments(arguments, company_id, month, measures):
    """Try changes in the scratch database only and time the reports again."""
    report("")
    report("== experiments (scratch database only; the add-on is unchanged)")
    results = {}
    names = list(report_calls(company_id, month))
    for name in names:
        if name in measures:
            results.setdefault(name, {})['as is'] = measures[name]
    report("-- jit = off")
    with database_settings(arguments.db, {'jit': 'off'}):
        measure_named_calls(arguments, company_id, month, names, "jit off", results=results)
        report("-- jit = off, work_mem = 64MB")
        with database_settings(arguments.db, {'work_mem': "'64MB'"}):
            measure_named_calls(arguments, company_id, month, names, "jit off, work_mem 64MB", results=results)
            report("-- jit = off, work_mem = 64MB, two more indexes")
            with extra_indexes(arguments.db, EXPERIMENT_INDEXES):
                measure_named_calls(arguments, company_id, month, names, "jit off, work_mem 64MB, indexes",
                                    results=results)
            report("-- snapshot tables (jit = off, work_mem = 64MB)")
            create_snapshots(arguments.db)
            try:
                mrr_names = [name for name in names if name.startswith("MRR")]
                kpi_names = [name for name in names if name.startswith("KPI")]
                measure_named_calls(
                    arguments, company_id, month, mrr_names, "balance snapshot", results=results,
                    patches=[('sale.subscription.mrr.report', MRR_WITH_BALANCE_SNAPSHOT)])
                measure_named_calls(
                    arguments, company_id, month, mrr_names, "monthly snapshots", results=results,
                    patches=[('sale.subscription.mrr.report', MRR_FROM_MONTHLY_SNAPSHOTS)])
                measure_named_calls(
                    arguments, company_id, month, kpi_names, "KPI snapshot", results=results,
                    patches=[('sale.subscription.kpi.report', KPI_FROM_SNAPSHOT)])
            finally:
                drop_snapshots(arguments.db)

    report("-- writing the whole ledger")
    rebuild_writes = experiment_rebuild_writes(arguments)
    report("-- the ledger refresh of a change, writing only the rows that changed")
    changes = [measure_change(arguments, company_id, 'close', refresh_partners_by_difference, " [by difference]")]
    report("-- the ledger refresh of a change, in one write statement")
    changes.append(measure_change(arguments, company_id, 'close', refresh_partners_in_one_statement,
                                  " [one statement]"))

    labels = []
    for by_label in results.values():
        for label in by_label:
            if label not in labels:
                labels.append(label)
    report("")
    report("warm medians (cold) per experiment; each column adds to the one before, the snapshot columns "
           "use jit off and work_mem 64MB:")
    report("| measure | " + " | ".join(labels) + " |")
    report("|---|" + "---:|" * len(labels))
    for name, by_label in results.items():
        cells = []
        for label in labels:
            measure = by_label.get(label)
            cells.append(f"{seconds_text(measure.warm_median)} ({seconds_text(measure.cold_value)})"
                         if measure else "-")
        report(f"| {name} | " + " | ".join(cells) + " |")
    return {'rebuild_writes': rebuild_writes, 'changes': changes}


# === MAIN === #

def print_summary(measures, changes, rebuild):
    report("")
    report("| measure | cold | warm median | warm CPU | target | verdict |")
    report("|---|---:|---:|---:|---|---|")
    for measure in measures.values():
        cpu = statistics.median(measure.cpu_warm) if measure.cpu_warm else None
        report(f"| {measure.name} | {seconds_text(measure.cold_value)} | {seconds_text(measure.warm_median)} "
               f"| {seconds_text(cpu)} | < 1 s warm, < 3 s cold | {measure.verdict()} |")
    for change in changes:
        if change:
            verdict = "OK" if change['share'] < TARGETS['ledger_share'] else "MISSED"
            report(f"| {change['kind']}: ledger refresh share | - | {100 * change['share']:.1f} % "
                   f"({seconds_text(change['refresh'])} of {seconds_text(change['with'])}) | - | < 10 % | {verdict} |")
    if rebuild:
        verdict = "OK" if rebuild['seconds'] < TARGETS['rebuild'] else "MISSED"
        report(f"| full ledger rebuild _rebuild() | - | {rebuild['seconds']:.1f} s | - | < 5 min | {verdict} |")


def main():
    arguments, odoo_arguments = parse_arguments()
    config.parse_config(odoo_arguments, setup_logging=True)
    report(f"Odoo {odoo.release.version}, {os.cpu_count()} CPU(s), load average "
           + " ".join(f"{value:.1f}" for value in os.getloadavg()))
    initial_rebuild = None
    try:
        if arguments.reuse_data and database_exists(arguments.db):
            report(f"reusing {arguments.db}")
        else:
            initial_rebuild = build_history(arguments)
        company_id = company_of(arguments.db)
        _facts, today = describe_database(arguments.db, company_id)
        month = today.replace(day=1)

        measures = {}
        if 'reports' in arguments.sections:
            report("")
            report(f"== reports (warm = median of {arguments.repeat}; cold = first call after a new registry "
                   f"and a new PostgreSQL connection; KPI month {month})")
            measure_reports(arguments, company_id, month, measures, print_plans=not arguments.no_plans)

        changes = []
        if 'changes' in arguments.sections:
            report("")
            report("== cost of the ledger in a change (each run rolled back)")
            changes = [measure_change(arguments, company_id, 'upsell'),
                       measure_change(arguments, company_id, 'close')]

        rebuild = None
        if 'rebuild' in arguments.sections:
            report("")
            report("== full ledger rebuild on the full ledger")
            registry = fresh_registry(arguments.db)
            time_rebuild_phases(registry)
            rebuild = time_rebuild(registry, company_id)
            vacuum_analyze(arguments.db, ['sale_subscription_mrr_movement',
                                          'sale_subscription_mrr_movement_order_rel'])
        if initial_rebuild:
            report(f"(set-up: _rebuild() on the empty ledger took {initial_rebuild['seconds']:.1f} s)")

        if arguments.experiments:
            experiments = run_experiments(arguments, company_id, month, measures)
            changes += experiments['changes']
        print_summary(measures, changes, rebuild)
    finally:
        if not arguments.keep:
            drop_database(arguments.db)
    return 0


if __name__ == '__main__':
    sys.exit(main())
