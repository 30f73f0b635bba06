# Part of sale_subscription_plus. License LGPL-3.
"""Cohort retention grids built from per-period aggregates of the MRR ledger.

This file imports nothing from Odoo so that plain pytest can test it.

A customer's cohort is the period of its first MRR. For each cohort and each
period since acquisition (offset 0 is the acquisition period), the grid
contains the number of the cohort's customers with MRR above zero and their
summed MRR at the end of that period. Today's period ends today.

The input is not one row per customer and period. It is the net change, per
cohort and period, of those two sums. A running total of the changes gives
the value at each period end, because a customer's MRR at a date is the sum
of the changes of all its movements up to that date.
"""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from .money import to_decimal

MONTHS_PER_PERIOD = {'month': 1, 'quarter': 3, 'year': 12}
COHORT_PERIODS = tuple(MONTHS_PER_PERIOD)
COHORT_MEASURES = ('logo', 'revenue')

_PERCENT_STEP = Decimal('0.1')


def period_start(value, period):
    """Return the first day of the calendar month, quarter or year that contains ``value``."""
    months = MONTHS_PER_PERIOD[period]
    first_month = (value.month - 1) // months * months + 1
    return datetime.date(value.year, first_month, 1)


def period_offset(cohort_start, value, period):
    """Return the number of periods from the period of ``cohort_start`` to the period of ``value``.

    The result is negative when ``value`` lies in an earlier period.
    """
    start = period_start(cohort_start, period)
    end = period_start(value, period)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months // MONTHS_PER_PERIOD[period]


def percentage(part, whole):
    """Return ``part / whole`` in percent rounded half up to 0.1, or None when ``whole`` is zero."""
    whole = to_decimal(whole)
    if not whole:
        return None
    ratio = to_decimal(part) * 100 / whole
    return float(ratio.quantize(_PERCENT_STEP, rounding=ROUND_HALF_UP))


def build_grid(cohorts, changes, today, period, measure, group_sort_key=None):
    """Return the retention grid of ``cohorts`` up to today's period.

    :param cohorts: iterable of ``(cohort_start, group_key, size)``, where
        ``size`` is the number of customers acquired in the period that
        starts on ``cohort_start``. ``group_key`` splits a cohort, and is
        None when the grid is not split.
    :param changes: iterable of ``(cohort_start, group_key, period_start,
        active_change, mrr_change)``: for the customers of that cohort and
        group, the net change during the period that starts on
        ``period_start`` of the number with MRR above zero and of their summed MRR
    :param datetime.date today: the last period shown is the one that
        contains ``today``
    :param str period: one of ``COHORT_PERIODS``
    :param str measure: ``'logo'`` (customers with MRR above zero / cohort
        size) or ``'revenue'`` (MRR / the cohort's MRR at the end of its first period)
    :param group_sort_key: callable applied to ``group_key`` to order the
        rows of one cohort; by default None sorts last and keys sort by value
    :return: dict with ``columns`` (the number of offsets), ``rows`` and
        ``total``. Each row is a dict with ``cohort``, ``group``, ``size``,
        ``start_mrr`` (Decimal) and ``last_offset`` (today's offset). Its
        lists ``active`` and ``mrr`` contain the values at each period end up
        to ``last_offset``. Its list ``cells`` contains the percentages rounded
        to 0.1, with None after ``last_offset`` and where the denominator is zero.
        ``total`` holds the same keys, except ``cohort`` and ``group``. Its
        cell for an offset divides the sum over the rows that reached that
        offset by the sum of their denominators. It is None when there is no row.
    :raises ValueError: on an unknown period or measure, on a cohort after
        today's period, or on a change outside its cohort's periods
    """
    if period not in MONTHS_PER_PERIOD:
        raise ValueError(f"unknown cohort period {period!r}: expected one of {', '.join(COHORT_PERIODS)}")
    if measure not in COHORT_MEASURES:
        raise ValueError(f"unknown cohort measure {measure!r}: expected one of {', '.join(COHORT_MEASURES)}")

    rows = {}
    for cohort_start, group_key, size in cohorts:
        last_offset = period_offset(cohort_start, today, period)
        if last_offset < 0:
            raise ValueError(f"cohort {cohort_start} starts after today's period ({today})")
        rows[cohort_start, group_key] = {
            'cohort': cohort_start,
            'group': group_key,
            'size': size,
            'last_offset': last_offset,
            'active': [0] * (last_offset + 1),
            'mrr': [Decimal(0)] * (last_offset + 1),
        }

    for cohort_start, group_key, change_start, active_change, mrr_change in changes:
        row = rows.get((cohort_start, group_key))
        if row is None:
            raise ValueError(f"change for cohort {cohort_start}, group {group_key!r}, which has no customer")
        offset = period_offset(cohort_start, change_start, period)
        if not 0 <= offset <= row['last_offset']:
            raise ValueError(
                f"change of {change_start} is outside the periods of cohort {cohort_start} "
                f"(offsets 0 to {row['last_offset']})")
        row['active'][offset] += active_change
        row['mrr'][offset] += to_decimal(mrr_change)

    for row in rows.values():
        _accumulate(row['active'])
        _accumulate(row['mrr'])
        row['start_mrr'] = row['mrr'][0]

    if group_sort_key is None:
        def group_sort_key(key):
            return (key is None, key if key is not None else 0)
    ordered = sorted(rows.values(), key=lambda row: (row['cohort'], group_sort_key(row['group'])))
    columns = max((row['last_offset'] + 1 for row in ordered), default=0)
    for row in ordered:
        row['cells'] = _cells(row, measure, columns)
    return {
        'columns': columns,
        'rows': ordered,
        'total': _total(ordered, measure, columns) if ordered else None,
    }


def _accumulate(values):
    for index in range(1, len(values)):
        values[index] += values[index - 1]


def _cells(row, measure, columns):
    if measure == 'logo':
        values = [percentage(active, row['size']) for active in row['active']]
    else:
        values = [percentage(mrr, row['start_mrr']) for mrr in row['mrr']]
    return values + [None] * (columns - len(values))


def _total(rows, measure, columns):
    """Return the row of all cohorts, weighted by cohort size or starting MRR."""
    active = [0] * columns
    mrr = [Decimal(0)] * columns
    sizes = [0] * columns
    start_mrrs = [Decimal(0)] * columns
    for row in rows:
        # A cohort counts at an offset only once it has reached it.
        for offset in range(row['last_offset'] + 1):
            active[offset] += row['active'][offset]
            mrr[offset] += row['mrr'][offset]
            sizes[offset] += row['size']
            start_mrrs[offset] += row['start_mrr']
    if measure == 'logo':
        cells = [percentage(value, size) for value, size in zip(active, sizes)]
    else:
        cells = [percentage(value, start) for value, start in zip(mrr, start_mrrs)]
    return {
        'size': sizes[0],
        'start_mrr': start_mrrs[0],
        'last_offset': columns - 1,
        'active': active,
        'mrr': mrr,
        'cells': cells,
    }
