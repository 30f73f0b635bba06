# Part of sale_subscription_plus. License LGPL-3.
"""Changes during the demo's history: upsells, downgrades, a plan switch, a
scheduled change, pauses and a reopening, so that the history and the MRR
movements of a few subscriptions show every kind of event.

Each request is a ``(day, action)`` pair; the replay of the invoicing job
calls ``action(day)`` on the first replay day on or after ``day``, with that
replay day as the effective date, before invoicing that day.
"""
import datetime
from collections import defaultdict

# Days before today when the changes happen, spread over the history.
UPSELL_DAYS_AGO = (400, 250)
DOWNGRADE_DAYS_AGO = (300, 150)
PLAN_SWITCH_DAYS_AGO = 200
SCHEDULED_CHANGE_DAYS_AGO = 180
PAUSE_DAYS_AGO = (320, 120)
PAUSE_LENGTH_DAYS = 35
REOPEN_DAYS_AGO = 60


def plan_lifecycle_requests(env, rng, today, subscriptions, catalog, close_requests):
    """Return ``{day: [action, ...]}`` of the demo's lifecycle changes.

    The candidates are subscriptions that started long enough ago, are not
    fixed terms, and nobody asks to close; the reopening takes one that is
    closed early in the history.
    """
    requests = defaultdict(list)
    closing = {subscription for day_requests in close_requests.values() for subscription, _reason in day_requests}
    long_running = [
        subscription for subscription in subscriptions
        if subscription.start_date <= today - datetime.timedelta(days=450)
        and not subscription.end_date and subscription not in closing
        and subscription.currency_id == subscription.company_id.currency_id
    ]
    rng.shuffle(long_running)
    picks = iter(long_running)

    for days_ago in UPSELL_DAYS_AGO:
        requests[today - datetime.timedelta(days=days_ago)].append(_quantity_change(next(picks), +1))
    for days_ago in DOWNGRADE_DAYS_AGO:
        subscription = next(s for s in picks if max(s.order_line.filtered('is_recurring').mapped('product_uom_qty')) > 1)
        requests[today - datetime.timedelta(days=days_ago)].append(_quantity_change(subscription, -1))

    yearly = catalog.plans.get('yearly')
    switchable = next((s for s in picks if s.plan_id != yearly and _priced_for(env, s, yearly)), None)
    if switchable:
        requests[today - datetime.timedelta(days=PLAN_SWITCH_DAYS_AGO)].append(_plan_switch(switchable, yearly))

    requests[today - datetime.timedelta(days=SCHEDULED_CHANGE_DAYS_AGO)].append(_scheduled_upsell(next(picks)))

    for days_ago in PAUSE_DAYS_AGO:
        requests[today - datetime.timedelta(days=days_ago)].append(_pause(next(picks)))

    reopened = sorted(closing, key=lambda s: s.start_date)[:1]
    for subscription in reopened:
        requests[today - datetime.timedelta(days=REOPEN_DAYS_AGO)].append(_reopen(subscription))
    return requests


def _targets(subscription, quantity_delta=0, line_index=0):
    lines = subscription.order_line.filtered(lambda l: l.is_recurring and l.product_uom_qty)
    targets = []
    for index, line in enumerate(lines):
        quantity = line.product_uom_qty + (quantity_delta if index == line_index else 0)
        targets.append({
            'order_line_id': line.id, 'product_id': line.product_id.id,
            'quantity': quantity, 'price_unit': line.price_unit, 'discount': line.discount,
        })
    return targets


def _quantity_change(subscription, delta):
    def action(day):
        if subscription.subscription_state != 'progress':
            return
        lines = subscription.order_line.filtered(lambda l: l.is_recurring and l.product_uom_qty)
        index = next((i for i, line in enumerate(lines) if line.product_uom_qty + delta >= 1), None)
        if index is None:
            return
        subscription._apply_recurring_change(
            _targets(subscription, delta, index), subscription.plan_id.browse(), day,
            note="Seats adjusted" if delta > 0 else "Fewer seats needed")
    return action


def _plan_switch(subscription, plan):
    def action(day):
        if subscription.subscription_state != 'progress':
            return
        pricing_model = subscription.env['sale.subscription.pricing']
        targets = []
        for target in _targets(subscription):
            product = subscription.env['product.product'].browse(target['product_id'])
            target['price_unit'] = pricing_model._find_pricing(product, plan, subscription.pricelist_id).price
            targets.append(target)
        subscription._apply_recurring_change(targets, plan, day, note="Moved to yearly billing")
    return action


def _scheduled_upsell(subscription):
    def action(day):
        if subscription.subscription_state != 'progress' or not subscription.next_invoice_date:
            return
        subscription._schedule_change(
            _targets(subscription, +1), subscription.plan_id.browse(),
            max(subscription.next_invoice_date, day + datetime.timedelta(days=1)),
            description="One more seat from the next period")
    return action


def _pause(subscription):
    def action(day):
        if subscription.subscription_state != 'progress':
            return
        subscription._pause(day, day + datetime.timedelta(days=PAUSE_LENGTH_DAYS))
    return action


def _reopen(subscription):
    def action(day):
        if subscription.subscription_state == 'closed':
            subscription._reopen(note="The customer came back", reopen_date=day)
    return action


def _priced_for(env, subscription, plan):
    pricing_model = env['sale.subscription.pricing']
    return plan and all(
        pricing_model._find_pricing(line.product_id, plan, subscription.pricelist_id)
        for line in subscription.order_line.filtered('is_recurring')
    )

