"""Dispatch: reviewed releases, validation, exactly-once in-order delivery to a real receiver, retries, dead letters."""
import csv

import pytest

from app.extensions import db
from app.models.dispatch import DeadLetter, DispatchRun, DispatchTarget, OutboxEvent
from app.models.notification import Notification
from app.models.region import Region
from app.models.user import User
from app.outbox import REGION_CHANGED, emit
from fixtures.receiver import Receiver
from tests.conftest import body, login, post
from workers.dispatch import dispatch_target, dispatch_tick
from workers.queues import drain, get_queue

SECRET = "s3cret-for-tests-0123456789"


@pytest.fixture
def receiver():
    server = Receiver(SECRET).start()
    yield server
    server.stop()


def _events(count: int) -> list[int]:
    county = db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one()
    ids = []
    for n in range(count):
        event = emit(REGION_CHANGED, county, region_id=county.id,
                     payload={"code": f"X{n}", "name": f"事件{n}", "level": "county", "parent_code": None})
        db.session.flush()
        ids.append(event.id)
    db.session.commit()
    return ids


def _target(client, approver, url, **extra) -> DispatchTarget:
    data = {"name": "民政局系统", "department": "县民政局", "kind": "webhook", "url": url, "secret": SECRET,
            "region_id": 0, "batch_size": 3, "max_failures": 3, "mapping": "", **extra}
    response = post(client, "/dispatch/new", data)
    assert response.status_code == 303, body(response)[:2000]
    target = db.session.execute(db.select(DispatchTarget)).scalar_one()
    version_id = db.session.execute(db.text("SELECT id FROM dispatch_target_version")).scalar()
    assert post(approver, f"/dispatch/versions/{version_id}/approve").status_code == 303
    db.session.expire_all()
    return db.session.get(DispatchTarget, target.id)


def _run(app, target_id):
    get_queue(app, "dispatch").enqueue(dispatch_target, target_id)
    drain(app)
    db.session.expire_all()


@pytest.fixture
def admins(demo, app):
    county, admin = app.test_client(), app.test_client()
    login(county, "county")
    login(admin, "admin")
    return county, admin


def test_draft_needs_another_admin(admins, receiver):
    county, admin = admins
    post(county, "/dispatch/new", {"name": "公安系统", "department": "县公安局", "kind": "webhook",
                                   "url": receiver.url, "secret": SECRET, "region_id": 0, "batch_size": 10,
                                   "max_failures": 3})
    version_id = db.session.execute(db.text("SELECT id FROM dispatch_target_version")).scalar()
    own = post(county, f"/dispatch/versions/{version_id}/approve", follow_redirects=True)
    assert "不能审核发布自己提交的草稿" in body(own)
    assert db.session.execute(db.select(DispatchTarget)).scalar_one().active_version_id is None
    post(admin, f"/dispatch/versions/{version_id}/approve")
    db.session.expire_all()
    assert db.session.execute(db.select(DispatchTarget)).scalar_one().active_version_id == version_id
    assert db.session.execute(db.text("SELECT COUNT(*) FROM audit_log WHERE action='dispatch.approve'")).scalar() == 1


@pytest.mark.parametrize("data, message", [
    ({"kind": "webhook", "url": "ftp://example.org/x"}, "http:// 或 https://"),
    ({"kind": "webhook", "url": "http://localhost/events"}, "本门户自身"),
    ({"kind": "csv", "folder": "../etc"}, "不能含"),
    ({"kind": "csv", "folder": "/tmp/x"}, "相对路径"),
    ({"kind": "csv", "folder": "minzheng", "mapping": "name=payload.nonexistent"}, "不存在"),
    ({"kind": "csv", "folder": "minzheng", "mapping": "bad name=id"}, "格式应为"),
])
def test_bad_definitions_are_refused(admins, data, message):
    county, _ = admins
    form = {"name": "坏目标", "department": "某局", "region_id": 0, "batch_size": 10, "max_failures": 3, **data}
    response = post(county, "/dispatch/new", form)
    assert response.status_code == 422 and message in body(response)
    assert db.session.execute(db.select(DispatchTarget)).first() is None


def test_every_event_exactly_once_in_order(admins, app, receiver):
    county, admin = admins
    ids = _events(8)
    target = _target(county, admin, receiver.url)
    _run(app, target.id)
    assert [e["id"] for e in receiver.events] == ids
    assert receiver.duplicates == 0 and receiver.rejected == 0
    assert receiver.events[0]["payload"]["name"] == "事件0"
    run = db.session.execute(db.select(DispatchRun)).scalar_one()
    assert run.status == "ok" and run.sent == 8
    _run(app, target.id)  # nothing new: nothing sent again
    assert receiver.requests == 3


def test_receiver_down_for_a_while_then_delivered(admins, app, receiver):
    county, admin = admins
    ids = _events(5)
    target = _target(county, admin, receiver.url)
    receiver.fail_remaining = 2
    _run(app, target.id)
    assert db.session.get(DispatchTarget, target.id).failures == 1
    _run(app, target.id)
    assert db.session.get(DispatchTarget, target.id).failures == 2
    _run(app, target.id)
    assert [e["id"] for e in receiver.events] == ids
    assert db.session.get(DispatchTarget, target.id).failures == 0
    assert db.session.execute(db.select(DeadLetter)).first() is None


def test_outage_longer_than_the_alert_threshold_backs_off_and_never_dead_letters(admins, app, receiver):
    county, admin = admins
    ids = _events(3)
    target = _target(county, admin, receiver.url, max_failures=2)
    receiver.fail_remaining = 5
    delays = []
    for attempt in range(1, 6):
        _run(app, target.id)
        row = db.session.get(DispatchTarget, target.id)
        assert (row.failures, row.cursor) == (attempt, 0)
        delays.append(row.next_attempt_at)
    assert db.session.execute(db.select(DeadLetter)).first() is None
    alerts = db.session.execute(db.select(Notification).where(Notification.kind == "alert")).scalars().all()
    assert {a.title for a in alerts} == {"数据分发暂停：民政局系统"}
    _run(app, target.id)
    assert [e["id"] for e in receiver.events] == ids
    assert db.session.get(DispatchTarget, target.id).failures == 0


def test_refused_batch_is_dead_lettered_at_once_then_requeued(admins, app, receiver):
    county, admin = admins
    first = _events(3)
    target = _target(county, admin, receiver.url, max_failures=2)
    receiver.reject_remaining = 1
    _run(app, target.id)
    letter = db.session.execute(db.select(DeadLetter)).scalar_one()
    assert letter.event_ids == first and letter.attempts == 1 and "422" in letter.error
    alerts = db.session.execute(db.select(Notification).where(Notification.kind == "alert")).scalars().all()
    assert {a.user_id for a in alerts} >= {db.session.execute(db.select(User.id).where(User.username == "admin"))
                                          .scalar_one()}
    later = _events(2)
    _run(app, target.id)
    assert [e["id"] for e in receiver.events] == later
    assert post(county, f"/dispatch/dead-letters/{letter.id}", {"action": "requeue"}).status_code == 303
    # Every event here updates the same region, and a newer one has arrived: the old ones are not sent after it.
    assert [e["id"] for e in receiver.events] == later
    db.session.expire_all()
    letter = db.session.get(DeadLetter, letter.id)
    assert (letter.resolution, letter.superseded_ids) == ("requeued", first)


def test_pause_resume_and_replay(admins, app, receiver):
    county, admin = admins
    ids = _events(4)
    target = _target(county, admin, receiver.url)
    post(county, f"/dispatch/{target.id}/control", {"action": "pause"})
    _run(app, target.id)
    assert receiver.events == []
    post(county, f"/dispatch/{target.id}/control", {"action": "resume"})
    _run(app, target.id)
    assert len(receiver.events) == 4
    post(county, f"/dispatch/{target.id}/control", {"action": "replay", "event_id": ids[1]})
    _run(app, target.id)
    assert receiver.duplicates == 3 and len(receiver.events) == 4


def test_mapping_and_event_filter(admins, app, receiver):
    county, admin = admins
    _events(2)
    target = _target(county, admin, receiver.url, mapping="code=payload.code\nkind=event_type",
                     event_types="region.changed")
    _run(app, target.id)
    assert receiver.events[0] == {"id": receiver.events[0]["id"], "code": "X0", "kind": "region.changed"}


def test_csv_drop(admins, app):
    county, admin = admins
    ids = _events(3)
    target = _target(county, admin, "", kind="csv", folder="minzheng/inbox")
    _run(app, target.id)
    files = list((app.config["DISPATCH_DROP_ROOT"] / "minzheng" / "inbox").glob("*.csv"))
    assert len(files) == 1
    rows = list(csv.DictReader(files[0].open(encoding="utf-8-sig")))
    assert [int(r["id"]) for r in rows] == ids


def test_tick_enqueues_only_targets_with_work(admins, app, receiver):
    county, admin = admins
    target = _target(county, admin, receiver.url)
    _events(2)
    get_queue(app, "dispatch").enqueue(dispatch_tick)
    drain(app)
    assert len(receiver.events) == 2
    assert db.session.execute(db.select(OutboxEvent)).scalars().all()
    assert db.session.get(DispatchTarget, target.id).cursor == receiver.events[-1]["id"]


def test_dispatch_pages_render(admins, receiver):
    county, admin = admins
    _target(county, admin, receiver.url)
    assert "民政局系统" in body(county.get("/dispatch/"))
    target = db.session.execute(db.select(DispatchTarget)).scalar_one()
    page = body(county.get(f"/dispatch/{target.id}"))
    assert "已发布" in page and SECRET in page
    grid = county.application.test_client()
    login(grid, "grid")
    assert grid.get("/dispatch/").status_code == 403


def test_periodic_jobs_enqueue_once_per_interval(app):
    from workers.scheduler import tick

    assert "dispatch-tick" in tick(app)
    assert tick(app) == []  # a second scheduler process in the same interval enqueues nothing
    assert get_queue(app, "dispatch").count == 1
