"""Ticket pages over HTTP: 报障 link, role checks, scoping, htmx component, bad input, budgets, query counts."""
import gzip
import io
import re

import pytest

from app.extensions import db
from app.models.ticket import Ticket, TicketAttachment, TicketSystem
from tests.conftest import body, login, post
from tests.xlsx_checks import assert_printable

GZIP = {"Accept-Encoding": "gzip"}
PAGE_BUDGET = 8 * 1024
FRAGMENT_BUDGET = 4 * 1024
HX = {"HX-Request": "true"}


def _system_id():
    return db.session.execute(db.select(TicketSystem.id).where(TicketSystem.code == "SYS-PORTAL")).scalar_one()


def _file(client, **extra):
    data = {"title": "走访页面打不开", "category": "系统故障", "severity": "P2", "system_id": str(_system_id()),
            "description": "点击保存后白屏", "source_page": "/admin/users"}
    data.update(extra)
    return post(client, "/tickets/new", data, content_type="multipart/form-data")


def test_report_link_on_every_page_prefilled_with_the_page(demo, client):
    login(client, "grid")
    html = body(client.get("/notifications/"))
    link = re.search(r'<a class="report" href="([^"]+)">报障</a>', html).group(1)
    assert link == "/tickets/new?from=/notifications/"
    form = body(client.get(link))
    assert 'value="/notifications/"' in form and "来自页面：/notifications/" in form


def test_grid_worker_files_a_ticket_and_sees_only_their_own(demo, client):
    login(client, "grid")
    response = _file(client, created_at="2020-01-01 00:00", responded_at="2020-01-01 00:01")
    assert response.status_code == 303
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc())).scalars().first()
    assert ticket.title == "走访页面打不开" and ticket.responded_at is None and ticket.created_at.year >= 2026
    html = body(client.get("/tickets/"))
    assert ticket.number in html
    assert "县政务服务中心自助终端无法打印" not in html   # someone else's ticket
    other = db.session.execute(db.select(Ticket).where(Ticket.reporter_id != ticket.reporter_id)).scalars().first()
    assert client.get(f"/tickets/{other.id}").status_code == 404
    assert client.get("/tickets/board").status_code == 403
    assert client.get("/tickets/review").status_code == 403


def test_bad_input_rerenders_with_chinese_messages(demo, client):
    login(client, "grid")
    before = db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()
    response = _file(client, title="", severity="P9")
    assert response.status_code == 422
    assert "请填写标题" in body(response)
    fake = (io.BytesIO(b"MZ\x90\x00 not a png"), "screenshot.png")
    response = _file(client, attachments=fake)
    assert response.status_code == 422 and "内容与扩展名不符" in body(response)
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == before


def test_attachment_upload_and_download(demo, client):
    login(client, "grid")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert _file(client, attachments=(io.BytesIO(png), "截图.png")).status_code == 303
    row = db.session.execute(db.select(TicketAttachment)).scalars().one()
    response = client.get(f"/tickets/{row.ticket_id}/attachments/{row.id}")
    assert response.status_code == 200 and response.data == png


def test_state_component_over_htmx_and_refusals(demo, client):
    login(client, "engineer")
    ticket = db.session.execute(db.select(Ticket).where(Ticket.state == "new")).scalars().first()
    response = post(client, f"/tickets/{ticket.id}/transition", {"action": "respond"}, headers=HX)
    html = body(response)
    assert response.status_code == 200 and html.lstrip().startswith(f'<section id="ticket-state-{ticket.id}"')
    assert response.headers["HX-Trigger"] == "ticket-changed" and "已响应" in html
    assert len(gzip.compress(response.data)) <= FRAGMENT_BUDGET
    response = post(client, f"/tickets/{ticket.id}/transition", {"action": "respond"}, headers=HX)
    assert response.status_code == 422 and "不能执行“响应”" in body(response)
    response = post(client, f"/tickets/{ticket.id}/transition", {"action": "approve"}, headers=HX)
    assert response.status_code == 422 and "无权" in body(response)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).state == "responded"


def test_comment_on_closed_ticket_refused(demo, client):
    login(client, "opslead")
    ticket = db.session.execute(db.select(Ticket).where(Ticket.state == "closed")).scalars().first()
    response = post(client, f"/tickets/{ticket.id}/comment", {"comment": "补充"})
    assert response.status_code == 422 and "不能再评论" in body(response)


def test_review_queue_and_extension_decision(demo, client):
    login(client, "opslead")
    html = body(client.get("/tickets/review"))
    assert "部门数据共享接口超时" in html and "需求需与民政局确认字段口径" in html
    ticket = db.session.execute(db.select(Ticket).where(Ticket.category == "需求变更")).scalar_one()
    from app.models.ticket import ExtensionRequest

    ext = db.session.execute(db.select(ExtensionRequest).where(ExtensionRequest.ticket_id == ticket.id)).scalar_one()
    response = post(client, f"/tickets/{ticket.id}/extension/{ext.id}", {"decision": "other", "hours": "4",
                                                                          "next": "/tickets/review"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/tickets/review")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).extension_minutes == 240


def test_supervisor_bulk_reassign(demo, client):
    login(client, "opslead")
    from app.models.user import User

    lead = db.session.execute(db.select(User).where(User.username == "opslead")).scalar_one()
    ids = [str(i) for i in db.session.execute(db.select(Ticket.id).where(Ticket.state == "new")).scalars()]
    response = post(client, "/tickets/bulk-assign", {"ids": ids, "assignee_id": str(lead.id)})
    assert response.status_code == 303
    assert set(db.session.execute(db.select(Ticket.assignee_id).where(Ticket.state == "new")).scalars()) == {lead.id}


def test_policy_edit_validates_and_audits(demo, client, app):
    login(client, "opslead")
    response = post(client, "/tickets/policies/1", {"response_minutes": "15", "resolution_minutes": "5",
                                                    "calendar": "24x7", "business_start": "08:30",
                                                    "business_end": "17:30"})
    assert response.status_code == 422 and "不能短于响应时限" in body(response)
    response = post(client, "/tickets/policies/1", {"response_minutes": "15", "resolution_minutes": "4320",
                                                    "onsite_minutes": "60", "calendar": "24x7",
                                                    "business_start": "08:30", "business_end": "17:30"})
    assert response.status_code == 303
    other = app.test_client()
    login(other, "engineer")
    assert other.get("/tickets/policies").status_code == 403


def test_dashboard_and_monthly_report_job(demo, client, app):
    from openpyxl import load_workbook

    from app.models.job import Job
    from workers.queues import drain

    login(client, "opslead")
    html = body(client.get("/tickets/dashboard"))
    assert "SLA 达标率" in html and "需求变更" in html
    month = re.search(r'name="month" value="(\d{4}-\d{2})"', html).group(1)
    response = post(client, "/tickets/report", {"month": month})
    assert response.status_code == 303
    drain(app)
    job = db.session.execute(db.select(Job).where(Job.kind == "tickets.monthly")).scalar_one()
    assert job.state == "done", job.error
    book = load_workbook(job.result_path)
    assert book.sheetnames == ["SLA 达标", "工单明细", "工作量"]
    assert_printable(book["SLA 达标"], title_rows=None)
    assert_printable(book["工单明细"], title_rows="$1:$1")
    assert_printable(book["工作量"], title_rows=None)


@pytest.mark.parametrize("url", ["/tickets/", "/tickets/board", "/tickets/review", "/tickets/dashboard"])
def test_pages_within_byte_budget(demo, client, url):
    login(client, "opslead")
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200 and response.headers.get("Content-Encoding") == "gzip"
    assert len(response.data) <= PAGE_BUDGET, (url, len(response.data))


def test_board_fragment_within_budget(demo, client):
    login(client, "opslead")
    response = client.get("/tickets/board?severity=P2", headers={**GZIP, **HX})
    assert response.status_code == 200
    assert body(client.get("/tickets/board", headers=HX)).lstrip().startswith('<div id="board"')
    assert len(response.data) <= FRAGMENT_BUDGET


def _more_tickets(n):
    from app.blueprints.tickets.services import create_ticket
    from app.models.user import User

    grid = db.session.execute(db.select(User).where(User.username == "grid")).scalar_one()
    for i in range(n):
        create_ticket(grid, title=f"批量工单 {i}", description="x", category="咨询", severity="P3",
                      system_id=_system_id())


@pytest.mark.parametrize("url", ["/tickets/?size=50", "/tickets/board", "/tickets/review", "/tickets/?risk=red"])
def test_fixed_query_count_whatever_the_row_count(demo, client, count_queries, url):
    login(client, "opslead")
    client.get(url)
    with count_queries() as small:
        client.get(url)
    _more_tickets(25)
    with count_queries() as large:
        client.get(url)
    assert large.count == small.count, (small.statements, large.statements)


def test_side_panel_and_timeline_fragments(demo, client):
    login(client, "engineer")
    ticket = db.session.execute(db.select(Ticket).where(Ticket.state == "in_progress")).scalars().first()
    panel = client.get(f"/tickets/{ticket.id}/panel", headers=HX)
    assert body(panel).lstrip().startswith('<div id="ops"') and "申请延期" in body(panel)
    timeline = client.get(f"/tickets/{ticket.id}/timeline", headers=HX)
    assert body(timeline).lstrip().startswith('<section id="timeline"')
    for response in (panel, timeline):
        assert len(gzip.compress(response.data)) <= FRAGMENT_BUDGET


def test_internal_comments_hidden_from_the_reporter(demo, client, app):
    login(client, "engineer")
    ticket = db.session.execute(db.select(Ticket).where(Ticket.state == "in_progress")).scalars().first()
    assert post(client, f"/tickets/{ticket.id}/comment", {"comment": "内部：疑似驱动问题", "internal": "y"}
                ).status_code == 303
    assert post(client, f"/tickets/{ticket.id}/comment", {"comment": "已安排工程师到场"}).status_code == 303
    reporter = app.test_client()
    login(reporter, ticket.reporter.username)
    html = body(reporter.get(f"/tickets/{ticket.id}"))
    assert "已安排工程师到场" in html and "疑似驱动问题" not in html
    assert "疑似驱动问题" in body(client.get(f"/tickets/{ticket.id}"))


def test_contract_and_system_dictionary(demo, client):
    from app.models.ticket import ServiceContract, SlaPolicy

    login(client, "opslead")
    assert "基层治理一张表门户" in body(client.get("/tickets/systems"))
    response = post(client, "/tickets/systems/contracts", {"code": "HT-2026-001", "name": "重复",
                                                           "hours_per_person_day": "8"})
    assert response.status_code == 422 and "该合同编号已存在" in body(response)
    response = post(client, "/tickets/systems/contracts", {"code": "HT-2027-009", "name": "视频监控运维合同",
                                                           "vendor": "某公司", "hours_per_person_day": "7.5"})
    assert response.status_code == 303
    contract = db.session.execute(db.select(ServiceContract).where(ServiceContract.code == "HT-2027-009")).scalar_one()
    assert db.session.execute(db.select(db.func.count(SlaPolicy.id)).where(
        SlaPolicy.contract_id == contract.id)).scalar_one() == 3
    response = post(client, "/tickets/systems/new", {"code": "SYS-CAM", "name": "雪亮工程平台",
                                                     "contract_id": str(contract.id)})
    assert response.status_code == 303
    system = db.session.execute(db.select(TicketSystem).where(TicketSystem.code == "SYS-CAM")).scalar_one()
    assert post(client, f"/tickets/systems/{system.id}/active", {"active": "0"}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(TicketSystem, system.id).is_active
    client.get("/tickets/systems")  # shows the flash
    assert "雪亮工程平台" not in body(client.get("/tickets/new"))
