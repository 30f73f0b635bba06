"""Monthly normalisation of recurring amounts, expected values by hand."""
from decimal import Decimal

import pytest

from ssp_tools import money


@pytest.mark.parametrize(('amount', 'interval', 'unit', 'expected'), [
    (1200, 1, 'year', Decimal('100.00')),
    (300, 3, 'month', Decimal('100.00')),
    (100, 1, 'month', Decimal('100.00')),
    # 100 x 30.4375 / 7 = 434.8214...
    (100, 1, 'week', Decimal('434.82')),
    # 100 x 30.4375 / 14 = 217.4107...
    (100, 2, 'week', Decimal('217.41')),
    # 10 x 30.4375 = 304.375, a half rounded away from zero
    (10, 1, 'day', Decimal('304.38')),
    # 999 / 12 = 83.25
    (999, 1, 'year', Decimal('83.25')),
    # 1000 / 3 = 333.333...
    (1000, 3, 'month', Decimal('333.33')),
    # 2400 / 24 = 100
    (2400, 2, 'year', Decimal('100.00')),
    (0, 1, 'month', Decimal('0.00')),
])
def test_monthly_amount(amount, interval, unit, expected):
    assert money.monthly_amount(amount, interval, unit, digits=2) == expected


def test_monthly_amount_reads_float_as_typed():
    # 0.1 + 0.2 is 0.30000000000000004 as a float; its repr is what Odoo stored.
    assert money.monthly_amount(0.1 + 0.2, 1, 'month', digits=2) == Decimal('0.30')


def test_monthly_amount_negative_rounds_away_from_zero():
    # -10 x 30.4375 = -304.375
    assert money.monthly_amount(-10, 1, 'day', digits=2) == Decimal('-304.38')


def test_monthly_amount_without_rounding_is_exact():
    assert money.monthly_amount(1200, 1, 'year') == Decimal(100)


def test_monthly_amount_zero_digits():
    # 1000 / 3 = 333.33... rounds to 333 for a currency without decimals
    assert money.monthly_amount(1000, 3, 'month', digits=0) == Decimal('333')


def test_months_per_period_week():
    assert money.months_per_period(1, 'week') == Decimal(7) / (Decimal('365.25') / 12)


def test_round_amount_half_up():
    assert money.round_amount(Decimal('2.675'), 2) == Decimal('2.68')
    assert money.round_amount(2.675, 2) == Decimal('2.68')


@pytest.mark.parametrize(('interval', 'unit'), [(0, 'month'), (1, 'quarter')])
def test_monthly_amount_rejects_bad_period(interval, unit):
    with pytest.raises(ValueError):
        money.monthly_amount(100, interval, unit)
