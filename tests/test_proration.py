"""Proration by days, expected amounts worked out by hand."""
import datetime
from decimal import Decimal

import pytest

from ssp_tools import proration

D = datetime.date


@pytest.mark.parametrize(('first', 'last', 'change', 'amount', 'expected'), [
    # January: 31 days; change on the 16th leaves 16 days: 310 x 16/31 = 160
    (D(2026, 1, 1), D(2026, 1, 31), D(2026, 1, 16), 310, Decimal('160.00')),
    # February 2026: 28 days; change on the 15th leaves 14: 100 x 14/28 = 50
    (D(2026, 2, 1), D(2026, 2, 28), D(2026, 2, 15), 100, Decimal('50.00')),
    # February 2028 (leap): 29 days; 15th leaves 15: 100 x 15/29 = 51.7241...
    (D(2028, 2, 1), D(2028, 2, 29), D(2028, 2, 15), 100, Decimal('51.72')),
    # Downgrade: -100 x 14/28 = -50
    (D(2026, 2, 1), D(2026, 2, 28), D(2026, 2, 15), -100, Decimal('-50.00')),
    # Quarter Jan-Mar 2026: 90 days; change on 1 March leaves 31: 900 x 31/90 = 310
    (D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 1), 900, Decimal('310.00')),
    # Year 2028 (leap): 366 days; change on 1 July leaves 184: 3660 x 184/366 = 1840
    (D(2028, 1, 1), D(2028, 12, 31), D(2028, 7, 1), 3660, Decimal('1840.00')),
    # Change on the first day: the whole amount
    (D(2026, 1, 1), D(2026, 1, 31), D(2026, 1, 1), 99.99, Decimal('99.99')),
    # Change on the last day: one day of 31: 31 x 1/31 = 1
    (D(2026, 1, 1), D(2026, 1, 31), D(2026, 1, 31), 31, Decimal('1.00')),
    # Change after the period: nothing
    (D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 1), 31, Decimal('0.00')),
])
def test_prorate(first, last, change, amount, expected):
    assert proration.prorate(amount, first, last, change, 2) == expected


def test_prorate_zero_digits():
    # 1000 x 10/31 = 322.58... rounds to 323 in a currency without decimals
    assert proration.prorate(1000, D(2026, 1, 1), D(2026, 1, 31), D(2026, 1, 22), 0) == Decimal('323')


def test_remaining_ratio_rejects_change_before_period():
    with pytest.raises(ValueError, match="2025-12-31"):
        proration.remaining_ratio(D(2026, 1, 1), D(2026, 1, 31), D(2025, 12, 31))


def test_remaining_ratio_rejects_inverted_period():
    with pytest.raises(ValueError):
        proration.remaining_ratio(D(2026, 1, 31), D(2026, 1, 1), D(2026, 1, 15))
