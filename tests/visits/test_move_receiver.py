"""The receiving community sees whom it receives (name, masked ID, age, origin) before it accepts a transfer."""
from app.clock import local_today
from app.extensions import db
from app.models.move import Move
from app.models.person import Person
from app.models.region import Region
from tests.conftest import body, login, post


def test_receiver_sees_the_person_before_accepting(demo, client):
    login(client, "community")
    li = db.session.execute(db.select(Person).where(Person.name == "李丹")).scalar_one()
    li_id, li_number = li.id, li.id_number
    taoyuan = db.session.execute(db.select(Region).where(Region.name == "桃源村")).scalar_one()
    sent = post(client, f"/moves/person/{li_id}/transfer", {"event_date": local_today().isoformat(),
                                                            "to_region_id": str(taoyuan.id), "relation": "子女",
                                                            "reason": "投靠亲属"})
    assert sent.status_code == 303
    move_id = db.session.execute(db.select(Move.id).where(Move.person_id == li_id)).scalar_one()
    receiver = demo.test_client()
    login(receiver, "taoyuan")
    page = body(receiver.get(f"/moves/{move_id}"))
    mover = page.split('id="mover"')[1].split("</dl>")[0]
    assert "李丹" in mover and "3301**********3164" in mover and li_number not in page
    assert "女 · 23 岁" in mover  # born 2003-05-27
    assert "清溪镇 · 清溪社区" in mover and "户号 QH00100100101" in mover
    assert "接收迁入" in page  # the decision form comes after the facts
    assert page.index('id="mover"') < page.index("接收迁入")
