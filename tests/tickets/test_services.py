"""Ticket services with a frozen clock: state machine, role checks, pauses, SLA changes, review, extensions."""
from datetime import date
from decimal import Decimal

import pytest

from app.blueprints.tickets import extensions, services, workload
from app.blueprints.tickets.clocks import load_calendar, ticket_clocks
from app.extensions import db
from app.models.audit import AuditLog
from app.models.ticket import ExtensionRequest, Ticket, TicketEvent, TicketPause, TicketSystem, Worklog
from app.validation import Invalid
from tests.tickets.conftest import NOW, at


def clocks(ticket, minutes):
    return ticket_clocks(ticket, load_calendar(at(minutes)), at(minutes))


def state_of(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id).state


def test_create_uses_policy_server_clock_and_audits(make_ticket, users):
    t = make_ticket(source_page="/admin/users?q=x")  # a search value may be a name: kept as *
    assert t.number.startswith("YW20260304-") and t.state == "new" and t.created_at == NOW
    assert (t.sla_response_minutes, t.sla_resolution_minutes, t.sla_calendar) == (10, 40, "24x7")
    assert t.source_page == "/admin/users?q=*" and t.region_id == users["grid"].region_id
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "ticket.create")).scalar_one()
    assert make_ticket(source_page="https://evil.example/").source_page == ""


def test_bad_input_changes_nothing(make_ticket, users):
    before = db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()
    with pytest.raises(Invalid) as exc:
        services.create_ticket(users["grid"], title="", description="x", category="其他", severity="P9",
                               system_id=99999, now=NOW)
    assert set(exc.value.errors) >= {"title", "category", "severity", "system_id"}
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == before


def test_full_flow_with_review_send_back_and_approve(make_ticket, users):
    t = make_ticket()
    eng, lead = users["engineer"], users["opslead"]
    services.transition(eng, t, "respond", now=at(5))
    assert t.responded_at == at(5) and t.assignee_id == eng.id
    services.transition(eng, t, "start", now=at(6))
    services.transition(eng, t, "resolve", comment="已修复", now=at(20))
    assert t.state == "resolved" and t.resolved_at == at(20)
    services.transition(lead, t, "send_back", comment="请补充根因", now=at(25))
    assert t.state == "in_progress" and t.resolved_at is None
    # The clock continued through review: at 30 min, 30 of 40 minutes are used.
    assert clocks(t, 30).resolution.elapsed == 30 * 60
    services.transition(eng, t, "resolve", comment="根因：连接池耗尽", now=at(32))
    services.transition(lead, t, "take_review", now=at(33))
    services.transition(lead, t, "approve", comment="同意关闭", now=at(34))
    assert t.state == "closed" and t.closed_at == at(34)
    kinds = [(e.from_state, e.to_state) for e in db.session.execute(db.select(TicketEvent).where(
        TicketEvent.ticket_id == t.id, TicketEvent.kind == "transition").order_by(TicketEvent.id)).scalars()]
    assert kinds == [("new", "responded"), ("responded", "in_progress"), ("in_progress", "resolved"),
                     ("resolved", "in_progress"), ("in_progress", "resolved"), ("resolved", "review"),
                     ("review", "closed")]
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "ticket.approve")).scalar_one().changes[
        "state"] == ["review", "closed"]


@pytest.mark.parametrize("who,action,message", [
    ("grid", "respond", "无权"),          # a reporter cannot work the ticket
    ("engineer", "approve", "无权"),      # engineers cannot approve their own work
    ("engineer", "resume", "不能执行"),    # not from 新建
])
def test_refused_transitions_change_nothing(make_ticket, users, who, action, message):
    t = make_ticket()
    with pytest.raises(Invalid) as exc:
        services.transition(users[who], t, action, comment="x", now=at(1))
    assert message in str(exc.value)
    assert state_of(t.id) == "new"


def test_comment_required_for_send_back_and_cancel(make_ticket, users):
    t = make_ticket()
    with pytest.raises(Invalid) as exc:
        services.transition(users["grid"], t, "cancel", now=at(1))
    assert "comment" in exc.value.errors
    services.transition(users["grid"], t, "cancel", comment="误报", now=at(2))
    assert t.state == "cancelled"


def test_pause_resume_keeps_paused_time_out_of_the_clock(make_ticket, users):
    t = make_ticket()
    eng = users["engineer"]
    services.transition(eng, t, "respond", now=at(2))
    services.transition(eng, t, "start", now=at(3))
    services.transition(eng, t, "wait_user", comment="等待网格员提供截图", now=at(10))
    c = clocks(t, 100)
    assert c.resolution.elapsed == 10 * 60 and not c.resolution.running and c.resolution.due is None
    services.transition(eng, t, "resume", now=at(130))
    pause = db.session.execute(db.select(TicketPause).where(TicketPause.ticket_id == t.id)).scalar_one()
    assert (pause.started_at, pause.ended_at) == (at(10), at(130))
    c = clocks(t, 140)
    assert c.resolution.elapsed == 20 * 60
    assert c.resolution.due == at(40 + 120)


def test_severity_change_recomputes_from_creation_and_keeps_paused_time(make_ticket, users, system):
    t = make_ticket(severity="P2")
    eng = users["engineer"]
    services.transition(eng, t, "respond", now=at(2))
    services.transition(eng, t, "start", now=at(3))
    services.transition(eng, t, "wait_vendor", comment="等待运营商", now=at(10))
    services.transition(eng, t, "resume", now=at(70))
    services.change_sla(eng, t, severity="P1", system_id=system.id, now=at(80))
    assert (t.sla_resolution_minutes, t.sla_onsite_minutes) == (4320, 60)
    c = clocks(t, 80)
    assert c.resolution.elapsed == 20 * 60          # 80 min wall − 60 min paused
    assert c.resolution.due == at(4320 + 60)        # due from creation, pushed out by the pause
    services.change_sla(eng, t, severity="P2", system_id=system.id, now=at(90))
    assert clocks(t, 90).resolution.due == at(40 + 60)
    assert db.session.execute(db.select(db.func.count(TicketPause.id)).where(TicketPause.ticket_id == t.id)
                              ).scalar_one() == 1


def test_business_hours_policy_for_p3(make_ticket):
    # P3 is on business hours: filed Friday 2026-03-06 17:00 local, first response due Monday 09:00
    # (30 min on Friday, 30 on Monday).
    from datetime import datetime

    from app.blueprints.tickets.services import create_ticket
    from app.models.user import User

    grid = db.session.execute(db.select(User).where(User.username == "grid")).scalar_one()
    system = db.session.execute(db.select(TicketSystem).where(TicketSystem.code == "SYS-PORTAL")).scalar_one()
    filed = datetime(2026, 3, 6, 9, 0)  # 17:00 local
    t = create_ticket(grid, title="口径咨询", description="?", category="咨询", severity="P3", system_id=system.id,
                      now=filed)
    c = ticket_clocks(t, load_calendar(filed), filed)
    assert c.response.due == datetime(2026, 3, 9, 1, 0)  # Monday 09:00 local


def test_breached_ticket_needs_breach_reason_to_close(make_ticket, users):
    t = make_ticket()
    eng, lead = users["engineer"], users["opslead"]
    services.transition(eng, t, "respond", now=at(15))   # response breached (10 min)
    services.transition(eng, t, "resolve", comment="ok", now=at(60))
    with pytest.raises(Invalid) as exc:
        services.transition(lead, t, "approve", now=at(61))
    assert "breach_reason" in exc.value.errors and state_of(t.id) == "resolved"
    t = db.session.get(Ticket, t.id)
    services.transition(lead, t, "approve", breach_reason="夜间值班人员交接延误", now=at(62))
    assert t.state == "closed" and t.breach_reason == "夜间值班人员交接延误"


def test_reopen_within_period_only(make_ticket, users, app):
    app.config["TICKET_REOPEN_DAYS"] = 7
    eng, lead = users["engineer"], users["opslead"]
    t = make_ticket()
    services.transition(eng, t, "respond", now=at(1))
    services.transition(eng, t, "resolve", comment="ok", now=at(5))
    services.transition(lead, t, "approve", now=at(6))
    with pytest.raises(Invalid) as exc:
        services.transition(users["grid"], t, "reopen", comment="又出现了", now=at(6 + 8 * 1440))
    assert "重新打开期限" in str(exc.value) and state_of(t.id) == "closed"
    t = db.session.get(Ticket, t.id)
    services.transition(users["grid"], t, "reopen", comment="又出现了", now=at(6 + 2 * 1440))
    assert t.state == "in_progress" and t.reopen_count == 1 and t.closed_at is None


def test_no_comments_on_closed_tickets(make_ticket, users):
    t = make_ticket()
    services.transition(users["grid"], t, "cancel", comment="误报", now=at(1))
    with pytest.raises(Invalid) as exc:
        services.add_comment(users["grid"], t, "还在吗", now=at(2))
    assert "不能再评论" in str(exc.value)


def test_extension_approve_other_and_deny(make_ticket, users):
    eng, lead = users["engineer"], users["opslead"]
    t = make_ticket()
    services.transition(eng, t, "respond", now=at(1))
    services.transition(eng, t, "start", now=at(2))
    r1 = extensions.request_extension(eng, t, minutes=60, reason="需厂商补丁", now=at(5))
    with pytest.raises(Invalid):
        extensions.request_extension(eng, t, minutes=30, reason="再来一次", now=at(6))
    extensions.decide_extension(lead, t, r1, decision="approve", now=at(7))
    assert t.extension_minutes == 60 and clocks(t, 8).resolution.due == at(100)
    r2 = extensions.request_extension(eng, t, minutes=120, reason="还需联调", now=at(9))
    extensions.decide_extension(lead, t, r2, decision="other", minutes=30, note="最多半小时", now=at(10))
    assert t.extension_minutes == 90 and r2.granted_minutes == 30
    r3 = extensions.request_extension(eng, t, minutes=60, reason="再延", now=at(11))
    with pytest.raises(Invalid):
        extensions.decide_extension(lead, t, r3, decision="deny", note="", now=at(12))
    extensions.decide_extension(lead, t, r3, decision="deny", note="请先处理", now=at(12))
    assert t.extension_minutes == 90 and r3.state == "denied"
    with pytest.raises(Invalid):
        extensions.decide_extension(lead, t, r3, decision="approve", now=at(13))
    with pytest.raises(Exception):
        extensions.decide_extension(eng, t, r3, decision="approve", now=at(13))


def test_no_extension_after_breach(make_ticket, users):
    eng = users["engineer"]
    t = make_ticket()
    services.transition(eng, t, "respond", now=at(1))
    with pytest.raises(Invalid) as exc:
        extensions.request_extension(eng, t, minutes=60, reason="晚了", now=at(41))
    assert "超出解决时限" in str(exc.value)
    assert db.session.execute(db.select(db.func.count(ExtensionRequest.id)).where(
        ExtensionRequest.ticket_id == t.id)).scalar_one() == 0


def test_assign_and_bulk_assign_need_supervisor(make_ticket, users):
    a, b = make_ticket(), make_ticket()
    with pytest.raises(Exception):
        services.bulk_assign(users["engineer"], [a, b], users["engineer"].id, now=at(1))
    assert services.bulk_assign(users["opslead"], [a, b], users["engineer"].id, now=at(1)) == 2
    assert a.assignee_id == b.assignee_id == users["engineer"].id
    with pytest.raises(Invalid):
        services.assign(users["opslead"], a, users["grid"].id, now=at(2))


def test_workload_totals_in_person_days_and_months(make_ticket, users):
    eng = users["engineer"]
    change = make_ticket(category="需求变更", severity="P3")
    fault = make_ticket()
    workload.add_worklog(eng, change, work_date=date(2026, 3, 2), hours=Decimal("8"), now=at(0))
    workload.add_worklog(eng, change, work_date=date(2026, 3, 3), hours=Decimal("4"), now=at(0))
    workload.add_worklog(eng, fault, work_date=date(2026, 3, 4), hours=Decimal("2"), now=at(0))
    totals = workload.monthly_totals("2026-03")
    by_cat = {r.key: r for r in totals["category"]}
    assert by_cat["需求变更"].hours == Decimal("12.00") and by_cat["需求变更"].person_days == Decimal("1.50")
    engineer_row = next(r for r in totals["engineer"] if r.key == eng.display_name)
    assert engineer_row.person_days == Decimal("1.75")
    assert engineer_row.person_months == (Decimal("1.75") / Decimal("21.75")).quantize(Decimal("0.01"))
    with pytest.raises(Invalid):
        workload.add_worklog(eng, fault, work_date=date(2026, 3, 5), hours=1, now=at(0))   # future
    with pytest.raises(Invalid):
        workload.add_worklog(eng, fault, work_date=date(2026, 3, 2), hours=17, now=at(0))  # > 24 h that day
    with pytest.raises(Invalid):
        workload.monthly_totals("2026-13")
    assert db.session.execute(db.select(db.func.count(Worklog.id)).where(
        Worklog.ticket_id.in_([change.id, fault.id]))).scalar_one() == 3


def test_onsite_clock_for_p1(make_ticket, users):
    eng = users["engineer"]
    t = make_ticket(severity="P1")
    assert clocks(t, 50).onsite.risk == "amber"
    services.transition(eng, t, "respond", now=at(2))
    services.record_onsite(eng, t, now=at(55))
    c = clocks(t, 200)
    assert c.onsite.elapsed == 55 * 60 and not c.onsite.breached and c.onsite.risk == "green"
    with pytest.raises(Invalid):
        services.record_onsite(eng, t, now=at(56))
    with pytest.raises(Invalid):
        services.record_onsite(eng, make_ticket(severity="P2"), now=at(56))
