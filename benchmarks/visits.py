"""Visit area benchmark: 今日走访 server time for a grid of 500 households inside the 100k-household county.

Usage (PostgreSQL, a scratch database):
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_visits PORTAL_INSTANCE_DIR=$(mktemp -d) \
        .venv/bin/python benchmarks/visits.py --households 100000 --grid-size 500 --repeat 60

It migrates, loads the demo county, generates the region tree and households when missing (fixtures/generate.py),
fills one grid up to --grid-size households, adds 0–3 visits per household over the last 200 days, then prints
server time (in-process test client), query count and compressed size of the worklist.
"""
import argparse
import gzip
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _ms(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--grid-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()

    from sqlalchemy import event

    from app import create_app
    from app.clock import utcnow
    from app.extensions import db
    from app.models.household import Household
    from app.models.region import Region
    from app.models.user import User
    from app.models.visit import Visit
    from benchmarks.scale_county import ensure_scale_county

    app = create_app()
    with app.app_context():
        ensure_scale_county(args.households)
        grid = db.session.execute(db.select(Region).where(Region.code == "330128001001001")).scalar_one()
        in_grid = db.session.execute(db.select(db.func.count(Household.id)).where(
            Household.region_id == grid.id, Household.deleted_at.is_(None))).scalar()
        now = utcnow()
        if in_grid < args.grid_size:
            rows = [{"number": f"B{grid.code}{i:05d}", "region_id": grid.id, "kind": "户籍户", "road": "基准路",
                     "door_no": str(i), "building": "", "unit": "", "room": "", "address_extra": "", "notes": "",
                     "address": f"{grid.name}基准路{i}号", "tags": "|监测户|" if i % 7 == 0 else "",
                     "created_at": now - timedelta(days=300), "updated_at": now}
                    for i in range(in_grid, args.grid_size)]
            db.session.execute(db.insert(Household), rows)
            db.session.commit()
        generated_visit = db.select(Visit.id).join(Household, Household.id == Visit.household_id).where(
            Household.number.startswith("G330128")).limit(1)
        if db.session.execute(generated_visit).first() is None:
            started = time.perf_counter()
            rng = random.Random(3)
            visitor = db.session.execute(db.select(User.id).where(User.username == f"g{grid.code}")).scalar_one()
            ids = list(db.session.execute(db.select(Household.id, Household.region_id).where(
                Household.number.startswith("G330128") | Household.number.startswith("B330128"))).all())
            batch, total = [], 0
            for household_id, region_id in ids:
                for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                    at = now - timedelta(days=rng.randrange(0, 200), minutes=rng.randrange(0, 600))
                    batch.append({"household_id": household_id, "region_id": region_id, "visitor_id": visitor,
                                  "visited_at": at, "kind": "常规走访", "participants": "户主", "findings": "",
                                  "follow_up": False, "created_at": at, "updated_at": at})
                if len(batch) >= 5000:
                    db.session.execute(db.insert(Visit), batch)
                    total += len(batch)
                    batch = []
            if batch:
                db.session.execute(db.insert(Visit), batch)
                total += len(batch)
            db.session.commit()
            print(f"visits: {total} in {time.perf_counter() - started:.0f}s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        counts = {
            "households": db.session.execute(db.select(db.func.count(Household.id))).scalar(),
            "visits": db.session.execute(db.select(db.func.count(Visit.id))).scalar(),
            "grid households": db.session.execute(db.select(db.func.count(Household.id)).where(
                Household.region_id == grid.id)).scalar(),
        }
        username, grid_id = f"g{grid.code}", grid.id
        county = db.session.execute(db.select(Region).where(Region.code == "330128")).scalar_one()
        if db.session.execute(db.select(User.id).where(User.username == "bench_visits_county")).first() is None:
            from app.security.passwords import hash_password

            db.session.add(User(username="bench_visits_county", display_name="基准测试", role="county_admin",
                                region_id=county.id, password_hash=hash_password("Scale#Test2026"),
                                must_change_password=False))
            db.session.commit()
        db.session.remove()

    def login(name):
        client = app.test_client()
        with app.app_context():
            from tests.conftest import csrf_token

            token = csrf_token(client)
        response = client.post("/login", data={"csrf_token": token, "_idem": "b" * 32, "username": name,
                                               "password": "Scale#Test2026"})
        assert response.status_code == 303, response.status_code
        return client

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    grid_worker, community, county_admin = login(username), login("c330128001001"), login("bench_visits_county")
    results = {}
    cases = (("今日走访 full page (grid, 500 households)", grid_worker, "/visits/today", {}, args.repeat),
             ("今日走访 htmx fragment", grid_worker, "/visits/today", {"HX-Request": "true"}, args.repeat),
             ("visit form fragment", grid_worker, "/visits/new/{hid}", {"HX-Request": "true"}, args.repeat),
             ("走访记录 list (county, page 1)", county_admin, "/visits/", {}, 20),
             ("走访统计 coverage (community, ~1.3k households)", community, "/visits/coverage", {}, 20),
             ("走访统计 coverage (county, 100k households)", county_admin, "/visits/coverage", {}, 5))
    with app.app_context():
        hid = db.session.execute(db.select(Household.id).where(Household.region_id == grid_id)).scalars().first()
    for label, client, url, headers, repeat in cases:
        url = url.format(hid=hid)
        client.get(url, headers=headers)  # warm
        samples = []
        statements.clear()
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        body = gzip.decompress(response.data).decode()
        results[label] = (*_ms(samples), len(statements) // repeat, len(response.data), repeat,
                          body.count('class="overdue"'))

    print(f"\nScale: {counts['households']} households, {counts['visits']} visits; "
          f"grid {username}: {counts['grid households']} households\n")
    print("| request | requests | p50 ms | p95 ms | queries | gzip bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, (p50, p95, queries, size, repeat, overdue) in results.items():
        print(f"| {label} | {repeat} | {p50:.1f} | {p95:.1f} | {queries} | {size} |")


if __name__ == "__main__":
    main()
