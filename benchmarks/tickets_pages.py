"""Server time of the ticket pages and the escalation scan with many tickets; prints a table.

    .venv/bin/python benchmarks/tickets_pages.py --tickets 5000 --open 600 --repeat 20
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/tickets_pages.py

The database is emptied and rebuilt with the migrations; use a database made for benchmarks.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(url: str, folder: Path):
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from app import create_app
    from app.config import TestConfig, normalize_database_url

    if url.startswith("postgres"):
        engine = create_engine(normalize_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(TestConfig(folder, url))
    with app.app_context():
        upgrade()
    return app


def seed(total: int, open_count: int) -> None:
    """Demo county plus `total` tickets, `open_count` of them still open, spread over six months."""
    from app.clock import utcnow
    from app.extensions import db
    from app.models.ticket import SlaPolicy, Ticket, TicketSystem
    from app.models.user import User
    from fixtures.loader import load_demo

    load_demo()
    rng = random.Random(7)
    now = utcnow()
    systems = list(db.session.execute(db.select(TicketSystem)).scalars())
    policies = {(p.contract_id, p.severity): p for p in db.session.execute(db.select(SlaPolicy)).scalars()}
    reporters = list(db.session.execute(db.select(User).where(User.role == "grid_worker")).scalars())
    engineer = db.session.execute(db.select(User).where(User.username == "engineer")).scalar_one()
    open_states = ("new", "responded", "in_progress", "pending_user", "resolved")
    rows = []
    for i in range(total):
        system = rng.choice(systems)
        severity = rng.choice(("P1", "P2", "P2", "P3"))
        policy = policies[(system.contract_id, severity)]
        is_open = i < open_count
        created = now - timedelta(minutes=rng.randint(5, 60 * 24 * (3 if is_open else 180)))
        responded = created + timedelta(minutes=rng.randint(1, 20))
        resolved = responded + timedelta(minutes=rng.randint(5, 300))
        state = rng.choice(open_states) if is_open else "closed"
        reporter = rng.choice(reporters)
        rows.append(dict(
            number=f"BENCH-{i:07d}", title=f"压测工单 {i}", description="", category=rng.choice(
                ("系统故障", "数据问题", "账号权限", "咨询")), severity=severity, state=state, system_id=system.id,
            contract_id=system.contract_id, module="", reporter_id=reporter.id, region_id=reporter.region_id,
            assignee_id=engineer.id, team="", external_ref="", source_page="", created_at=created,
            responded_at=None if state == "new" else responded,
            resolved_at=resolved if state in ("resolved", "closed") else None,
            closed_at=resolved if state == "closed" else None, sla_response_minutes=policy.response_minutes,
            sla_resolution_minutes=policy.resolution_minutes, sla_onsite_minutes=policy.onsite_minutes,
            sla_calendar=policy.calendar, sla_business_start=policy.business_start,
            sla_business_end=policy.business_end, extension_minutes=0, breach_reason="", reopen_count=0))
    for start in range(0, len(rows), 2000):
        db.session.execute(db.insert(Ticket), rows[start:start + 2000])
    db.session.execute(db.update(User).values(must_change_password=False))
    db.session.commit()


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--open", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tickets-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = build(url, folder)
    from app.extensions import db

    with app.app_context():
        seed(args.tickets, args.open)
        db.session.remove()
    client = app.test_client()
    with app.app_context():
        from tests.conftest import login

        login(client, "opslead")
    urls = ["/tickets/", "/tickets/?risk=red", "/tickets/board", "/tickets/review", "/tickets/dashboard",
            "/tickets/1"]
    print(f"database: {url.split('://')[0]}  tickets: {args.tickets}  open: {args.open}  repeat: {args.repeat}")
    print(f"{'what':<28}{'median ms':>12}{'p95 ms':>10}")
    for url_ in urls:
        assert client.get(url_).status_code == 200, url_
        median, p95 = timed(lambda: client.get(url_), args.repeat)
        print(f"{'GET ' + url_:<28}{median:>12.1f}{p95:>10.1f}")
    from app.blueprints.tickets.escalation import scan

    with app.app_context():
        start = time.perf_counter()
        first = scan()
        first_ms = (time.perf_counter() - start) * 1000
        median, p95 = timed(scan, max(3, args.repeat // 4))
        db.session.remove()
    print(f"{'escalation scan (first)':<28}{first_ms:>12.1f}{'':>10}  ({first} crossings)")
    print(f"{'escalation scan (repeat)':<28}{median:>12.1f}{p95:>10.1f}")


if __name__ == "__main__":
    main()
