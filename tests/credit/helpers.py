"""Shared steps for the credit tests."""

import re

from app.extensions import db
from app.models import credit as C
from app.models.notification import OutboundMessage
from app.models.user import User
from app.security import pii
from tests.conftest import post

CHEN_ID = "330127198503121233"
LIN_ID = "330127199007082348"
FOOD_USCC = "91330127MA2B3C4D5T"
FOOD_REP_ID = "330127196801015675"


def subject_by_name(name: str) -> C.CreditSubject:
    """A demo subject."""
    return db.session.execute(db.select(C.CreditSubject).where(C.CreditSubject.name == name)).scalar_one()


def record_by_doc(doc: str) -> C.CreditRecord:
    """A demo record by document number."""
    return db.session.execute(db.select(C.CreditRecord).where(C.CreditRecord.doc_number == doc)).scalar_one()


def user(username: str) -> User:
    """A demo account."""
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def last_sms(phone: str) -> str:
    """The latest SMS the log gateway delivered to a phone, as the phone received it (codes included)."""
    db.session.expire_all()
    row = (
        db.session.execute(
            db.select(OutboundMessage)
            .where(OutboundMessage.recipient_hash == pii.blind_index(phone))
            .order_by(OutboundMessage.id.desc())
        )
        .scalars()
        .first()
    )
    return (pii.decrypt(row.sealed) or "").partition("\n")[2] if row else ""


def enroll_device(app, admin_client, kiosk_client, name="测试终端") -> None:
    """An admin registers a device; the kiosk browser opens the one-time link."""
    response = post(
        admin_client,
        "/credit/kiosks",
        {"name": name, "location": "政务服务中心一楼", "account_id": str(user("kiosk").id)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    link = re.search(r"(/kiosk/enroll/[A-Za-z0-9_-]+)", response.get_data(as_text=True)).group(1)
    enrolled = kiosk_client.get(link)
    assert enrolled.status_code == 303


def kiosk_identify_person(kiosk_client, name="陈志明", number=CHEN_ID, phone="13800001001"):
    """Identify a person at the kiosk with the SMS code; returns the final response."""
    response = post(kiosk_client, "/kiosk/identify/person", {"name": name, "number": number})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    code = re.search(r"验证码为 (\d{6})", last_sms(phone)).group(1)
    return post(kiosk_client, "/kiosk/code", {"code": code})


def department_user(username: str, department: str) -> User:
    """A department account of another department (the demo has 县公安局 only); password as the demo's."""
    from fixtures.loader import DEMO_PASSWORD, add_users
    from app.models.region import Region

    county = db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one()
    add_users([{"username": username, "display_name": f"{department}用户", "role": "department",
                "region_code": "330127", "department": department}], {"330127": county}, DEMO_PASSWORD)
    db.session.commit()
    return user(username)


def outbox_events(event_type: str) -> list:
    """Outbox events of one type, oldest first."""
    from app.models.dispatch import OutboxEvent

    db.session.expire_all()
    stmt = db.select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id)
    return list(db.session.execute(stmt).scalars())
