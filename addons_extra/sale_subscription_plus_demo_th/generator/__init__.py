# Part of sale_subscription_plus. License LGPL-3.
"""Generator of the Thai demo: a company, its catalog, customers and two years of billing.

Every random choice comes from one ``random.Random(SEED)``, so two installs
on the same day generate the same records. Dates are relative to the day of
the install, in the company's time zone.
"""
import datetime
import logging
import random
import time

from .catalog import create_catalog
from .common import load_thai_translations
from .company import configure_company, create_usd_rates
from .invoicing import register_payments, replay_billing, stop_sending_past_invoices
from .lifecycle import plan_lifecycle_requests
from .people import create_customers, create_salespeople
from .subscriptions import HISTORY_DAYS, create_subscriptions

_logger = logging.getLogger(__name__)

SEED = 2567


def generate_demo(env):
    """Generate the whole demo in the main company."""
    started = time.monotonic()
    rng = random.Random(SEED)
    # Tracking changes in the chatter of thousands of generated records would
    # only slow the install down, since no user edited them.
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
    company = env.ref('base.main_company')

    export_position = configure_company(env, company)
    today = company._subscription_today()
    create_usd_rates(env, company, rng, today - datetime.timedelta(days=HISTORY_DAYS + 31), today)
    catalog = create_catalog(env, company, export_position.country_group_id)
    load_thai_translations(env)
    salespeople = create_salespeople(env, company, rng)
    thai_customers, foreign_customers = create_customers(env, rng)
    _logger.info("Thai demo: company, catalog and %s customers ready after %.0f s",
                 len(thai_customers) + len(foreign_customers), time.monotonic() - started)

    subscriptions, close_requests = create_subscriptions(
        env, rng, today, catalog, thai_customers, foreign_customers, salespeople)
    _logger.info("Thai demo: %s subscriptions confirmed after %.0f s",
                 len(subscriptions), time.monotonic() - started)

    lifecycle_requests = plan_lifecycle_requests(env, rng, today, subscriptions, catalog, close_requests)
    replay_billing(env, company, min(subscriptions.mapped('start_date')), today, close_requests,
                   lifecycle_requests)
    stop_sending_past_invoices(env, today)
    invoice_count = env['account.move'].search_count([('subscription_id', 'in', subscriptions.ids)])
    _logger.info("Thai demo: %s invoices posted after %.0f s", invoice_count, time.monotonic() - started)

    payments = register_payments(env, company, rng, today)
    in_progress = subscriptions.filtered(lambda s: s.subscription_state == 'progress')
    _logger.info(
        "Thai demo generated in %.0f s: %s subscriptions (%s in progress, %s closed), "
        "%s invoices, %s payments, MRR %.2f %s",
        time.monotonic() - started, len(subscriptions), len(in_progress),
        len(subscriptions) - len(in_progress), invoice_count, len(payments),
        sum(in_progress.mapped('recurring_monthly')), company.currency_id.name,
    )
