"""MRR and contract forecast arithmetic, with every expected value worked out by hand."""
import datetime
from decimal import Decimal

import pytest

from ssp_tools.forecast import (
    Rates,
    Step,
    SubscriptionOutlook,
    average_rates,
    build_forecast,
    contract_change,
    forecast_windows,
    growth,
    history_windows,
    monthly_history,
    monthly_steps,
    project,
    subscription_steps,
)
from ssp_tools.periods import add_months

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def outlook(state='progress', mrr=1000, end_date=None, auto_renew=False, pause_date=None,
            resume_date=None, resume_mrr=0, changes=()):
    return SubscriptionOutlook(state, mrr, end_date, auto_renew, pause_date, resume_date, resume_mrr,
                               list(changes))


# === MONTHS === #

def test_windows_mid_month():
    today = D(2026, 5, 15)
    assert history_windows(today) == [
        (D(2025, 11, 16), D(2025, 12, 15)),
        (D(2025, 12, 16), D(2026, 1, 15)),
        (D(2026, 1, 16), D(2026, 2, 15)),
        (D(2026, 2, 16), D(2026, 3, 15)),
        (D(2026, 3, 16), D(2026, 4, 15)),
        (D(2026, 4, 16), D(2026, 5, 15)),
    ]
    windows = forecast_windows(today)
    assert len(windows) == 12
    assert windows[0] == (D(2026, 5, 16), D(2026, 6, 15))
    assert windows[-1] == (D(2027, 4, 16), D(2027, 5, 15))


def test_windows_month_end():
    # Each end is computed from today, so 31 January gives 28 February and
    # then 31 March again, not 28 March.
    windows = forecast_windows(D(2026, 1, 31), 3)
    assert windows == [
        (D(2026, 2, 1), D(2026, 2, 28)),
        (D(2026, 3, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 4, 30)),
    ]
    assert history_windows(D(2026, 3, 31), 2) == [
        (D(2026, 2, 1), D(2026, 2, 28)),
        (D(2026, 3, 1), D(2026, 3, 31)),
    ]


def test_windows_leap_day():
    assert forecast_windows(D(2028, 2, 29), 1) == [(D(2028, 3, 1), D(2028, 3, 29))]
    assert forecast_windows(D(2028, 2, 29))[-1] == (D(2029, 1, 30), D(2029, 2, 28))


def test_windows_contiguous_leap_year():
    day = D(2028, 1, 1)
    while day.year == 2028:
        windows = history_windows(day) + forecast_windows(day)
        assert windows[0][0] == add_months(day, -6) + ONE_DAY
        assert windows[5][1] == day
        assert windows[-1][1] == add_months(day, 12)
        for (_first, last_day), (next_first, _next_last) in zip(windows, windows[1:]):
            assert next_first == last_day + ONE_DAY
        day += ONE_DAY


# === HISTORY AND RATES === #

@pytest.mark.parametrize('event_type, previous_type, expected', [
    ('start', None, 1),
    ('pause', 'start', -1),
    ('resume', 'pause', 1),
    ('close', 'start', -1),
    ('close', 'resume', -1),
    ('close', 'pause', 0),
    ('reopen', 'close', 1),
])
def test_contract_change(event_type, previous_type, expected):
    assert contract_change(event_type, previous_type) == expected


def test_monthly_history_and_rates():
    today = D(2026, 7, 15)
    windows = history_windows(today)
    movements = [
        (D(2026, 2, 1), 'new', 1000.0),
        (D(2026, 3, 1), 'churn', -1000.0),
        (D(2026, 5, 1), 'new', 500.0),
        (D(2026, 5, 1), 'reactivation', 500.0),
        (D(2026, 6, 1), 'contraction', -1000.0),
        (D(2026, 6, 20), 'contraction', -1000.0),
        (D(2026, 7, 1), 'new', 1000.0),
        (D(2026, 7, 10), 'expansion', 1000.0),
        # After today: not part of the history.
        (D(2026, 8, 1), 'new', 1000.0),
    ]
    status_events = [
        (D(2026, 2, 1), 'start', None, 1),
        (D(2026, 3, 1), 'close', 'start', 1),
        (D(2026, 5, 1), 'start', None, 1),
        (D(2026, 6, 20), 'pause', 'start', 1),
        (D(2026, 7, 1), 'start', None, 1),
        # A paused subscription closed: its contract already left with the pause.
        (D(2026, 7, 5), 'close', 'pause', 1),
        (D(2026, 8, 1), 'start', None, 1),
    ]
    history = monthly_history(windows, 8000.0, movements, 4, status_events)

    assert [month.opening_mrr for month in history] == [8000, 9000, 8000, 8000, 9000, 8000]
    assert history[-1].closing_mrr == 9000
    assert [month.new_mrr for month in history] == [1000, 0, 0, 1000, 0, 1000]
    assert [month.churn_mrr for month in history] == [0, 1000, 0, 0, 0, 0]
    assert [month.contraction_mrr for month in history] == [0, 0, 0, 0, 1000, 1000]
    assert [month.opening_contracts for month in history] == [4, 5, 4, 4, 5, 5]
    assert [month.new_contracts for month in history] == [1, 0, 0, 1, 0, 1]
    assert [month.churned_contracts for month in history] == [0, 1, 0, 0, 0, 0]
    assert history[-1].closing_contracts == 5

    rates = average_rates(history)
    # Opening MRR of the six months: 8,000 + 9,000 + 8,000 + 8,000 + 9,000 + 8,000 = 50,000
    assert rates.new_mrr == 500                      # 3,000 / 6
    assert rates.expansion == Decimal('0.02')        # 1,000 / 50,000
    assert rates.contraction == Decimal('0.04')      # 2,000 / 50,000
    assert rates.churn == Decimal('0.02')            # 1,000 / 50,000
    assert rates.new_contracts == Decimal('0.5')     # 3 / 6
    # Opening contracts: 4 + 5 + 4 + 4 + 5 + 5 = 27, one closed while in progress.
    assert rates.contract_churn == Decimal(1) / Decimal(27)


def test_rates_without_history():
    history = monthly_history(history_windows(D(2026, 7, 15)), 0, [], 0, [])
    assert average_rates(history) == Rates(0, 0, 0, 0, 0, 0)
    assert average_rates([]) == Rates(0, 0, 0, 0, 0, 0)


# === SCHEDULED CHANGES === #

def test_fixed_term_end_leaves_next_day():
    steps = subscription_steps(outlook(mrr=1000, end_date=D(2026, 12, 31)))
    assert steps == [Step(D(2027, 1, 1), -1000, -1)]


def test_auto_renewing_term_stays():
    assert subscription_steps(outlook(mrr=1000, end_date=D(2026, 12, 31), auto_renew=True)) == []


def test_open_ended_subscription_no_steps():
    assert subscription_steps(outlook(mrr=1000)) == []


def test_changes_chain_until_term_end():
    subscription = outlook(mrr=1000, end_date=D(2026, 12, 31), changes=[
        (D(2026, 11, 1), 1500),
        (D(2026, 10, 1), 2000),
        # On the day the term is over: never applied.
        (D(2027, 1, 1), 5000),
    ])
    assert subscription_steps(subscription) == [
        Step(D(2026, 10, 1), 1000, 0),
        Step(D(2026, 11, 1), -500, 0),
        Step(D(2027, 1, 1), -1500, -1),
    ]


def test_paused_with_resume_date():
    # Paused from 20 June to 1 September: 73 days, so the term ending
    # 31 December ends on 14 March instead. The change dated during the
    # pause applies when the subscription resumes.
    subscription = outlook(
        state='paused', mrr=0, end_date=D(2026, 12, 31), pause_date=D(2026, 6, 20),
        resume_date=D(2026, 9, 1), resume_mrr=1000, changes=[(D(2026, 8, 1), 1200)])
    assert subscription_steps(subscription) == [
        Step(D(2026, 9, 1), 1000, 1),
        Step(D(2026, 9, 1), 200, 0),
        Step(D(2027, 3, 15), -1200, -1),
    ]


def test_paused_without_resume_date():
    subscription = outlook(state='paused', mrr=0, pause_date=D(2026, 6, 20), resume_mrr=1000,
                           changes=[(D(2026, 8, 1), 1200)])
    assert subscription_steps(subscription) == []


def test_monthly_steps_overdue_and_late():
    windows = forecast_windows(D(2026, 7, 15), 3)
    steps = [
        Step(D(2026, 7, 1), Decimal(-300), -1),     # overdue: month 1
        Step(D(2026, 7, 16), Decimal(100), 1),      # first day of month 1
        Step(D(2026, 8, 15), Decimal(50), 0),       # last day of month 1
        Step(D(2026, 8, 16), Decimal(20), 0),       # month 2
        Step(D(2026, 10, 15), Decimal(7), 1),       # last day of month 3
        Step(D(2026, 10, 16), Decimal(1000), 5),    # after month 3: left out
    ]
    assert monthly_steps(windows, steps) == [(-150, 0), (20, 0), (7, 1)]


# === PROJECTION === #

def test_project_three_months():
    rates = Rates(new_mrr=Decimal(500), expansion=Decimal('0.02'), contraction=Decimal('0.04'),
                  churn=Decimal('0.02'), new_contracts=Decimal('0.5'), contract_churn=Decimal('0.1'))
    windows = forecast_windows(D(2026, 7, 15), 3)
    months = project(windows, Decimal(9000), 5, rates, [(Decimal(-1000), 0), (Decimal(1000), 1), (0, 0)])

    first = months[0]
    assert first.opening_mrr == 9000
    assert first.expansion_mrr == 180      # 9,000 x 2 %
    assert first.contraction_mrr == 360    # 9,000 x 4 %
    assert first.churn_mrr == 180          # 9,000 x 2 %
    # 9,000 + 500 + 180 - 360 - 180 - 1,000
    assert first.mrr == 8140
    # 5 + 0.5 - 5 x 10 %
    assert first.churned_contracts == Decimal('0.5')
    assert first.contracts == 5
    # 8,140 x 0.96 + 500 + 1,000 = 7,814.40 + 1,500
    assert months[1].mrr == Decimal('9314.4')
    # 5 x 0.9 + 0.5 + 1
    assert months[1].contracts == 6
    # 9,314.40 x 0.96 + 500 = 8,941.824 + 500
    assert months[2].mrr == Decimal('9441.824')
    # 6 x 0.9 + 0.5
    assert months[2].contracts == Decimal('5.9')


def test_project_never_below_zero():
    rates = Rates(Decimal(0), Decimal(0), Decimal(0), Decimal('0.5'), Decimal(0), Decimal(0))
    windows = forecast_windows(D(2026, 7, 15), 2)
    months = project(windows, Decimal(1000), 1, rates, [(Decimal(-800), -2), (0, 0)])
    # 1,000 - 500 churn - 800 scheduled would be -300.
    assert months[0].mrr == 0
    assert months[0].contracts == 0
    assert months[1].mrr == 0


def test_growth():
    assert growth(Decimal(9000), Decimal(10800)) == Decimal('0.2')
    assert growth(Decimal(5), Decimal(4)) == Decimal('-0.2')
    assert growth(0, Decimal(100)) is None


def test_build_forecast_worked_example():
    """Today 15 July 2026, the history of test_monthly_history_and_rates and four known changes.

    Rates: 500 new MRR per month, net 1 + 2 % - 4 % - 2 % = 0.96 of the
    opening MRR; 0.5 new contract per month and 1 / 27 contract churn.
    """
    today = D(2026, 7, 15)
    movements = [
        (D(2026, 2, 1), 'new', 1000.0),
        (D(2026, 3, 1), 'churn', -1000.0),
        (D(2026, 5, 1), 'new', 1000.0),
        (D(2026, 6, 1), 'contraction', -1000.0),
        (D(2026, 6, 20), 'contraction', -1000.0),
        (D(2026, 7, 1), 'new', 1000.0),
        (D(2026, 7, 10), 'expansion', 1000.0),
        (D(2026, 8, 1), 'new', 1000.0),
    ]
    status_events = [
        (D(2026, 2, 1), 'start', None, 1),
        (D(2026, 3, 1), 'close', 'start', 1),
        (D(2026, 5, 1), 'start', None, 1),
        (D(2026, 6, 20), 'pause', 'start', 1),
        (D(2026, 7, 1), 'start', None, 1),
        (D(2026, 8, 1), 'start', None, 1),
    ]
    subscriptions = [
        # Closes at the end of its paid period, 31 July.
        outlook(mrr=2000, end_date=D(2026, 7, 31)),
        # Paused until 1 September.
        outlook(state='paused', mrr=0, pause_date=D(2026, 6, 20), resume_date=D(2026, 9, 1), resume_mrr=1000),
        # Goes from 2,000 to 3,000 on 1 October.
        outlook(mrr=2000, changes=[(D(2026, 10, 1), 3000)]),
        # Six-month term without renewal, ends 31 December.
        outlook(mrr=1000, end_date=D(2026, 12, 31)),
        # Auto-renewing term: stays.
        outlook(mrr=1000, end_date=D(2027, 4, 30), auto_renew=True),
    ]
    forecast = build_forecast(today, 8000.0, movements, 4, status_events, subscriptions)

    assert forecast.mrr == 9000
    assert forecast.contracts == 5
    assert forecast.rates.new_mrr == 500
    assert forecast.rates.expansion - forecast.rates.contraction - forecast.rates.churn == Decimal('-0.04')
    months = forecast.months
    assert [month.last_day for month in months][:3] == [D(2026, 8, 15), D(2026, 9, 15), D(2026, 10, 15)]
    # Month 1: +1,000 starting 1 August, -2,000 ending 1 August; one contract in, one out.
    assert (months[0].scheduled_mrr, months[0].scheduled_contracts) == (-1000, 0)
    assert months[0].mrr == 8140                      # 9,000 x 0.96 + 500 - 1,000
    assert months[1].mrr == Decimal('9314.4')         # 8,140 x 0.96 + 500 + 1,000 (resume)
    assert months[2].mrr == Decimal('10441.824')      # 9,314.40 x 0.96 + 500 + 1,000 (change)
    assert months[3].mrr == Decimal('10524.15104')    # 10,441.824 x 0.96 + 500
    assert (months[5].scheduled_mrr, months[5].scheduled_contracts) == (-1000, -1)
    # Month 6: 10,603.1849984 x 0.96 + 500 - 1,000 (term end on 1 January 2027)
    assert months[5].mrr == Decimal('9679.057598464')
    # Months 7 to 12 follow V' = 0.96 V + 500, whose fixed point is 12,500:
    # V12 = 12,500 - (12,500 - 9,679.057598464) x 0.96 ** 6
    #     = 12,500 - 2,820.942401536 x 0.782757789696 = 10,291.88536091...
    assert float(months[11].mrr) == pytest.approx(10291.885360914, abs=1e-6)
    assert float(forecast.mrr_growth) == pytest.approx(10291.885360914 / 9000 - 1, abs=1e-9)

    # Contracts: C' = C x 26 / 27 + 0.5 + scheduled
    assert float(months[0].contracts) == pytest.approx(5 * 26 / 27 + 0.5)          # 5.3148...
    assert float(months[1].contracts) == pytest.approx(6.617969821673525)         # + 1 resume
    # Between known changes C' - 13.5 = (C - 13.5) x 26 / 27. Month 6 is
    # 6.582273248072846 (one term ends), so month 12 is
    # 13.5 - (13.5 - 6.582273248072846) x (26 / 27) ** 6.
    assert float(months[5].contracts) == pytest.approx(6.582273248072846)
    assert float(months[11].contracts) == pytest.approx(13.5 - (13.5 - 6.582273248072846) * (26 / 27) ** 6)
    assert float(forecast.contract_growth) == pytest.approx(7.984042562530717 / 5 - 1)


def test_build_forecast_empty_company():
    forecast = build_forecast(D(2026, 7, 15), 0, [], 0, [], [])
    assert forecast.mrr == 0
    assert forecast.contracts == 0
    assert [month.mrr for month in forecast.months] == [0] * 12
    assert forecast.mrr_growth is None
    assert forecast.contract_growth is None
