"""Moves: every kind, cross-area accept/reject, invariants (one head, one household), history, audit, scoping."""
import io
import os
import random
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy.exc import OperationalError

from app.blueprints.moves import services
from app.clock import local_today
from app.extensions import db
from app.models.audit import AuditLog
from app.models.dispatch import OutboxEvent
from app.models.move import Move, Residence
from app.models.notification import Notification
from app.models.person import Person
from app.models.region import Region
from app.validation import Invalid
from fixtures.idnumbers import make_id_number
from tests.conftest import body, login, post
from tests.frozen import FROZEN_TODAY
from tests.visits.helpers import count, household, members, user
from workers.queues import drain
from tests.xlsx_checks import assert_printable

TODAY = FROZEN_TODAY.isoformat()


def _person(name: str) -> Person:
    return db.session.execute(db.select(Person).where(Person.name == name)).scalar_one()


def _community(name: str) -> Region:
    return db.session.execute(db.select(Region).where(Region.name == name)).scalar_one()


def _ours():
    """Moves made by the test (the demo county's own moves are made by the county admin)."""
    return Move.requested_by != user("county").id


def _move() -> Move:
    return db.session.execute(db.select(Move).where(_ours())).scalar_one()


def _heads(number: str) -> list[str]:
    return [p.name for p in members(number) if p.is_head and p.residence_status in ("在册", "迁移中")]


def test_move_out_of_a_member_applies_at_once_with_history_audit_and_outbox(demo, client):
    login(client, "community")
    person = _person("萧阳")
    home = household("QH00100100101")
    living = len([p for p in members(home.number) if p.residence_status == "在册"])
    assert f"家庭成员（{living} 人）" in body(client.get(f"/households/{home.id}"))
    response = post(client, f"/moves/person/{person.id}/out", {"event_date": TODAY, "place": "浙江省杭州市西湖区",
                                                               "reason": "工作调动"})
    assert response.status_code == 303
    person = db.session.get(Person, person.id)
    assert person.residence_status == "迁出" and not person.is_head
    move = _move()
    assert move.state == "applied" and move.kind == "out" and move.place == "浙江省杭州市西湖区"
    history = db.session.execute(db.select(Residence).where(Residence.person_id == person.id)).scalar_one()
    assert history.person_id == person.id and history.status_after == "迁出"
    assert history.approved_by == user("community").id
    assert count(AuditLog, AuditLog.action == "move.create", AuditLog.object_id == str(move.id)) == 1
    assert count(AuditLog, AuditLog.action == "person.update", AuditLog.object_id == str(person.id)) == 1
    event = db.session.execute(db.select(OutboxEvent).where(OutboxEvent.event_type == "move.applied",
                                                            OutboxEvent.entity_id == str(move.id))).scalar_one()
    assert event.payload["kind"] == "out" and event.payload["people"] == [person.id_number_hash]
    page = body(client.get(f"/households/{home.id}"))
    assert "工作调动" in page and "迁出" in page
    # The archive keeps who left, apart from the people living there.
    assert f"家庭成员（{living - 1} 人）" in page and "已迁出/注销成员（1 人）" in page
    assert "工作调动" in body(client.get(f"/moves/person/{person.id}/history"))


def test_moving_the_head_needs_a_new_head_or_an_empty_household(demo, client):
    login(client, "community")
    head = _person("李淑华")
    refused = post(client, f"/moves/person/{head.id}/out", {"event_date": TODAY, "place": "外省"})
    assert refused.status_code == 422 and "须从留在本户的成员中选择新户主" in body(refused)
    assert count(Move, _ours()) == 0 and _heads("QH00100100101") == ["李淑华"]
    ok = post(client, f"/moves/person/{head.id}/out", {"event_date": TODAY, "place": "外省",
                                                       "new_head_id": str(_person("李丹").id)})
    assert ok.status_code == 303
    assert _heads("QH00100100101") == ["李丹"] and _person("李丹").relation == "户主"
    # The only member of 102 may leave: the household has no members and needs no head.
    alone = members("QH00100100102")[0]
    assert post(client, f"/moves/person/{alone.id}/death", {"event_date": TODAY,
                                                            "death_source": "医学死亡证明"}).status_code == 303
    assert _heads("QH00100100102") == []


def test_death_needs_date_and_source_and_matches_the_pool(demo, client):
    login(client, "community")
    person = _person("张秀梅")
    future = (local_today() + timedelta(days=1)).isoformat()
    bad = post(client, f"/moves/person/{person.id}/death", {"event_date": future, "death_source": ""})
    assert bad.status_code == 422 and "日期不能晚于今天" in body(bad) and "请选择死亡信息来源" in body(bad)
    assert db.session.get(Person, person.id).residence_status == "在册"
    ok = post(client, f"/moves/person/{person.id}/death", {"event_date": "2026-08-17", "death_source": "医学死亡证明"})
    assert ok.status_code == 303
    move = _move()
    assert move.kind == "death" and move.pool_record_id is not None
    assert db.session.get(Person, person.id).residence_status == "死亡"
    again = post(client, f"/moves/person/{person.id}/out", {"event_date": TODAY, "place": "外省"})
    assert again.status_code == 422 and "不能办理迁移" in body(again)


def test_move_in_new_person_and_reactivation(demo, client):
    login(client, "community")
    hid = household("QH00100100103").id
    number = make_id_number(random.Random(5), region_code="330127", birth=date(1990, 3, 4), male=True)
    bad = post(client, f"/moves/in/{hid}", {"id_number": "330127199003041234", "name": "王新", "relation": "子女",
                                            "ethnicity": "汉族", "place": "外省", "event_date": TODAY})
    assert bad.status_code == 422 and count(Move, _ours()) == 0
    ok = post(client, f"/moves/in/{hid}", {"id_number": number, "name": "王新", "relation": "子女", "ethnicity": "汉族",
                                           "place": "江西省南昌市", "event_date": TODAY})
    assert ok.status_code == 303, body(ok)
    person = _person("王新")
    assert person.household_id == hid and person.residence_status == "在册" and not person.is_head
    # Out and back in: the same person row comes back, with both steps in its history.
    post(client, f"/moves/person/{person.id}/out", {"event_date": TODAY, "place": "上海市"})
    back = post(client, f"/moves/in/{household('QH00100100104').id}", {
        "id_number": number, "name": "王新", "relation": "其他", "ethnicity": "汉族", "place": "上海市",
        "event_date": TODAY})
    assert back.status_code == 303
    again = db.session.get(Person, person.id)
    assert again.household_id == household("QH00100100104").id and again.residence_status == "在册"
    assert count(Person, Person.id_number_hash == person.id_number_hash) == 1
    assert count(Residence, Residence.person_id == person.id) == 3
    dup = post(client, f"/moves/in/{hid}", {"id_number": number, "name": "王新", "relation": "子女",
                                            "ethnicity": "汉族", "place": "外省", "event_date": TODAY})
    assert dup.status_code == 422 and "仍在册" in body(dup)


def test_transfer_inside_the_area_applies_at_once(demo, client):
    login(client, "community")
    person = _person("李丹")
    target = household("QH00100100201")
    response = post(client, f"/moves/person/{person.id}/transfer", {
        "event_date": TODAY, "to_region_id": str(_community("清溪社区").id), "to_household_number": target.number,
        "relation": "其他"})
    assert response.status_code == 303
    moved = db.session.get(Person, person.id)
    assert moved.household_id == target.id and moved.residence_status == "在册" and moved.relation == "其他"
    assert _move().state == "applied"


def _send_to_taoyuan(client, name="李丹", **extra):
    person = _person(name)
    data = {"event_date": TODAY, "to_region_id": str(_community("桃源村").id), "relation": "子女",
            "reason": "投靠亲属"}
    data.update(extra)
    return person, post(client, f"/moves/person/{person.id}/transfer", data)


def test_cross_area_move_waits_then_the_receiving_officer_accepts(demo, client):
    login(client, "community")
    person, response = _send_to_taoyuan(client)
    assert response.status_code == 303
    move = _move()
    assert move.state == "pending" and move.to_household_id is None
    waiting = db.session.get(Person, person.id)
    assert waiting.residence_status == "迁移中" and waiting.household_id == household("QH00100100101").id
    again = post(client, f"/moves/person/{person.id}/out", {"event_date": TODAY, "place": "外省"})
    assert again.status_code == 422 and "正在迁移中" in body(again)
    # The sender sees it but cannot decide.
    assert post(client, f"/moves/{move.id}/accept", {"to_household_number": "QH00100200101",
                                                     "relation": "子女"}).status_code == 404
    receiver = demo.test_client()
    login(receiver, "taoyuan")
    assert "投靠亲属" in body(receiver.get("/moves/"))
    note = db.session.execute(db.select(Notification).where(Notification.user_id == user("taoyuan").id)).scalar_one()
    assert note.title == "待接收迁入：李丹" and note.link == f"/moves/{move.id}"
    wrong = post(receiver, f"/moves/{move.id}/accept", {"to_household_number": "QH00100100201", "relation": "子女"})
    assert wrong.status_code == 422 and "本辖区内迁入户的户号" in body(wrong)
    assert db.session.get(Move, move.id).state == "pending"
    ok = post(receiver, f"/moves/{move.id}/accept", {"to_household_number": "QH00100200101", "relation": "子女"},
              headers={"HX-Request": "true"})
    assert ok.status_code == 200 and f'id="move-{move.id}"' in body(ok) and "已生效" in body(ok)
    arrived = db.session.get(Person, person.id)
    assert arrived.household_id == household("QH00100200101").id and arrived.residence_status == "在册"
    twice = post(receiver, f"/moves/{move.id}/accept", {"to_household_number": "QH00100200101", "relation": "子女"})
    assert twice.status_code == 422 and "已被处理" in body(twice)
    assert count(AuditLog, AuditLog.action == "move.accept") == 1
    # The origin household no longer shows the person among present members; history shows the move.
    assert "投靠亲属" in body(client.get(f"/households/{household('QH00100100101').id}"))
    # Community officers of a third area cannot open the move at all.
    other = demo.test_client()
    login(other, "grid2")
    assert other.get(f"/moves/{move.id}").status_code == 403


def test_cross_area_accept_into_a_new_household(demo, client):
    login(client, "community")
    person, _ = _send_to_taoyuan(client)
    move_id = _move().id
    receiver = demo.test_client()
    login(receiver, "taoyuan")
    grid = db.session.execute(db.select(Region).where(Region.name == "桃源村第一网格")).scalar_one()
    ok = post(receiver, f"/moves/{move_id}/accept", {"new_household": "y", "number": "QH00100200199",
                                                     "region_id": str(grid.id), "road": "桃源路8号",
                                                     "kind": "户籍户", "relation": "子女"})
    assert ok.status_code == 200
    new = household("QH00100200199")
    arrived = db.session.get(Person, person.id)
    assert arrived.household_id == new.id and arrived.is_head and arrived.relation == "户主"


def test_reject_keeps_the_person_where_they_were(demo, client):
    login(client, "community")
    person, _ = _send_to_taoyuan(client)
    move_id = _move().id
    receiver = demo.test_client()
    login(receiver, "taoyuan")
    empty = post(receiver, f"/moves/{move_id}/reject", {"reject_reason": ""})
    assert empty.status_code == 422 and "请填写拒绝原因" in body(empty)
    ok = post(receiver, f"/moves/{move_id}/reject", {"reject_reason": "查无此户亲属"})
    assert ok.status_code == 200
    back = db.session.get(Person, person.id)
    assert back.residence_status == "在册" and back.household_id == household("QH00100100101").id
    assert db.session.get(Move, move_id).state == "rejected"
    assert count(OutboxEvent, OutboxEvent.event_type == "move.rejected") == 1


def test_pending_head_move_applies_the_chosen_successor_on_accept(demo, client):
    login(client, "community")
    head = _person("李淑华")
    refused = _send_to_taoyuan(client, "李淑华")[1]
    assert refused.status_code == 422 and count(Move, _ours()) == 0
    _send_to_taoyuan(client, "李淑华", new_head_id=str(_person("萧阳").id))
    assert _heads("QH00100100101") == ["李淑华"]  # still there until accepted
    move = _move()
    services.accept(user("taoyuan"), move, {"to_household_number": "QH00100200101", "relation": "其他"})
    assert _heads("QH00100100101") == ["萧阳"] and _heads("QH00100200101") == ["梁想"]
    assert db.session.get(Person, head.id).relation == "其他"


def test_split_household(demo, client):
    login(client, "community")
    old = household("QH00100100107")
    kids = [_person("张莹").id, _person("张荣").id]
    none = post(client, f"/moves/split/{old.id}", {"number": "QH00100100199", "region_id": str(old.region_id),
                                                   "road": "清溪路1号", "kind": "户籍户", "event_date": TODAY})
    assert none.status_code == 422 and "请选择分出的成员" in body(none)
    everyone = [str(p.id) for p in members("QH00100100107")]
    all_out = post(client, f"/moves/split/{old.id}", {"member_ids": everyone, "head_id": everyone[0],
                                                      "number": "QH00100100199", "region_id": str(old.region_id),
                                                      "road": "清溪路1号", "kind": "户籍户", "event_date": TODAY})
    assert all_out.status_code == 422 and count(Move, _ours()) == 0
    ok = post(client, f"/moves/split/{old.id}", {"member_ids": [str(k) for k in kids], "head_id": str(kids[1]),
                                                 "number": "QH00100100199", "region_id": str(old.region_id),
                                                 "road": "清溪路1号", "kind": "户籍户", "event_date": TODAY})
    assert ok.status_code == 303, body(ok)
    assert _heads("QH00100100199") == ["张荣"] and len(members("QH00100100199")) == 2
    assert _heads("QH00100100107") == ["张鑫"] and len(members("QH00100100107")) == 3
    assert count(Residence, Residence.kind == "split") == 2
    assert count(AuditLog, AuditLog.action == "household.create") == 1


def test_moves_of_another_area_answer_404(demo, client):
    login(client, "taoyuan")
    person = _person("李丹")
    assert client.get(f"/moves/person/{person.id}/out").status_code == 404
    assert post(client, f"/moves/person/{person.id}/out", {"event_date": TODAY, "place": "外省"}).status_code == 404
    assert client.get(f"/moves/in/{household('QH00100100101').id}").status_code == 404
    assert client.get(f"/moves/split/{household('QH00100100101').id}").status_code == 404
    grid = demo.test_client()
    login(grid, "grid")
    assert grid.get("/moves/").status_code == 403


def test_list_filters_and_query_count(demo, client, count_queries):
    login(client, "community")
    for name in ("萧阳", "张莹"):
        post(client, f"/moves/person/{_person(name).id}/out", {"event_date": TODAY, "place": "外省"})
    html = body(client.get("/moves/?kind=out"))
    assert "萧阳" in html and "张莹" in html
    assert "萧阳" not in body(client.get("/moves/?kind=death"))
    with count_queries() as one:
        client.get("/moves/?size=1")
    with count_queries() as many:
        client.get("/moves/?size=50")
    assert one.count == many.count
    response = post(client, "/moves/export", {"kind": "out"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    drain(demo)
    job_id = body(response).split('id="job-')[1].split('"')[0]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/jobs/{job_id}/download").data)).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "类型" and sorted(r[3] for r in rows[1:]) == sorted(["萧阳", "张莹"])


def test_two_sessions_accepting_the_same_move_exactly_one_wins(demo, client):
    login(client, "community")
    person, _ = _send_to_taoyuan(client)
    move_id = _move().id
    taoyuan_id = user("taoyuan").id
    db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def attempt(number):
        with demo.app_context():
            from app.models.user import User

            officer = db.session.get(User, taoyuan_id)
            move = db.session.get(Move, move_id)
            barrier.wait()
            try:
                services.accept(officer, move, {"to_household_number": number, "relation": "子女"})
                outcomes.append("won")
            except Invalid:
                outcomes.append("refused")
            except OperationalError:  # SQLite: the loser's stale write transaction is refused as busy
                db.session.rollback()
                outcomes.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("QH00100200101", "QH00100200102")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1, outcomes
    if os.environ.get("TEST_DATABASE_URL"):
        assert outcomes.count("refused") == 1
    db.session.expire_all()
    arrived = db.session.get(Person, person.id)
    assert arrived.household_id in (household("QH00100200101").id, household("QH00100200102").id)
    assert count(Residence, Residence.person_id == person.id) == 1
    assert db.session.get(Move, move_id).state == "applied"


def test_interleaved_decisions_second_one_is_refused(demo, client):
    login(client, "community")
    _send_to_taoyuan(client)
    move_id = _move().id
    officer = user("taoyuan")
    stale = db.session.get(Move, move_id)  # this session has loaded the move as pending
    assert stale.state == "pending"
    with demo.app_context():  # another session decides first
        services.reject(db.session.merge(officer), db.session.get(Move, move_id), "重复申请")
        db.session.remove()
    assert stale.state == "pending"
    with pytest.raises(Invalid, match="已被处理"):
        services.accept(officer, stale, {"to_household_number": "QH00100200101", "relation": "子女"})
    assert db.session.get(Move, move_id).state == "rejected"
    assert count(Residence, Residence.kind == "transfer") == 1  # only the rejection's step


def test_person_history_is_scoped_and_demo_history_shows(demo, client):
    login(client, "county")
    person = db.session.execute(db.select(Person).where(Person.name == "吴建平")).scalar_one()
    html = body(client.get(f"/moves/person/{person.id}/history"))
    assert "返乡务农" in html and "外出务工落户" in html
    other = demo.test_client()
    login(other, "community")
    assert other.get(f"/moves/person/{person.id}/history").status_code == 404
