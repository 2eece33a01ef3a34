"""与户主关系: no default, one spouse of the head, implausible ages confirmed; auto-fill never keeps stale values."""
import re
from datetime import date

from app.extensions import db
from app.models.move import Move
from app.models.person import Person
from fixtures.loader import read_csv
from tests.conftest import body, login, post
from tests.households.helpers import fresh_id, household, members

NEWCOMER = next(r for r in read_csv("pool/huji.csv") if r["姓名"] == "林可馨")
LI = "QH00100100101"  # 户主 李淑华 (1980), 配偶 萧阳, 子女 李丹


def _member(**extra):
    data = {"id_number": fresh_id(31, birth=date(2008, 5, 6)), "name": "新成员", "gender": "", "birth_date": "",
            "ethnicity": "汉族", "phone": "", "relation": "子女", "residence_status": "在册",
            "residence_type": "户籍人口", "education": "", "occupation": "", "political_status": "",
            "marital_status": "", "override_reason": ""}
    data.update(extra)
    return data


def _options(html: str, name: str) -> list[tuple[str, bool]]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, "selected" in attrs) for attrs, value in re.findall(r'<option([^>]*?)value="([^"]*)"', select)]


def _count(hid: int) -> int:
    return len(members(db.session.get(type(household(LI)), hid)))


def test_relation_selects_start_at_please_choose(demo, client):
    login(client, "community")
    hid, person = household(LI).id, members(household(LI))[2]
    pages = {f"/households/{hid}/members/new": "relation", f"/moves/in/{hid}": "relation",
             f"/moves/person/{person.id}/transfer": "relation", f"/households/{hid}": "old_head_relation"}
    for url, name in pages.items():
        html = body(client.get(url))
        options = _options(html, name)
        assert options[0][0] == "" and "请选择" in html, url
        assert not any(selected for _, selected in options), url


def test_member_without_relation_is_refused_and_nothing_is_lost(demo, client):
    login(client, "grid")
    hid = household(LI).id
    response = post(client, f"/households/{hid}/members/new", _member(relation="", occupation="木工"))
    assert response.status_code == 422 and "请从列表中选择" in body(response)
    assert 'value="木工"' in body(response) and _count(hid) == 3


def test_a_second_spouse_of_the_head_is_refused(demo, client):
    login(client, "grid")
    hid = household(LI).id
    response = post(client, f"/households/{hid}/members/new",
                    _member(relation="配偶", id_number=fresh_id(32, birth=date(1981, 1, 2))))
    assert response.status_code == 422 and "已登记户主的配偶（萧阳）" in body(response)
    assert _count(hid) == 3
    daughter = members(household(LI))[2]
    edit = post(client, f"/households/{hid}/members/{daughter.id}",
                _member(id_number=daughter.id_number, name=daughter.name, relation="配偶",
                        residence_status="在册", education="小学", occupation="个体经营",
                        political_status="中共党员", marital_status="未婚"))
    assert edit.status_code == 422 and "一户只能有一位配偶" in body(edit)
    assert db.session.get(Person, daughter.id).relation == "子女"


def test_a_child_older_than_the_head_needs_confirmation(demo, client):
    login(client, "grid")
    hid = household(LI).id
    older = _member(id_number=fresh_id(33, birth=date(1975, 7, 8)))
    response = post(client, f"/households/{hid}/members/new", older)
    html = body(response)
    assert response.status_code == 422 and "比户主（李淑华）大 5 岁" in html and 'name="relation_confirmed"' in html
    assert _count(hid) == 3
    assert post(client, f"/households/{hid}/members/new", dict(older, relation_confirmed="y")).status_code == 303
    assert _count(hid) == 4
    parent = _member(id_number=fresh_id(34, birth=date(1990, 1, 1)), relation="父母")
    assert "比户主（李淑华）小 9 岁" in body(post(client, f"/households/{hid}/members/new", parent))


def test_move_in_and_transfer_keep_the_same_rules(demo, client):
    login(client, "community")
    hid = household(LI).id
    moves_before = db.session.execute(db.select(db.func.count(Move.id))).scalar_one()
    spouse = post(client, f"/moves/in/{hid}", {"id_number": fresh_id(35, birth=date(1982, 2, 3)), "name": "王新",
                                               "relation": "配偶", "ethnicity": "汉族", "place": "外省",
                                               "event_date": "2026-06-01"})
    assert spouse.status_code == 422 and "一户只能有一位配偶" in body(spouse)
    head_of_other = members(household("QH00100100102"))[0]  # 牛建国 (1978) is older than 李淑华
    child = post(client, f"/moves/person/{head_of_other.id}/transfer", {
        "event_date": "2026-06-01", "to_region_id": str(household(LI).region.parent_id), "relation": "子女",
        "to_household_number": LI, "new_head_id": ""})
    assert child.status_code == 422, body(child)[:2000]
    assert db.session.execute(db.select(db.func.count(Move.id))).scalar_one() == moves_before


def test_each_lookup_replaces_or_clears_every_auto_filled_field(demo, client):
    login(client, "grid")
    hid = household(LI).id
    url = f"/households/{hid}/members/autofill"
    first = body(client.get(url, query_string={"id_number": NEWCOMER["公民身份号码"], "autofilled": "",
                                               "occupation": "学生"}, headers={"HX-Request": "true"}))
    assert 'value="林可馨"' in first and "来源：户籍" in first
    autofilled = re.search(r'<input[^>]*name="autofilled"[^>]*value="([^"]*)"', first).group(1)
    assert {"name", "gender", "birth_date"} <= set(autofilled.split(","))
    # The clerk corrects the ID to one the pool does not know: the form sends back everything it shows.
    corrected = fresh_id(36, birth=date(2001, 9, 10), male=True)
    second = body(client.get(url, query_string={"id_number": corrected, "autofilled": autofilled, "name": "林可馨",
                                                "birth_date": NEWCOMER["出生日期"], "gender": "女",
                                                "occupation": "学生"}, headers={"HX-Request": "true"}))
    assert "林可馨" not in second and NEWCOMER["出生日期"] not in second and "来源：户籍" not in second
    assert 'value="2001-09-10"' in second and re.search(r'<option selected value="男">', second)
    assert 'value="学生"' in second  # typed by hand, not auto-filled: kept
    third = body(client.get(url, query_string={"id_number": "123", "autofilled": "birth_date,gender",
                                               "birth_date": "2001-09-10", "gender": "男"},
                            headers={"HX-Request": "true"}))
    assert "2001-09-10" not in third and not re.search(r'<option selected value="男">', third)
