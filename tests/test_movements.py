"""MRR movement classification, with every expected movement worked out by hand."""
import datetime
import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ssp_tools.movements import Event, classify, group_customer_events

D = datetime.date
_ids = itertools.count(1)


def event(subscription, day, event_type, mrr_before, mrr_after, currency=1, reason=None, user=7):
    return Event(
        id=next(_ids), company_id=1, partner_id=10, subscription_id=subscription,
        effective_date=day, event_type=event_type, mrr_before=mrr_before, mrr_after=mrr_after,
        monthly_before=mrr_before, monthly_after=mrr_after, currency_id=currency,
        plan_id=3, user_id=user, team_id=4, close_reason_id=reason, template_id=None,
        country_id=5, company_currency_id=1, digits=2,
    )


def movements_of(events):
    return [(row['effective_date'], row['movement_type'], row['amount'], row['mrr_after'])
            for row in classify((1, 10), events)]


def test_new_expansion_contraction_churn():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 10), 'upsell', 100, 150),
        event(1, D(2026, 3, 5), 'downgrade', 150, 120),
        event(1, D(2026, 4, 1), 'close', 120, 0, reason=2),
    ]
    assert movements_of(events) == [
        (D(2026, 1, 1), 'new', 100.0, 100.0),
        (D(2026, 2, 10), 'expansion', 50.0, 150.0),
        (D(2026, 3, 5), 'contraction', -30.0, 120.0),
        (D(2026, 4, 1), 'churn', -120.0, 0.0),
    ]


def test_churn_carries_closing_reason():
    events = [event(1, D(2026, 1, 1), 'start', 0, 100), event(1, D(2026, 2, 1), 'close', 100, 0, reason=6)]
    assert classify((1, 10), events)[-1]['close_reason_id'] == 6


def test_reactivation_after_churn():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 1), 'close', 100, 0),
        event(1, D(2026, 4, 1), 'reopen', 0, 80),
    ]
    assert movements_of(events)[-1] == (D(2026, 4, 1), 'reactivation', 80.0, 80.0)


def test_new_subscription_after_churn_is_reactivation():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 1), 'close', 100, 0),
        event(2, D(2026, 3, 1), 'start', 0, 60),
    ]
    assert movements_of(events)[-1] == (D(2026, 3, 1), 'reactivation', 60.0, 60.0)


def test_same_day_changes_are_netted():
    # +50 and -20 on one day: one expansion of 30
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 1), 'upsell', 100, 150),
        event(1, D(2026, 2, 1), 'downgrade', 150, 130),
    ]
    assert movements_of(events) == [
        (D(2026, 1, 1), 'new', 100.0, 100.0),
        (D(2026, 2, 1), 'expansion', 30.0, 130.0),
    ]


def test_same_day_changes_cancelling_out_make_no_movement():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 1), 'upsell', 100, 150),
        event(1, D(2026, 2, 1), 'downgrade', 150, 100),
    ]
    assert movements_of(events) == [(D(2026, 1, 1), 'new', 100.0, 100.0)]


def test_two_subscriptions_closing_one_is_contraction():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(2, D(2026, 1, 15), 'start', 0, 40),
        event(2, D(2026, 3, 1), 'close', 40, 0),
        event(1, D(2026, 4, 1), 'close', 100, 0),
    ]
    assert movements_of(events) == [
        (D(2026, 1, 1), 'new', 100.0, 100.0),
        (D(2026, 1, 15), 'expansion', 40.0, 140.0),
        (D(2026, 3, 1), 'contraction', -40.0, 100.0),
        (D(2026, 4, 1), 'churn', -100.0, 0.0),
    ]


def test_two_subscriptions_closed_same_day_is_one_churn():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(2, D(2026, 1, 1), 'start', 0, 40),
        event(1, D(2026, 3, 1), 'close', 100, 0),
        event(2, D(2026, 3, 1), 'close', 40, 0),
    ]
    rows = classify((1, 10), events)
    assert [(r['movement_type'], r['amount']) for r in rows] == [('new', 140.0), ('churn', -140.0)]
    assert rows[1]['subscription_ids'] == [1, 2]
    # The main subscription is the one whose MRR changed the most.
    assert rows[1]['subscription_id'] == 1


def test_pause_is_contraction_and_resume_expansion():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 1, 20), 'pause', 100, 0),
        event(1, D(2026, 2, 10), 'resume', 0, 100),
    ]
    assert movements_of(events) == [
        (D(2026, 1, 1), 'new', 100.0, 100.0),
        (D(2026, 1, 20), 'contraction', -100.0, 0.0),
        (D(2026, 2, 10), 'expansion', 100.0, 100.0),
    ]


def test_closing_while_paused_is_zero_churn():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 1, 20), 'pause', 100, 0),
        event(1, D(2026, 3, 1), 'close', 0, 0),
    ]
    assert movements_of(events)[-1] == (D(2026, 3, 1), 'churn', 0.0, 0.0)


def test_renewal_is_not_a_movement():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2027, 1, 1), 'renewal', 100, 100),
    ]
    assert movements_of(events) == [(D(2026, 1, 1), 'new', 100.0, 100.0)]


def test_temporary_discount_contraction_then_expansion():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 100),
        event(1, D(2026, 2, 1), 'downgrade', 100, 80),
        event(1, D(2026, 5, 1), 'scheduled_change', 80, 100),
    ]
    assert [m[1] for m in movements_of(events)] == ['new', 'contraction', 'expansion']


def test_amount_in_subscription_currency_only_when_single_currency():
    events = [
        event(1, D(2026, 1, 1), 'start', 0, 3500, currency=2),
        event(2, D(2026, 2, 1), 'start', 0, 100, currency=1),
        event(3, D(2026, 2, 1), 'start', 0, 70, currency=2),
    ]
    rows = classify((1, 10), events)
    assert rows[0]['amount_currency'] == 3500.0
    assert rows[0]['subscription_currency_id'] == 2
    assert rows[1]['amount_currency'] is None


def test_group_customer_events_splits_customers():
    rows = [
        (1, 1, 10, 1, D(2026, 1, 1), 'start', 0, 5, 0, 5, 1, 3, 7, 4, None, None, 5, 1, 2),
        (2, 1, 11, 2, D(2026, 1, 1), 'start', 0, 6, 0, 6, 1, 3, 7, 4, None, None, 5, 1, 2),
    ]
    groups = list(group_customer_events(rows))
    assert [key for key, _events in groups] == [(1, 10), (1, 11)]


# === The identity on generated histories === #

EVENT_TYPES = ['upsell', 'downgrade', 'pause', 'resume', 'close', 'reopen', 'renewal', 'start']


@st.composite
def histories(draw):
    """A random but coherent history of up to 3 subscriptions of one customer."""
    rng = random.Random(draw(st.integers(0, 10**6)))
    state = {}
    events = []
    day = D(2026, 1, 1)
    for _step in range(draw(st.integers(1, 25))):
        day += datetime.timedelta(days=rng.choice([0, 0, 1, 7, 30]))
        subscription = rng.randint(1, 3)
        mrr, status = state.get(subscription, (0, None))
        if status is None:
            event_type, after, new_status = 'start', rng.randint(1, 500), 'active'
        elif status == 'closed':
            event_type, after, new_status = 'reopen', rng.randint(1, 500), 'active'
        elif status == 'paused':
            event_type, new_status = rng.choice([('resume', 'active'), ('close', 'closed')])
            after = rng.randint(1, 500) if event_type == 'resume' else 0
        else:
            event_type = rng.choice(['upsell', 'downgrade', 'pause', 'close', 'renewal'])
            after = {'pause': 0, 'close': 0, 'renewal': mrr}.get(event_type, rng.randint(1, 500))
            new_status = {'pause': 'paused', 'close': 'closed'}.get(event_type, 'active')
        events.append(event(subscription, day, event_type, mrr, after))
        state[subscription] = (after, new_status)
    return events


@settings(max_examples=300, deadline=None)
@given(histories())
def test_movements_sum_to_mrr_on_every_date(events):
    rows = classify((1, 10), events)
    latest = {}
    for day, day_events in itertools.groupby(events, key=lambda e: e.effective_date):
        for e in day_events:
            latest[e.subscription_id] = e.mrr_after
        mrr_on_day = sum(latest.values())
        movements_until = sum(r['amount'] for r in rows if r['effective_date'] <= day)
        assert round(movements_until, 2) == mrr_on_day


@settings(max_examples=300, deadline=None)
@given(histories())
def test_movement_types_are_consistent(events):
    rows = classify((1, 10), events)
    for previous, row in zip([None] + rows, rows):
        before = previous['mrr_after'] if previous else 0.0
        assert row['mrr_before'] == before
        if row['movement_type'] in ('new', 'reactivation'):
            assert before == 0 and row['mrr_after'] > 0
        if row['movement_type'] == 'churn':
            assert row['mrr_after'] == 0
        if row['movement_type'] == 'expansion':
            assert row['amount'] > 0
        if row['movement_type'] == 'contraction':
            assert row['amount'] < 0
    assert [r['movement_type'] for r in rows].count('new') <= 1
