"""Personal data stays out of clear-text places: ticket source pages, message log, request replays, migrations."""
import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models.audit import AuditLog
from app.models.idempotency import RequestKey
from app.models.notification import OutboundMessage
from app.models.ticket import Ticket, TicketSystem
from app.security.redact import mask_numbers, page_path
from tests.conftest import TEST_DATABASE_URL, body, login, post
from tests.credit.helpers import CHEN_ID, enroll_device
from tests.households.helpers import QINGXI_1, first_in, members

ID = "330127198503121233"


def test_page_path_keeps_filters_and_drops_personal_values():
    assert page_path(f"/households/?q={ID}&page=2&size=20") == "/households/?q=*&page=2&size=20"
    assert page_path("/households/?q=%E7%8E%8B%E6%B5%B7&tag=x") == "/households/?q=*&tag=x"
    assert page_path("/pool/conflicts?state=open&kind=death") == "/pool/conflicts?state=open&kind=death"
    assert page_path("/credit/subjects?region_id=13800001001") == "/credit/subjects?region_id=*"
    assert page_path(f"/verify/{ID}") == "/verify/*"
    assert page_path("https://evil.example/x") == "" and page_path("//evil") == ""


def test_mask_numbers_in_free_text():
    assert mask_numbers(f"身份证 {ID}，电话 13800001001") == "身份证 3301**********1233，电话 138****1001"


def test_report_link_and_ticket_carry_no_id_number(demo, client):
    login(client, "community")
    page = body(client.get(f"/households/?q={ID}&page=1"))
    link = re.search(r'<a class="report" href="([^"]+)">报障</a>', page).group(1)
    assert ID not in link and "from=/households/?q%3D*" in link.replace("%3F", "?").replace("%26", "&")
    system_id = db.session.execute(db.select(TicketSystem.id).where(TicketSystem.code == "SYS-PORTAL")).scalar_one()
    response = post(client, "/tickets/new", {
        "title": "搜索结果不对", "category": "系统故障", "severity": "P3", "system_id": str(system_id),
        "description": "按身份证号搜不到", "source_page": f"/households/?q={ID}&page=1"},
        content_type="multipart/form-data")
    assert response.status_code == 303, body(response)[:300]
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc())).scalars().first()
    assert ticket.source_page == "/households/?q=*&page=1"
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "ticket.create")).scalars().all()[-1]
    assert ID not in str(row.changes)


def test_message_log_masks_phones_and_never_shows_codes(demo, app):
    admin, kiosk = app.test_client(), app.test_client()
    login(admin, "credit")
    enroll_device(app, admin, kiosk)
    post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID})
    row = db.session.execute(db.select(OutboundMessage).order_by(OutboundMessage.id.desc())).scalars().first()
    assert row.recipient == "138****1001" and "13800001001" not in row.body
    assert re.search(r"验证码为 \*{6}", row.body) and not re.search(r"\d{6}", row.body)
    assert row.sealed and "验证码" not in row.sealed  # the delivered original only as ciphertext
    message_id = row.id
    log = app.test_client()
    login(log, "admin")
    page = body(log.get("/admin/messages"))
    assert "138****1001" in page and "13800001001" not in page
    assert not re.search(r"验证码为 \d{6}", page)
    revealed = post(log, f"/admin/messages/{message_id}/reveal", headers={"HX-Request": "true"})
    assert re.search(r"验证码为 \d{6}", body(revealed))
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "message.reveal")).scalar_one()


def test_replayed_reveal_is_stored_encrypted(demo, app):
    h = first_in(QINGXI_1)
    head = members(h)[0]
    url, number = f"/households/{h.id}/members/{head.id}/reveal/id", head.id_number
    officer = app.test_client()
    login(officer, "community")
    first = post(officer, url, key="reveal-key-0000000001", headers={"HX-Request": "true"})
    assert number in body(first)
    stored = db.session.execute(db.select(RequestKey).where(RequestKey.key == "reveal-key-0000000001")).scalar_one()
    assert stored.body and number not in stored.body
    again = post(officer, url, key="reveal-key-0000000001", headers={"HX-Request": "true"})
    assert again.headers.get("Idempotent-Replay") == "true" and number in body(again)


def test_migration_redacts_existing_rows(tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'redact.sqlite3'}"
    app = create_app(TestConfig(tmp_path, url))
    with app.app_context():
        upgrade()
        downgrade(revision="0005")
        db.session.execute(text(
            "INSERT INTO outbound_message (channel, gateway, recipient, subject, body, status, created_at) "
            "VALUES ('sms', 'log', '13900002002', '', '【青禾县信用】您的自助终端验证码为 482913，5 分钟内有效', "
            "'sent', CURRENT_TIMESTAMP)"))
        db.session.execute(text(
            "INSERT INTO request_key (owner, key, endpoint, state, body, created_at) "
            f"VALUES ('user:1', 'migration-redact-key-1', 'households.reveal', 'completed', '<span>{ID}</span>', "
            "CURRENT_TIMESTAMP)"))
        db.session.add(AuditLog(action="ticket.create", object_type="ticket", object_id="migration-1",
                                changes={"source_page": [None, f"/households/?q={ID}"]}))
        db.session.commit()
        upgrade()
        message = db.session.execute(text(
            "SELECT recipient, body FROM outbound_message WHERE body LIKE '%5 分钟内有效'")).all()[-1]
        assert message.recipient == "139****2002" and "482913" not in message.body
        assert db.session.execute(text(
            "SELECT body FROM request_key WHERE key = 'migration-redact-key-1'")).scalar_one() is None
        db.session.expire_all()
        row = db.session.execute(db.select(AuditLog).where(AuditLog.object_id == "migration-1")).scalar_one()
        assert row.changes == {"source_page": [None, "/households/"]}
        # The append-only guard is back.
        try:
            db.session.execute(text("UPDATE audit_log SET action = 'x'"))
            db.session.commit()
            raise AssertionError("audit_log accepted an UPDATE")
        except Exception as exc:  # noqa: BLE001 - the database's own refusal
            db.session.rollback()
            assert "append-only" in str(exc)
        db.engine.dispose()


def test_job_rows_and_notifications_keep_numbers_masked(demo, client):
    from app.blueprints.notifications.services import notify
    from app.models.job import Job
    from app.models.notification import Notification
    from app.models.user import User

    login(client, "community")
    response = post(client, "/households/export", {"q": ID})
    assert response.status_code == 200
    job = db.session.execute(db.select(Job).order_by(Job.created_at.desc())).scalars().first()
    assert ID not in str(job.params) and "3301**********1233" in str(job.params)
    grid = db.session.execute(db.select(User).where(User.username == "grid")).scalar_one()
    notify([grid.id], f"请核实 {ID} 的住址", body="联系电话 13800001001")
    db.session.commit()
    note = db.session.execute(db.select(Notification).order_by(Notification.id.desc())).scalars().first()
    assert ID not in note.title and "13800001001" not in note.body
