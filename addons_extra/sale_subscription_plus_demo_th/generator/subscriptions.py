# Part of sale_subscription_plus. License LGPL-3.
"""Subscriptions started over the last two years, and the days some of them were closed."""
import datetime
from collections import defaultdict

from odoo import Command

from .names import weighted_choice

SUBSCRIPTION_COUNT = 300
HISTORY_DAYS = 730
# Subscriptions per foreign customer. The Thai customers share the rest.
FOREIGN_SUBSCRIPTIONS_EACH = 3
TEMPLATE_SHARE = 0.2
SETUP_FEE_SHARE = 0.3
DISCOUNT_SHARE = 0.2
DISCOUNTS = [5, 10, 15, 20]
# Share of the subscriptions without a template that the customer asked to
# close, after at least MIN_SERVICE_DAYS of service. They close at the end
# of their paid period, so some are still running today.
CLOSE_REQUEST_SHARE = 0.35
MIN_SERVICE_DAYS = 30
PLAN_WEIGHTS = [('monthly', 45), ('quarterly', 25), ('yearly', 30)]
LINE_COUNT_WEIGHTS = [(1, 60), (2, 30), (3, 10)]
# Orders are dated 09:00 in Bangkok, which is 02:00 UTC on the same day.
ORDER_TIME_UTC = datetime.time(2, 0)


def create_subscriptions(env, rng, today, catalog, thai_customers, foreign_customers, salespeople):
    """Create and confirm the subscriptions.

    Start dates are in the past, so that the invoicing replay bills every
    period from the start up to today.

    :return: ``(subscriptions, close_requests)``, where ``close_requests``
        maps a day to the ``(subscription, close reason)`` pairs of the
        customers who asked that day to close
    """
    # A payment reopens a subscription closed for a reason such as a payment
    # failure, and the demo pays old invoices after the replay, so those
    # reasons are left out.
    close_reasons = env['sale.subscription.close.reason'].search([('reopen_on_payment', '=', False)])
    customers = _customer_per_subscription(rng, thai_customers, foreign_customers)
    vals_list = []
    request_days = []
    for customer in customers:
        vals, request_day = _subscription_vals(
            rng, today, catalog, customer, rng.choice(salespeople), customer in foreign_customers)
        vals_list.append(vals)
        request_days.append(request_day)

    subscriptions = env['sale.order'].create(vals_list)
    subscriptions.action_confirm()
    # Confirming dates the order today. The demo dates it on its start day,
    # which is also the day of the exchange rate used for the MRR.
    for subscription, vals in zip(subscriptions, vals_list):
        subscription.date_order = vals['date_order']

    close_requests = defaultdict(list)
    for subscription, request_day in zip(subscriptions, request_days):
        if request_day:
            close_requests[request_day].append((subscription, rng.choice(close_reasons)))
    return subscriptions, close_requests


def _customer_per_subscription(rng, thai_customers, foreign_customers):
    """Return the customer of each subscription, in random order.

    Every customer has at least one subscription, and some Thai customers
    have many more than others, as in a real customer base.
    """
    customers = list(thai_customers)
    for customer in foreign_customers:
        customers.extend([customer] * FOREIGN_SUBSCRIPTIONS_EACH)
    weights = [rng.uniform(1, 5) for _customer in thai_customers]
    remaining = SUBSCRIPTION_COUNT - len(customers)
    customers.extend(rng.choices(list(thai_customers), weights=weights, k=remaining))
    rng.shuffle(customers)
    return customers


def _start_days_ago(rng):
    # The power puts more starts in recent months, like a growing business.
    return 1 + int((HISTORY_DAYS - 1) * rng.random() ** 1.3)


def _subscription_vals(rng, today, catalog, customer, salesperson, is_foreign):
    """Return ``(vals, close_request_day)`` of one subscription.

    ``close_request_day`` is None for a subscription that nobody asks to close.
    """
    days_ago = _start_days_ago(rng)
    start_date = today - datetime.timedelta(days=days_ago)
    vals = {
        'partner_id': customer.id,
        'user_id': salesperson.id,
        'start_date': start_date,
        'date_order': datetime.datetime.combine(start_date, ORDER_TIME_UTC),
    }
    close_request_day = None
    if not is_foreign and rng.random() < TEMPLATE_SHARE:
        # The template brings the plan, the term and its setup fee.
        template = rng.choice(list(catalog.templates.values()))
        vals['sale_order_template_id'] = template.id
        lines = [
            (line.product_id, line.product_uom_qty, 0)
            for line in template.sale_order_template_line_ids
        ]
    else:
        vals['plan_id'] = catalog.plans[weighted_choice(rng, PLAN_WEIGHTS)].id
        lines = _recurring_lines(rng, catalog, is_foreign)
        if rng.random() < SETUP_FEE_SHARE:
            lines.append((catalog.setup_fee, 1, 0))
        if days_ago > MIN_SERVICE_DAYS and rng.random() < CLOSE_REQUEST_SHARE:
            close_request_day = start_date + datetime.timedelta(days=rng.randint(MIN_SERVICE_DAYS, days_ago - 1))
    vals['order_line'] = [
        Command.create({'product_id': product.id, 'product_uom_qty': quantity, 'discount': discount})
        for product, quantity, discount in lines
    ]
    return vals, close_request_day


def _recurring_lines(rng, catalog, is_foreign):
    """Return ``(product, quantity, discount)`` of 1 to 3 recurring lines."""
    # Foreign customers buy the products that have a USD price.
    keys = catalog.usd_product_keys() if is_foreign else list(catalog.products)
    count = min(weighted_choice(rng, LINE_COUNT_WEIGHTS), len(keys))
    lines = []
    for key in rng.sample(keys, count):
        low, high = catalog.specs[key].quantities
        lines.append((catalog.products[key], rng.randint(low, high), 0))
    if rng.random() < DISCOUNT_SHARE:
        product, quantity, _discount = lines[0]
        lines[0] = (product, quantity, rng.choice(DISCOUNTS))
    return lines
