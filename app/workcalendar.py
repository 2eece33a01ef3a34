"""Working days in China: the `holidays` library (statutory days and 调休 make-up days) plus admin overrides."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from app.clock import CHINA_OFFSET
from app.extensions import db
from app.models.calendar import CalendarOverride


@lru_cache(maxsize=8)
def _library(years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.China(years=years)


def library_knows_makeup_days(year: int) -> bool:
    """True when the library lists the year's 调休 working weekends (published each winter for the next year)."""
    return any(d.year == year for d in _library((year,)).weekend_workdays)


@dataclass
class WorkCalendar:
    """A calendar for a span of years with the admin overrides loaded once."""

    years: tuple[int, ...]
    overrides: dict[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        """Override first; then the library's 调休 working weekends; then weekdays that are not holidays."""
        if day in self.overrides:
            return self.overrides[day]
        lib = _library(self.years if day.year in self.years else (day.year,))
        if day in lib.weekend_workdays:
            return True
        return day.weekday() < 5 and day not in lib

    def add_working_days(self, start: date, count: int) -> date:
        """The date `count` working days after `start` (start itself does not count)."""
        day, left = start, count
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))

    def deadline_after(self, start_utc: datetime, working_days: int) -> datetime:
        """End (24:00 China time) of the n-th working day after the start, as naive UTC."""
        local_day = (start_utc + CHINA_OFFSET).date()
        due_day = self.add_working_days(local_day, working_days)
        return datetime.combine(due_day + timedelta(days=1), time.min) - CHINA_OFFSET


def calendar_for(*years: int) -> WorkCalendar:
    """A calendar covering the given years (and the next, for deadlines that cross New Year)."""
    span = tuple(sorted(set(years) | {max(years) + 1}))
    rows = db.session.execute(db.select(CalendarOverride).where(
        CalendarOverride.day >= date(span[0], 1, 1), CalendarOverride.day <= date(span[-1], 12, 31))).scalars()
    return WorkCalendar(years=span, overrides={row.day: row.is_working for row in rows})
