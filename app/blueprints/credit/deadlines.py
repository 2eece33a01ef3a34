"""Overdue objection and repair steps escalate to the credit office head; expired list entries are removed.

Run by the periodic job workers.credit.escalate_overdue; each (item, step) notifies once (dedupe key), so
overlapping scans are harmless.
"""

from datetime import datetime

from app.blueprints.credit import lists, services
from app.blueprints.credit.appeals import due_day
from app.blueprints.credit.settings import setting
from app.blueprints.notifications.services import notify
from app.extensions import db
from app.models import credit as C
from app.models.user import User
from app.security import audit


def office_heads() -> list[int]:
    """The credit office head(s) from CREDIT_OFFICE_HEADS (usernames); every credit officer when unset."""
    names = [n.strip() for n in str(setting("CREDIT_OFFICE_HEADS") or "").split(",") if n.strip()]
    if not names:
        return services.credit_officers()
    stmt = db.select(User.id).where(User.username.in_(names), User.is_enabled.is_(True))
    return list(db.session.execute(stmt).scalars())


def scan(now: datetime) -> int:
    """Escalate every step past its working-day deadline; returns how many steps were escalated now."""
    heads = office_heads()
    count = 0
    overdue_objections = db.session.execute(
        db.select(C.Objection, C.CreditRecord)
        .join(C.CreditRecord, C.Objection.record_id == C.CreditRecord.id)
        .where(C.Objection.state.in_((C.SUBMITTED, C.FORWARDED)))
    ).all()
    for objection, record in overdue_objections:
        due = objection.current_due
        if due is None or due >= now:
            continue
        step = "信用管理部门核查" if objection.state == C.SUBMITTED else f"{record.department}答复"
        sent = notify(heads, f"信用异议 Y{objection.id} 已超期", kind="alert",
                      body=f"{record.doc_number}：{step}期限 {due_day(due)} 已过，请督办",
                      dedupe_key=f"objection-overdue-{objection.id}-{objection.state}")
        if sent:
            count += 1
            objection.escalated_at = now
            audit.record("credit.objection.escalate", objection, detail=f"{step}超期，已提醒信用管理部门负责人")
    overdue_repairs = db.session.execute(
        db.select(C.RepairApplication, C.CreditRecord)
        .join(C.CreditRecord, C.RepairApplication.record_id == C.CreditRecord.id)
        .where(C.RepairApplication.state.in_(C.OPEN_REPAIR_STATES), C.RepairApplication.due_at < now)
    ).all()
    for repair, record in overdue_repairs:
        sent = notify(heads, f"信用修复申请 X{repair.id} 已超期", kind="alert",
                      body=f"{record.doc_number}：{repair.state_label}，期限 {due_day(repair.due_at)} 已过",
                      dedupe_key=f"repair-overdue-{repair.id}-{repair.state}")
        if sent:
            count += 1
            audit.record("credit.repair.escalate", repair, detail=f"{repair.state_label}超期，已提醒负责人")
    db.session.commit()
    lists.expire_due(None)
    return count
