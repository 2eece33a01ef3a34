"""One clock for the whole portal: naive UTC in the database, China time on screen."""
from datetime import UTC, datetime, timedelta

CHINA_OFFSET = timedelta(hours=8)


def utcnow() -> datetime:
    """Current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """Convert a stored naive UTC time to China Standard Time for display."""
    return None if value is None else value + CHINA_OFFSET


def local_today():
    """Today's date in China, which is what users mean by 今天."""
    return to_local(utcnow()).date()
