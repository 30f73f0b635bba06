# Part of sale_subscription_plus. License LGPL-3.
"""Proration of a change made during a billing period.

This file imports nothing from Odoo so that plain pytest can test it. The
rule counts days: the share of a period that remains from the change date
(included) to the last day of the period (included), divided by the days of
that period. Goods and services follow the same rule.
"""
from decimal import Decimal

from .money import round_amount, to_decimal


def remaining_ratio(first_day, last_day, change_date):
    """Return the remaining share of the period ``[first_day, last_day]`` as a Decimal.

    A change on the first day leaves the whole period (1); a change on the
    last day leaves one day; a change after the period leaves nothing.
    """
    if last_day < first_day:
        raise ValueError(f"invalid period: {first_day} to {last_day}")
    if change_date < first_day:
        raise ValueError(f"change date {change_date} is before the period start {first_day}")
    period_days = (last_day - first_day).days + 1
    remaining_days = max((last_day - change_date).days + 1, 0)
    return Decimal(remaining_days) / Decimal(period_days)


def prorate(amount, first_day, last_day, change_date, digits):
    """Return ``amount`` for the remaining share of the period, rounded to ``digits``.

    ``amount`` is the difference of the per-period amounts (new minus old):
    positive for an upsell, negative for a downgrade.
    """
    ratio = remaining_ratio(first_day, last_day, change_date)
    return round_amount(to_decimal(amount) * ratio, digits)
