"""Ticket test helpers: demo accounts by name, a frozen clock, a ticket factory through the real service."""
from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.models.ticket import TicketSystem
from app.models.user import User

NOW = datetime(2026, 3, 4, 2, 0)  # Wednesday 10:00 China time


def at(minutes: float) -> datetime:
    """The frozen clock plus some minutes."""
    return NOW + timedelta(minutes=minutes)


@pytest.fixture
def users(demo):
    """Demo accounts by username."""
    return {u.username: u for u in db.session.execute(db.select(User)).scalars()}


@pytest.fixture
def system(demo):
    """The portal system (7×24 contract for P1/P2, business hours for P3)."""
    return db.session.execute(db.select(TicketSystem).where(TicketSystem.code == "SYS-PORTAL")).scalar_one()


@pytest.fixture
def make_ticket(users, system):
    """File a ticket as a user at a frozen time."""
    from app.blueprints.tickets.services import create_ticket

    def make(reporter="grid", severity="P2", minutes=0, category="系统故障", **kwargs):
        return create_ticket(users[reporter], title=kwargs.pop("title", "门户保存报错"), description="保存时报 500",
                             category=category, severity=severity, system_id=kwargs.pop("system_id", system.id),
                             now=at(minutes), **kwargs)

    return make
