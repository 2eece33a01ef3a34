"""Household area benchmark: list, search and household page server time; pool import throughput; export memory.

Usage (PostgreSQL, a scratch database):
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_households PORTAL_INSTANCE_DIR=$(mktemp -d) \
        .venv/bin/python benchmarks/households.py --households 100000 --import-rows 100000

It migrates, loads the demo county, generates the region tree and households when missing, then prints tables.
"""
import argparse
import csv
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _ms(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return f"{statistics.median(samples) * 1000:7.1f} {p95 * 1000:7.1f}"


def _time(client, urls, repeat):
    samples = []
    for i in range(repeat):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url, headers={"HX-Request": "true"} if "q=" in url else {})
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db
    from app.models.household import Household
    from app.models.person import Person
    from app.models.user import User
    from app.security.passwords import hash_password
    from benchmarks.scale_county import ensure_scale_county

    app = create_app()
    with app.app_context():
        county = ensure_scale_county(args.households)
        user = db.session.execute(db.select(User).where(User.username == "bench_county")).scalar_one_or_none()
        if user is None:
            db.session.add(User(username="bench_county", display_name="基准测试", role="county_admin",
                                region_id=county.id, password_hash=hash_password("Bench#Test2026"),
                                must_change_password=False))
            db.session.commit()
        totals = (db.session.execute(db.select(db.func.count(Household.id))).scalar(),
                  db.session.execute(db.select(db.func.count(Person.id))).scalar())
        sample = list(db.session.execute(db.select(Household.id, Household.number).where(
            Household.number.startswith("G330128")).order_by(Household.id).limit(2000)))
        rng = random.Random(5)
        picks = rng.sample(sample, min(len(sample), 50))
        people = list(db.session.execute(db.select(Person).where(Person.household_id.in_([p[0] for p in picks])))
                      .scalars())
        names = sorted({p.name[:2] for p in people})
        numbers = [p.id_number for p in people[:30]]
        db.session.remove()

    client = app.test_client()
    with app.app_context():
        from tests.conftest import post

        response = post(client, "/login", {"username": "bench_county", "password": "Bench#Test2026"})
        assert response.status_code == 303, response.status_code
    print(f"\ndatabase: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]} — {totals[0]} households, "
          f"{totals[1]} persons; {args.repeat} requests each, in-process server time (ms)")
    print(f"{'page':<34} {'p50':>7} {'p95':>7}")
    with app.app_context():
        client.get("/households/")
    rows = [
        ("list (county, page 1, 20 rows)", ["/households/"]),
        ("list page 50, sorted by 户号", ["/households/?page=50&sort=number"]),
        ("search: name prefix", [f"/households/?q={n}" for n in names]),
        ("search: exact ID number", [f"/households/?q={n}" for n in numbers]),
        ("search: 户号", [f"/households/?q={n}" for _, n in picks]),
        ("household page (一户一档)", [f"/households/{hid}" for hid, _ in picks]),
    ]
    for label, urls in rows:
        print(f"{label:<34} {_ms(_time(client, urls, args.repeat))}")
    with app.app_context():
        for label, url, headers in (("list full page", "/households/", {}),
                                    ("list fragment (20 rows)", "/households/?page=2", {"HX-Request": "true"}),
                                    ("household page", f"/households/{picks[0][0]}", {})):
            response = client.get(url, headers={"Accept-Encoding": "gzip", **headers})
            print(f"{label:<34} {len(response.data):>7} bytes gzip")

    if not args.skip_import:
        _import(app, args.import_rows)
    if not args.skip_export:
        _export(app)


def _import(app, count: int) -> None:
    """Import throughput: a CSV of new 户籍 rows, then the same file's rows again (all unchanged)."""
    from app.extensions import db
    from app.blueprints.pool.importer import import_rows, open_source_file
    from app.models.source import ImportBatch
    from fixtures.idnumbers import make_id_number

    folder = Path(tempfile.mkdtemp())
    path = folder / "huji.csv"
    rng = random.Random(99)
    seen = set()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "网格代码"])
        while len(seen) < count:
            number = make_id_number(rng)
            if number in seen:
                continue
            seen.add(number)
            from stdnum.cn import ric

            # Names must pass the importer's check (汉字 only), so the digits of the count become 汉字 digits.
            name = "测试" + str(len(seen)).translate(str.maketrans("0123456789", "〇一二三四五六七八九"))
            writer.writerow([number, name, "男" if int(number[16]) % 2 else "女",
                             ric.get_birth_date(number).isoformat(), "汉族", "某地", ""])
    print(f"\nimport of {count} 户籍 rows (CSV, validate + encrypt + upsert, one transaction)")
    print(f"{'run':<34} {'rows/s':>9} {'seconds':>8}")
    for label in ("first import (all new)", "same rows again (unchanged)"):
        with app.app_context():
            batch = ImportBatch(source="huji", filename=path.name, content_hash=f"bench-{time.time()}",
                                stored_path=str(path), state="done")
            db.session.add(batch)
            db.session.flush()
            started = time.perf_counter()
            counts = import_rows("huji", batch.id, open_source_file("huji", path, path.name), lambda *a: None)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"{label:<34} {counts['total'] / elapsed:9.0f} {elapsed:8.1f}   {counts}")
            db.session.remove()



def _export(app) -> None:
    """Export time and the process's peak RSS for a tenth of the county and the whole county."""
    from app.extensions import db
    from app.models.job import Job
    from app.models.region import Region
    from app.models.user import User
    from workers.context import register_app
    from workers.households import export_households

    register_app(app)
    print("\nexport (XLSX, constant_memory): peak RSS of this process")
    print(f"{'scope':<34} {'persons':>9} {'seconds':>8} {'peak RSS MB':>12}")
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "bench_county")).scalar_one()
        one_town = db.session.execute(db.select(Region).where(Region.code == "330128001")).scalar_one()
        scopes = [("one town (1/10)", {"q": "", "region": one_town.id, "kind": "", "tag": "", "status": "",
                                       "sort": "-updated"}),
                  ("whole county", {"q": "", "region": None, "kind": "", "tag": "", "status": "", "sort": "-updated"})]
        user_id = user.id
        db.session.remove()
    for label, filters in scopes:
        with app.app_context():
            job = Job(id=f"bench{time.time_ns()}", owner_id=user_id, kind="bench", title="bench")
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            db.session.remove()
        started = time.perf_counter()
        message = export_households(job_id, user_id, filters)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{label:<34} {message:>9} {elapsed:8.1f} {peak:12.0f}")


if __name__ == "__main__":
    main()
