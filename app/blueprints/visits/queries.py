"""Reading visits: 今日走访 worklist, officers' list, coverage figures; scoped, a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func

from app.blueprints.visits import policy
from app.blueprints.visits.services import policies
from app.clock import CHINA_OFFSET, local_today, to_local
from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.models.region import COMMUNITY, GRID, Region
from app.models.user import User
from app.models.visit import VISIT_KINDS, Visit
from app.pagination import Page
from app.security.scoping import scope, scoped_regions, subtree_ids


@dataclass
class DueRow:
    """One household of the worklist."""

    household_id: int
    number: str
    address: str
    tags: list[str]
    head_name: str
    last_visit: date | None
    interval: int
    due: date
    state: str

    @property
    def overdue_days(self) -> int:
        return (local_today() - self.due).days


@dataclass
class Worklist:
    """今日走访: overdue first, then due this week; counts of both and one page of rows."""

    overdue: int
    this_week: int
    rows: list[DueRow]
    page: int
    pages: int


def _last_visit_subquery():
    return (db.select(func.max(Visit.visited_at)).where(Visit.household_id == Household.id)
            .correlate(Household).scalar_subquery())


def due_rows(user, today: date, region: Region | None = None) -> list[DueRow]:
    """Every household of the user's area (or a region inside it) with its next-due date: two queries."""
    rules = policies()
    stmt = (db.select(Household.id, Household.number, Household.address, Household.tags, Household.created_at,
                      Person.name, _last_visit_subquery())
            .outerjoin(Person, and_(Person.household_id == Household.id, Person.is_head.is_(True),
                                    Person.deleted_at.is_(None)))
            .where(Household.deleted_at.is_(None)))
    stmt = scope(stmt, Household.region_id, user)
    if region is not None:
        stmt = stmt.where(Household.region_id.in_(subtree_ids(region)))
    rows = []
    for hid, number, address, tags, created_at, head, last in db.session.execute(stmt):
        tag_list = [t for t in tags.split("|") if t]
        last_day = to_local(last).date() if last else None
        interval = policy.interval_for(tag_list, rules)
        due = policy.next_due(last_day, interval, to_local(created_at).date())
        rows.append(DueRow(hid, number, address, tag_list, head or "", last_day, interval, due,
                           policy.bucket(due, today)))
    rows.sort(key=lambda r: policy.worklist_key(r.due, r.household_id))
    return rows


def worklist(user, page: int, size: int, today: date | None = None) -> Worklist:
    """Overdue and due-this-week households, most overdue first, one page of them."""
    today = today or local_today()
    rows = [r for r in due_rows(user, today) if r.state != policy.LATER]
    overdue = sum(1 for r in rows if r.state == policy.OVERDUE)
    pages = max(1, -(-len(rows) // size))
    page = min(max(page, 1), pages)
    return Worklist(overdue, len(rows) - overdue, rows[(page - 1) * size: page * size], page, pages)


# Officers' list ---------------------------------------------------------------------------------------------------

@dataclass
class VisitFilters:
    """What the visits list shows (all from the URL)."""

    q: str = ""
    region: int | None = None
    kind: str = ""
    start: date | None = None
    end: date | None = None
    follow_up: str = ""

    def args(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _date_arg(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(args) -> VisitFilters:
    """Filters from request args, bounded."""
    kind = args.get("kind", "")
    return VisitFilters(q=args.get("q", "").strip()[:32], region=args.get("region", type=int),
                        kind=kind if kind in VISIT_KINDS else "", start=_date_arg(args.get("start")),
                        end=_date_arg(args.get("end")), follow_up="1" if args.get("follow_up") == "1" else "")


def _visit_clauses(user, f: VisitFilters) -> list:
    """The WHERE clauses of the list (scope and filters), on the visit table alone so the count needs no join."""
    area = scope(db.select(Visit.id), Visit.region_id, user).whereclause
    clauses = [area]
    if f.q:
        clauses.append(Visit.household_id.in_(db.select(Household.id).where(
            Household.number.contains(f.q, autoescape=True) | Household.address.contains(f.q, autoescape=True))))
    if f.region:
        region = db.session.get(Region, f.region)
        if region is not None:
            clauses.append(Visit.region_id.in_(subtree_ids(region)))
    if f.kind:
        clauses.append(Visit.kind == f.kind)
    if f.start:
        clauses.append(Visit.visited_at >= datetime.combine(f.start, datetime.min.time()) - CHINA_OFFSET)
    if f.end:
        clauses.append(Visit.visited_at < datetime.combine(f.end + timedelta(days=1), datetime.min.time())
                       - CHINA_OFFSET)
    if f.follow_up:
        clauses.append(Visit.follow_up.is_(True))
    return clauses


def visits_query(user, f: VisitFilters):
    """The scoped, filtered select of (Visit, household number, visitor name, grid name), newest first."""
    return (db.select(Visit, Household.number, User.display_name, Region.name)
            .join(Household, Household.id == Visit.household_id).join(User, User.id == Visit.visitor_id)
            .join(Region, Region.id == Visit.region_id).where(*_visit_clauses(user, f))
            .order_by(Visit.visited_at.desc(), Visit.id.desc()))


def visits_page(user, f: VisitFilters, page: int, size: int) -> Page:
    """One page of the list: a count on the visit table alone, one select, and the checklists in one more."""
    total = db.session.execute(db.select(func.count(Visit.id)).where(*_visit_clauses(user, f))).scalar_one()
    page = min(page, max(1, -(-total // size)))
    rows = db.session.execute(visits_query(user, f).limit(size).offset((page - 1) * size)).all()
    return Page(items=[tuple(row) for row in rows], page=page, size=size, total=total)


def region_choices(user) -> list[tuple[int, str]]:
    """(id, indented name) of the regions the user may filter by."""
    return [(r.id, f"{'　' * r.depth}{r.name}") for r in db.session.execute(scoped_regions(user)).scalars()]


# Coverage --------------------------------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    """Visited / due households of one grid or community in a period."""

    region: Region
    households: int = 0
    due: int = 0
    visited: int = 0
    visited_due: int = 0
    children: list = field(default_factory=list)

    @property
    def percent(self) -> int:
        """Share of the due households visited in the period (100 when none was due)."""
        return round(100 * self.visited_due / self.due) if self.due else 100


def coverage(user, start: date, end: date) -> list[CoverageRow]:
    """Per community (with its grids): households due by the period's end and how many were visited in it."""
    regions = list(db.session.execute(scoped_regions(user).where(Region.level.in_((COMMUNITY, GRID)))).scalars())
    rows = {r.id: CoverageRow(r) for r in regions}
    rules = policies()
    begin = datetime.combine(start, datetime.min.time()) - CHINA_OFFSET
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time()) - CHINA_OFFSET
    before = (db.select(func.max(Visit.visited_at)).where(Visit.household_id == Household.id,
                                                          Visit.visited_at < begin)
              .correlate(Household).scalar_subquery())
    during = (db.select(func.count(Visit.id)).where(Visit.household_id == Household.id, Visit.visited_at >= begin,
                                                    Visit.visited_at < finish)
              .correlate(Household).scalar_subquery())
    stmt = scope(db.select(Household.region_id, Household.tags, Household.created_at, before, during)
                 .where(Household.deleted_at.is_(None)), Household.region_id, user)
    for region_id, tags, created_at, last, visits in db.session.execute(stmt):
        grid = rows.get(region_id)
        if grid is None:
            continue
        interval = policy.interval_for([t for t in tags.split("|") if t], rules)
        due = policy.next_due(to_local(last).date() if last else None, interval, to_local(created_at).date())
        is_due = due <= end
        grid.households += 1
        grid.due += is_due
        grid.visited += visits > 0
        grid.visited_due += is_due and visits > 0
    communities = []
    for row in rows.values():
        if row.region.level == COMMUNITY:
            communities.append(row)
    by_id = {c.region.id: c for c in communities}
    for row in rows.values():
        parent = by_id.get(row.region.parent_id) if row.region.level == GRID else None
        if parent is not None:
            parent.children.append(row)
            for name in ("households", "due", "visited", "visited_due"):
                setattr(parent, name, getattr(parent, name) + getattr(row, name))
    return communities
