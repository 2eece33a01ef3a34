"""Report definitions: each a function of (sheet writer, region, period) in a small module of its own."""
from dataclasses import dataclass
from typing import Callable

REPORTS: dict[str, "ReportDefinition"] = {}


@dataclass(frozen=True)
class ReportDefinition:
    """A one-click report."""

    key: str
    title: str
    description: str
    build: Callable  # build(book: OfficeWorkbook, region: Region, period: Period) -> int rows


def report(key: str, title: str, description: str = ""):
    """Register a report builder under `key`."""

    def decorator(func):
        REPORTS[key] = ReportDefinition(key=key, title=title, description=description, build=func)
        return func

    return decorator


def load_definitions() -> dict[str, ReportDefinition]:
    """Import every definition module once so each registers itself."""
    from app.blueprints.reports import definitions  # noqa: F401  (imports its modules)

    return REPORTS
