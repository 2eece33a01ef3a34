"""The moment every test starts at: a Wednesday in office hours, China time."""
from datetime import datetime

FROZEN_AT = datetime.fromisoformat("2026-12-02T10:00:00+08:00")
FROZEN_TODAY = FROZEN_AT.date()
