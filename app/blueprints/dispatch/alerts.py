"""Alerts to the admins when a receiver stays unavailable or refuses a batch for good."""
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


def _link(target) -> str:
    try:
        return url_for("dispatch.detail", target_id=target.id)
    except RuntimeError:  # no request context inside a worker
        return f"/dispatch/{target.id}"


def alert_dead_letter(target, letter) -> None:
    """One alert per dead letter, in-app and by SMS where the admin has a phone."""
    notify(dispatch_admin_ids(), f"数据分发失败：{target.name}", kind="alert", link=_link(target), sms=True,
           body=f"批次（{len(letter.event_ids)} 条）被接收方拒收，已转入死信列表：{letter.error}。"
                f"核实后可在分发目标页重新发送或放弃",
           dedupe_key=f"dispatch:dead:{letter.id}")


def alert_outage(target) -> None:
    """One alert per outage (the failure count reaching the target's threshold): delivery waits, nothing is lost."""
    notify(dispatch_admin_ids(), f"数据分发暂停：{target.name}", kind="alert", link=_link(target), sms=True,
           body=f"接收方连续 {target.failures} 次不可用（{target.last_error}）。分发位置保持不变，将按退避间隔"
                f"自动重试，恢复后按顺序补发，不会丢失或转入死信",
           dedupe_key=f"dispatch:outage:{target.id}:{target.next_attempt_at:%Y%m%d%H%M%S}")
