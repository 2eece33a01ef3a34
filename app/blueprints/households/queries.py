"""Reading households for lists and the household page: scoped, preloaded, a fixed number of queries."""
from dataclasses import dataclass, replace
from math import ceil

from flask import abort
from sqlalchemy import func, union_all

from app.extensions import db
from app.models.household import Household
from app.models.person import PRESENT, Person
from app.models.region import COMMUNITY, GRID, Region
from app.models.source import Conflict
from app.pagination import Page
from app.security import pii
from app.security.region_cache import subtree_rows
from app.security.scoping import scope, scoped_regions, subtree_ids
from app.validation import Invalid

COUNT_CAP = 10_000
MAX_REGION_OPTIONS = 150
SEARCH_CAP = 1_000
# Users of these levels have a few hundred households: every search way starts from their area.
SMALL_AREAS = (COMMUNITY, GRID)
TRIGRAM = 3
# Up to this many matching households are fetched first and then checked against the area by primary key.
SEARCH_CANDIDATES = 5_000
SORTS = {
    "number": Household.number.asc(),
    "-number": Household.number.desc(),
    "updated": Household.updated_at.asc(),
    "-updated": Household.updated_at.desc(),
}
SORT_LABELS = {"-updated": "最近更新", "number": "户号升序", "-number": "户号降序", "updated": "最早更新"}
STATUS_LABELS = {"conflict": "有待核实冲突", "clean": "无冲突"}


@dataclass
class Filters:
    """What the list shows: search text, grid, type, tag, status and sort (all from the URL)."""

    q: str = ""
    region: int | None = None
    kind: str = ""
    tag: str = ""
    status: str = ""
    sort: str = "-updated"

    def args(self) -> dict:
        """The non-empty filters, for links that keep them."""
        return {k: v for k, v in self.__dict__.items() if v and not (k == "sort" and v == "-updated")}


@dataclass
class Row:
    """One list row: the household and what the list shows about it."""

    household: Household
    head_name: str
    head_id_enc: str | None
    grid_name: str
    members: int
    open_conflicts: int

    @property
    def head_id_masked(self) -> str:
        return pii.mask_id(pii.decrypt(self.head_id_enc)) if self.head_id_enc else ""


def parse_filters(args) -> Filters:
    """Filters from request args, trimmed and bounded."""
    sort = args.get("sort", "-updated")
    return Filters(q=args.get("q", "").strip()[:64], region=args.get("region", type=int),
                   kind=args.get("kind", "")[:8], tag=args.get("tag", "")[:32].replace("|", ""),
                   status=args.get("status", "") if args.get("status") in STATUS_LABELS else "",
                   sort=sort if sort in SORTS else "-updated")


def households_query(user, filters: Filters, deleted: bool = False):
    """The scoped, filtered, sorted select of households (no joins: paging and counting stay cheap)."""
    stmt = scope(db.select(Household), Household.region_id, user)
    stmt = stmt.where(Household.deleted_at.is_not(None) if deleted else Household.deleted_at.is_(None))
    if filters.q:
        stmt = stmt.where(Household.id.in_(search_matches(user, filters.q)))
    if filters.region:
        region = db.session.get(Region, filters.region)
        if region is not None:
            stmt = stmt.where(Household.region_id.in_(subtree_ids(region)))
    if filters.kind:
        stmt = stmt.where(Household.kind == filters.kind)
    if filters.tag:
        stmt = stmt.where(Household.tags.contains(f"|{filters.tag}|", autoescape=True))
    if filters.status:
        has_open = (db.select(Conflict.id).where(Conflict.household_id == Household.id, Conflict.state == "open")
                    .exists())
        stmt = stmt.where(has_open if filters.status == "conflict" else ~has_open)
    return stmt.order_by(SORTS[filters.sort], Household.id.desc())


def search_matches(user, text: str):
    """Ids of households whose 户号, member name (prefix), member ID (exact, blind index) or address matches.

    A UNION ALL of one select per way, each answered by its own index (户号 unique, name prefix, blind index,
    address trigram), so a LIMIT stops it early; an OR with sub-selects would read every household. In a small
    area (a community and its grids) every way starts from the area's few hundred households instead. An address
    fragment shorter than a trigram has no index, so in a town or the county 1-2 characters match 户号 and names.
    """
    area = subtree_ids(user.region)
    small = user.region.level in SMALL_AREAS
    by_person = db.select(Person.household_id).where(Person.deleted_at.is_(None))
    if small:
        by_person = by_person.join(Household, Household.id == Person.household_id).where(
            Household.region_id.in_(area))
    if len(text) == 18:
        try:
            number = pii.parse_id_number(text).number
            return by_person.where(Person.id_number_hash == pii.blind_index(number))
        except Invalid:
            pass
    households = db.select(Household.id).where(Household.region_id.in_(area)) if small else db.select(Household.id)
    ways = [households.where(Household.number == text),
            by_person.where(Person.name.startswith(text, autoescape=True))]
    if small or len(text) >= TRIGRAM:
        ways.append(households.where(Household.address.contains(text, autoescape=True)))
    return union_all(*ways)


def list_page(user, filters: Filters, page: int, size: int) -> Page:
    """One page of list rows in four queries whatever the page size: count, page, members, conflicts.

    The count stops at COUNT_CAP: a county has 100k households and nobody pages through them; past the cap the
    pager says "10000+" and asks to narrow the search.
    """
    stmt = households_query(user, filters)
    cap = SEARCH_CAP if filters.q else COUNT_CAP
    if filters.q:
        # The matches first, by their own indexes: usually a few hundred ids, then checked against the area and
        # the filters by primary key. Only a very common text (one character) keeps the matching inside the
        # scoped query, where PostgreSQL reads the area instead.
        matches = sorted(set(db.session.execute(search_matches(user, filters.q).limit(SEARCH_CANDIDATES + 1))
                             .scalars()))
        if len(matches) <= SEARCH_CANDIDATES:
            stmt = households_query(user, replace(filters, q="")).where(Household.id.in_(matches))
        # Find the matches once (one scan), then sort only them: PostgreSQL would otherwise walk the sort index
        # past thousands of non-matching rows, and the count would scan a second time.
        ids = list(db.session.execute(stmt.order_by(None).with_only_columns(Household.id).limit(cap + 1)).scalars())
        total = len(ids)
        stmt = db.select(Household).where(Household.id.in_(ids[:cap])).order_by(SORTS[filters.sort],
                                                                                Household.id.desc())
    else:
        capped = stmt.order_by(None).with_only_columns(Household.id).limit(cap + 1).subquery()
        total = db.session.execute(db.select(func.count()).select_from(capped)).scalar_one()
    page = min(page, max(1, ceil(min(total, cap) / size)))
    households = list(db.session.execute(stmt.limit(size).offset((page - 1) * size)).scalars())
    result = Page(items=rows_for(households), page=page, size=size, total=min(total, cap))
    result.capped = total > cap
    return result


def rows_for(households: list[Household]) -> list[Row]:
    """List rows for a page of households: heads and member counts in one query, open conflicts in another."""
    ids = [h.id for h in households]
    heads, counts, conflicts = {}, {}, {}
    if ids:
        stmt = db.select(Person.household_id, Person.name, Person.id_number_enc, Person.is_head,
                         Person.residence_status).where(Person.household_id.in_(ids), Person.deleted_at.is_(None))
        for household_id, name, enc, is_head, status in db.session.execute(stmt):
            if status in PRESENT:
                counts[household_id] = counts.get(household_id, 0) + 1
            if is_head:
                heads[household_id] = (name, enc)
        stmt = (db.select(Conflict.household_id, func.count(Conflict.id))
                .where(Conflict.household_id.in_(ids), Conflict.state == "open").group_by(Conflict.household_id))
        conflicts = dict(db.session.execute(stmt).all())
    return [Row(h, *heads.get(h.id, ("", None)), h.region.name, counts.get(h.id, 0), conflicts.get(h.id, 0))
            for h in households]


def grid_choices(user) -> list[tuple[int, str]]:
    """(id, label) of the regions the user may filter by (cached with the region tree: no query)."""
    regions = subtree_rows(user.region)
    if len(regions) > MAX_REGION_OPTIONS:  # a county's 500 grids would blow the page budget: towns and communities
        regions = [r for r in regions if r[2] != GRID]
    return [(region_id, f"{'　' * depth}{name}") for region_id, name, _level, depth in regions]


def grids_in_scope(user) -> list[Region]:
    """The grid leaves of the user's area."""
    stmt = scoped_regions(user).where(Region.level == GRID)
    return list(db.session.execute(stmt).scalars())


def get_household_or_404(user, household_id: int, deleted: bool = False) -> Household:
    """A household in the user's area (and not in the recycle bin unless asked)."""
    stmt = scope(db.select(Household).where(Household.id == household_id), Household.region_id, user)
    household = db.session.execute(stmt).scalar_one_or_none()
    if household is None or (household.deleted_at is not None) != deleted:
        abort(404)
    return household


def get_member_or_404(household: Household, person_id: int) -> Person:
    """An active member of this (already scoped) household."""
    person = db.session.get(Person, person_id)
    if person is None or person.household_id != household.id or person.deleted_at is not None:
        abort(404)
    return person


def members_of(household: Household) -> list[Person]:
    """Active members, head first."""
    stmt = (db.select(Person).where(Person.household_id == household.id, Person.deleted_at.is_(None))
            .order_by(Person.is_head.desc(), Person.birth_date, Person.id))
    return list(db.session.execute(stmt).scalars())


def head_name(household: Household) -> str:
    """The name of the household's present head ('' for a household without one)."""
    return db.session.execute(db.select(Person.name).where(
        Person.household_id == household.id, Person.is_head.is_(True), Person.deleted_at.is_(None))).scalar() or ""


def ancestors(region: Region) -> list[Region]:
    """The region's chain from the top, by its materialized path (one query)."""
    ids = [int(part) for part in region.path.strip("/").split("/") if part]
    rows = {r.id: r for r in db.session.execute(db.select(Region).where(Region.id.in_(ids))).scalars()}
    return [rows[i] for i in ids if i in rows]
