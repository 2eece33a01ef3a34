"""Dispatch throughput: outbox events per second delivered to the reference receiver on 127.0.0.1.

Usage (PostgreSQL recommended):
  BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m benchmarks.dispatch_throughput [N]
"""
import sys
import time

from app.extensions import db
from app.models.dispatch import APPROVED, DispatchTarget, DispatchTargetVersion, OutboxEvent
from app.models.user import User
from app.security import pii
from benchmarks.common import dialect, fresh_app, print_table
from fixtures.loader import load_demo
from fixtures.receiver import Receiver
from workers.dispatch import dispatch_target
from workers.queues import drain, get_queue

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
SECRET = "benchmark-secret-0123456789"


def main() -> None:
    app = fresh_app()
    receiver = Receiver(SECRET).start()
    rows = []
    with app.app_context():
        load_demo()
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        payload = {"code": "330127001", "name": "清溪镇", "level": "town", "parent_code": "330127"}
        db.session.execute(db.insert(OutboxEvent), [
            {"event_type": "region.changed", "entity_type": "region", "entity_id": str(n % 50), "region_id": 1,
             "payload": payload} for n in range(EVENTS)])
        db.session.commit()
        for batch in (100, 500):
            target = DispatchTarget(name=f"bench-{batch}", department="基准测试")
            db.session.add(target)
            db.session.flush()
            version = DispatchTargetVersion(target_id=target.id, number=1, state=APPROVED, kind="webhook",
                                            url=receiver.url, secret_enc=pii.encrypt(SECRET), batch_size=batch,
                                            created_by_id=admin.id)
            db.session.add(version)
            db.session.flush()
            target.active_version_id = version.id
            db.session.commit()
            before = len(receiver.events)
            receiver.seen.clear()
            start = time.perf_counter()
            while db.session.get(DispatchTarget, target.id).cursor < EVENTS:
                get_queue(app, "dispatch").enqueue(dispatch_target, target.id)
                drain(app)
                db.session.expire_all()
            seconds = time.perf_counter() - start
            delivered = len(receiver.events) - before
            rows.append([batch, delivered, f"{seconds:.2f}", f"{delivered / seconds:,.0f}"])
    receiver.stop()
    print(f"{dialect(app)}; {EVENTS} events, HMAC-signed JSON webhook to a local receiver, one worker")
    print_table(["batch size", "events delivered", "seconds", "events/s"], rows)


if __name__ == "__main__":
    main()
