"""Objection and repair deadlines on the working-day calendar, highlighted when overdue and escalated once to
the credit office head by the periodic job."""

from datetime import datetime, timedelta

from app.blueprints.credit import appeals, deadlines
from app.clock import utcnow
from app.extensions import db
from app.models import credit as C
from app.models.notification import Notification
from app.workcalendar import calendar_for
from tests.conftest import body, login
from tests.credit.helpers import record_by_doc, user
from workers.scheduler import PERIODIC

TEA_PENALTY = "青公(消)行罚决字〔2026〕41号"


def _notes(username: str, prefix: str) -> list[Notification]:
    db.session.expire_all()
    stmt = db.select(Notification).where(Notification.user_id == user(username).id,
                                         Notification.title.startswith(prefix)).order_by(Notification.id)
    return list(db.session.execute(stmt).scalars())


def test_office_check_and_department_answer_follow_the_working_day_calendar(demo, app, frozen_clock):
    # Filed on Wednesday 2026-09-30 (China time): 10-01..10-07 are holidays, Saturday 10-10 is a working day.
    frozen_clock.move_to(datetime.fromisoformat("2026-09-30T10:00:00+08:00"))
    record = record_by_doc(TEA_PENALTY)
    objection = appeals.file_objection(record, reason="仓库不属本社", channel="counter")
    assert objection.check_due_at == datetime(2026, 10, 9, 16, 0)  # 2 working days: Thu 10-08, Fri 10-09
    assert appeals.due_day(objection.check_due_at) == "2026-10-09"  # the end of Friday, China time
    frozen_clock.move_to(datetime.fromisoformat("2026-10-09T09:00:00+08:00"))
    appeals.forward_objection(user("credit"), objection)
    cal = calendar_for(2026)
    assert objection.due_at == cal.deadline_after(objection.forwarded_at, 5)
    # Sat 10-10 (调休) counts, Sun 10-11 does not: 10-10, 12, 13, 14, 15.
    assert objection.due_at == datetime(2026, 10, 15, 16, 0)


def test_check_days_are_configurable(demo, app):
    app.config["CREDIT_OBJECTION_CHECK_DAYS"] = 4
    objection = appeals.file_objection(record_by_doc(TEA_PENALTY), reason="仓库不属本社", channel="counter")
    assert objection.check_due_at == calendar_for(2026).deadline_after(objection.created_at, 4)


def test_overdue_steps_are_highlighted_and_escalated_once(demo, client, app, frozen_clock):
    app.config["CREDIT_OFFICE_HEADS"] = "credit"
    assert any(p.func == "workers.credit.escalate_overdue" for p in PERIODIC)
    record = record_by_doc(TEA_PENALTY)
    objection = appeals.file_objection(record, reason="仓库不属本社", channel="counter")
    objection_id = objection.id
    assert deadlines.scan(utcnow()) == 0
    frozen_clock.shift(timedelta(days=5))  # past the office's two working days
    login(client, "credit")
    page = body(client.get("/credit/queues"))
    assert 'class="overdue"' in page and "核查 " in page and "已超期" in page
    assert deadlines.scan(utcnow()) == 1
    assert deadlines.scan(utcnow()) == 0  # once per step
    note = _notes("credit", f"信用异议 Y{objection_id} 已超期")
    due = appeals.due_day(db.session.get(C.Objection, objection_id).check_due_at)
    assert len(note) == 1 and f"信用管理部门核查期限 {due} 已过" in note[0].body
    objection = db.session.get(C.Objection, objection_id)
    appeals.forward_objection(user("credit"), objection)
    frozen_clock.shift(timedelta(days=10))  # past the department's five working days
    assert deadlines.scan(utcnow()) >= 1
    notes = _notes("credit", f"信用异议 Y{objection_id} 已超期")
    assert len(notes) == 2 and "县公安局答复期限" in notes[-1].body
    assert _notes("dept", f"信用异议 Y{objection_id}") == []  # the escalation goes to the head


def test_escalation_job_runs_on_the_queue_by_name(demo, app, frozen_clock):
    from workers.queues import drain, get_queue

    frozen_clock.shift(timedelta(days=30))  # the demo objection is long overdue by then
    get_queue(app, "default").enqueue("workers.credit.escalate_overdue")
    drain(app)
    assert _notes("credit", "信用异议 Y") != []
