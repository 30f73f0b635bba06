# Part of sale_subscription_plus. License LGPL-3.
"""Classification of MRR movements from a customer's subscription history.

This file imports nothing from Odoo so that plain pytest can test it. A
customer's MRR on a date is the sum of the MRR of its subscriptions after
their last event on or before that date. All events of one customer on one
day are netted into at most one movement:

- new: the customer's first MRR above zero;
- expansion: MRR goes up (including a resume from a pause of everything);
- contraction: MRR goes down and stays above zero, or drops to zero only
  because subscriptions are paused (a pause is never churn);
- churn: MRR drops to zero because every subscription is closed, or
  every subscription gets closed while all were paused (an amount of zero,
  since the MRR left with the pause);
- reactivation: a churned customer's MRR goes above zero again.
"""
import itertools
from collections import namedtuple

from .money import round_amount, to_decimal

Event = namedtuple('Event', [
    'id', 'company_id', 'partner_id', 'subscription_id', 'effective_date', 'event_type',
    'mrr_before', 'mrr_after', 'monthly_before', 'monthly_after', 'currency_id',
    'plan_id', 'user_id', 'team_id', 'close_reason_id', 'template_id',
    'country_id', 'company_currency_id', 'digits',
])

# Status of a subscription after each kind of event.
PAUSED_EVENTS = frozenset({'pause'})
CLOSED_EVENTS = frozenset({'close'})


def status_after(event_type):
    if event_type in PAUSED_EVENTS:
        return 'paused'
    if event_type in CLOSED_EVENTS:
        return 'closed'
    return 'active'


def group_customer_events(rows):
    """Group rows sorted by company, customer, date and id into ``(key, [Event])``.

    ``key`` is ``(company_id, partner_id)``.
    """
    events = (Event(*row) for row in rows)
    for key, customer_events in itertools.groupby(events, key=lambda e: (e.company_id, e.partner_id)):
        yield key, list(customer_events)


def classify(key, events):
    """Return the ledger rows (dicts) of one customer's events, oldest first.

    ``events`` are one customer's events in one company, sorted by effective
    date then id.
    """
    company_id, partner_id = key
    if not events:
        return []
    digits = events[0].digits
    state = {}
    had_mrr = False
    previous_total = to_decimal(0)
    rows = []
    for effective_date, day in itertools.groupby(events, key=lambda e: e.effective_date):
        day = list(day)
        was_active = any(status != 'closed' for _mrr, status in state.values())
        for event in day:
            state[event.subscription_id] = (to_decimal(event.mrr_after or 0), status_after(event.event_type))
        total = round_amount(sum((mrr for mrr, _status in state.values()), to_decimal(0)), digits)
        delta = total - previous_total
        if not delta:
            now_closed = all(status == 'closed' for _mrr, status in state.values())
            if had_mrr and was_active and not total and now_closed:
                # A customer whose paused subscriptions are all closed churns;
                # the MRR already left with the pause, so the amount is zero.
                rows.append(_row(company_id, partner_id, effective_date, 'churn', delta,
                                 previous_total, total, day))
            continue
        if previous_total == 0:
            if not had_mrr:
                movement_type = 'new'
            elif was_active:
                movement_type = 'expansion'
            else:
                movement_type = 'reactivation'
        elif total == 0:
            paused = any(status == 'paused' for _mrr, status in state.values())
            movement_type = 'contraction' if paused else 'churn'
        else:
            movement_type = 'expansion' if delta > 0 else 'contraction'
        rows.append(_row(company_id, partner_id, effective_date, movement_type, delta,
                         previous_total, total, day))
        had_mrr = had_mrr or total > 0
        previous_total = total
    return rows


def _row(company_id, partner_id, effective_date, movement_type, delta, mrr_before, mrr_after, day):
    main = max(day, key=lambda e: (abs(to_decimal(e.mrr_after or 0) - to_decimal(e.mrr_before or 0)), -e.id))
    currencies = {event.currency_id for event in day}
    amount_currency = None
    if len(currencies) == 1:
        amount_currency = float(sum(
            (to_decimal(e.monthly_after or 0) - to_decimal(e.monthly_before or 0) for e in day), to_decimal(0)))
    closing = [e for e in day if e.event_type in CLOSED_EVENTS and e.close_reason_id]
    return {
        'company_id': company_id,
        'partner_id': partner_id,
        'country_id': main.country_id,
        'effective_date': effective_date,
        'movement_type': movement_type,
        'amount': float(delta),
        'mrr_before': float(mrr_before),
        'mrr_after': float(mrr_after),
        'subscription_currency_id': main.currency_id if amount_currency is not None else None,
        'amount_currency': amount_currency,
        'subscription_id': main.subscription_id,
        'subscription_ids': sorted({e.subscription_id for e in day}),
        'plan_id': main.plan_id,
        'template_id': main.template_id,
        'user_id': main.user_id,
        'team_id': main.team_id,
        'close_reason_id': closing[0].close_reason_id if closing else None,
    }
