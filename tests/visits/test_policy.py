"""Visit policy arithmetic: interval of a household, next-due date, worklist buckets and order."""
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.blueprints.visits import policy
from app.models.visit import DEFAULT_POLICY_TAG

TAGS = st.sampled_from(["监测户", "独居老人户", "脱贫户", "低保户", "军属户"])
POLICIES = st.dictionaries(TAGS, st.integers(1, 366), max_size=5).map(
    lambda d: {**d, DEFAULT_POLICY_TAG: 90})
DATES = st.dates(date(2020, 1, 1), date(2030, 12, 31))


def test_examples_from_the_issue():
    rules = {"监测户": 30, "独居老人户": 7, DEFAULT_POLICY_TAG: 90}
    assert policy.interval_for(["监测户"], rules) == 30
    assert policy.interval_for(["监测户", "独居老人户"], rules) == 7
    assert policy.interval_for(["军属户"], rules) == 90
    assert policy.interval_for([], rules) == 90
    assert policy.next_due(date(2026, 1, 1), 30, date(2025, 1, 1)) == date(2026, 1, 31)
    assert policy.next_due(None, 30, date(2025, 6, 1)) == date(2025, 6, 1)


@given(st.lists(TAGS, max_size=5), POLICIES)
def test_interval_is_the_strictest_matching_tag_or_the_default(tags, rules):
    interval = policy.interval_for(tags, rules)
    own = [rules[t] for t in tags if t in rules]
    assert interval == (min(own) if own else 90)
    assert all(interval <= rules[t] for t in tags if t in rules)


@given(st.lists(TAGS, max_size=4), TAGS, POLICIES)
def test_adding_a_tag_never_makes_visits_rarer(tags, extra, rules):
    if any(t in rules for t in tags):
        assert policy.interval_for(tags + [extra], rules) <= policy.interval_for(tags, rules)


@given(DATES, st.integers(1, 366), DATES)
def test_next_due_is_last_visit_plus_interval(last, interval, since):
    due = policy.next_due(last, interval, since)
    assert (due - last).days == interval
    assert policy.next_due(last + timedelta(days=1), interval, since) > due


@given(DATES, DATES)
def test_buckets_partition_the_calendar(due, today):
    state = policy.bucket(due, today)
    delta = (due - today).days
    assert state == (policy.OVERDUE if delta < 0 else policy.THIS_WEEK if delta < 7 else policy.LATER)


@given(st.lists(st.tuples(DATES, st.integers(1, 10_000)), unique_by=lambda t: t[1], max_size=30), DATES)
def test_worklist_order_puts_every_overdue_before_every_due(rows, today):
    ordered = sorted(rows, key=lambda r: policy.worklist_key(*r))
    states = [policy.bucket(due, today) for due, _ in ordered]
    first_not_overdue = next((i for i, s in enumerate(states) if s != policy.OVERDUE), len(states))
    assert all(s != policy.OVERDUE for s in states[first_not_overdue:])
    dues = [due for due, _ in ordered]
    assert dues == sorted(dues)
