"""Reading moves for officers: pending for my area, moves in a period with filters; scoped, fixed queries."""
from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import or_
from sqlalchemy.orm import aliased

from app.blueprints.households.kinship import years_younger
from app.blueprints.households.queries import ancestors
from app.clock import local_today
from app.extensions import db
from app.models.household import Household
from app.models.move import MOVE_KINDS, MOVE_STATES, PENDING, Move
from app.models.person import Person
from app.models.region import Region
from app.pagination import Page, paginate
from app.security.pii import mask_id
from app.security.scoping import subtree_ids


@dataclass
class MoveRow:
    """A move with the names a list shows."""

    move: Move
    from_number: str
    to_number: str
    from_region: str
    to_region: str


@dataclass
class MoveFilters:
    """What the moves list shows (all from the URL)."""

    kind: str = ""
    state: str = ""
    start: date | None = None
    end: date | None = None
    q: str = ""

    def args(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(args) -> MoveFilters:
    """Filters from request args, bounded."""
    kind, state = args.get("kind", ""), args.get("state", "")
    return MoveFilters(kind=kind if kind in MOVE_KINDS else "", state=state if state in MOVE_STATES else "",
                       start=_date(args.get("start")), end=_date(args.get("end")), q=args.get("q", "").strip()[:32])


def _visible(user):
    """Moves that start or end in the user's area."""
    area = subtree_ids(user.region)
    return or_(Move.from_region_id.in_(area), Move.to_region_id.in_(area))


def _rows_query(user):
    source, target = aliased(Household), aliased(Household)
    origin, goal = aliased(Region), aliased(Region)
    return (db.select(Move, source.number, target.number, origin.name, goal.name)
            .outerjoin(source, source.id == Move.from_household_id).outerjoin(target, target.id == Move.to_household_id)
            .outerjoin(origin, origin.id == Move.from_region_id).outerjoin(goal, goal.id == Move.to_region_id)
            .where(_visible(user)))


def moves_query(user, f: MoveFilters):
    """The filtered select of list rows, newest first."""
    stmt = _rows_query(user)
    if f.kind:
        stmt = stmt.where(Move.kind == f.kind)
    if f.state:
        stmt = stmt.where(Move.state == f.state)
    if f.start:
        stmt = stmt.where(Move.event_date >= f.start)
    if f.end:
        stmt = stmt.where(Move.event_date <= f.end)
    if f.q:
        stmt = stmt.where(Move.person_name.startswith(f.q, autoescape=True))
    return stmt.order_by(Move.requested_at.desc(), Move.id.desc())


def _row(row) -> MoveRow:
    move, from_number, to_number, origin, goal = row
    return MoveRow(move, from_number or "", to_number or "", origin or "", goal or "")


def moves_page(user, f: MoveFilters, page: int, size: int) -> Page:
    """One page of moves: a count and one select."""
    result = paginate(moves_query(user, f), page, size, scalars=False)
    result.items = [_row(r) for r in result.items]
    return result


def move_rows(user, f: MoveFilters):
    """Every filtered move, streamed (for the export)."""
    for row in db.session.execute(moves_query(user, f).execution_options(yield_per=500)):
        yield _row(row)


def pending_incoming(user) -> list[MoveRow]:
    """Cross-area moves waiting for the user's area to accept or reject."""
    stmt = (_rows_query(user).where(Move.state == PENDING, Move.to_region_id.in_(subtree_ids(user.region)))
            .order_by(Move.requested_at))
    return [_row(r) for r in db.session.execute(stmt)]


def pending_outgoing(user) -> list[MoveRow]:
    """Moves out of the user's area still waiting for the receiving area."""
    stmt = (_rows_query(user).where(Move.state == PENDING, Move.from_region_id.in_(subtree_ids(user.region)))
            .order_by(Move.requested_at))
    return [_row(r) for r in db.session.execute(stmt)]


def get_move_or_404(user, move_id: int) -> Move:
    """A move that starts or ends in the user's area."""
    move = db.session.execute(db.select(Move).where(Move.id == move_id, _visible(user))).scalar_one_or_none()
    if move is None:
        abort(404)
    return move


def receives(user, move: Move) -> bool:
    """True when the user's area is the receiving side of a move."""
    region = db.session.get(Region, move.to_region_id) if move.to_region_id else None
    return region is not None and user.region.contains(region)


@dataclass
class Mover:
    """Whom a move concerns, as the receiving community sees it before deciding (ID masked)."""

    name: str
    id_masked: str
    gender: str
    age: int | None
    from_household: str
    from_area: str


def mover(move: Move) -> Mover | None:
    """The person of a move with where they come from (three small reads; one move page)."""
    person = db.session.get(Person, move.person_id) if move.person_id else None
    if person is None:
        return None
    source = db.session.get(Household, move.from_household_id) if move.from_household_id else None
    area = " · ".join(r.name for r in ancestors(source.region)[1:]) if source is not None else ""
    age = years_younger(person.birth_date, local_today()) if person.birth_date else None
    return Mover(person.name, mask_id(person.id_number), person.gender, age,
                 source.number if source is not None else "", area)
