"""Kiosk end to end under load: N kiosks ask for a report at once; time from the print request to PDF ready.

Needs PostgreSQL and Redis (the schema of DATABASE_URL is dropped and rebuilt!):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_credit REDIS_URL=redis://127.0.0.1:6379/13 \
        PYTHONPATH=. .venv/bin/python benchmarks/kiosk_e2e.py --kiosks 10 --workers 2 --rounds 3
"""

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class Kiosk:
    """One terminal: a browser-like cookie jar against the live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode("utf-8", "replace")

    def post(self, path: str, form: dict) -> str:
        page = self.get(path if not path.endswith("/print") else "/kiosk/me")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "_idem": os.urandom(12).hex(), **form}
        try:
            with self.opener.open(
                self.base + path, urllib.parse.urlencode(data).encode(), timeout=30
            ) as response:
                return response.geturl()
        except urllib.error.HTTPError as exc:
            text = re.sub(r"<[^>]+>", " ", exc.read().decode("utf-8", "replace"))
            raise RuntimeError(f"{path}: {exc.code} {' '.join(text.split())[-200:]}") from None


def main() -> None:
    """Build the data, start the server and workers, run the kiosks, print the latency table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("需要 DATABASE_URL（PostgreSQL）和 REDIS_URL")
    os.environ.setdefault("PORTAL_INSTANCE_DIR", tempfile.mkdtemp())
    os.environ["PORTAL_EMBEDDED_WORKER"] = "0"
    from flask_migrate import upgrade
    from sqlalchemy import text
    from waitress.server import create_server

    from app import create_app
    from app.blueprints.credit.services import create_subject
    from app.blueprints.kiosk import services as kiosk_services
    from app.extensions import db
    from app.models.notification import OutboundMessage
    from app.models.user import User
    from fixtures.idnumbers import make_id_number
    from fixtures.loader import load_demo
    from workers.queues import redis_connection

    app = create_app()
    app.config["CREDIT_SUBJECT_CODES_PER_HOUR"] = 1000
    app.config["CREDIT_KIOSK_QUERIES_PER_HOUR"] = 1000
    people, tokens = [], []
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        logging.getLogger("app.errors").disabled = False  # Alembic's fileConfig silences existing loggers
        redis_connection(app).flushdb()
        load_demo()
        credit = db.session.execute(db.select(User).where(User.username == "credit")).scalar_one()
        kiosk_user = db.session.execute(db.select(User).where(User.username == "kiosk")).scalar_one()
        rng = random.Random(7)
        for n in range(args.kiosks):
            number = make_id_number(rng, region_code="330127")
            phone = f"1390000{n:04d}"
            create_subject(
                credit,
                kind="person",
                name=f"测试居民{n}",
                id_number=number,
                phone=phone,
                address="青禾县",
                region_id=credit.region_id,
            )
            people.append((f"测试居民{n}", number, phone))
            _device, token = kiosk_services.create_device(
                credit, name=f"终端{n}", location="大厅", account_id=kiosk_user.id
            )
            tokens.append(token)
    env = dict(os.environ)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "workers", "reports", "--without-scheduler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    server = create_server(app, host="127.0.0.1", port=0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    time.sleep(2)
    latencies, lock = [], threading.Lock()

    def code_for(phone: str) -> str:
        with app.app_context():
            body = (
                db.session.execute(
                    db.select(OutboundMessage.body)
                    .where(OutboundMessage.recipient == phone)
                    .order_by(OutboundMessage.id.desc())
                )
                .scalars()
                .first()
            )
            db.session.remove()
        return re.search(r"验证码为 (\d{6})", body).group(1)

    def run(index: int, barrier: threading.Barrier) -> None:
        kiosk = Kiosk(base)
        kiosk.get(f"/kiosk/enroll/{tokens[index]}")
        name, number, phone = people[index]
        for _ in range(args.rounds):
            kiosk.get("/kiosk/reset")
            kiosk.post("/kiosk/identify/person", {"name": name, "number": number})
            kiosk.post("/kiosk/code", {"code": code_for(phone)})
            barrier.wait()
            start = time.perf_counter()
            url = kiosk.post("/kiosk/print", {})
            path = urllib.parse.urlsplit(url).path
            while "打开并打印" not in kiosk.get(path):
                time.sleep(0.1)
            with lock:
                latencies.append(time.perf_counter() - start)

    barrier = threading.Barrier(args.kiosks)
    threads = [threading.Thread(target=run, args=(i, barrier)) for i in range(args.kiosks)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(10)
        server.close()
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{args.kiosks} kiosks at once, {args.workers} workers, {args.rounds} rounds, {len(ordered)} reports"
    )
    print(f"{'request → PDF ready':<24}{'median s':>10}{'p95 s':>10}{'max s':>10}")
    print(f"{'':<24}{statistics.median(ordered):>10.2f}{p95:>10.2f}{ordered[-1]:>10.2f}")


if __name__ == "__main__":
    main()
