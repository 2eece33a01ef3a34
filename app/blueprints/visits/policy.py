"""Visit policy arithmetic: the interval of a household and its next-due date (pure functions)."""
from datetime import date, timedelta

from app.models.visit import DEFAULT_POLICY_TAG

FALLBACK_INTERVAL = 90
DEFAULT_POLICIES = {"独居老人户": 7, "监测户": 30, DEFAULT_POLICY_TAG: 90}
OVERDUE, THIS_WEEK, LATER = "overdue", "week", "later"
WEEK_DAYS = 7


def interval_for(tags, policies: dict[str, int]) -> int:
    """Days between visits: the strictest (shortest) interval of the household's tags, else the default."""
    own = [policies[t] for t in tags if t != DEFAULT_POLICY_TAG and t in policies]
    return min(own) if own else policies.get(DEFAULT_POLICY_TAG, FALLBACK_INTERVAL)


def next_due(last_visit: date | None, interval: int, since: date) -> date:
    """Next visit due date: last visit + interval; a household never visited is due from when it was filed."""
    return last_visit + timedelta(days=interval) if last_visit else since


def bucket(due: date, today: date) -> str:
    """Overdue before today, due this week (today and the next six days), or later."""
    if due < today:
        return OVERDUE
    return THIS_WEEK if due < today + timedelta(days=WEEK_DAYS) else LATER


def worklist_key(due: date, household_id: int) -> tuple:
    """Most overdue first, then by due date; the id keeps the order stable."""
    return (due, household_id)
