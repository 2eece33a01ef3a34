"""Escalation scan: 75% and breach crossings notify assignee and supervisors exactly once."""
from app.blueprints.tickets import escalation, services
from app.extensions import db
from app.models.notification import Notification, OutboundMessage
from app.security.pii import blind_index
from app.models.ticket import Ticket, TicketEscalation
from tests.tickets.conftest import at


def _finish_demo_tickets():
    """Demo tickets run on the real clock; park them so only the test's tickets are scanned."""
    db.session.execute(db.update(Ticket).values(state="closed"))
    db.session.commit()


def _alerts(ticket_id):
    return list(db.session.execute(db.select(Notification).where(
        Notification.dedupe_key.like(f"ticket:{ticket_id}:%:%"), Notification.kind == "alert")).scalars())


def test_crossings_notify_once(make_ticket, users):
    _finish_demo_tickets()
    t = make_ticket()
    services.assign(users["opslead"], t, users["engineer"].id, now=at(1))
    assert escalation.scan(at(5)) == 0                 # 50% of the 10-minute response clock
    assert escalation.scan(at(8)) == 1                 # response 80% → one crossing
    assert escalation.scan(at(8)) == 0                 # the same crossing again: nothing
    recipients = {n.user_id for n in _alerts(t.id)}
    assert recipients == {users["engineer"].id, users["opslead"].id}
    assert escalation.scan(at(31)) == 2                # response breach + resolution 75% (30 of 40)
    assert escalation.scan(at(45)) == 1                # resolution breach
    assert escalation.scan(at(60)) == 0
    marks = {(m.clock, m.level) for m in db.session.execute(db.select(TicketEscalation).where(
        TicketEscalation.ticket_id == t.id)).scalars()}
    assert marks == {("response", 75), ("response", 100), ("resolution", 75), ("resolution", 100)}
    assert len(_alerts(t.id)) == 4 * 2


def test_paused_and_resolved_clocks_do_not_escalate(make_ticket, users):
    _finish_demo_tickets()
    eng = users["engineer"]
    t = make_ticket()
    services.transition(eng, t, "respond", now=at(1))
    services.transition(eng, t, "start", now=at(2))
    services.transition(eng, t, "wait_user", comment="等截图", now=at(5))
    assert escalation.scan(at(500)) == 0
    services.transition(eng, t, "resume", now=at(500))
    services.transition(eng, t, "resolve", comment="好了", now=at(501))
    assert escalation.scan(at(900)) == 0


def test_breach_sends_sms_through_the_gateway(make_ticket, users):
    _finish_demo_tickets()
    eng = users["engineer"]
    eng.phone = "13800000000"
    db.session.commit()
    t = make_ticket()
    services.assign(users["opslead"], t, eng.id, now=at(1))
    escalation.scan(at(11))
    assert db.session.execute(db.select(db.func.count(OutboundMessage.id)).where(
        OutboundMessage.recipient_hash == blind_index("13800000000"))).scalar_one() == 1


def test_escalate_job_runs_on_the_queue(app, demo):
    from workers.queues import drain, get_queue
    from workers.tickets import escalate

    get_queue(app, "default").enqueue(escalate)
    drain(app)
    # Demo tickets on the real clock include breached ones, so the scan found crossings.
    assert db.session.execute(db.select(db.func.count(TicketEscalation.id))).scalar_one() > 0
