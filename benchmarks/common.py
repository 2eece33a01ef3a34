"""Shared benchmark plumbing: a fresh migrated database, timing, percentiles, table printing."""
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig, normalize_database_url
from app.extensions import db


def fresh_app(url: str | None = None):
    """An app on BENCH_DATABASE_URL (PostgreSQL recommended) or a temporary SQLite file, schema from migrations."""
    from flask_migrate import upgrade

    url = url or os.environ.get("BENCH_DATABASE_URL")
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    if url:
        engine = create_engine(normalize_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.pop("TEST_REDIS_URL", None)
    app = create_app(TestConfig(folder, url))
    with app.app_context():
        upgrade()
    return app


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(func, repeat: int) -> list[float]:
    """Wall times of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def print_table(headers: list[str], rows: list[list]) -> None:
    """A Markdown table on stdout."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def dialect(app) -> str:
    """Database kind and server version for the table caption."""
    with app.app_context():
        name = db.engine.dialect.name
        version = db.session.execute(text("SELECT version()" if name == "postgresql" else "SELECT sqlite_version()")
                                     ).scalar()
    return f"{name} {str(version).split(' on ')[0]}"
