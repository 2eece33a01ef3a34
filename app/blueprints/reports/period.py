"""A reporting month and its bounds."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.clock import CHINA_OFFSET
from app.validation import Invalid


@dataclass(frozen=True)
class Period:
    """A calendar month (China time)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2026-10' → Period; Invalid with a Chinese message otherwise."""
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            date(year, month, 1)
        except ValueError:
            raise Invalid({"period": "统计月份格式应为 YYYY-MM"}) from None
        return cls(year, month)

    @classmethod
    def previous(cls, today: date) -> "Period":
        """The month before `today`'s."""
        first = today.replace(day=1) - timedelta(days=1)
        return cls(first.year, first.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        nxt = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        """Start of the month in China, as naive UTC."""
        return datetime.combine(self.first_day, time.min) - CHINA_OFFSET

    @property
    def end_utc(self) -> datetime:
        """Start of the next month in China, as naive UTC (exclusive bound)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min) - CHINA_OFFSET

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year} 年 {self.month} 月"
