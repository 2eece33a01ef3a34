"""SLA arithmetic (no database): both calendars, 调休 days, pauses, due times, risk; property tests."""
from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.blueprints.tickets import sla
from app.workcalendar import WorkCalendar

CAL = WorkCalendar(years=(2026, 2027))
HOURS = sla.BusinessHours(time(8, 30), time(17, 30), CAL.is_working_day)


def local(*args) -> datetime:
    """A China-time wall clock reading as stored naive UTC."""
    return datetime(*args) - timedelta(hours=8)


def test_24x7_due_is_plain_addition():
    start = datetime(2026, 2, 13, 10, 0)
    assert sla.add_sla_seconds(start, 40 * 60, None) == datetime(2026, 2, 13, 10, 40)
    assert sla.sla_seconds(start, start + timedelta(days=3), None) == 3 * 86400


def test_business_hours_skip_night_and_weekend():
    # Friday 17:00 local + 60 working minutes → Monday 09:00 (2026-03-06 is a plain Friday).
    start = local(2026, 3, 6, 17, 0)
    assert sla.add_sla_seconds(start, 3600, HOURS) == local(2026, 3, 9, 9, 0)
    assert sla.sla_seconds(start, local(2026, 3, 9, 9, 0), HOURS) == 3600


def test_business_hours_before_opening_start_at_opening():
    assert sla.add_sla_seconds(local(2026, 3, 4, 6, 0), 600, HOURS) == local(2026, 3, 4, 8, 40)


def test_tiaoxiu_saturday_is_a_working_day_and_spring_festival_is_not():
    # Friday 2026-02-13 17:00 + 60 min: the make-up Saturday 02-14 counts, so due 02-14 09:00.
    assert sla.add_sla_seconds(local(2026, 2, 13, 17, 0), 3600, HOURS) == local(2026, 2, 14, 9, 0)
    # Saturday 02-14 17:00 + 60 min: 02-15..02-23 are off (Spring Festival), so due Tuesday 02-24 09:00.
    assert sla.add_sla_seconds(local(2026, 2, 14, 17, 0), 3600, HOURS) == local(2026, 2, 24, 9, 0)


def test_national_day_makeup_saturday():
    # 2026-10-10 (Saturday) is a working day after the National Day holiday.
    assert CAL.is_working_day(datetime(2026, 10, 10).date())
    assert sla.add_sla_seconds(local(2026, 10, 9, 17, 0), 3600, HOURS) == local(2026, 10, 10, 9, 0)


def test_pause_pushes_due_and_is_not_elapsed():
    start = datetime(2026, 5, 1, 0, 0)
    pauses = [(start + timedelta(minutes=10), start + timedelta(minutes=40))]
    now = start + timedelta(minutes=60)
    assert sla.elapsed_seconds(start, now, pauses) == 30 * 60
    assert sla.due_at(start, 40 * 60, pauses, None, now) == start + timedelta(minutes=70)


def test_open_pause_has_no_due_and_stops_elapsed():
    start = datetime(2026, 5, 1, 0, 0)
    pauses = [(start + timedelta(minutes=10), None)]
    c = sla.clock("resolution", start, 40, None, pauses, None, start + timedelta(hours=5))
    assert c.elapsed == 600 and c.due is None and not c.running and c.risk == "green"


def test_risk_bands():
    assert sla.risk_for(0, 100) == "green"
    assert sla.risk_for(74, 100) == "green"
    assert sla.risk_for(75, 100) == "amber"
    assert sla.risk_for(90, 100) == "amber"
    assert sla.risk_for(100, 100) == "red"
    assert sla.crossings(0.74) == [] and sla.crossings(0.75) == [75] and sla.crossings(1.2) == [75, 100]


@st.composite
def transition_sequences(draw):
    """A ticket's pause/resume history: alternating gaps in minutes, possibly ending paused."""
    start = datetime(2026, 1, 1) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    gaps = draw(st.lists(st.integers(0, 60 * 24 * 5), min_size=0, max_size=12))
    pauses, t, paused_since = [], start, None
    for gap in gaps:
        t += timedelta(minutes=gap, seconds=draw(st.integers(0, 59)))
        if paused_since is None:
            paused_since = t
        else:
            pauses.append((paused_since, t))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    now = t + timedelta(minutes=draw(st.integers(0, 60 * 24 * 3)))
    return start, pauses, now


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(transition_sequences())
def test_elapsed_is_wall_time_minus_paused_time(seq):
    start, pauses, now = seq
    wall = (now - start).total_seconds()
    paused = sla.paused_wall_seconds(pauses, start, now)
    assert sla.elapsed_seconds(start, now, pauses) == wall - paused


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(transition_sequences(), st.integers(1, 60 * 24 * 4))
def test_due_time_is_when_elapsed_reaches_target(seq, target_minutes):
    start, pauses, now = seq
    closed = [(s, e or now) for s, e in pauses]  # resume every open pause at `now`
    due = sla.due_at(start, target_minutes * 60, closed, None, now)
    assert sla.elapsed_seconds(start, due, closed) == target_minutes * 60
    assert sla.elapsed_seconds(start, due - timedelta(seconds=1), closed) < target_minutes * 60


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 60 * 24 * 300), st.integers(1, 60 * 40))
def test_business_add_then_measure_round_trips(offset, minutes):
    start = datetime(2026, 1, 1) + timedelta(minutes=offset)
    due = sla.add_sla_seconds(start, minutes * 60, HOURS)
    assert sla.sla_seconds(start, due, HOURS) == minutes * 60
