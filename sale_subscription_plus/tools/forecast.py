# Part of sale_subscription_plus. License LGPL-3.
"""MRR and contract forecast arithmetic on plain numbers and dates.

This file imports nothing from Odoo so that plain pytest can test it.

A forecast month is a month-long window that ends on today's day of month:
with today 15 May, forecast month 1 runs from 16 May to 15 June, and the
last history month from 16 April to 15 May. Window ends are computed from
today with ``add_months`` (31 January gives 28 February, then 31 March), so
forecast month 12 ends exactly one year after today.

Rates come from the six history months before today (today included):

- new MRR: new and reactivation MRR of the six months / 6, an amount per
  month (it comes from customers without MRR, so it does not scale with
  the current MRR);
- expansion, contraction and churn: their MRR over the six months divided
  by the sum of the six months' opening MRR. This is the average monthly
  fraction of the opening MRR, weighted by that opening MRR, so a month that
  opened with little MRR cannot inflate the rate;
- new contracts: subscriptions started or reopened in the six months / 6;
- contract churn: subscriptions closed while in progress in the six months
  divided by the sum of the six months' opening contracts.

Pauses and resumes are not extrapolated: the pause of a subscription lowers
MRR as a contraction, and only known resume dates bring MRR back.

One forecast month turns the value V at its start into

    V + new + V x (expansion - contraction - churn) + scheduled

where ``scheduled`` sums what is already known for that month: ledger
movements dated after today, scheduled changes, ends of fixed terms that do
not renew, and resumes of paused subscriptions. A value that would fall
below zero is kept at zero. Contracts follow the same steps with the
contract rates; they are fractional because rates are averages.
"""
import datetime
from collections import namedtuple
from decimal import Decimal

from .money import to_decimal
from .periods import add_months

HISTORY_MONTHS = 6
FORECAST_MONTHS = 12

ONE_DAY = datetime.timedelta(days=1)
ZERO = Decimal(0)

# Movement types of the MRR ledger that count as new MRR in the rates.
NEW_MOVEMENT_TYPES = frozenset({'new', 'reactivation'})

# Events that change whether a subscription is in progress, with the
# number of contracts it counts for after each of them.
CONTRACTS_AFTER_EVENT = {'start': 1, 'resume': 1, 'reopen': 1, 'pause': 0, 'close': 0}
STATUS_EVENT_TYPES = tuple(CONTRACTS_AFTER_EVENT)

Step = namedtuple('Step', ['date', 'mrr', 'contracts'])
Step.__doc__ = "A known change on ``date``: MRR (company currency) and contracts in progress."

SubscriptionOutlook = namedtuple('SubscriptionOutlook', [
    'state', 'mrr', 'end_date', 'auto_renew', 'pause_date', 'resume_date', 'resume_mrr', 'changes',
])
SubscriptionOutlook.__doc__ = """What is already decided for one subscription.

``state`` is 'progress' or 'paused'. ``mrr`` is its MRR once its recorded
events have taken effect (0 while paused), ``end_date`` its last day of
service or None, ``resume_mrr`` its MRR once resumed, and ``changes`` lists
its scheduled changes as ``(effective_date, mrr_after_change)``.
"""

MonthHistory = namedtuple('MonthHistory', [
    'first_day', 'last_day', 'opening_mrr', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churn_mrr',
    'closing_mrr', 'opening_contracts', 'new_contracts', 'churned_contracts', 'closing_contracts',
])
MonthHistory.__doc__ = "One history month; contraction and churn are positive amounts."

Rates = namedtuple('Rates', [
    'new_mrr', 'expansion', 'contraction', 'churn', 'new_contracts', 'contract_churn',
])
Rates.__doc__ = "Monthly rates: new_mrr and new_contracts per month, the others fractions (0.05 is 5 %)."

ProjectedMonth = namedtuple('ProjectedMonth', [
    'first_day', 'last_day', 'opening_mrr', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churn_mrr',
    'scheduled_mrr', 'mrr', 'opening_contracts', 'new_contracts', 'churned_contracts',
    'scheduled_contracts', 'contracts',
])

Forecast = namedtuple('Forecast', [
    'today', 'mrr', 'contracts', 'history', 'rates', 'months', 'mrr_growth', 'contract_growth',
])


# === MONTHS === #

def history_windows(today, count=HISTORY_MONTHS):
    """Return the ``count`` month-long windows that end today, oldest first, as ``(first_day, last_day)``."""
    return [
        (add_months(today, -months) + ONE_DAY, add_months(today, 1 - months))
        for months in range(count, 0, -1)
    ]


def forecast_windows(today, count=FORECAST_MONTHS):
    """Return the ``count`` month-long windows that follow today, as ``(first_day, last_day)``."""
    return [
        (add_months(today, months) + ONE_DAY, add_months(today, months + 1))
        for months in range(count)
    ]


# === HISTORY AND RATES === #

def contract_change(event_type, previous_type):
    """Return the change of the number of subscriptions in progress caused by one status event.

    :param str event_type: one of ``STATUS_EVENT_TYPES``
    :param previous_type: the subscription's previous status event, None for its first
    """
    return CONTRACTS_AFTER_EVENT[event_type] - CONTRACTS_AFTER_EVENT.get(previous_type, 0)


def monthly_history(windows, mrr_before, movements, contracts_before, status_events):
    """Summarise the MRR ledger and the status events per history month.

    :param windows: ``history_windows(today)``
    :param mrr_before: MRR at the end of the day before the first window
    :param movements: ``(effective_date, movement_type, amount)`` rows. Several
        rows may share a date and type, and rows outside the windows are ignored.
    :param int contracts_before: contracts in progress before the first window
    :param status_events: ``(effective_date, event_type, previous_type, count)`` rows
    :return: a list of ``MonthHistory``
    """
    history = []
    mrr = to_decimal(mrr_before)
    contracts = contracts_before
    for first_day, last_day in windows:
        amounts = {'new': ZERO, 'expansion': ZERO, 'contraction': ZERO, 'churn': ZERO}
        for day, movement_type, amount in movements:
            if first_day <= day <= last_day:
                key = 'new' if movement_type in NEW_MOVEMENT_TYPES else movement_type
                amounts[key] += to_decimal(amount)
        new_contracts = churned_contracts = change = 0
        for day, event_type, previous_type, count in status_events:
            if not first_day <= day <= last_day:
                continue
            event_change = contract_change(event_type, previous_type)
            change += event_change * count
            if event_type in ('start', 'reopen') and event_change > 0:
                new_contracts += count
            elif event_type == 'close' and event_change < 0:
                churned_contracts += count
        closing_mrr = mrr + sum(amounts.values(), ZERO)
        history.append(MonthHistory(
            first_day, last_day, mrr, amounts['new'], amounts['expansion'], -amounts['contraction'],
            -amounts['churn'], closing_mrr, contracts, new_contracts, churned_contracts, contracts + change,
        ))
        mrr = closing_mrr
        contracts += change
    return history


def _ratio(part, whole):
    return part / whole if whole else ZERO


def average_rates(history):
    """Return the ``Rates`` of the history months (see the module docstring)."""
    months = len(history)
    if not months:
        return Rates(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    opening_mrr = sum((month.opening_mrr for month in history), ZERO)
    opening_contracts = Decimal(sum(month.opening_contracts for month in history))
    return Rates(
        new_mrr=sum((month.new_mrr for month in history), ZERO) / months,
        expansion=_ratio(sum((month.expansion_mrr for month in history), ZERO), opening_mrr),
        contraction=_ratio(sum((month.contraction_mrr for month in history), ZERO), opening_mrr),
        churn=_ratio(sum((month.churn_mrr for month in history), ZERO), opening_mrr),
        new_contracts=Decimal(sum(month.new_contracts for month in history)) / months,
        contract_churn=_ratio(Decimal(sum(month.churned_contracts for month in history)), opening_contracts),
    )


# === SCHEDULED CHANGES === #

def subscription_steps(subscription):
    """Return the known ``Step`` list of one subscription, in date order.

    A paused subscription without a resume date stays paused, so it has no
    step. A scheduled change of a paused subscription applies
    when it resumes, as the invoicing job applies it then. A fixed term that
    does not renew ends the day after its end date, taking the MRR it has
    then. Changes dated on or after that day never apply.
    """
    steps = []
    mrr = to_decimal(subscription.mrr)
    end_date = subscription.end_date
    active_from = None
    if subscription.state == 'paused':
        if not subscription.resume_date:
            return []
        active_from = subscription.resume_date
        mrr = to_decimal(subscription.resume_mrr)
        steps.append(Step(active_from, mrr, 1))
        if end_date and subscription.pause_date:
            # Resuming moves the end of the term by the paused days.
            end_date += max(subscription.resume_date, subscription.pause_date) - subscription.pause_date
    exit_day = end_date + ONE_DAY if end_date and not subscription.auto_renew else None
    for change_date, mrr_after in sorted(subscription.changes, key=lambda change: change[0]):
        effective_date = max(change_date, active_from) if active_from else change_date
        if exit_day and effective_date >= exit_day:
            continue
        mrr_after = to_decimal(mrr_after)
        steps.append(Step(effective_date, mrr_after - mrr, 0))
        mrr = mrr_after
    if exit_day:
        steps.append(Step(exit_day, -mrr, -1))
    return steps


def future_steps(today, movements, status_events):
    """Return the ``Step`` list of the ledger movements and status events dated after today."""
    steps = [Step(day, to_decimal(amount), 0) for day, _type, amount in movements if day > today]
    steps += [
        Step(day, ZERO, contract_change(event_type, previous_type) * count)
        for day, event_type, previous_type, count in status_events if day > today
    ]
    return steps


def monthly_steps(windows, steps):
    """Return ``[(mrr, contracts)]``, the sum of ``steps`` in each window.

    A step dated before the first window is overdue because the invoicing
    job has not applied it yet, so it counts in the first window. A step
    after the last window is left out.
    """
    totals = [[ZERO, 0] for _window in windows]
    if not windows:
        return []
    for step in steps:
        if step.date > windows[-1][1]:
            continue
        index = next(i for i, (_first, last_day) in enumerate(windows) if step.date <= last_day)
        totals[index][0] += to_decimal(step.mrr)
        totals[index][1] += step.contracts
    return [(mrr, contracts) for mrr, contracts in totals]


# === PROJECTION === #

def project(windows, mrr, contracts, rates, scheduled):
    """Project MRR and contracts month by month.

    :param windows: ``forecast_windows(today)``
    :param mrr: MRR today
    :param contracts: contracts in progress today
    :param Rates rates: the monthly rates
    :param scheduled: ``monthly_steps(windows, steps)``
    :return: a list of ``ProjectedMonth``
    """
    months = []
    mrr = to_decimal(mrr)
    contracts = Decimal(contracts)
    for (first_day, last_day), (scheduled_mrr, scheduled_contracts) in zip(windows, scheduled):
        new_mrr = rates.new_mrr
        expansion_mrr = mrr * rates.expansion
        contraction_mrr = mrr * rates.contraction
        churn_mrr = mrr * rates.churn
        closing_mrr = max(ZERO, mrr + new_mrr + expansion_mrr - contraction_mrr - churn_mrr + scheduled_mrr)
        new_contracts = rates.new_contracts
        churned_contracts = contracts * rates.contract_churn
        closing_contracts = max(ZERO, contracts + new_contracts - churned_contracts + scheduled_contracts)
        months.append(ProjectedMonth(
            first_day, last_day, mrr, new_mrr, expansion_mrr, contraction_mrr, churn_mrr, scheduled_mrr,
            closing_mrr, contracts, new_contracts, churned_contracts, Decimal(scheduled_contracts),
            closing_contracts,
        ))
        mrr = closing_mrr
        contracts = closing_contracts
    return months


def growth(start, end):
    """Return ``end / start - 1``, or None when ``start`` is zero (growth from nothing is undefined)."""
    start = to_decimal(start)
    if not start:
        return None
    return to_decimal(end) / start - 1


def build_forecast(today, mrr_before, movements, contracts_before, status_events, subscriptions):
    """Compute the whole forecast of one company.

    :param datetime.date today: today in the company's time zone
    :param mrr_before: the ledger's sum up to the day before the first history month
    :param movements: ledger ``(effective_date, movement_type, amount)`` rows
        from the first history month on, future ones included
    :param int contracts_before: contracts in progress before the first history month
    :param status_events: ``(effective_date, event_type, previous_type, count)``
        rows from the first history month on, future ones included
    :param subscriptions: ``SubscriptionOutlook`` of the subscriptions with
        something scheduled
    :return: a ``Forecast``; its ``mrr`` and ``contracts`` are today's values
    """
    history = monthly_history(history_windows(today), mrr_before, movements, contracts_before, status_events)
    mrr = to_decimal(mrr_before) + sum(
        (to_decimal(amount) for day, _type, amount in movements if day <= today), ZERO)
    contracts = contracts_before + sum(
        contract_change(event_type, previous_type) * count
        for day, event_type, previous_type, count in status_events if day <= today)
    rates = average_rates(history)
    steps = future_steps(today, movements, status_events)
    for subscription in subscriptions:
        steps += subscription_steps(subscription)
    windows = forecast_windows(today)
    months = project(windows, mrr, contracts, rates, monthly_steps(windows, steps))
    return Forecast(
        today=today,
        mrr=mrr,
        contracts=contracts,
        history=history,
        rates=rates,
        months=months,
        mrr_growth=growth(mrr, months[-1].mrr),
        contract_growth=growth(contracts, months[-1].contracts),
    )
