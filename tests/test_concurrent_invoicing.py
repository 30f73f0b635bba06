"""The invoicing job with two real workers at once, and after a worker is killed.

These tests start real Odoo processes on a real database, so they run only
when tools/run_tests.sh provides one through SSP_INTEGRATION_DB (with
SSP_ODOO_COMMAND and SSP_ADDONS_PATH); otherwise they are skipped.
"""
import os
import pathlib
import shlex
import signal
import subprocess
import textwrap
import time
import uuid

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
DATABASE = os.environ.get('SSP_INTEGRATION_DB')

pytestmark = pytest.mark.skipif(
    not DATABASE, reason="needs an Odoo database with the add-on: run tools/run_tests.sh")


def odoo_shell(script, wait=True):
    """Run ``script`` in ``odoo-bin shell`` on the integration database."""
    command = shlex.split(os.environ['SSP_ODOO_COMMAND']) + [
        'shell', '-c', str(REPO_ROOT / 'odoo.conf'), '--addons-path', os.environ['SSP_ADDONS_PATH'],
        '-d', DATABASE, '--log-level', 'warn', '--no-http',
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=REPO_ROOT, start_new_session=True)
    process.stdin.write(textwrap.dedent(script))
    process.stdin.close()
    if not wait:
        return process
    output = process.stdout.read()
    assert process.wait(timeout=600) == 0, output
    return output


SETUP = """
    import datetime
    from odoo import Command
    company = env.company
    company.partner_id.tz = 'UTC'
    if not env['account.journal'].search([('type', '=', 'sale'), ('company_id', '=', company.id)], limit=1):
        env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
    plan = env['sale.subscription.plan'].create({
        'name': 'Concurrency monthly', 'billing_period_unit': 'month', 'invoice_action': 'post'})
    product = env['product.product'].create({
        'name': 'Concurrency seat', 'type': 'service', 'recurring_invoice': True,
        'subscription_pricing_ids': [Command.create({'plan_id': plan.id, 'price': 100.0})]})
    partner = env['res.partner'].create({'name': 'Concurrency customer', 'email': 'c@example.com'})
    start = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    start = start.replace(day=1)
    orders = env['sale.order'].create([{
        'partner_id': partner.id, 'plan_id': plan.id, 'start_date': start,
        'client_order_ref': 'CONCURRENCY-%s' % (tag,),
        'order_line': [Command.create({'product_id': product.id})],
    } for _ in range(count)])
    orders.action_confirm()
    env.cr.commit()
"""

RUN_JOB = """
    env['sale.order']._cron_create_recurring_invoices(batch_size=5)
    env.cr.commit()
"""

CHECK = """
    orders = env['sale.order'].search([('client_order_ref', '=', 'CONCURRENCY-%s' % (tag,))])
    moves = env['account.move'].search([('subscription_id', 'in', orders.ids)])
    keys = [(m.subscription_id.id, m.subscription_period_start) for m in moves]
    print('RESULT', len(orders), len(moves), len(set(keys)), len(orders.filtered(lambda o: o.next_invoice_date > datetime.date.today())))
"""


def count_invoices(tag):
    """Count the committed invoices of the tagged subscriptions, straight from PostgreSQL."""
    query = (
        "SELECT COUNT(*) FROM account_move m JOIN sale_order o ON o.id = m.subscription_id "
        f"WHERE o.client_order_ref = 'CONCURRENCY-{tag}'"
    )
    result = subprocess.run(['psql', '-XAtq', '-d', DATABASE, '-c', query],
                            capture_output=True, text=True, check=True)
    return int(result.stdout.strip() or 0)


def check(tag):
    output = odoo_shell(f"import datetime\ntag = {tag!r}\n" + textwrap.dedent(CHECK))
    line = next(line for line in output.splitlines() if line.startswith('RESULT'))
    orders, moves, distinct, advanced = (int(value) for value in line.split()[1:])
    return orders, moves, distinct, advanced


def test_two_workers_never_duplicate():
    tag = f'two-workers-{uuid.uuid4().hex[:8]}'
    odoo_shell(f"tag = {tag!r}\ncount = 60\n" + textwrap.dedent(SETUP))
    workers = [odoo_shell(RUN_JOB, wait=False) for _ in range(2)]
    for worker in workers:
        output = worker.stdout.read()
        assert worker.wait(timeout=600) == 0, output
    orders, moves, distinct, advanced = check(tag)
    # Each subscription started on the first day of last month has two due
    # periods: last month and this month.
    assert orders == 60
    assert moves == 120
    assert distinct == moves
    assert advanced == orders


def test_killed_worker_then_rerun():
    tag = f'killed-{uuid.uuid4().hex[:8]}'
    odoo_shell(f"tag = {tag!r}\ncount = 200\n" + textwrap.dedent(SETUP))
    worker = odoo_shell(RUN_JOB, wait=False)
    # Kill the worker without warning as soon as its first batch is committed.
    invoiced_at_kill = 0
    deadline = time.monotonic() + 300
    while not invoiced_at_kill and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.2)
        invoiced_at_kill = count_invoices(tag)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=60)
    assert 0 < invoiced_at_kill < 400, "the worker was not killed in the middle of its run"
    odoo_shell(RUN_JOB)
    orders, moves, distinct, advanced = check(tag)
    assert orders == 200
    assert moves == 400
    assert distinct == moves
    assert advanced == orders
