# Part of sale_subscription_plus. License LGPL-3.
"""Recurring revenue arithmetic on plain numbers.

This file imports nothing from Odoo so that plain pytest can test it.
Amounts go through ``decimal.Decimal`` built from their ``repr`` so that a
float such as 0.1 is read as the decimal the user typed, and the result is
rounded once, at the end, half away from zero like Odoo's ``float_round``.
"""
from decimal import ROUND_HALF_UP, Decimal

from .periods import check_period

# A month is 365.25 / 12 days on average, the usual SaaS convention for
# comparing daily and weekly plans with monthly ones.
DAYS_PER_MONTH = Decimal('365.25') / Decimal(12)


def to_decimal(amount):
    """Return ``amount`` as a Decimal, reading floats through their shortest repr."""
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, float):
        return Decimal(repr(amount))
    return Decimal(amount)


def round_amount(amount, digits):
    """Round ``amount`` to ``digits`` decimals, halves away from zero."""
    quantum = Decimal(1).scaleb(-digits)
    return to_decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)


def months_per_period(interval, unit):
    """Return the length of ``interval`` x ``unit`` expressed in months, as a Decimal."""
    check_period(interval, unit)
    if unit == 'month':
        return Decimal(interval)
    if unit == 'year':
        return Decimal(interval * 12)
    days = Decimal(interval * (7 if unit == 'week' else 1))
    return days / DAYS_PER_MONTH


def monthly_amount(amount, interval, unit, digits=None):
    """Normalise an amount billed every ``interval`` x ``unit`` to one month.

    1,200 per year gives 100; 300 per 3 months gives 100; 100 per week gives
    434.82 once rounded to 2 digits. ``digits`` rounds the result; ``None``
    returns the exact Decimal.
    """
    monthly = to_decimal(amount) / months_per_period(interval, unit)
    if digits is None:
        return monthly
    return round_amount(monthly, digits)
