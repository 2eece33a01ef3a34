"""Dispatch against the reference receiver running as its own process, killed and restarted like a real one.

The receiver runs on the machine's real clock while the test runs on the frozen one, so it is started with
`--max-skew 0` (no timestamp window); the signature itself is still checked.
"""
import json
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.extensions import db
from app.models.dispatch import DeadLetter, DispatchTarget, OutboxEvent
from app.models.region import Region
from app.outbox import REGION_CHANGED, emit
from tests.conftest import login, post, project_root
from tests.dispatch.test_dispatch import SECRET, _run, _target
from workers.dispatch import dispatch_tick
from workers.queues import drain, get_queue


class ReceiverProcess:
    """`python -m fixtures.receiver` on a free port, with its JSONL store in the test's folder."""

    def __init__(self, folder):
        self.out = folder / "received.jsonl"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/events"

    def start(self, *flags: str) -> "ReceiverProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fixtures.receiver", "--secret", SECRET, "--port", str(self.port),
             "--out", str(self.out), "--max-skew", "0", *flags],
            cwd=project_root(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("receiver did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process:
            self.process.wait(timeout=10)
            self.process.stderr.close()

    def stored(self) -> list[dict]:
        """The events the receiver has durably applied, in arrival order."""
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def receiver_process(tmp_path):
    process = ReceiverProcess(tmp_path)
    yield process
    process.kill()


@pytest.fixture
def admins(demo, app):
    county, admin = app.test_client(), app.test_client()
    login(county, "county")
    login(admin, "admin")
    return county, admin


def _regions() -> list[Region]:
    return list(db.session.execute(db.select(Region).order_by(Region.id).limit(3)).scalars())


def _update(region: Region, label: str) -> int:
    """One region.changed event: the region's state as of this change."""
    event = emit(REGION_CHANGED, region, region_id=region.id,
                 payload={"code": region.code, "name": label, "level": region.level, "parent_code": None})
    db.session.commit()
    return event.id


def portal_state() -> dict:
    """The newest event of every entity: what the department must end up holding."""
    latest = {}
    for event in db.session.execute(db.select(OutboxEvent).order_by(OutboxEvent.id)).scalars():
        latest[(event.entity_type, event.entity_id)] = event.payload
    return latest


def receiver_state(receiver: ReceiverProcess) -> dict:
    latest = {}
    for event in receiver.stored():
        latest[(event["entity_type"], event["entity_id"])] = event["payload"]
    return latest


def test_killed_between_accepting_and_answering_then_restarted(admins, app, receiver_process):
    county, admin = admins
    a, b, c = _regions()
    ids = [_update(r, f"{r.name}-{n}") for n in range(2) for r in (a, b, c)]
    receiver_process.start("--die-after-accept", "1")
    target_id = _target(county, admin, receiver_process.url, batch_size=3).id
    _run(app, target_id)
    assert receiver_process.process.wait(timeout=10) == 3  # it died after storing, before answering
    assert [e["id"] for e in receiver_process.stored()] == ids[:3]
    target = db.session.get(DispatchTarget, target_id)
    assert (target.cursor, target.failures) == (0, 1) and "连接失败" in target.last_error
    assert db.session.execute(db.select(DeadLetter)).first() is None

    receiver_process.start()  # same store on disk
    _run(app, target_id)
    assert [e["id"] for e in receiver_process.stored()] == ids  # the resent first batch was not applied twice
    assert db.session.get(DispatchTarget, target_id).cursor == ids[-1]
    assert receiver_state(receiver_process) == portal_state()


def _tick(app) -> None:
    get_queue(app, "dispatch").enqueue(dispatch_tick)
    drain(app)
    db.session.expire_all()


def test_down_longer_than_the_retry_window(admins, app, receiver_process, frozen_clock):
    county, admin = admins
    a, b, _ = _regions()
    target_id = _target(county, admin, receiver_process.url, batch_size=2, max_failures=3).id
    ids = [_update(a, "甲-1"), _update(b, "乙-1"), _update(a, "甲-2")]
    app.config["DISPATCH_BACKOFF_BASE"] = 10
    waits = []
    for attempt in range(1, 8):  # the receiver is not running at all, far past the alert threshold
        _tick(app)
        target = db.session.get(DispatchTarget, target_id)
        assert (target.failures, target.cursor) == (attempt, 0)
        _tick(app)  # backing off: no attempt before next_attempt_at
        assert db.session.get(DispatchTarget, target_id).failures == attempt
        wait = target.next_attempt_at - utcnow()
        waits.append(round(wait.total_seconds() / 10) * 10)
        frozen_clock.shift(wait + timedelta(seconds=1))
    assert waits == [10, 20, 40, 80, 160, 320, 640]
    assert db.session.execute(db.select(DeadLetter)).first() is None
    ids.append(_update(b, "乙-2"))
    receiver_process.start()
    _tick(app)
    assert [e["id"] for e in receiver_process.stored()] == ids
    assert db.session.get(DispatchTarget, target_id).failures == 0
    assert receiver_state(receiver_process) == portal_state()


def test_requeued_dead_letter_never_delivers_old_data_last(admins, app, receiver_process):
    county, admin = admins
    a, b, c = _regions()
    receiver_process.start("--reject-first", "1")
    target_id = _target(county, admin, receiver_process.url, batch_size=3).id
    a1, b1, a2 = _update(a, "甲-1"), _update(b, "乙-1"), _update(a, "甲-2")
    _run(app, target_id)
    letter = db.session.execute(db.select(DeadLetter)).scalar_one()
    assert letter.event_ids == [a1, b1, a2] and "422" in letter.error
    a3, c1 = _update(a, "甲-3"), _update(c, "丙-1")
    _run(app, target_id)
    assert [e["id"] for e in receiver_process.stored()] == [a3, c1]

    assert post(county, f"/dispatch/dead-letters/{letter.id}", {"action": "requeue"}).status_code == 303
    assert [e["id"] for e in receiver_process.stored()] == [a3, c1, b1]  # a1 and a2 would overwrite 甲-3
    letter = db.session.get(DeadLetter, letter.id)
    assert (letter.resolution, letter.superseded_ids) == ("requeued", [a1, a2])
    assert receiver_state(receiver_process) == portal_state()
