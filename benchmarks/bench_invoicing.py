# Part of sale_subscription_plus. License LGPL-3.
"""Measure the speed of the recurring invoicing job of sale_subscription_plus.

Run it through ``benchmarks/run.sh``, which finds the installed Odoo 18 and
passes the Odoo options (``-c``, ``--addons-path``). Every option this script
does not know goes to Odoo's own option parser.

Steps:

1. A base database (``--db``, default ``bench_invoicing``) gets
   ``sale_subscription_plus`` and ``account`` with the generic chart of
   accounts, a monthly plan that posts and queues email (``post_send``),
   three subscription products and one customer per subscription.
2. For each case (number of subscriptions x recurring lines per
   subscription), a copy of the base database gets N subscriptions, all due
   today. They are cloned in SQL from a subscription confirmed through the
   ORM, because creating 10,000 orders through the ORM would take longer
   than the benchmark itself. Set-up time is not measured.
3. The job runs through its real entry point,
   ``env['sale.order']._cron_create_recurring_invoices()``, in this script's
   main thread, which is not a test thread, so the job commits per batch as
   in production. The wall time of that call is the end-to-end time. When
   the server's autovacuum is off, a thread runs ANALYZE every minute
   meanwhile, as autovacuum would (``--analyze-every``).
4. Checks: one invoice per subscription, all posted, all queued for
   account's sending job, next invoice date one month later. A second run
   must create no invoice.
5. For comparison, another copy gets N equivalent draft invoices created
   through ``account.move.create``, and ``_post()`` alone is timed, in
   batches of the job's size with a commit after each batch, in the context
   the job uses (tracking disabled). These invoices have no link to the
   subscription or its sale order lines.

The scratch databases are dropped at the end unless ``--keep`` is given.
The exit status is 1 when a check fails.
"""
import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import threading
import time
from contextlib import closing

from dateutil.relativedelta import relativedelta

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
# Context of the job's create() and _post() calls, used by the posting-only comparison.
POSTING_CONTEXT = {
    'default_move_type': 'out_invoice',
    'mail_create_nolog': True,
    'tracking_disable': True,
}
# Recurring price of the bench products for the monthly plan, in the company
# currency. The one-line case uses the first product only.
PRODUCT_PRICES = [('Bench Hosting', 19.90), ('Bench Support', 4.50), ('Bench Backup', 125.00)]


def parse_arguments():
    parser = argparse.ArgumentParser(
        description="Benchmark of the recurring invoicing job. Options not listed "
                    "here are passed to Odoo (for example -c and --addons-path).")

    parser.add_argument(
        '--db', default='bench_invoicing',
        help="Name of the base database; case databases get this name plus a suffix "
             "(default: %(default)s).")
    parser.add_argument(
        '--sizes', default='1000,10000',
        help="Comma-separated numbers of due subscriptions (default: %(default)s).")
    parser.add_argument(
        '--lines', default='1,3',
        help="Comma-separated numbers of recurring lines per subscription, 1 to 3 "
             "(default: %(default)s).")
    parser.add_argument(
        '--batch-size', type=int, default=200,
        help="Batch size passed to the job and used by the posting-only comparison "
             "(default: %(default)s, the job's own default).")
    parser.add_argument(
        '--analyze-every', type=float,
        help="Run ANALYZE on the case database every this many seconds during the timed "
             "runs, 0 to never. Default: 60 when the server's autovacuum is off, else 0.")
    parser.add_argument(
        '--skip-posting', action='store_true',
        help="Skip the posting-only comparison.")
    parser.add_argument(
        '--reuse-base', action='store_true',
        help="Reuse the base database when it exists instead of rebuilding it.")
    parser.add_argument(
        '--keep', action='store_true',
        help="Keep the scratch databases instead of dropping them at the end.")
    parser.add_argument(
        '--profile-dir',
        help="Run the job under cProfile and write one .prof file per case in this "
             "folder. Profiling slows the job down, so the rates of such a run are "
             "not comparable with a normal run.")

    arguments, odoo_arguments = parser.parse_known_args()
    try:
        arguments.sizes = [int(value) for value in arguments.sizes.split(',')]
        arguments.lines = [int(value) for value in arguments.lines.split(',')]
    except ValueError as error:
        parser.error(f"invalid --sizes or --lines: {error}. Give whole numbers separated by commas.")
    if any(size < 1 for size in arguments.sizes):
        parser.error(f"invalid --sizes {arguments.sizes}: every size must be at least 1")
    if any(count not in (1, 2, 3) for count in arguments.lines):
        parser.error(f"invalid --lines {arguments.lines}: every value must be 1, 2 or 3")
    return arguments, odoo_arguments


def report(message):
    print(message, flush=True)


# === DATABASES === #

def database_exists(name):
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def drop_database(name):
    Registry.delete(name)
    odoo.sql_db.close_db(name)
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        # CREATE and DROP DATABASE cannot run inside a transaction.
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def copy_database(source, target):
    drop_database(target)
    # PostgreSQL copies a database only when no other session is connected to it.
    Registry.delete(source)
    odoo.sql_db.close_db(source)
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL(
            "CREATE DATABASE %s ENCODING 'unicode' TEMPLATE %s",
            SQL.identifier(target), SQL.identifier(source),
        ))
    if os.path.isdir(config.filestore(source)):
        shutil.copytree(config.filestore(source), config.filestore(target))
    return Registry.new(target)


def build_base_database(name, max_size):
    """Create ``name`` with the add-on, a chart of accounts and the fixed bench data."""
    drop_database(name)
    report(f"creating base database {name} and installing {MODULE} (a few minutes)")
    started = time.perf_counter()
    odoo.service.db._create_empty_database(name)
    config['init'] = {MODULE: 1}
    try:
        registry = Registry.new(name, update_module=True)
    finally:
        config['init'] = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, SET_UP_CONTEXT)
        company = env.ref('base.main_company')
        if not company.chart_template:
            env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
        create_bench_data(env, company, max_size)
    report(f"base database ready in {time.perf_counter() - started:.0f} s")


def create_bench_data(env, company, max_size):
    plan = env['sale.subscription.plan'].create({
        'name': "Bench Monthly",
        'billing_period_value': 1,
        'billing_period_unit': 'month',
        'invoice_action': 'post_send',
    })
    # The products belong to the company like the plan: a pricing of a shared
    # product on a company plan fails the add-on's company check.
    products = env['product.product'].create([{
        'name': name,
        'company_id': company.id,
        'type': 'service',
        'recurring_invoice': True,
        'list_price': price,
    } for name, price in PRODUCT_PRICES])
    env['sale.subscription.pricing'].create([{
        'product_template_id': product.product_tmpl_id.id,
        'plan_id': plan.id,
        'price': price,
    } for product, (_name, price) in zip(products, PRODUCT_PRICES)])

    report(f"creating {max_size} customers")
    partners = env['res.partner'].create([{
        'name': f"Bench Customer {index:06d}",
        'email': f"customer{index:06d}@bench.example.com",
    } for index in range(1, max_size + 1)])

    # One confirmed subscription per line count is the source of the SQL clones.
    templates = env['sale.order']
    for line_count in (1, 2, 3):
        templates |= env['sale.order'].create({
            'partner_id': partners[0].id,
            'plan_id': plan.id,
            'client_order_ref': f"bench-template-{line_count}",
            'order_line': [
                Command.create({'product_id': product.id, 'product_uom_qty': 1})
                for product in products[:line_count]
            ],
        })
    templates.action_confirm()
    # A year ahead, so that the job never invoices the templates themselves.
    # They stay in progress, so the clones copy no closing data.
    for template in templates:
        template.next_invoice_date = template.start_date + relativedelta(years=1)


def template_subscription(env, line_count):
    return env['sale.order'].search(
        [('client_order_ref', '=', f"bench-template-{line_count}")], limit=1)


def bench_partner_ids(env, size):
    return env['res.partner'].search(
        [('email', '=like', '%@bench.example.com')], order='id', limit=size).ids


# === SET-UP OF A CASE === #

def table_columns(cr, table):
    cr.execute(SQL(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = %s
         ORDER BY ordinal_position
        """, table,
    ))
    return [row[0] for row in cr.fetchall() if row[0] != 'id']


def clone_rows_query(cr, table, alias, overrides, source):
    """Return the INSERT that copies ``table`` rows of ``source`` with some columns replaced."""
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


def clone_subscriptions(env, line_count, size, today):
    """Insert ``size`` due subscriptions copied from the template; return their ids."""
    cr = env.cr
    template = template_subscription(env, line_count)
    partner_ids = bench_partner_ids(env, size)
    if len(partner_ids) < size:
        raise SystemExit(
            f"the base database has {len(partner_ids)} bench customers, fewer than the "
            f"{size} subscriptions requested: rebuild it without --reuse-base")
    env.flush_all()

    cr.execute(SQL(
        "%s ORDER BY customer.position RETURNING id",
        clone_rows_query(cr, 'sale_order', 'template', {
            'name': SQL("'BENCH/' || lpad(customer.position::text, 6, '0')"),
            'partner_id': SQL("customer.id"),
            'partner_invoice_id': SQL("customer.id"),
            'partner_shipping_id': SQL("customer.id"),
            'client_order_ref': SQL("NULL"),
            'access_token': SQL("NULL"),
            'subscription_state': SQL("'progress'"),
            'start_date': SQL("%s::date", today),
            'next_invoice_date': SQL("%s::date", today),
            'end_date': SQL("NULL"),
        }, SQL(
            "sale_order template, unnest(%s::int[]) WITH ORDINALITY AS customer(id, position)"
            " WHERE template.id = %s", partner_ids, template.id,
        )),
    ))
    order_ids = [row[0] for row in cr.fetchall()]

    cr.execute(SQL(
        "%s ORDER BY subscription.id, template_line.sequence, template_line.id",
        clone_rows_query(cr, 'sale_order_line', 'template_line', {
            'order_id': SQL("subscription.id"),
            'order_partner_id': SQL("subscription.partner_id"),
        }, SQL(
            "sale_order_line template_line, sale_order subscription"
            " WHERE template_line.order_id = %s AND subscription.id = ANY(%s)",
            template.id, order_ids,
        )),
    ))

    # Each template line has its own product, so the product finds the
    # template line whose taxes a cloned line takes.
    tax_field = env['sale.order.line']._fields['tax_id']
    cr.execute(SQL(
        """
        INSERT INTO %(relation)s (%(line_column)s, %(tax_column)s)
        SELECT line.id, template_tax.%(tax_column)s
          FROM sale_order_line line
          JOIN sale_order_line template_line
            ON template_line.order_id = %(template)s AND template_line.product_id = line.product_id
          JOIN %(relation)s template_tax ON template_tax.%(line_column)s = template_line.id
         WHERE line.order_id = ANY(%(orders)s)
        """,
        relation=SQL.identifier(tax_field.relation),
        line_column=SQL.identifier(tax_field.column1),
        tax_column=SQL.identifier(tax_field.column2),
        template=template.id, orders=order_ids,
    ))
    env.invalidate_all()
    return order_ids, template


def analyze_database(registry):
    # Fresh planner statistics, as autovacuum would leave them after the set-up.
    with registry.cursor() as cr:
        cr.execute("ANALYZE")


def choose_analyze_interval(arguments):
    with closing(odoo.sql_db.db_connect('postgres').cursor()) as cr:
        cr.execute("SHOW autovacuum")
        autovacuum = cr.fetchone()[0]
    if arguments.analyze_every is None:
        # 60 s is autovacuum_naptime's default: how often autovacuum looks
        # for tables whose statistics are out of date.
        arguments.analyze_every = 60.0 if autovacuum == 'off' else 0.0
    if arguments.analyze_every:
        report(f"autovacuum is {autovacuum} on this server: ANALYZE runs every "
               f"{arguments.analyze_every:g} s during the timed runs, as autovacuum would")
    else:
        report(f"autovacuum is {autovacuum} on this server; the benchmark runs no ANALYZE "
               f"during the timed runs")


class StatisticsRefresher:
    """Run ANALYZE on a database at a fixed interval in a thread, while a block runs.

    Without fresh statistics, PostgreSQL plans the sequence-number queries of
    account.move as if the table were as small as at the last ANALYZE, and
    their cost then grows with every invoice posted.
    """

    def __init__(self, registry, interval):
        self.registry = registry
        self.interval = interval
        self.stop = threading.Event()
        self.thread = None

    def __enter__(self):
        if self.interval:
            self.thread = threading.Thread(target=self.run, name='bench-analyze', daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        if self.thread:
            self.thread.join()

    def run(self):
        while not self.stop.wait(self.interval):
            with self.registry.cursor() as cr:
                cr.execute("ANALYZE")


# === MEASURES === #

def batch_durations_from_create_dates(cr, move_ids, end_wall_time):
    """Return the duration of each committed batch, in seconds.

    Odoo stamps create_date with the transaction's start time, and the job
    commits once per batch, so each distinct create_date is the start of a
    batch. A batch ends where the next one starts, and the last one at the
    end of the job.
    """
    cr.execute(SQL(
        "SELECT DISTINCT create_date FROM account_move WHERE id = ANY(%s) ORDER BY 1", move_ids))
    starts = [row[0] for row in cr.fetchall()]
    ends = starts[1:]
    durations = [(end - start).total_seconds() for start, end in zip(starts, ends)]
    if starts:
        durations.append(end_wall_time - starts[-1].timestamp())
    return durations


def describe_batches(durations):
    if not durations:
        return "no batch"
    head = durations[:5]
    tail = durations[-5:]
    return (
        f"{len(durations)} batches, median {statistics.median(durations):.2f} s, "
        f"first 5 avg {statistics.mean(head):.2f} s, last 5 avg {statistics.mean(tail):.2f} s"
    )


class CpuClock:
    """CPU seconds used by this process and by the PostgreSQL backend of one cursor.

    On a machine shared with other work, wall time grows with the load much
    more than CPU time does. The job waits on its backend for every query, so
    the sum of both CPU times is close to the wall time on an idle machine.
    The backend's time is read from /proc, so it is only known when
    PostgreSQL runs on this machine and /proc/<pid>/stat is readable.
    """

    def __init__(self, cr):
        cr.execute("SELECT pg_backend_pid()")
        self.backend_stat = f"/proc/{cr.fetchone()[0]}/stat"
        self.started = self.read()

    def read(self):
        backend = None
        try:
            with open(self.backend_stat) as stat_file:
                # Fields after the command name, which is in brackets and may contain spaces.
                fields = stat_file.read().rsplit(')', 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        except OSError:
            pass
        return time.process_time(), backend

    def elapsed(self):
        """Return ``(python_seconds, backend_seconds or None)`` since creation."""
        python_now, backend_now = self.read()
        python_seconds = python_now - self.started[0]
        if backend_now is None or self.started[1] is None:
            return python_seconds, None
        return python_seconds, backend_now - self.started[1]


def describe_cpu(python_seconds, backend_seconds, invoices):
    if backend_seconds is None:
        return f"CPU: Odoo {python_seconds:.1f} s, PostgreSQL unknown"
    total = python_seconds + backend_seconds
    return (
        f"CPU: Odoo {python_seconds:.1f} s + PostgreSQL {backend_seconds:.1f} s = {total:.1f} s, "
        f"{invoices / total:.1f} invoices per CPU second"
    )


def describe_load():
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def run_job(registry, batch_size, analyze_every, profile_path=None):
    """Run the job in a fresh cursor like a cron worker.

    :return: (processed, wall seconds, wall clock time at the end, (Odoo CPU, PostgreSQL CPU))
    """
    with registry.cursor() as cr, StatisticsRefresher(registry, analyze_every):
        # Like the context ir.cron gives its jobs: no tracking or language key.
        env = api.Environment(cr, SUPERUSER_ID, {})
        cpu_clock = CpuClock(cr)
        profiler = cProfile.Profile() if profile_path else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        processed = env['sale.order']._cron_create_recurring_invoices(batch_size=batch_size)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        end_wall_time = time.time()
        cpu = cpu_clock.elapsed()
    if profiler:
        profiler.dump_stats(profile_path)
        stats = pstats.Stats(profile_path)
        report(f"  profile written to {profile_path}; top 25 by cumulative time:")
        stats.sort_stats('cumulative').print_stats(25)
    return processed, seconds, end_wall_time, cpu


def check_job_results(cr, order_ids, template, line_count, today):
    """Return a list of (description, passed) for the state after the first run."""
    size = len(order_ids)
    cr.execute(SQL(
        """
        SELECT count(*),
               count(DISTINCT subscription_id),
               count(*) FILTER (WHERE state = 'posted' AND name != '/'),
               count(*) FILTER (WHERE sending_data IS NOT NULL),
               count(*) FILTER (WHERE invoice_date = %(today)s),
               count(*) FILTER (WHERE amount_untaxed = %(untaxed)s AND amount_total = %(total)s)
          FROM account_move
         WHERE subscription_id = ANY(%(orders)s)
        """,
        today=today, orders=order_ids,
        untaxed=template.recurring_total, total=template.amount_total,
    ))
    invoices, subscriptions, posted, queued, dated, amounts = cr.fetchone()
    cr.execute(SQL(
        """
        SELECT count(*) FROM account_move_line line
          JOIN account_move move ON move.id = line.move_id
         WHERE move.subscription_id = ANY(%s) AND line.display_type = 'product'
        """, order_ids,
    ))
    product_lines = cr.fetchone()[0]
    cr.execute(SQL(
        "SELECT count(*) FROM sale_order WHERE id = ANY(%s) AND next_invoice_date = %s",
        order_ids, today + relativedelta(months=1),
    ))
    advanced = cr.fetchone()[0]
    cr.execute(SQL(
        """
        SELECT count(*) FROM ir_cron_trigger cron_trigger
          JOIN ir_model_data xmlid ON xmlid.model = 'ir.cron' AND xmlid.res_id = cron_trigger.cron_id
         WHERE xmlid.module = 'account' AND xmlid.name = 'ir_cron_account_move_send'
        """,
    ))
    triggers = cr.fetchone()[0]
    return [
        (f"{invoices} invoices for {size} subscriptions", invoices == size),
        (f"{subscriptions} distinct subscriptions invoiced", subscriptions == size),
        (f"{posted} invoices posted with a number", posted == size),
        (f"{queued} invoices queued for sending (sending_data set)", queued == size),
        (f"{dated} invoices dated {today}", dated == size),
        (f"{amounts} invoices with untaxed {template.recurring_total} and total "
         f"{template.amount_total}", amounts == size),
        (f"{product_lines} product lines ({line_count} per invoice)",
         product_lines == size * line_count),
        (f"{advanced} next invoice dates advanced to {today + relativedelta(months=1)}",
         advanced == size),
        (f"{triggers} trigger(s) of account's sending job", triggers >= 1),
    ]


def count_invoices(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'")
        return cr.fetchone()[0]


def run_job_case(arguments, size, line_count):
    database = f"{arguments.db}_{size}x{line_count}"
    registry = copy_database(arguments.db, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, SET_UP_CONTEXT)
        today = env.ref('base.main_company')._subscription_today()
        order_ids, template = clone_subscriptions(env, line_count, size, today)
        expected_template = template.read(['recurring_total', 'amount_total'])[0]
    analyze_database(registry)

    profile_path = None
    if arguments.profile_dir:
        os.makedirs(arguments.profile_dir, exist_ok=True)
        profile_path = os.path.join(arguments.profile_dir, f"job_{size}x{line_count}.prof")
    load_before = describe_load()
    processed, seconds, end_wall_time, cpu = run_job(
        registry, arguments.batch_size, arguments.analyze_every, profile_path)
    load_after = describe_load()

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        template = env['sale.order'].browse(expected_template['id'])
        checks = check_job_results(cr, order_ids, template, line_count, today)
        cr.execute(SQL("SELECT id FROM account_move WHERE subscription_id = ANY(%s)", order_ids))
        move_ids = [row[0] for row in cr.fetchall()]
        durations = batch_durations_from_create_dates(cr, move_ids, end_wall_time)

    invoices_before = count_invoices(registry)
    rerun_processed, rerun_seconds, _end, _cpu = run_job(
        registry, arguments.batch_size, arguments.analyze_every)
    rerun_created = count_invoices(registry) - invoices_before
    checks.append((f"second run created {rerun_created} invoices", rerun_created == 0))

    rate = len(move_ids) / seconds
    report(
        f"job {size} x {line_count} line(s): {processed} subscriptions processed, "
        f"{len(move_ids)} invoices in {seconds:.1f} s = {rate:.1f} posted invoices/s")
    report(f"  {describe_cpu(*cpu, len(move_ids))}")
    report(f"  {load_before} before, {load_after} after")
    report(f"  batches: {describe_batches(durations)}")
    report(
        f"  second run: created {rerun_created} invoices, processed {rerun_processed} "
        f"subscriptions in {rerun_seconds:.2f} s")
    for description, passed in checks:
        report(f"  check {'OK  ' if passed else 'FAIL'} {description}")
    Registry.delete(database)
    if not arguments.keep:
        drop_database(database)
    return {
        'seconds': seconds,
        'invoices': len(move_ids),
        'rate': rate,
        'durations': durations,
        'cpu': cpu,
        'passed': all(passed for _description, passed in checks),
    }


def posting_invoice_vals(env, template, partner_ids, today):
    journal = env['account.journal'].search([
        *env['account.journal']._check_company_domain(template.company_id),
        ('type', '=', 'sale'),
    ], limit=1)
    line_vals = [{
        'display_type': 'product',
        'product_id': line.product_id.id,
        'name': line.name,
        'quantity': line.product_uom_qty,
        'product_uom_id': line.product_uom.id,
        'price_unit': line.price_unit,
        'tax_ids': [Command.set(line.tax_id.ids)],
    } for line in template.order_line]
    return [{
        'move_type': 'out_invoice',
        'journal_id': journal.id,
        'partner_id': partner_id,
        'invoice_date': today,
        'currency_id': template.currency_id.id,
        'invoice_origin': f"BENCH/{position:06d}",
        'invoice_line_ids': [Command.create(vals) for vals in line_vals],
    } for position, partner_id in enumerate(partner_ids, start=1)]


def run_posting_case(arguments, size, line_count):
    """Time account's ``_post()`` alone on ``size`` equivalent draft invoices."""
    database = f"{arguments.db}_{size}x{line_count}_post"
    registry = copy_database(arguments.db, database)
    batch_size = arguments.batch_size
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, POSTING_CONTEXT)
        today = env.ref('base.main_company')._subscription_today()
        template = template_subscription(env, line_count)
        vals_list = posting_invoice_vals(env, template, bench_partner_ids(env, size), today)
        move_ids = []
        started = time.perf_counter()
        for start in range(0, size, batch_size):
            moves = env['account.move'].create(vals_list[start:start + batch_size])
            move_ids.extend(moves.ids)
            cr.commit()
            env.invalidate_all()
        create_seconds = time.perf_counter() - started
    analyze_database(registry)

    durations = []
    load_before = describe_load()
    with registry.cursor() as cr, StatisticsRefresher(registry, arguments.analyze_every):
        # The job posts in the context it created the invoices with.
        env = api.Environment(cr, SUPERUSER_ID, POSTING_CONTEXT)
        cpu_clock = CpuClock(cr)
        for start in range(0, size, batch_size):
            batch = env['account.move'].browse(move_ids[start:start + batch_size])
            started = time.perf_counter()
            batch._post(soft=False)
            cr.commit()
            durations.append(time.perf_counter() - started)
            env.invalidate_all()
        cpu = cpu_clock.elapsed()
        cr.execute(SQL(
            "SELECT count(*) FROM account_move WHERE id = ANY(%s) AND state = 'posted'", move_ids))
        posted = cr.fetchone()[0]
    post_seconds = sum(durations)
    report(
        f"posting only {size} x {line_count} line(s): create {create_seconds:.1f} s "
        f"({size / create_seconds:.1f} invoices/s, not part of the rate), "
        f"_post() {post_seconds:.1f} s = {size / post_seconds:.1f} posted invoices/s")
    report(f"  {describe_cpu(*cpu, size)}")
    report(f"  {load_before} before, {describe_load()} after")
    report(f"  batches: {describe_batches(durations)}")
    report(f"  check {'OK  ' if posted == size else 'FAIL'} {posted} of {size} invoices posted")
    Registry.delete(database)
    if not arguments.keep:
        drop_database(database)
    return {
        'create_seconds': create_seconds,
        'seconds': post_seconds,
        'rate': size / post_seconds,
        'cpu': cpu,
        'passed': posted == size,
    }


# === MAIN === #

def cpu_seconds(part):
    python_seconds, backend_seconds = part['cpu']
    return None if backend_seconds is None else python_seconds + backend_seconds


def format_rate(count, seconds):
    return "-" if not seconds else f"{count / seconds:.1f}"


def print_summary(results):
    report("")
    report("| subscriptions | lines | job wall (s) | job invoices/s | job invoices/CPU s "
           "| _post() wall (s) | _post() invoices/s | _post() invoices/CPU s "
           "| _post() CPU / job CPU |")
    report("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (size, line_count), result in results.items():
        job = result['job']
        job_cpu = cpu_seconds(job)
        cells = [
            str(size), str(line_count), f"{job['seconds']:.1f}", f"{job['rate']:.1f}",
            format_rate(job['invoices'], job_cpu),
        ]
        posting = result.get('posting')
        if posting:
            posting_cpu = cpu_seconds(posting)
            share = "-" if not (posting_cpu and job_cpu) else f"{100 * posting_cpu / job_cpu:.0f} %"
            cells += [
                f"{posting['seconds']:.1f}", f"{posting['rate']:.1f}",
                format_rate(size, posting_cpu), share,
            ]
        else:
            cells += ["-"] * 4
        report("| " + " | ".join(cells) + " |")


def main():
    arguments, odoo_arguments = parse_arguments()
    config.parse_config(odoo_arguments, setup_logging=True)
    if not (arguments.reuse_base and database_exists(arguments.db)):
        build_base_database(arguments.db, max(arguments.sizes))
    choose_analyze_interval(arguments)
    report(f"Odoo {odoo.release.version}, {os.cpu_count()} CPU(s), batch size {arguments.batch_size}")

    results = {}
    try:
        for size in arguments.sizes:
            for line_count in arguments.lines:
                case = {'job': run_job_case(arguments, size, line_count)}
                results[(size, line_count)] = case
                if not arguments.skip_posting:
                    case['posting'] = run_posting_case(arguments, size, line_count)
    finally:
        if results:
            print_summary(results)
        if not arguments.keep:
            # An interrupted case leaves its copy behind, so every case name is dropped.
            for size in arguments.sizes:
                for line_count in arguments.lines:
                    drop_database(f"{arguments.db}_{size}x{line_count}")
                    drop_database(f"{arguments.db}_{size}x{line_count}_post")
            drop_database(arguments.db)

    passed = all(part['passed'] for case in results.values() for part in case.values())
    report("all checks passed" if passed else "SOME CHECKS FAILED")
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
