"""Members: auto-fill with provenance, override with reason, validation, head rules, recycle bin, export."""
import io

import openpyxl

from app.extensions import db
from app.models.audit import AuditLog
from app.models.dispatch import OutboxEvent
from app.models.household import Household
from app.models.person import Person
from app.security import pii
from fixtures.loader import read_csv
from tests.conftest import body, login, post
from tests.households.helpers import QINGXI_1, first_in, fresh_id, members
from workers.queues import drain
from tests.xlsx_checks import assert_printable

NEWCOMER = next(r for r in read_csv("pool/huji.csv") if r["姓名"] == "林可馨")


def _member(**extra):
    data = {"id_number": fresh_id(5), "name": "新成员", "gender": "", "birth_date": "", "ethnicity": "汉族",
            "phone": "", "relation": "子女", "residence_status": "在册", "residence_type": "户籍人口",
            "education": "", "occupation": "", "political_status": "", "marital_status": "", "override_reason": ""}
    data.update(extra)
    return data


def test_autofill_fills_from_the_pool_with_source_and_date(demo, client):
    hid = first_in(QINGXI_1).id
    login(client, "grid")
    response = client.get(f"/households/{hid}/members/autofill?id_number={NEWCOMER['公民身份号码']}",
                          headers={"HX-Request": "true"})
    html = body(response)
    assert response.status_code == 200 and "<html" not in html
    assert 'value="林可馨"' in html and "来源：户籍" in html and 'value="2019-04-12"' in html
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "pool.autofill")).scalar_one()
    assert "资源池中暂无" in body(client.get(f"/households/{hid}/members/autofill?id_number={fresh_id(9)}",
                                          headers={"HX-Request": "true"}))


def test_add_member_records_provenance_and_override_needs_reason(demo, client):
    hid = first_in(QINGXI_1).id
    number = NEWCOMER["公民身份号码"]
    login(client, "grid")
    response = post(client, f"/households/{hid}/members/new", _member(id_number=number, name="林可欣"))
    assert response.status_code == 422
    assert "与户籍数据（林可馨）不一致" in body(response) and "须填写原因" in body(response)
    response = post(client, f"/households/{hid}/members/new",
                    _member(id_number=number, name="林可欣", override_reason="本人提供更名证明"))
    assert response.status_code == 303, body(response)[:3000]
    person = db.session.execute(db.select(Person).where(Person.id_number_hash == pii.blind_index(number))).scalar_one()
    assert person.provenance["name"] == {"source": "huji", "date": person.provenance["name"]["date"],
                                         "reason": "本人提供更名证明", "source_value": "林可馨"}
    assert person.provenance["gender"]["source"] == "huji" and "reason" not in person.provenance["gender"]
    assert db.session.execute(db.select(OutboxEvent).where(OutboxEvent.event_type == "person.created")).scalar_one()


def test_gender_and_birth_must_agree_with_the_id(demo, client):
    hid = first_in(QINGXI_1).id
    login(client, "grid")
    response = post(client, f"/households/{hid}/members/new", _member(gender="女", birth_date="1990-03-05"))
    html = body(response)
    assert response.status_code == 422 and "性别与身份证号不符" in html and "出生日期与身份证号不符" in html
    assert post(client, f"/households/{hid}/members/new", _member(relation="户主")).status_code == 422


def test_change_head_and_head_cannot_be_removed(demo, client):
    h = first_in(QINGXI_1)
    hid, (head, spouse) = h.id, [(p.id) for p in members(h)[:2]]
    login(client, "grid")
    post(client, f"/households/{hid}/members/{head}/remove", {"reason": "测试"})
    assert db.session.get(Person, head).deleted_at is None
    response = post(client, f"/households/{hid}/head", {"person_id": spouse, "old_head_relation": "配偶"})
    assert response.status_code == 303
    assert db.session.get(Person, spouse).is_head and db.session.get(Person, spouse).relation == "户主"
    assert not db.session.get(Person, head).is_head and db.session.get(Person, head).relation == "配偶"
    heads = db.session.execute(db.select(db.func.count(Person.id)).where(Person.household_id == hid,
                                                                         Person.is_head.is_(True))).scalar()
    assert heads == 1


def test_remove_member_then_restore_from_recycle_bin(demo, client, app):
    h = first_in(QINGXI_1)
    hid, pid = h.id, members(h)[-1].id
    login(client, "grid")
    assert post(client, f"/households/{hid}/members/{pid}/remove", {"reason": "迁往外地"}).status_code == 303
    assert db.session.get(Person, pid).deleted_at is not None
    assert client.get("/households/recycle").status_code == 403
    admin = app.test_client()
    login(admin, "town")
    assert "迁往外地" in body(admin.get("/households/recycle"))
    assert post(admin, f"/households/recycle/persons/{pid}").status_code == 303
    assert db.session.get(Person, pid).deleted_at is None
    actions = set(db.session.execute(db.select(AuditLog.action)).scalars())
    assert {"person.remove", "person.restore"} <= actions


def test_delete_household_frees_ids_and_restore_checks_them(demo, client, app):
    h = first_in(QINGXI_1)
    hid, number = h.id, members(h)[0].id_number
    login(client, "grid")
    assert post(client, f"/households/{hid}/delete", {"reason": ""}).status_code == 303
    assert db.session.get(Household, hid).deleted_at is None  # a reason is required
    assert post(client, f"/households/{hid}/delete", {"reason": "重复建档"}).status_code == 303
    assert db.session.get(Household, hid).deleted_at is not None
    assert client.get(f"/households/{hid}").status_code == 404
    # the head's ID may now be registered elsewhere; restoring must then refuse
    other = first_in("330127001001002").id
    admin = app.test_client()
    login(admin, "community")
    response = post(admin, f"/households/{other}/members/new",
                    _member(id_number=number, name=read_name(number), relation="其他", override_reason="测试"))
    assert response.status_code == 303, body(response)[:2000]
    county = app.test_client()
    login(county, "county")
    post(county, f"/households/recycle/households/{hid}")
    assert db.session.get(Household, hid).deleted_at is not None
    assert "已登记在其他户中" in body(county.get("/households/recycle"))


def read_name(number: str) -> str:
    return db.session.execute(db.select(Person.name).where(Person.id_number_hash == pii.blind_index(number))).scalar()


def test_export_job_masks_ids_unless_the_user_may_reveal(demo, client, app):
    login(client, "grid")
    response = post(client, "/households/export", {"kind": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "排队中" in body(response)
    drain(app)
    job_id = body(response).split('id="job-')[1].split('"')[0]
    data = client.get(f"/jobs/{job_id}/download").data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户号" and len(rows) > 5
    assert all("*" in r[7] for r in rows[1:])
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "household.export")).scalar_one()


def test_edit_form_keeps_the_id_masked_and_saving_keeps_it(demo, client):
    h = first_in(QINGXI_1)
    person = members(h)[1]
    hid, pid, number, phone = h.id, person.id, person.id_number, person.phone
    values = {"phone": pii.mask_phone(phone), "name": person.name, "gender": person.gender,
              "birth_date": person.birth_date.isoformat(),
              "ethnicity": person.ethnicity, "relation": person.relation, "residence_status": person.residence_status,
              "residence_type": person.residence_type, "education": person.education, "occupation": "教师",
              "political_status": person.political_status, "marital_status": person.marital_status,
              "tags": person.tag_list, "override_reason": "测试"}
    login(client, "grid")
    html = body(client.get(f"/households/{hid}/members/{pid}"))
    assert number not in html and pii.mask_id(number) in html and phone not in html
    form = _member(id_number=pii.mask_id(number))
    form.update(values)
    response = post(client, f"/households/{hid}/members/{pid}", form)
    assert response.status_code == 303, body(response)[:3000]
    person = db.session.get(Person, pid)
    assert person.occupation == "教师" and person.id_number == number and person.phone == phone
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "person.update")).scalar_one()
    assert row.changes == {"occupation": [row.changes["occupation"][0], "教师"]}


def test_recycle_bin_keeps_thirty_days(demo, client):
    from datetime import timedelta

    from app.clock import utcnow

    h = first_in(QINGXI_1)
    hid, number = h.id, h.number
    h.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    login(client, "county")
    assert number not in body(client.get("/households/recycle"))
    post(client, f"/households/recycle/households/{hid}")
    assert db.session.get(Household, hid).deleted_at is not None
    events = set(db.session.execute(db.select(OutboxEvent.event_type)).scalars())
    assert "household.created" not in events


def test_member_who_left_cannot_become_head(demo, client):
    h = first_in(QINGXI_1)
    hid, other = h.id, members(h)[1].id
    db.session.get(Person, other).residence_status = "迁出"
    db.session.commit()
    login(client, "grid")
    page = body(client.get(f"/households/{hid}"))
    assert f'<option value="{other}"' not in page
    response = post(client, f"/households/{hid}/head", {"person_id": other, "old_head_relation": "配偶"},
                    follow_redirects=True)
    assert "不能担任户主" in body(response)
    assert not db.session.get(Person, other).is_head


def _edit_values(person: Person, **extra) -> dict:
    values = _member(id_number=pii.mask_id(person.id_number), name=person.name, gender=person.gender,
                     birth_date=person.birth_date.isoformat(), ethnicity=person.ethnicity, relation=person.relation,
                     residence_type=person.residence_type, override_reason="测试")
    values.pop("residence_status")
    values.update(extra)
    return values


def test_status_changes_only_through_moves_and_a_member_in_transit_can_still_be_edited(demo, client):
    h = first_in(QINGXI_1)
    person = members(h)[1]
    hid, pid, values = h.id, person.id, _edit_values(person)
    login(client, "grid")
    html = body(client.get(f"/households/{hid}/members/{pid}"))
    assert 'name="residence_status"' not in html and "经迁入迁出办理" in html
    response = post(client, f"/households/{hid}/members/{pid}", dict(values, residence_status="死亡"))
    assert response.status_code == 422 and "迁入迁出" in body(response)
    assert db.session.get(Person, pid).residence_status == "在册"
    assert not db.session.execute(db.select(AuditLog).where(AuditLog.action == "person.update")).first()

    db.session.get(Person, pid).residence_status = "迁移中"
    db.session.commit()
    response = post(client, f"/households/{hid}/members/{pid}", dict(values, occupation="司机"))
    assert response.status_code == 303, body(response)[:2000]
    person = db.session.get(Person, pid)
    assert (person.occupation, person.residence_status) == ("司机", "迁移中")
