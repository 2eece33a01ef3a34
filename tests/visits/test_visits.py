"""Visits: 今日走访 order and query count, the visit form (idempotent, validated, scoped), edits, lists."""
import gzip
import io
from datetime import timedelta

import openpyxl

from app.blueprints.visits.services import ticket_url
from app.clock import local_today, utcnow
from app.extensions import db
from app.models.audit import AuditLog
from app.models.dispatch import OutboxEvent
from app.models.household import Household
from app.models.visit import Visit
from tests.conftest import body, login, post
from tests.visits.helpers import count, household
from workers.queues import drain
from tests.xlsx_checks import assert_printable

GZIP = {"Accept-Encoding": "gzip"}


def _visit_data(**extra):
    data = {"visited_on": local_today().isoformat(), "visited_time": "09:30", "kind": "常规走访",
            "participants": "户主", "c0": "正常", "c3": "有问题", "n3": "电线老化", "findings": "一切正常"}
    data.update(extra)
    return data


def test_worklist_shows_overdue_first_most_overdue_first(demo, client):
    login(client, "grid")
    html = body(client.get("/visits/today"))
    positions = {n: html.find(n) for n in ("QH00100100101", "QH00100100102", "QH00100100105", "QH00100100107",
                                           "QH00100100103")}
    # 101 (监测户, 40 days ago) and 105 (default, 100 days ago) are 10 days overdue; 102 (独居老人户) 2 days;
    # 107 was never visited (due today); 103 was visited 20 days ago (due in 70 days): not listed.
    assert -1 < positions["QH00100100101"] < positions["QH00100100105"] < positions["QH00100100102"]
    assert positions["QH00100100102"] < positions["QH00100100107"]
    assert positions["QH00100100103"] == -1
    assert "已逾期 3 户" in html
    assert "QH00100100201" not in html  # grid2's household


def test_worklist_runs_a_fixed_number_of_queries(demo, client, count_queries):
    login(client, "community")
    client.get("/visits/today")
    with count_queries() as small:
        client.get("/visits/today")
    grid = household("QH00100100101").region_id
    for i in range(40):
        db.session.add(Household(number=f"QX{i:05d}", region_id=grid, kind="户籍户", road="新路", tags="|监测户|"))
    db.session.commit()
    with count_queries() as large:
        html = body(client.get("/visits/today"))
    assert "第 1 / 3 页" in html
    assert large.count == small.count


def test_today_page_and_visit_form_fragment_within_budgets(demo, client):
    login(client, "grid")
    page = client.get("/visits/today", headers=GZIP)
    assert page.status_code == 200 and len(page.data) <= 8 * 1024
    hid = household("QH00100100101").id
    fragment = client.get(f"/visits/new/{hid}", headers={**GZIP, "HX-Request": "true"})
    assert fragment.status_code == 200 and len(fragment.data) <= 4 * 1024
    assert "<html" not in gzip.decompress(fragment.data).decode()
    full = client.get(f"/visits/new/{hid}", headers=GZIP)
    assert len(full.data) <= 8 * 1024


def test_recording_a_visit_is_audited_sent_to_the_outbox_and_safe_to_submit_twice(demo, client):
    login(client, "grid")
    hid = household("QH00100100107").id
    before = count(Visit)
    first = post(client, f"/visits/new/{hid}", _visit_data(follow_up="y", follow_up_due=local_today().isoformat()),
                 key="k" * 32)
    assert first.status_code == 303 and first.headers["Location"].endswith("/visits/today")
    again = post(client, f"/visits/new/{hid}", _visit_data(), key="k" * 32)
    assert again.status_code == 303 and again.headers.get("Idempotent-Replay") == "true"
    assert count(Visit) == before + 1
    visit = db.session.execute(db.select(Visit).where(Visit.household_id == hid)).scalar_one()
    assert {c.item: c.status for c in visit.checks} == {"生产生活情况": "正常", "安全隐患": "有问题"}
    assert visit.follow_up and visit.follow_up_due == local_today()
    assert count(AuditLog, AuditLog.action == "visit.create", AuditLog.object_id == str(visit.id)) == 1
    event = db.session.execute(db.select(OutboxEvent).where(OutboxEvent.event_type == "visit.recorded")).scalar_one()
    assert event.payload["problems"] == ["安全隐患"] and event.payload["household_id"] == hid
    # The household leaves the worklist once visited.
    assert "QH00100100107" not in body(client.get("/visits/today"))


def test_bad_visits_are_refused_with_messages_and_change_nothing(demo, client):
    login(client, "grid")
    hid = household("QH00100100107").id
    before = count(Visit)
    future = post(client, f"/visits/new/{hid}", _visit_data(visited_on=(local_today() + timedelta(days=2)).isoformat()))
    assert future.status_code == 422 and "走访时间不能晚于现在" in body(future)
    empty = post(client, f"/visits/new/{hid}", {**_visit_data(c0="", c3=""), "kind": "重点关注"})
    assert empty.status_code == 422 and "重点关注须至少填写一项检查情况" in body(empty)
    no_due = post(client, f"/visits/new/{hid}", _visit_data(follow_up="y"))
    assert no_due.status_code == 422 and "需要跟进时请填写跟进期限" in body(no_due)
    # 政策宣传 needs no checklist.
    assert post(client, f"/visits/new/{hid}", _visit_data(kind="政策宣传", c0="", c3="")).status_code == 303
    assert count(Visit) == before + 1


def test_visit_outside_the_grid_answers_404(demo, client):
    login(client, "grid")
    other = household("QH00100100201").id  # 第二网格
    assert client.get(f"/visits/new/{other}").status_code == 404
    assert post(client, f"/visits/new/{other}", _visit_data()).status_code == 404
    theirs = db.session.execute(db.select(Visit).where(Visit.household_id == other)).scalars().first()
    assert client.get(f"/visits/{theirs.id}/edit").status_code == 404


def test_edits_after_24_hours_need_an_officer_and_are_audited(demo, client):
    login(client, "grid")
    hid = household("QH00100100101").id
    visit = db.session.execute(db.select(Visit).where(Visit.household_id == hid)
                               .order_by(Visit.visited_at.desc())).scalars().first()
    assert utcnow() - visit.created_at > timedelta(hours=24)
    refused = post(client, f"/visits/{visit.id}/edit", _visit_data(findings="改写"))
    assert refused.status_code == 422 and "须由社区及以上管理员修改" in body(refused)
    assert db.session.get(Visit, visit.id).findings != "改写"
    client = demo.test_client()
    login(client, "community")
    assert post(client, f"/visits/{visit.id}/edit", _visit_data(findings="改写")).status_code == 303
    assert db.session.get(Visit, visit.id).findings == "改写"
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "visit.update")).scalar_one()
    assert row.changes["findings"][1] == "改写" and row.object_id == str(visit.id)


def test_fresh_visit_can_be_edited_by_its_visitor(demo, client):
    login(client, "grid")
    hid = household("QH00100100107").id
    post(client, f"/visits/new/{hid}", _visit_data())
    visit = db.session.execute(db.select(Visit).where(Visit.household_id == hid)).scalar_one()
    assert post(client, f"/visits/{visit.id}/edit", _visit_data(kind="回访", c0="", c3="")).status_code == 303
    visit = db.session.get(Visit, visit.id)
    assert visit.kind == "回访" and visit.checks == []


def test_household_page_shows_the_timeline_and_the_ticket_hook(demo, client):
    login(client, "grid")
    hid = household("QH00100100102").id
    html = body(client.get(f"/households/{hid}"))
    assert "独居老人家中电线老化" in html and "安全隐患：有问题" in html
    visit = db.session.execute(db.select(Visit).where(Visit.household_id == hid)).scalar_one()
    with client.application.test_request_context():
        link = ticket_url(visit)
    assert link.startswith("/tickets/new?") and f"from=/households/{hid}" in link
    assert ">转工单</a>" in html
    form = body(client.get(link))
    assert "入户走访发现问题" in form and f"/households/{hid}" in form


def test_officer_list_filters_and_scoping(demo, client, count_queries):
    login(client, "community")
    html = body(client.get("/visits/?kind=矛盾调解"))
    assert "QH00100100201" in html and "QH00100100101" not in html
    assert "QH00100200104" not in body(client.get("/visits/"))  # 桃源村 is another community
    with count_queries() as counter:
        client.get("/visits/?size=2")
    with count_queries() as more:
        client.get("/visits/?size=50")
    assert counter.count == more.count
    client = demo.test_client()
    login(client, "grid")
    assert client.get("/visits/").status_code == 403


def test_coverage_table_and_bars(demo, client):
    login(client, "town")
    html = body(client.get("/visits/coverage"))
    assert "清溪社区第一网格" in html and "<svg" in html and "<meter" in html
    assert "石门村" not in html  # another town


def test_county_admin_edits_visit_policies_with_audit(demo, client):
    login(client, "county")
    assert post(client, "/visits/policies", {"tag": "低保户", "interval_days": "14"}).status_code == 303
    assert post(client, "/visits/policies", {"tag": "不存在", "interval_days": "14"}).status_code == 422
    assert post(client, "/visits/policies", {"tag": "*", "interval_days": "0"}).status_code == 422
    assert count(AuditLog, AuditLog.action == "visit_policy.create") == 1
    client = demo.test_client()
    login(client, "community")
    assert client.get("/visits/policies").status_code == 403


def test_visit_export_job(demo, client):
    login(client, "community")
    response = post(client, "/visits/export", {"kind": "重点关注"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "排队中" in body(response)
    drain(demo)
    job_id = body(response).split('id="job-')[1].split('"')[0]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/jobs/{job_id}/download").data)).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "走访时间" and {r[1] for r in rows[1:]} == {"QH00100100101", "QH00100100102"}
    assert count(AuditLog, AuditLog.action == "visits.export") == 1


def test_officer_pages_within_the_page_budget(demo, client):
    login(client, "community")
    hid = household("QH00100100102").id
    for url in ("/visits/", "/visits/coverage", "/moves/", f"/households/{hid}", f"/moves/split/{hid}"):
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200 and len(response.data) <= 8 * 1024, (url, len(response.data))
