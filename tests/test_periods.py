"""Billing period arithmetic, with every expected date written out by hand."""
import calendar
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssp_tools import periods

D = datetime.date


# === add_months === #

@pytest.mark.parametrize(('start', 'months', 'expected'), [
    (D(2025, 1, 31), 1, D(2025, 2, 28)),   # common year: February has 28 days
    (D(2024, 1, 31), 1, D(2024, 2, 29)),   # leap year
    (D(2025, 1, 31), 2, D(2025, 3, 31)),
    (D(2025, 1, 31), 3, D(2025, 4, 30)),
    (D(2025, 3, 31), -1, D(2025, 2, 28)),
    (D(2025, 12, 15), 1, D(2026, 1, 15)),  # year change
    (D(2025, 1, 15), -1, D(2024, 12, 15)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 5, 10), 0, D(2025, 5, 10)),
])
def test_add_months_clamps_day(start, months, expected):
    assert periods.add_months(start, months) == expected


# === period_start: anchored, never chained === #

def test_monthly_from_january_31():
    anchor = D(2025, 1, 31)
    starts = [periods.period_start(anchor, index, 1, 'month') for index in range(5)]
    assert starts == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)]


def test_monthly_from_january_31_leap_year():
    anchor = D(2028, 1, 31)
    assert periods.period_start(anchor, 1, 1, 'month') == D(2028, 2, 29)
    assert periods.period_start(anchor, 2, 1, 'month') == D(2028, 3, 31)


def test_monthly_from_30th_keeps_30th():
    anchor = D(2025, 1, 30)
    assert periods.period_start(anchor, 1, 1, 'month') == D(2025, 2, 28)
    assert periods.period_start(anchor, 2, 1, 'month') == D(2025, 3, 30)


def test_yearly_from_february_29():
    anchor = D(2024, 2, 29)
    assert periods.period_start(anchor, 1, 1, 'year') == D(2025, 2, 28)
    assert periods.period_start(anchor, 2, 1, 'year') == D(2026, 2, 28)
    assert periods.period_start(anchor, 3, 1, 'year') == D(2027, 2, 28)
    assert periods.period_start(anchor, 4, 1, 'year') == D(2028, 2, 29)


def test_quarterly_from_november_30():
    anchor = D(2025, 11, 30)
    assert periods.period_start(anchor, 1, 3, 'month') == D(2026, 2, 28)
    assert periods.period_start(anchor, 2, 3, 'month') == D(2026, 5, 30)
    assert periods.period_start(anchor, 3, 3, 'month') == D(2026, 8, 30)


def test_weekly_is_exact():
    anchor = D(2025, 12, 29)
    assert periods.period_start(anchor, 1, 1, 'week') == D(2026, 1, 5)
    assert periods.period_start(anchor, 2, 2, 'week') == D(2026, 1, 26)


def test_daily_crosses_leap_day():
    anchor = D(2028, 2, 27)
    assert periods.period_start(anchor, 2, 1, 'day') == D(2028, 2, 29)
    assert periods.period_start(anchor, 3, 1, 'day') == D(2028, 3, 1)
    assert periods.period_start(anchor, 1, 10, 'day') == D(2028, 3, 8)


def test_two_yearly_periods():
    anchor = D(2024, 2, 29)
    assert periods.period_start(anchor, 1, 2, 'year') == D(2026, 2, 28)
    assert periods.period_start(anchor, 2, 2, 'year') == D(2028, 2, 29)


# === period_index / period_bounds === #

@pytest.mark.parametrize(('value', 'expected_index'), [
    (D(2025, 1, 31), 0),
    (D(2025, 2, 27), 0),
    (D(2025, 2, 28), 1),
    (D(2025, 3, 30), 1),
    (D(2025, 3, 31), 2),
    (D(2025, 1, 30), -1),
    (D(2024, 12, 31), -1),
    (D(2024, 12, 30), -2),
])
def test_period_index_monthly_month_end(value, expected_index):
    assert periods.period_index(D(2025, 1, 31), value, 1, 'month') == expected_index


def test_period_bounds_february():
    assert periods.period_bounds(D(2025, 1, 31), D(2025, 3, 1), 1, 'month') == (
        D(2025, 2, 28), D(2025, 3, 30))


def test_period_bounds_weekly():
    # 2026-01-01 is a Thursday; weekly periods start on Mondays from 2025-12-29.
    assert periods.period_bounds(D(2025, 12, 29), D(2026, 1, 11), 1, 'week') == (
        D(2026, 1, 5), D(2026, 1, 11))


def test_next_period_start_on_boundary():
    assert periods.next_period_start(D(2025, 1, 31), D(2025, 2, 28), 1, 'month') == D(2025, 3, 31)


# === due_periods === #

def test_due_periods_catch_up_oldest_first():
    due = periods.due_periods(D(2025, 1, 31), D(2025, 1, 31), D(2025, 4, 30), 1, 'month')
    assert due == [
        (D(2025, 1, 31), D(2025, 2, 27)),
        (D(2025, 2, 28), D(2025, 3, 30)),
        (D(2025, 3, 31), D(2025, 4, 29)),
        (D(2025, 4, 30), D(2025, 5, 30)),
    ]


def test_due_periods_nothing_due_before_start():
    assert periods.due_periods(D(2026, 5, 1), D(2026, 5, 1), D(2026, 4, 30), 1, 'month') == []


def test_due_periods_due_on_its_first_day():
    assert periods.due_periods(D(2026, 5, 1), D(2026, 6, 1), D(2026, 6, 1), 1, 'month') == [
        (D(2026, 6, 1), D(2026, 6, 30)),
    ]


def test_due_periods_stop_at_end_date():
    # A 3-month term from 2026-01-01 ends on 2026-03-31; nothing starts after it.
    due = periods.due_periods(
        D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 31), 1, 'month', end_date=D(2026, 3, 31))
    assert [first for first, _last in due] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_due_periods_yearly_leap_anchor():
    due = periods.due_periods(D(2024, 2, 29), D(2024, 2, 29), D(2026, 3, 1), 1, 'year')
    assert due == [
        (D(2024, 2, 29), D(2025, 2, 27)),
        (D(2025, 2, 28), D(2026, 2, 27)),
        (D(2026, 2, 28), D(2027, 2, 27)),
    ]


def test_due_periods_rejects_date_off_boundary():
    with pytest.raises(ValueError, match="2025-02-15"):
        periods.due_periods(D(2025, 1, 31), D(2025, 2, 15), D(2025, 4, 30), 1, 'month')


# === term_end_date === #

def test_term_end_date_twelve_months():
    assert periods.term_end_date(D(2026, 1, 31), 12, 1, 'month') == D(2027, 1, 30)


def test_term_end_date_one_year_from_leap_day():
    assert periods.term_end_date(D(2024, 2, 29), 1, 1, 'year') == D(2025, 2, 27)


def test_term_end_date_rejects_zero_periods():
    with pytest.raises(ValueError, match="0"):
        periods.term_end_date(D(2026, 1, 1), 0, 1, 'month')


# === invalid periods === #

@pytest.mark.parametrize(('interval', 'unit'), [
    (0, 'month'), (-1, 'day'), (1, 'fortnight'), (1.5, 'week'), (True, 'month'),
])
def test_check_period_rejects(interval, unit):
    with pytest.raises(ValueError):
        periods.check_period(interval, unit)


# === properties over many anchors === #

anchors = st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31))
units = st.sampled_from(periods.PERIOD_UNITS)
intervals = st.integers(min_value=1, max_value=14)


@settings(max_examples=300, deadline=None)
@given(anchor=anchors, interval=intervals, unit=units, offset=st.integers(-800, 4000))
def test_every_date_falls_in_its_period(anchor, interval, unit, offset):
    value = anchor + datetime.timedelta(days=offset)
    first_day, last_day = periods.period_bounds(anchor, value, interval, unit)
    assert first_day <= value <= last_day


@settings(max_examples=200, deadline=None)
@given(anchor=anchors, interval=intervals, unit=units, count=st.integers(1, 40))
def test_periods_tile_without_gap(anchor, interval, unit, count):
    until = periods.period_start(anchor, count - 1, interval, unit)
    due = periods.due_periods(anchor, anchor, until, interval, unit)
    assert len(due) == count
    for (_first, last), (next_first, _next_last) in zip(due, due[1:]):
        assert next_first == last + datetime.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(anchor=anchors, interval=st.integers(1, 24), index=st.integers(0, 120))
def test_monthly_start_keeps_anchor_day_when_possible(anchor, interval, index):
    start = periods.period_start(anchor, index, interval, 'month')
    days_in_month = calendar.monthrange(start.year, start.month)[1]
    assert start.day == min(anchor.day, days_in_month)
