"""The escalation CLI and timer, idempotent filing, and the risk filter."""

from app.extensions import db
from app.models.ticket import Ticket, TicketEscalation, TicketSystem
from tests.conftest import body, login, post


def test_cli_escalate_runs_the_scan(demo):
    runner = demo.test_cli_runner()
    result = runner.invoke(args=["tickets", "escalate"])
    assert result.exit_code == 0 and "新的升级提醒" in result.output
    first = db.session.execute(db.select(db.func.count(TicketEscalation.id))).scalar_one()
    assert first > 0  # demo tickets include amber and red ones
    result = runner.invoke(args=["tickets", "escalate"])
    assert "新的升级提醒：0 条" in result.output


def test_scheduler_enqueues_the_scan_once_per_minute(app):
    from workers.queues import drain, get_queue
    from workers.scheduler import tick

    assert "ticket-escalation" in tick(app)
    assert "ticket-escalation" not in tick(app)
    queue = get_queue(app, "default")
    # Other areas' periodic jobs share the default queue; the ticket scan is there exactly once.
    names = [queue.fetch_job(i).func_name for i in queue.get_job_ids()]
    assert names.count("workers.tickets.escalate") == 1
    drain(app)
    assert not queue.get_job_ids()


def test_double_submit_files_one_ticket(demo, client):
    login(client, "grid")
    system_id = db.session.execute(db.select(TicketSystem.id).where(TicketSystem.code == "SYS-PORTAL")).scalar_one()
    data = {"title": "重复提交测试", "category": "咨询", "severity": "P3", "system_id": str(system_id),
            "description": "双击提交"}
    first = post(client, "/tickets/new", data, key="k" * 32)
    second = post(client, "/tickets/new", data, key="k" * 32)
    assert first.status_code == second.status_code == 303
    assert second.headers.get("Idempotent-Replay") == "true"
    same = db.select(db.func.count(Ticket.id)).where(Ticket.title == "重复提交测试")
    assert db.session.execute(same).scalar_one() == 1


def test_risk_filter_shows_only_that_colour(demo, client):
    login(client, "opslead")
    html = body(client.get("/tickets/?risk=red"))
    assert "网格员手机端无法上传走访照片" in html
    assert "入户走访页面保存时提示 500 错误" not in html
    assert 'class="risk green"' not in html and 'class="risk amber"' not in html
