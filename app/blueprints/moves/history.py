"""Residence history: the moves slot on the household page and a person's own history."""
from sqlalchemy import or_
from sqlalchemy.orm import aliased

from app.blueprints.moves.rules import present_members
from app.extensions import db
from app.models.household import Household
from app.models.move import MOVE_KINDS, Residence
from app.models.person import Person
from app.models.user import User
from app.security.permissions import MOVES_MANAGE

HISTORY_LIMIT = 50


def _history(where) -> list[dict]:
    source, target = aliased(Household), aliased(Household)
    stmt = (db.select(Residence, Person.name, source.number, target.number, User.display_name)
            .join(Person, Person.id == Residence.person_id)
            .outerjoin(source, source.id == Residence.from_household_id)
            .outerjoin(target, target.id == Residence.to_household_id)
            .outerjoin(User, User.id == Residence.approved_by)
            .where(where).order_by(Residence.recorded_at.desc(), Residence.id.desc()).limit(HISTORY_LIMIT))
    return [{"row": r, "kind": MOVE_KINDS.get(r.kind, r.kind), "name": name, "from": f or "", "to": t or "",
             "approver": approver or ""} for r, name, f, t, approver in db.session.execute(stmt)]


def household_history(household, user) -> dict:
    """Every residence step into or out of this household, and the members a mover may pick (two queries)."""
    rows = _history(or_(Residence.from_household_id == household.id, Residence.to_household_id == household.id))
    can_move = user.can(MOVES_MANAGE)
    return {"history": rows, "can_move": can_move, "members": present_members(household.id) if can_move else []}


def person_history(person_id: int) -> list[dict]:
    """A person's residence steps, newest first."""
    return _history(Residence.person_id == person_id)


def register() -> None:
    """Fill the household page's move slot."""
    from app.blueprints.households.sections import register_section

    register_section("moves", "迁入迁出记录", "moves/_household_history.html", household_history)
