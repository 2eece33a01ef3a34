"""Sending in-app notifications (and SMS/e-mail copies) and reading them."""
from sqlalchemy import func

from app.channels import send_email, send_sms
from app.clock import utcnow
from app.extensions import db
from app.models.notification import Notification
from app.models.user import User
from app.public_urls import public_link
from app.security.redact import mask_numbers


def notify(user_ids, title: str, *, body: str = "", link: str | None = None, kind: str = "info",
           dedupe_key: str | None = None, sms: bool = False, email: bool = False) -> list[Notification]:
    """Add a notification per user in the caller's transaction; a dedupe_key already sent to a user is skipped."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    # Titles quote what users typed (ticket titles, names): numbers that identify a resident stay masked.
    title, body = mask_numbers(title), mask_numbers(body)
    if dedupe_key:
        done = set(db.session.execute(db.select(Notification.user_id).where(
            Notification.user_id.in_(ids), Notification.dedupe_key == dedupe_key)).scalars())
        ids = [uid for uid in ids if uid not in done]
    users = db.session.execute(db.select(User).where(User.id.in_(ids), User.is_enabled.is_(True))).scalars()
    created = []
    for user in users:
        row = Notification(user_id=user.id, kind=kind, title=title[:128], body=body, link=link,
                           dedupe_key=dedupe_key)
        db.session.add(row)
        created.append(row)
        if sms and user.phone:
            send_sms(user.phone, f"【基层治理】{title}")
        if email and user.email:
            send_email(user.email, title, body + (f"\n\n查看：{public_link(link)}" if link else ""))
    return created


def unread_count(user_id: int) -> int:
    """Unread notifications of one user (an indexed count)."""
    return db.session.execute(db.select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def for_user(user_id: int):
    """A select of the user's notifications, newest first."""
    return db.select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; returns how many changed."""
    stmt = db.update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    changed = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    db.session.commit()
    return changed
