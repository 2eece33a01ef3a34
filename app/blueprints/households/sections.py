"""Slots on the household page that later areas fill (visit timeline, move history).

An area registers a section once at start-up:

    register_section("visits", "走访记录", "visits/_household_timeline.html", load_visits)

`load(household, user)` returns the template's context (preload everything: templates never query). Until an
area registers, the page shows the slot's title with "暂无记录" and no made-up data.
"""
from dataclasses import dataclass
from typing import Callable


@dataclass
class Section:
    """One slot of the household page."""

    key: str
    title: str
    template: str | None = None
    load: Callable | None = None


# The order here is the order on the page.
SECTIONS: dict[str, Section] = {
    "visits": Section("visits", "走访记录"),
    "moves": Section("moves", "迁入迁出记录"),
}


def register_section(key: str, title: str, template: str, load: Callable) -> None:
    """Fill (or add) a slot: `template` is included with the dict `load(household, user)` returns as `data`."""
    SECTIONS[key] = Section(key, title, template, load)


def sections_for(household, user) -> list[tuple[Section, dict]]:
    """Every slot with its preloaded data (empty for slots no area has filled yet)."""
    return [(s, s.load(household, user) if s.load else {}) for s in SECTIONS.values()]
