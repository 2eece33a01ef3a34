"""Notification centre, outgoing message log, working-day calendar with 调休 days and overrides."""
from datetime import date, datetime

from app.blueprints.notifications.services import notify, unread_count
from app.extensions import db
from app.models.notification import Notification, OutboundMessage
from app.models.user import User
from app.workcalendar import calendar_for
from tests.conftest import body, login, post


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def test_notify_dedupes_and_sends_sms_copies(demo):
    engineer = _user("engineer")
    engineer.phone = "13800000001"
    db.session.commit()
    notify([engineer.id], "工单即将超时", dedupe_key="ticket:1:75", sms=True)
    notify([engineer.id], "工单即将超时", dedupe_key="ticket:1:75", sms=True)
    db.session.commit()
    assert unread_count(engineer.id) == 1
    sms = db.session.execute(db.select(OutboundMessage)).scalars().all()
    assert len(sms) == 1 and sms[0].recipient == "138****0001" and sms[0].gateway == "log"


def test_bell_list_and_mark_read(demo, client):
    grid_id = _user("grid").id
    notify([grid_id], "新的迁入申请", link="/")
    db.session.commit()
    login(client, "grid")
    assert "<b>1</b>" in body(client.get("/"))
    bell = client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert 'id="bell"' in body(bell) and "<html" not in body(bell)
    note = db.session.execute(db.select(Notification)).scalar_one()
    response = post(client, f"/notifications/{note.id}/read", {"next": "/"})
    assert response.headers["Location"] == "/"
    assert unread_count(grid_id) == 0


def test_bell_polling_does_not_keep_session_alive(demo, client):
    login(client, "grid")
    with client.session_transaction() as session:
        session["seen"] -= 25 * 60
    client.get("/notifications/bell", headers={"HX-Request": "true"})
    with client.session_transaction() as session:
        session["seen"] -= 6 * 60
    assert client.get("/").status_code == 302


def test_users_cannot_read_others_notifications(demo, client):
    other = _user("grid2")
    notify([other.id], "私人通知")
    db.session.commit()
    login(client, "grid")
    assert "私人通知" not in body(client.get("/notifications/"))
    note = db.session.execute(db.select(Notification)).scalar_one()
    post(client, f"/notifications/{note.id}/read")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_calendar_knows_2026_makeup_days(app):
    cal = calendar_for(2026)
    assert cal.is_working_day(date(2026, 2, 14))       # Saturday, 调休上班
    assert not cal.is_working_day(date(2026, 2, 17))   # Spring Festival
    assert not cal.is_working_day(date(2026, 2, 15))   # ordinary Sunday
    assert cal.is_working_day(date(2026, 11, 23))      # ordinary Monday
    # National Day 10-01..10-07 is off; Saturday 10-10 is a make-up working day.
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4


def test_deadline_is_end_of_day_china_time(app):
    cal = calendar_for(2026)
    due = cal.deadline_after(datetime(2026, 11, 20, 2, 0), 1)  # Friday 10:00 China time
    assert due == datetime(2026, 11, 23, 16, 0)  # end of Monday 11-23 China time, in UTC


def test_admin_override_adds_an_unannounced_makeup_day(demo, client):
    login(client, "county")
    saturday = date(2027, 2, 20)
    assert not calendar_for(2027).is_working_day(saturday)
    response = post(client, "/admin/calendar", {"day": "2027-02-20", "kind": "work", "note": "国办发明电〔2026〕X号"})
    assert response.status_code == 303
    assert calendar_for(2027).is_working_day(saturday)
    redundant = post(client, "/admin/calendar", {"day": "2027-02-22", "kind": "work", "note": "多余"})
    assert redundant.status_code == 422 and "无需调整" in body(redundant)
    post(client, "/admin/calendar/2027-02-20/delete")
    assert not calendar_for(2027).is_working_day(saturday)
