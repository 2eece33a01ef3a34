"""SLA arithmetic without a database: SLA time on 7×24 or business-hours calendars, pauses, due times, risk.

All datetimes are naive UTC (as stored); business hours are China local time on working days.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable

CHINA_OFFSET = timedelta(hours=8)
MAX_DAYS = 3700  # a due date never lies ten years out; the bound keeps a bad calendar from looping forever
WARN_FRACTION = 0.75
AMBER_LEFT = 0.25


@dataclass(frozen=True)
class BusinessHours:
    """Working hours (local time) on the days the calendar says are working days."""

    start: time
    end: time
    is_working_day: Callable[[date], bool]

    def windows(self, first_local_day: date):
        """Working windows as naive-UTC (start, end) pairs from that local day on."""
        day = first_local_day
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                yield (datetime.combine(day, self.start) - CHINA_OFFSET, datetime.combine(day, self.end) - CHINA_OFFSET)
            day += timedelta(days=1)


def parse_hhmm(value: str) -> time:
    """'08:30' → time(8, 30)."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def sla_seconds(start: datetime, end: datetime, hours: BusinessHours | None) -> float:
    """SLA time between two instants: wall time on 7×24, else only time inside working windows."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    total = 0.0
    for w_start, w_end in hours.windows((start + CHINA_OFFSET).date()):
        if w_start >= end:
            break
        lo, hi = max(w_start, start), min(w_end, end)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def add_sla_seconds(start: datetime, seconds: float, hours: BusinessHours | None) -> datetime:
    """The instant when `seconds` of SLA time have passed after start."""
    if hours is None:
        return start + timedelta(seconds=seconds)
    left = seconds
    for w_start, w_end in hours.windows((start + CHINA_OFFSET).date()):
        lo = max(w_start, start)
        if w_end <= lo:
            continue
        available = (w_end - lo).total_seconds()
        if left <= available:
            return lo + timedelta(seconds=left)
        left -= available
    raise ValueError("no working time found within the calendar's range")


Interval = tuple[datetime, datetime | None]


def clip(pauses: Iterable[Interval], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Pause intervals limited to [start, end]; an open pause runs until end."""
    result = []
    for p_start, p_end in pauses:
        lo, hi = max(p_start, start), min(p_end or end, end)
        if hi > lo:
            result.append((lo, hi))
    return result


def paused_wall_seconds(pauses: Iterable[Interval], start: datetime, end: datetime) -> float:
    """Wall time spent paused between start and end."""
    return sum((hi - lo).total_seconds() for lo, hi in clip(pauses, start, end))


def elapsed_seconds(start: datetime, end: datetime, pauses: Iterable[Interval],
                    hours: BusinessHours | None = None) -> float:
    """SLA time used between start and end, not counting paused time."""
    paused = sum(sla_seconds(lo, hi, hours) for lo, hi in clip(pauses, start, end))
    return max(0.0, sla_seconds(start, end, hours) - paused)


def due_at(start: datetime, target_seconds: float, pauses: Iterable[Interval], hours: BusinessHours | None,
           now: datetime) -> datetime | None:
    """When the clock reaches its target, pushing the due time out by every pause before it; None while paused."""
    due = add_sla_seconds(start, target_seconds, hours)
    for p_start, p_end in sorted(pauses, key=lambda p: p[0]):
        if p_start >= due:
            break
        if p_end is None:
            return None  # paused now: the due time is not known until the clock runs again
        lo = max(p_start, start)
        due = add_sla_seconds(due, sla_seconds(lo, p_end, hours), hours)
    return due


@dataclass(frozen=True)
class Clock:
    """One SLA clock at one instant."""

    name: str
    target_seconds: float
    elapsed: float
    due: datetime | None
    running: bool
    stopped_at: datetime | None

    @property
    def fraction(self) -> float:
        """Share of the target used (can exceed 1)."""
        return self.elapsed / self.target_seconds if self.target_seconds > 0 else 1.0

    @property
    def breached(self) -> bool:
        return self.elapsed >= self.target_seconds

    @property
    def risk(self) -> str:
        """green: more than 25% left (or finished in time); amber: 25% or less left; red: breached."""
        if self.stopped_at is not None and not self.breached:
            return "green"
        return risk_for(self.elapsed, self.target_seconds)

    @property
    def left_seconds(self) -> float:
        return self.target_seconds - self.elapsed


def risk_for(elapsed: float, target: float) -> str:
    """Risk colour from time used and target."""
    if target <= 0 or elapsed >= target:
        return "red"
    if (target - elapsed) / target > AMBER_LEFT:
        return "green"
    return "amber"


def clock(name: str, start: datetime, target_minutes: int, stopped_at: datetime | None, pauses: list[Interval],
          hours: BusinessHours | None, now: datetime) -> Clock:
    """A clock from start until it stops (or now), minus pauses."""
    end = min(stopped_at, now) if stopped_at else now
    target = target_minutes * 60.0
    paused_now = stopped_at is None and any(p_end is None and p_start <= now for p_start, p_end in pauses)
    elapsed = elapsed_seconds(start, end, pauses, hours)
    due = None if paused_now else due_at(start, target, pauses, hours, now)
    return Clock(name=name, target_seconds=target, elapsed=elapsed, due=due,
                 running=stopped_at is None and not paused_now, stopped_at=stopped_at)


def crossings(fraction: float) -> list[int]:
    """The escalation levels (75, 100) a clock has reached."""
    levels = []
    if fraction >= WARN_FRACTION:
        levels.append(75)
    if fraction >= 1.0:
        levels.append(100)
    return levels


RISK_ORDER = {"green": 0, "amber": 1, "red": 2}
RISK_LABELS = {"green": "正常", "amber": "临近超时", "red": "已超时"}


def worst(risks: Iterable[str]) -> str:
    """The worst of several risk colours."""
    return max(risks, key=RISK_ORDER.__getitem__, default="green")
