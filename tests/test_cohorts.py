"""Cohort retention grids, with every expected cell worked out by hand."""
import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssp_tools.cohorts import build_grid, percentage, period_offset, period_start

D = datetime.date


# === PERIOD ARITHMETIC === #

@pytest.mark.parametrize('value, period, expected', [
    (D(2026, 1, 1), 'month', D(2026, 1, 1)),
    (D(2026, 2, 28), 'month', D(2026, 2, 1)),
    (D(2026, 3, 31), 'quarter', D(2026, 1, 1)),
    (D(2026, 4, 1), 'quarter', D(2026, 4, 1)),
    (D(2026, 12, 31), 'quarter', D(2026, 10, 1)),
    (D(2026, 7, 15), 'year', D(2026, 1, 1)),
])
def test_period_start(value, period, expected):
    assert period_start(value, period) == expected


@pytest.mark.parametrize('start, value, period, expected', [
    (D(2025, 11, 20), D(2025, 11, 30), 'month', 0),
    (D(2025, 11, 20), D(2026, 2, 1), 'month', 3),
    (D(2025, 12, 31), D(2026, 1, 1), 'quarter', 1),
    (D(2025, 10, 1), D(2026, 5, 20), 'quarter', 2),
    (D(2024, 12, 31), D(2026, 1, 1), 'year', 2),
    (D(2026, 3, 1), D(2026, 1, 31), 'month', -2),
])
def test_period_offset(start, value, period, expected):
    assert period_offset(start, value, period) == expected


def test_percentage_rounds_half_up():
    # 1 / 16 = 6.25 %: half up gives 6.3, where round() on floats gives 6.2.
    assert percentage(1, 16) == 6.3
    assert percentage(2, 3) == 66.7
    assert percentage(Decimal('280'), Decimal('220')) == 127.3
    assert percentage(5, 0) is None


# === GRIDS === #

JANUARY = D(2026, 1, 1)
MARCH = D(2026, 3, 1)
TODAY = D(2026, 4, 15)

# January cohort: 4 customers at 100 each. February: one churns (-100) and
# another expands by 50. March: +30. April: one more churns (-150).
# March cohort: A 100, B 120 and C 90, but C churns in March, so 2 customers
# and 220 at the end of March. April: B expands by 60.
COHORTS = [(JANUARY, None, 4), (MARCH, None, 3)]
CHANGES = [
    (JANUARY, None, D(2026, 1, 1), 4, Decimal('400')),
    (JANUARY, None, D(2026, 2, 1), -1, Decimal('-50')),
    (JANUARY, None, D(2026, 3, 1), 0, Decimal('30')),
    (JANUARY, None, D(2026, 4, 1), -1, Decimal('-150')),
    (MARCH, None, D(2026, 3, 1), 2, Decimal('220')),
    (MARCH, None, D(2026, 4, 1), 0, Decimal('60')),
]


def test_logo_retention_monthly():
    grid = build_grid(COHORTS, CHANGES, TODAY, 'month', 'logo')

    january, march = grid['rows']
    assert grid['columns'] == 4
    assert january['active'] == [4, 3, 3, 2]
    assert january['cells'] == [100.0, 75.0, 75.0, 50.0]
    assert march['active'] == [2, 2]
    assert march['cells'] == [66.7, 66.7, None, None]
    assert january['last_offset'] == 3
    assert march['last_offset'] == 1


def test_revenue_retention_monthly():
    grid = build_grid(COHORTS, CHANGES, TODAY, 'month', 'revenue')

    january, march = grid['rows']
    assert january['mrr'] == [Decimal('400'), Decimal('350'), Decimal('380'), Decimal('230')]
    assert january['start_mrr'] == Decimal('400')
    assert january['cells'] == [100.0, 87.5, 95.0, 57.5]
    # 280 / 220 = 127.27 %: revenue retention can exceed 100 %.
    assert march['start_mrr'] == Decimal('220')
    assert march['cells'] == [100.0, 127.3, None, None]


def test_total_row_weighted():
    logo = build_grid(COHORTS, CHANGES, TODAY, 'month', 'logo')['total']
    revenue = build_grid(COHORTS, CHANGES, TODAY, 'month', 'revenue')['total']

    # Offsets 0 and 1 count both cohorts, but offsets 2 and 3 count only January.
    assert logo['size'] == 7
    assert logo['cells'] == [85.7, 71.4, 75.0, 50.0]  # 6/7, 5/7, 3/4, 2/4
    assert revenue['start_mrr'] == Decimal('620')
    assert revenue['cells'] == [100.0, 101.6, 95.0, 57.5]  # 620/620, 630/620, 380/400, 230/400


def test_no_cohort_gives_empty_grid():
    grid = build_grid([], [], TODAY, 'month', 'logo')

    assert grid == {'columns': 0, 'rows': [], 'total': None}


def test_zero_starting_mrr_leaves_revenue_undefined():
    # Both customers churn in their first month; one comes back in May.
    cohorts = [(JANUARY, None, 2)]
    changes = [
        (JANUARY, None, D(2026, 1, 1), 0, Decimal('0')),
        (JANUARY, None, D(2026, 5, 1), 1, Decimal('75')),
    ]

    logo = build_grid(cohorts, changes, D(2026, 5, 2), 'month', 'logo')['rows'][0]
    revenue = build_grid(cohorts, changes, D(2026, 5, 2), 'month', 'revenue')['rows'][0]

    assert logo['cells'] == [0.0, 0.0, 0.0, 0.0, 50.0]
    assert revenue['start_mrr'] == 0
    assert revenue['cells'] == [None] * 5


def test_cohort_without_changes_today():
    # Acquired and measured in the current period, with no change recorded yet.
    grid = build_grid([(D(2026, 4, 1), None, 5)], [], TODAY, 'month', 'logo')

    assert grid['columns'] == 1
    assert grid['rows'][0]['cells'] == [0.0]


def test_quarterly_cohorts():
    # Q4 2025 cohort: 2 customers at 300 and 100; one churns in February (Q1),
    # the other doubles in May (Q2). Today is in Q2 2026: offsets 0 to 2.
    q4 = D(2025, 10, 1)
    changes = [
        (q4, None, D(2025, 10, 1), 2, Decimal('400')),
        (q4, None, D(2026, 1, 1), -1, Decimal('-300')),
        (q4, None, D(2026, 4, 1), 0, Decimal('100')),
    ]

    logo = build_grid([(q4, None, 2)], changes, D(2026, 5, 20), 'quarter', 'logo')
    revenue = build_grid([(q4, None, 2)], changes, D(2026, 5, 20), 'quarter', 'revenue')

    assert logo['columns'] == 3
    assert logo['rows'][0]['cells'] == [100.0, 50.0, 50.0]
    assert revenue['rows'][0]['cells'] == [100.0, 25.0, 50.0]


def test_yearly_cohorts():
    y2024 = D(2024, 1, 1)
    y2025 = D(2025, 1, 1)
    cohorts = [(y2024, None, 10), (y2025, None, 4)]
    changes = [
        (y2024, None, y2024, 8, Decimal('8000')),
        (y2024, None, y2025, -2, Decimal('-1000')),
        (y2024, None, D(2026, 1, 1), 1, Decimal('500')),
        (y2025, None, y2025, 4, Decimal('2000')),
        (y2025, None, D(2026, 1, 1), -3, Decimal('-1600')),
    ]

    logo = build_grid(cohorts, changes, D(2026, 6, 30), 'year', 'logo')
    revenue = build_grid(cohorts, changes, D(2026, 6, 30), 'year', 'revenue')

    assert logo['columns'] == 3
    assert [row['cells'] for row in logo['rows']] == [[80.0, 60.0, 70.0], [100.0, 25.0, None]]
    assert [row['cells'] for row in revenue['rows']] == [[100.0, 87.5, 93.8], [100.0, 20.0, None]]


def test_groups_split_cohorts():
    cohorts = [(JANUARY, 7, 2), (JANUARY, None, 1), (JANUARY, 3, 1)]
    changes = [
        (JANUARY, 7, JANUARY, 2, Decimal('200')),
        (JANUARY, 7, D(2026, 2, 1), -1, Decimal('-100')),
        (JANUARY, 3, JANUARY, 1, Decimal('50')),
        (JANUARY, None, JANUARY, 1, Decimal('10')),
    ]

    grid = build_grid(cohorts, changes, D(2026, 2, 10), 'month', 'logo')
    by_label = build_grid(
        cohorts, changes, D(2026, 2, 10), 'month', 'logo',
        group_sort_key=lambda key: {7: 'a', 3: 'b', None: 'c'}[key])

    assert [row['group'] for row in grid['rows']] == [3, 7, None]
    assert [row['cells'] for row in grid['rows']] == [[100.0, 100.0], [100.0, 50.0], [100.0, 100.0]]
    assert [row['group'] for row in by_label['rows']] == [7, 3, None]
    assert grid['total']['cells'] == [100.0, 75.0]


@pytest.mark.parametrize('period, measure', [('week', 'logo'), ('month', 'customers')])
def test_unknown_period_or_measure(period, measure):
    with pytest.raises(ValueError, match='unknown cohort'):
        build_grid([], [], TODAY, period, measure)


def test_change_before_cohort_rejected():
    with pytest.raises(ValueError, match='outside the periods'):
        build_grid([(MARCH, None, 1)], [(MARCH, None, JANUARY, 1, 1)], TODAY, 'month', 'logo')


def test_change_after_today_rejected():
    with pytest.raises(ValueError, match='outside the periods'):
        build_grid([(MARCH, None, 1)], [(MARCH, None, D(2026, 5, 1), 1, 1)], TODAY, 'month', 'logo')


def test_change_without_cohort_rejected():
    with pytest.raises(ValueError, match='no customer'):
        build_grid([(MARCH, None, 1)], [(JANUARY, None, JANUARY, 1, 1)], TODAY, 'month', 'logo')


def test_future_cohort_rejected():
    with pytest.raises(ValueError, match='after today'):
        build_grid([(D(2026, 5, 1), None, 1)], [], TODAY, 'month', 'logo')


# === AGGREGATES AGAINST THE DEFINITION === #
# The report's SQL sums each movement's (mrr_after - mrr_before) and the
# change of "MRR above zero" per cohort and period. For a ledger where each
# movement's mrr_before is the previous movement's mrr_after, these sums must
# give the definition: at each period end, the mrr_after of the customer's
# last movement on or before that date.

def _ledger(draws):
    """Build chain-consistent movements ``(date, mrr_before, mrr_after)`` per customer."""
    ledger = {}
    for customer, (start, steps) in enumerate(draws):
        day = D(2024, 1, 1) + datetime.timedelta(days=start)
        mrr = Decimal(steps[0][1] + 1)  # the first movement is 'new', above zero
        movements = [(day, Decimal(0), mrr)]
        for gap, amount in steps[1:]:
            day += datetime.timedelta(days=gap + 1)
            after = Decimal(amount)
            if after != mrr:
                movements.append((day, mrr, after))
                mrr = after
        ledger[customer] = movements
    return ledger


def _aggregates(ledger, today, period):
    """Compute the cohort sizes and changes the way the report's SQL does."""
    sizes = defaultdict(int)
    changes = defaultdict(lambda: [0, Decimal(0)])
    for movements in ledger.values():
        acquired_on = movements[0][0]
        if acquired_on > today:
            continue
        cohort = period_start(acquired_on, period)
        sizes[cohort] += 1
        for day, before, after in movements:
            if day > today:
                break
            change = changes[cohort, period_start(day, period)]
            change[0] += (after > 0) - (before > 0)
            change[1] += after - before
    return (
        [(cohort, None, size) for cohort, size in sizes.items()],
        [(cohort, None, start, active, mrr) for (cohort, start), (active, mrr) in changes.items()],
    )


def _by_definition(ledger, today, period):
    """Return ``{cohort: (active list, mrr list)}`` from each customer's last movement per period end."""
    months = {'month': 1, 'quarter': 3, 'year': 12}[period]
    result = {}
    for movements in ledger.values():
        acquired_on = movements[0][0]
        if acquired_on > today:
            continue
        cohort = period_start(acquired_on, period)
        last_offset = period_offset(cohort, today, period)
        active, mrr = result.setdefault(cohort, ([0] * (last_offset + 1), [Decimal(0)] * (last_offset + 1)))
        for offset in range(last_offset + 1):
            month_index = cohort.year * 12 + cohort.month - 1 + (offset + 1) * months
            next_start = D(month_index // 12, month_index % 12 + 1, 1)
            end = min(next_start - datetime.timedelta(days=1), today)
            known = [after for day, _before, after in movements if day <= end]
            value = known[-1] if known else Decimal(0)
            active[offset] += value > 0
            mrr[offset] += value
    return result


customer_draws = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=900),
        st.lists(st.tuples(st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=5)),
                 min_size=1, max_size=8),
    ),
    min_size=1, max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(draws=customer_draws, period=st.sampled_from(['month', 'quarter', 'year']),
       today_shift=st.integers(min_value=0, max_value=1200))
def test_aggregates_match_definition(draws, period, today_shift):
    ledger = _ledger(draws)
    today = D(2024, 1, 1) + datetime.timedelta(days=today_shift)
    cohorts, changes = _aggregates(ledger, today, period)

    grid = build_grid(cohorts, changes, today, period, 'logo')

    expected = _by_definition(ledger, today, period)
    assert {row['cohort']: (row['active'], row['mrr']) for row in grid['rows']} == expected
