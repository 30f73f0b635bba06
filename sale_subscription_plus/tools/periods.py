# Part of sale_subscription_plus. License LGPL-3.
"""Billing period arithmetic on plain dates.

This file imports nothing from Odoo so that plain pytest can test it. Every
period start is computed from the subscription's anchor date (its start
date) and a period index, never from the previous period start: chaining
"one month later" would turn 31 January into 28 February and then into
28 March, while anchoring keeps 31 March.
"""
import calendar
import datetime

PERIOD_UNITS = ('day', 'week', 'month', 'year')


def add_months(value, months):
    """Return ``value`` moved by ``months`` calendar months.

    The day of month is kept when the target month has it, otherwise the
    last day of the target month is used (31 January + 1 month is
    28 or 29 February).
    """
    month_index = value.year * 12 + (value.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    if year < datetime.MINYEAR or year > datetime.MAXYEAR:
        raise OverflowError(f"date out of range: {value} + {months} months")
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(value.day, last_day))


def check_period(interval, unit):
    """Raise ValueError unless ``interval`` x ``unit`` is a valid billing period."""
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown period unit {unit!r}: expected one of {', '.join(PERIOD_UNITS)}")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise ValueError(f"invalid period interval {interval!r}: expected an integer of at least 1")


def period_start(anchor, index, interval, unit):
    """Return the first day of period number ``index`` (0 is the anchor's period).

    :param datetime.date anchor: first day of period 0 (the start date)
    :param int index: period number, may be negative
    :param int interval: number of units in one period (at least 1)
    :param str unit: one of ``PERIOD_UNITS``
    """
    check_period(interval, unit)
    steps = index * interval
    if unit == 'day':
        return anchor + datetime.timedelta(days=steps)
    if unit == 'week':
        return anchor + datetime.timedelta(weeks=steps)
    if unit == 'month':
        return add_months(anchor, steps)
    return add_months(anchor, steps * 12)


def period_index(anchor, value, interval, unit):
    """Return the number of the period that contains ``value``.

    Dates before the anchor belong to negative periods, so the result is
    exact for any date.
    """
    check_period(interval, unit)
    if unit in ('day', 'week'):
        length = interval * (7 if unit == 'week' else 1)
        return (value - anchor).days // length
    months_per_period = interval * (12 if unit == 'year' else 1)
    months = (value.year - anchor.year) * 12 + (value.month - anchor.month)
    # The month count is an estimate that can be one period too high
    # because of day clamping, so correct it against the real boundaries.
    index = months // months_per_period
    while period_start(anchor, index, interval, unit) > value:
        index -= 1
    while period_start(anchor, index + 1, interval, unit) <= value:
        index += 1
    return index


def period_bounds(anchor, value, interval, unit):
    """Return ``(first_day, last_day)`` of the period that contains ``value``."""
    index = period_index(anchor, value, interval, unit)
    first_day = period_start(anchor, index, interval, unit)
    next_start = period_start(anchor, index + 1, interval, unit)
    return first_day, next_start - datetime.timedelta(days=1)


def next_period_start(anchor, value, interval, unit):
    """Return the first period start strictly after ``value``."""
    index = period_index(anchor, value, interval, unit)
    return period_start(anchor, index + 1, interval, unit)


def due_periods(anchor, next_date, until, interval, unit, end_date=None):
    """List the ``(first_day, last_day)`` periods to invoice, oldest first.

    A period is due when its first day is on or before ``until`` (billing in
    advance) and, for a subscription with an ``end_date``, on or before that
    end date. ``next_date`` is the first day of the first period not yet
    invoiced; it must be a period boundary of ``anchor``.
    """
    index = period_index(anchor, next_date, interval, unit)
    if period_start(anchor, index, interval, unit) != next_date:
        raise ValueError(
            f"next invoice date {next_date} is not a period start of a subscription started on {anchor}"
        )
    periods = []
    first_day = next_date
    while first_day <= until and (end_date is None or first_day <= end_date):
        next_start = period_start(anchor, index + 1, interval, unit)
        periods.append((first_day, next_start - datetime.timedelta(days=1)))
        index += 1
        first_day = next_start
    return periods


def term_end_date(anchor, period_count, interval, unit):
    """Return the last day of a fixed term of ``period_count`` periods."""
    if not isinstance(period_count, int) or period_count < 1:
        raise ValueError(f"invalid number of periods {period_count!r}: expected at least 1")
    return period_start(anchor, period_count, interval, unit) - datetime.timedelta(days=1)
