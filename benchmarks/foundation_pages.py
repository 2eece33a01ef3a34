"""Server time and wire size of the foundation pages with a large audit log and region tree.

Usage: BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m benchmarks.foundation_pages
"""
import gzip
import random
import re
import sys

from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User
from benchmarks.common import dialect, fresh_app, percentiles, print_table, timed
from fixtures.generate import generate_regions_and_users
from fixtures.loader import load_demo

AUDIT_ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REPEAT = 60


def seed(app) -> None:
    with app.app_context():
        load_demo()
        generate_regions_and_users(towns=10, communities=10, grids=5)
        users = list(db.session.execute(db.select(User.id, User.username)).all())
        rng = random.Random(3)
        actions = ["auth.login", "auth.login_failed", "user.update", "job.start", "region.rename"]
        batch = []
        for n in range(AUDIT_ROWS):
            uid, name = rng.choice(users)
            batch.append({"actor_id": uid, "actor_name": name, "action": rng.choice(actions),
                          "object_type": "user_account", "object_id": str(uid), "detail": "", "address": "10.0.0.1",
                          "outcome": "ok"})
            if len(batch) == 10_000:
                db.session.execute(db.insert(AuditLog), batch)
                batch = []
        if batch:
            db.session.execute(db.insert(AuditLog), batch)
        db.session.execute(db.update(User).values(must_change_password=False))
        db.session.commit()


def main() -> None:
    app = fresh_app()
    seed(app)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post("/login", data={"csrf_token": token, "_idem": "x" * 32, "username": "county",
                                "password": "Qinghe#2026"})
    pages = ["/login", "/", "/admin/users", "/admin/users?q=g330128001", "/admin/regions", "/admin/audit",
             "/admin/audit?action=auth.login_failed", "/admin/audit?page=200"]
    rows = []
    for url in pages:
        target = client if url != "/login" else app.test_client()
        response = target.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
        raw = len(gzip.decompress(response.data)) if response.headers.get("Content-Encoding") == "gzip" else size
        p50, p95 = percentiles(timed(lambda: target.get(url, headers={"Accept-Encoding": "gzip"}), REPEAT))
        rows.append([url, f"{p50:.1f}", f"{p95:.1f}", f"{size / 1024:.1f}", f"{raw / 1024:.1f}"])
    print(f"{dialect(app)}; {AUDIT_ROWS} audit rows, 500+ regions, {REPEAT} requests per page, in-process client")
    print_table(["page", "p50 ms", "p95 ms", "gzip KB", "raw KB"], rows)


if __name__ == "__main__":
    main()
