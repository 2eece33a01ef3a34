"""Credit pages: byte budgets, fixed query counts, menu entries, kiosk layout without staff navigation."""

import gzip

from tests.conftest import body, login, post
from tests.credit.helpers import enroll_device, kiosk_identify_person, subject_by_name
from workers.queues import drain

GZIP = {"Accept-Encoding": "gzip"}


def _size(client, url, headers=None):
    response = client.get(url, headers={**GZIP, **(headers or {})})
    assert response.status_code == 200, url
    return (
        len(response.data)
        if response.headers.get("Content-Encoding") == "gzip"
        else len(gzip.compress(response.data))
    )


def test_staff_pages_within_budget(demo, client, app):
    login(client, "credit")
    subject = subject_by_name("青禾县清溪食品有限公司")
    post(client, f"/credit/subjects/{subject.id}/reports")
    drain(app)
    for url in (
        "/credit/subjects",
        f"/credit/subjects/{subject.id}",
        "/credit/queues",
        "/credit/reports",
        "/credit/stats",
        "/credit/score-models",
        "/credit/kiosks",
        "/credit/reports/1",
        f"/credit/subjects/{subject.id}/records/new",
        "/verify/",
        "/credit/subjects/new",
    ):
        assert _size(client, url) <= 8 * 1024, url
    for url in ("/credit/subjects?q=青禾", "/credit/reports?q=2026", "/credit/reports/1"):
        assert _size(client, url, {"HX-Request": "true"}) <= 4 * 1024, url


def test_kiosk_pages_within_budget_and_without_staff_menu(demo, app):
    admin = app.test_client()
    login(admin, "credit")
    kiosk = app.test_client()
    enroll_device(app, admin, kiosk)
    start = body(kiosk.get("/kiosk/"))
    assert "kiosk.js" in start and 'class="menu"' not in start and "退出" not in start
    kiosk_identify_person(kiosk)
    for url in ("/kiosk/me", "/kiosk/progress", "/kiosk/identify/person", "/kiosk/"):
        assert _size(kiosk, url) <= 8 * 1024, url


def test_lists_run_fixed_number_of_queries(demo, client, app, count_queries):
    login(client, "credit")
    for name in ("陈志明", "林晓红", "王海涛"):
        post(client, f"/credit/subjects/{subject_by_name(name).id}/reports")
    client.get("/credit/queues")
    counts = {}
    for url in ("/credit/reports?size=1", "/credit/reports?size=50", "/credit/queues", "/credit/stats"):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts[url] = counter.count
    assert counts["/credit/reports?size=1"] == counts["/credit/reports?size=50"]
    assert counts["/credit/queues"] <= 8 and counts["/credit/stats"] <= 8


def test_menu_shows_credit_entries_by_role(demo, client, app):
    login(client, "credit")
    page = body(client.get("/"))
    assert "信用主体" in page and "评分模型" in page and "自助终端" in page
    dept = app.test_client()
    login(dept, "dept")
    page = body(dept.get("/"))
    assert "信用主体" in page and "评分模型" not in page
    assert dept.get("/credit/score-models").status_code == 403


def test_stats_count_by_category_department_and_shown_status(demo, client):
    login(client, "credit")
    page = body(client.get("/credit/stats"))
    assert "县市场监督管理局" in page and "县公安局" in page
    assert "公示期满 1" in page and "已修复 1" in page and "异议处理中 1" in page
