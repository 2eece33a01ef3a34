"""Household list, household page, create/edit, scoping, masking and audited reveal, budgets, query counts."""
from app.extensions import db
from app.models.audit import AuditLog
from app.models.dispatch import OutboxEvent
from app.models.household import Household
from app.models.person import Person
from app.security import pii
from tests.conftest import body, login, post
from tests.households.helpers import QINGXI_1, QINGXI_2, TAOYUAN_1, first_in, fresh_id, grid, members

GZIP = {"Accept-Encoding": "gzip"}


def test_list_shows_only_the_users_grid(demo, client):
    login(client, "grid")
    html = body(client.get("/households/"))
    mine, other = first_in(QINGXI_1), first_in(QINGXI_2)
    assert mine.number in html and other.number not in html
    assert "清溪社区第一网格" in html


def test_other_grids_household_is_404(demo, client):
    login(client, "grid")
    other = first_in(QINGXI_2)
    assert client.get(f"/households/{other.id}").status_code == 404
    assert client.get(f"/households/{other.id}/edit").status_code == 404
    assert post(client, f"/households/{other.id}/delete", {"reason": "x"}).status_code == 404
    assert client.get(f"/households/{first_in(QINGXI_1).id}").status_code == 200


def test_search_by_name_prefix_exact_id_number_and_address(demo, client):
    login(client, "community")
    target = first_in(QINGXI_2)
    head = members(target)[0]
    hx = {"HX-Request": "true"}
    by_name = body(client.get(f"/households/?q={head.name[:2]}", headers=hx))
    assert target.number in by_name and by_name.startswith('\n<div id="households">') or 'id="households"' in by_name
    assert "<html" not in by_name
    by_id = body(client.get(f"/households/?q={head.id_number}", headers=hx))
    assert target.number in by_id and by_id.count("<tr>") == 2  # header + one row
    assert target.number in body(client.get(f"/households/?q={target.number}", headers=hx))
    assert "没有符合条件" in body(client.get("/households/?q=不存在的人名", headers=hx))


def test_filters_and_sort_are_in_the_url(demo, client):
    login(client, "town")
    html = body(client.get(f"/households/?region={grid(TAOYUAN_1).id}&kind=户籍户&sort=number"))
    numbers = [h.number for h in db.session.execute(db.select(Household).where(
        Household.region_id == grid(TAOYUAN_1).id, Household.kind == "户籍户").order_by(Household.number)).scalars()]
    positions = [html.index(n) for n in numbers]
    assert positions == sorted(positions) and numbers
    assert first_in(QINGXI_1).number not in html


def test_list_masks_ids(demo, client):
    login(client, "community")
    html = body(client.get("/households/"))
    head = members(first_in(QINGXI_1))[0]
    assert head.id_number not in html and pii.mask_id(head.id_number) in html


def test_list_runs_a_fixed_number_of_queries(demo, client, count_queries):
    login(client, "county")
    client.get("/households/")  # the first view of a process loads the region tree into the cache
    counts = []
    for size in (2, 20):
        with count_queries() as counter:
            assert client.get(f"/households/?size={size}", headers={"HX-Request": "true"}).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_household_page_runs_a_fixed_number_of_queries(demo, client, count_queries):
    login(client, "county")
    households = db.session.execute(db.select(Household).order_by(Household.id)).scalars().all()[:6]
    client.get(f"/households/{households[-1].id}")  # loads the region tree into the cache
    counts = []
    for h in households:
        with count_queries() as counter:
            assert client.get(f"/households/{h.id}").status_code == 200
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


def test_byte_budgets(demo, client):
    login(client, "county")
    fragment = client.get("/households/?size=20", headers={**GZIP, "HX-Request": "true"})
    assert body(client.get("/households/?size=20", headers={"HX-Request": "true"})).count("<tr>") == 21
    assert len(fragment.data) <= 4 * 1024, len(fragment.data)
    page = client.get("/households/?size=20", headers=GZIP)
    assert len(page.data) <= 8 * 1024, len(page.data)
    detail = client.get(f"/households/{first_in(QINGXI_1).id}", headers=GZIP)
    assert len(detail.data) <= 8 * 1024, len(detail.data)
    for url in ("/pool/conflicts", "/pool/", "/households/new", "/households/recycle", "/households/tags"):
        page = client.get(url, headers=GZIP)
        assert page.status_code == 200 and len(page.data) <= 8 * 1024, (url, len(page.data))
    fragment = client.get("/pool/conflicts", headers={**GZIP, "HX-Request": "true"})
    assert len(fragment.data) <= 4 * 1024, len(fragment.data)


def test_household_page_shows_members_sources_conflicts_and_slots(demo, client):
    login(client, "community")
    h = first_in(QINGXI_1)
    html = body(client.get(f"/households/{h.id}"))
    for text in ("家庭成员", "户主", "待核实冲突", "走访记录", "迁入迁出记录", "户籍 · 县公安局"):
        assert text in html, text
    for person in members(h):
        assert person.id_number not in html


def test_reveal_needs_permission_and_is_audited(demo, client, app):
    h = first_in(QINGXI_1)
    head = members(h)[0]
    hid, pid, number = h.id, head.id, head.id_number
    login(client, "grid")
    assert "显示完整" not in body(client.get(f"/households/{hid}"))
    assert post(client, f"/households/{hid}/members/{pid}/reveal/id").status_code == 403
    officer = app.test_client()
    login(officer, "community")
    response = post(officer, f"/households/{hid}/members/{pid}/reveal/id", headers={"HX-Request": "true"})
    assert response.status_code == 200 and number in body(response)
    rows = db.session.execute(db.select(AuditLog).where(AuditLog.action == "person.reveal")).scalars().all()
    assert {r.outcome for r in rows} == {"ok", "refused"}


def _new_household_form(number="QH-NEW-1", id_number=None, **extra):
    data = {"number": number, "region_id": str(grid(QINGXI_1).id), "kind": "常住户", "road": "清溪路",
            "door_no": "8", "building": "2", "unit": "1", "room": "301", "tags": ["低保户"], "notes": "=1+1<script>",
            "head_name": "测试户主", "head_id_number": id_number or fresh_id(1), "head_ethnicity": "汉族",
            "head_phone": "13800138000"}
    data.update(extra)
    return data


def test_create_household_with_head_audit_and_outbox(demo, client):
    login(client, "grid")
    response = post(client, "/households/new", _new_household_form())
    assert response.status_code == 303, body(response)[:2000]
    h = db.session.execute(db.select(Household).where(Household.number == "QH-NEW-1")).scalar_one()
    assert h.address == "清溪镇清溪社区清溪路8号2栋1单元301室" and h.tag_list == ["低保户"]
    head = members(h)[0]
    assert head.is_head and head.relation == "户主" and head.gender == "男" and head.phone == "13800138000"
    assert head.id_number_enc != head.id_number and head.phone_enc and "13800138000" not in head.phone_enc
    events = {e.event_type for e in db.session.execute(db.select(OutboxEvent)).scalars()}
    assert {"household.created", "person.created"} <= events
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "household.create")).scalar_one()
    page = body(client.get(f"/households/{h.id}"))
    assert "&lt;script&gt;" in page and "<script>" not in page.split("</head>")[1]


def test_create_household_bad_input_changes_nothing(demo, client):
    login(client, "grid")
    before = db.session.execute(db.select(db.func.count(Household.id))).scalar()
    bad_id = fresh_id(1)[:-1] + ("0" if fresh_id(1)[-1] != "0" else "1")
    response = post(client, "/households/new", _new_household_form(number=first_in(QINGXI_1).number,
                                                                   id_number=bad_id, region_id=str(grid(QINGXI_2).id)))
    html = body(response)
    assert response.status_code == 422
    assert "该户号已被使用" in html and "校验位不正确" in html and "管辖范围内的网格" in html
    assert db.session.execute(db.select(db.func.count(Household.id))).scalar() == before


def test_duplicate_id_says_where_when_visible_else_just_registered(demo, client):
    taken, mine = members(first_in(QINGXI_1))[1].id_number, first_in(QINGXI_1).number
    other, theirs = members(first_in(TAOYUAN_1))[0].id_number, first_in(TAOYUAN_1).number
    form_a, form_b = _new_household_form(id_number=taken), _new_household_form(id_number=other)
    login(client, "grid")
    html = body(post(client, "/households/new", form_a))
    assert mine in html and "请先从原户移除" in html
    html = body(post(client, "/households/new", form_b))
    assert "已登记在其他户中" in html and theirs not in html


def test_edit_household_audits_changed_fields(demo, client):
    login(client, "grid")
    h = first_in(QINGXI_1)
    data = {"number": h.number, "region_id": str(h.region_id), "kind": "流动户", "road": "新路", "door_no": "1",
            "building": "", "unit": "", "room": "", "address_extra": "", "tags": ["脱贫户"], "notes": "已核实"}
    assert post(client, f"/households/{h.id}/edit", data).status_code == 303
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "household.update")).scalar_one()
    assert row.changes["kind"][1] == "流动户" and "number" not in row.changes
    assert db.session.execute(db.select(OutboxEvent).where(OutboxEvent.event_type == "household.updated")).scalar_one()


def test_one_head_enforced_by_the_database(demo):
    from sqlalchemy.exc import IntegrityError

    h = first_in(QINGXI_1)
    other = members(h)[1]
    other.is_head = True
    try:
        db.session.flush()
        raised = False
    except IntegrityError:
        raised = True
    db.session.rollback()
    assert raised


def test_active_id_unique_in_the_database(demo):
    from sqlalchemy.exc import IntegrityError

    src = members(first_in(QINGXI_1))[1]
    copy = Person(household_id=first_in(QINGXI_2).id, name="复制", id_number_enc=src.id_number_enc,
                  id_number_hash=src.id_number_hash, gender=src.gender, birth_date=src.birth_date, relation="其他")
    db.session.add(copy)
    try:
        db.session.flush()
        raised = False
    except IntegrityError:
        raised = True
    db.session.rollback()
    assert raised


def test_replayed_create_makes_one_household(demo, client):
    form = _new_household_form(number="QH-REPLAY")
    login(client, "grid")
    first = post(client, "/households/new", form, key="replaykey0000000001")
    second = post(client, "/households/new", form, key="replaykey0000000001")
    assert first.status_code == second.status_code == 303
    assert second.headers.get("Idempotent-Replay") == "true"
    count = db.session.execute(db.select(db.func.count(Household.id)).where(Household.number == "QH-REPLAY"))
    assert count.scalar() == 1


def test_tag_dictionary_feeds_the_forms(demo, client):
    login(client, "county")
    assert post(client, "/households/tags", {"scope": "household", "name": "易地搬迁户"}).status_code == 303
    assert post(client, "/households/tags", {"scope": "household", "name": "易地搬迁户"}).status_code == 422
    assert "易地搬迁户" in body(client.get("/households/new"))
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "tag.create")).scalar_one()


def test_unknown_tag_is_refused(demo, client):
    form = _new_household_form(number="QH-TAG", tags=["不存在的标签"])
    login(client, "grid")
    response = post(client, "/households/new", form)
    assert response.status_code == 422 and "标签不在字典中" in body(response)
