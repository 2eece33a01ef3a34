"""Alerts to the admins when a dispatch batch is dead-lettered."""
from flask import url_for

from app.blueprints.notifications.services import notify
from app.extensions import db
from app.models.user import User
from app.security.permissions import DISPATCH_MANAGE, ROLE_PERMISSIONS


def dispatch_admin_ids() -> list[int]:
    """Enabled users whose role manages dispatch."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if DISPATCH_MANAGE in perms]
    return list(db.session.execute(db.select(User.id).where(User.role.in_(roles), User.is_enabled.is_(True)))
                .scalars())


def alert_dead_letter(target, letter) -> None:
    """One alert per dead letter, in-app and by SMS where the admin has a phone."""
    try:
        link = url_for("dispatch.detail", target_id=target.id)
    except RuntimeError:  # no request context inside a worker
        link = f"/dispatch/{target.id}"
    notify(dispatch_admin_ids(), f"数据分发失败：{target.name}", kind="alert", link=link, sms=True,
           body=f"批次（{len(letter.event_ids)} 条）连续失败 {letter.attempts} 次，已转入死信列表：{letter.error}",
           dedupe_key=f"dispatch:dead:{letter.id}")
