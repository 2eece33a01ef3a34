"""PostgreSQL: the household queries the list, search and worklist pages really run are answered by indexes.

A few thousand generated households after VACUUM ANALYZE (what autovacuum does after a bulk load), with the
planner's default costs. `enable_seqscan = off` is not used: with it PostgreSQL walks any index from end to end
instead, which hides a missing index as well as a sequential scan would. The searches are selective (a name
prefix, a rare address fragment), as they are at 100k households, so a `Seq Scan on household` here means no
index can answer the query.
"""
import pytest
from sqlalchemy import event

from app.extensions import db
from app.models.household import Household
from app.models.region import Region
from app.models.user import User
from app.security import permissions as P
from app.security.passwords import hash_password
from fixtures.generate import generate_households, generate_regions_and_users
from tests.conftest import TEST_DATABASE_URL, post

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="query plans are checked on PostgreSQL")
PASSWORD = "Scale#Test2026"


@pytest.fixture
def county(app):
    """A generated county: 2 towns × 2 communities × 3 grids, 3,000 households, statistics up to date."""
    generate_regions_and_users(towns=2, communities=2, grids=3, password=PASSWORD)
    generate_households(3000)
    root = db.session.execute(db.select(Region).where(Region.code == "330128")).scalar_one()
    db.session.add(User(username="planner", display_name="县级", role=P.COUNTY_ADMIN, region_id=root.id,
                        password_hash=hash_password(PASSWORD), must_change_password=False))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return root


def household_statements(client, url: str, headers=None) -> list[tuple[str, object]]:
    """The statements on household that one page view runs, with their parameters."""
    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "household" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    client.get(url, headers=headers or {})  # warm the region cache
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(url, headers=headers or {}).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return seen


def plans(statements) -> list[str]:
    """EXPLAIN of each statement with sequential scans discouraged."""
    out = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
            out.append("\n".join(rows))
    return out


def grid_worker_username() -> str:
    code = db.session.execute(db.select(Region.code).where(Region.level == "grid", Region.code.startswith("330128"))
                              .order_by(Region.code)).scalars().first()
    return f"g{code}"


PAGES = [
    ("county", "/households/", False),
    ("county", "/households/?page=40", True),
    ("county", "/households/?q=王", True),
    ("county", "/households/?q=王建", True),
    ("county", "/households/?q={address}", True),
    ("county", "/households/?tag=低保户", True),
    ("county", "/households/?sort=number", True),
    ("grid", "/households/", False),
    ("grid", "/households/?q=王", True),
    ("grid", "/visits/today", False),
]


def test_household_pages_use_indexes(county, app):
    """One generated county for every page (generating it is the slow part)."""
    failures = []
    one = db.session.execute(db.select(Household.address).where(Household.address != "").order_by(Household.id)
                             ).scalars().first()
    for who, url, hx in PAGES:
        url = url.format(address=one[-6:])  # an address fragment that finds a few households
        client = app.test_client()
        username = "planner" if who == "county" else grid_worker_username()
        assert post(client, "/login", {"username": username, "password": PASSWORD}).status_code == 303
        statements = household_statements(client, url, {"HX-Request": "true"} if hx else None)
        assert statements, f"{url} ran no household query"
        failures += [f"{who} {url}:\n{plan}" for plan in plans(statements) if "Seq Scan on household" in plan]
    assert not failures, "\n\n".join(failures)
