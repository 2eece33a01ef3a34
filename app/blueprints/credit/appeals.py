"""信用异议 and 信用修复: filing, forwarding, answering and deciding, with working-day deadlines."""

import uuid
from pathlib import Path

from flask import abort, current_app

from app.blueprints.credit import services
from app.blueprints.credit.settings import setting
from app.blueprints.notifications.services import notify
from app.channels import send_sms
from app.clock import local_today, to_local, utcnow
from app.extensions import db
from app.models import credit as C
from app.security import audit, pii
from app.security import permissions as P
from app.validation import Invalid
from app.versioning import check_version
from app.workcalendar import calendar_for

# Content signatures: the type is decided by the bytes, never by the file name.
SIGNATURES = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"))
MAX_FILES = 5
OBJECTION_FIELDS = ("state", "outcome", "answer", "due_at", "forwarded_at", "closed_at")
REPAIR_FIELDS = ("state", "answer", "decided_at")


def save_attachments(files) -> list[dict]:
    """Check and store uploads (PDF/JPG/PNG by content, size-limited); Invalid before anything is written."""
    files = [f for f in files or [] if f and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise Invalid({"attachments": f"最多上传 {MAX_FILES} 个附件"})
    limit = setting("CREDIT_ATTACHMENT_MAX_BYTES")
    checked = []
    for upload in files:
        data = upload.read(limit + 1)
        name = Path(upload.filename).name[:100]
        if len(data) > limit:
            raise Invalid({"attachments": f"附件“{name}”超过 {limit // (1024 * 1024)} MB"})
        kind = next((k for sig, k in SIGNATURES if data.startswith(sig)), None)
        if kind is None:
            raise Invalid({"attachments": f"附件“{name}”不是 PDF、JPG 或 PNG 文件（按文件内容检查）"})
        checked.append((name, kind, data))
    folder = Path(current_app.config["FILES_DIR"]) / "credit" / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for name, kind, data in checked:
        path = folder / f"{uuid.uuid4().hex}.{kind}"
        path.write_bytes(data)
        stored.append({"name": name, "kind": kind, "size": len(data), "file": path.name})
    return stored


def _deadline(days: int):
    now = utcnow()
    return calendar_for(now.year).deadline_after(now, days)


def _applicant_phone(subject: C.CreditSubject, phone: str | None) -> str | None:
    clean = pii.normalize_phone(phone) if phone else None
    return pii.encrypt(clean) if clean else subject.phone_enc


def _tell_applicant(phone_enc: str | None, text: str) -> None:
    phone = pii.decrypt(phone_enc) if phone_enc else None
    if phone:
        send_sms(phone, f"【青禾县信用】{text}")


# --- objections -------------------------------------------------------------------------------------------


def file_objection(
    record: C.CreditRecord, *, reason: str, files=None, channel: str, phone: str | None = None, actor=None
) -> C.Objection:
    """Open an objection: the record shows 异议处理中 on reports at once."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写异议理由"})
    if record.status not in (C.PUBLISHED,) or record.pub_end < local_today():
        raise Invalid("该记录当前不在公示中，或已有异议正在处理，不能再提出异议")
    subject = db.session.get(C.CreditSubject, record.subject_id)
    phone_enc = _applicant_phone(subject, phone)
    attachments = save_attachments(files)
    objection = C.Objection(
        record_id=record.id,
        subject_id=record.subject_id,
        channel=channel,
        reason=reason[:2000],
        attachments=attachments,
        applicant_phone_enc=phone_enc,
        state=C.SUBMITTED,
    )
    record.status_before_objection, record.status = record.status, C.OBJECTED
    db.session.add(objection)
    db.session.flush()
    audit.record(
        "credit.objection.file",
        objection,
        actor=actor,
        changes={"state": [None, C.SUBMITTED], "record_status": [C.PUBLISHED, C.OBJECTED]},
        detail=f"记录 {record.doc_number}，渠道 {channel}，附件 {len(attachments)} 个",
    )
    notify(
        services.credit_officers(),
        "收到新的信用异议",
        body=f"{record.doc_number}：{reason[:60]}",
        dedupe_key=f"objection-{objection.id}",
    )
    _tell_applicant(phone_enc, f"您对{record.doc_number}的异议已受理，编号 Y{objection.id}。")
    db.session.commit()
    return objection


def forward_objection(user, objection: C.Objection) -> C.Objection:
    """The credit officer checks and forwards; the department must answer within N working days."""
    if objection.state != C.SUBMITTED:
        raise Invalid("该异议已转办或已办结")
    before = audit.snapshot(objection, OBJECTION_FIELDS)
    record = db.session.get(C.CreditRecord, objection.record_id)
    objection.state, objection.forwarded_at = C.FORWARDED, utcnow()
    objection.due_at = _deadline(setting("CREDIT_OBJECTION_DAYS"))
    audit.record("credit.objection.forward", objection, changes=audit.changed(before, objection))
    notify(
        services.department_users(record.department),
        "请答复信用异议",
        body=f"{record.doc_number}，请于 {to_local(objection.due_at):%Y-%m-%d} 前答复",
        kind="alert",
        dedupe_key=f"objection-forward-{objection.id}",
    )
    db.session.commit()
    return objection


def answer_objection(
    user, objection: C.Objection, *, outcome: str, answer: str, corrected: dict | None = None, version=None
) -> C.Objection:
    """The department answers: 更正 (old version kept), 撤销 (withdrawn) or 维持 (rejected with reason)."""
    if objection.state != C.FORWARDED:
        raise Invalid("该异议尚未转办或已办结")
    record = db.session.get(C.CreditRecord, objection.record_id)
    if user.role == P.DEPARTMENT and record.department != user.department:
        abort(404)
    check_version(record, version)
    answer = (answer or "").strip()
    if outcome not in C.OBJECTION_OUTCOMES:
        raise Invalid({"outcome": "请选择处理结论"})
    if not answer:
        raise Invalid({"answer": "请填写答复意见或理由"})
    before = audit.snapshot(objection, OBJECTION_FIELDS)
    record_before = record.status
    restore = record.status_before_objection or C.PUBLISHED
    if outcome == C.CORRECT:
        record.status = restore
        services.correct_record(user, record, corrected or {}, reason=answer)
    elif outcome == C.WITHDRAW:
        record.status, record.ended_on = C.WITHDRAWN, local_today()
    else:
        record.status = restore
    record.status_before_objection = None
    objection.state, objection.outcome, objection.answer, objection.closed_at = (
        C.CLOSED,
        outcome,
        answer,
        utcnow(),
    )
    audit.record(
        "credit.objection.answer",
        objection,
        changes={**audit.changed(before, objection), "record_status": [record_before, record.status]},
    )
    _tell_applicant(
        objection.applicant_phone_enc,
        f"您的异议 Y{objection.id} 已办结：{C.OBJECTION_OUTCOMES[outcome]}。{answer[:40]}",
    )
    db.session.commit()
    return objection


# --- repairs ----------------------------------------------------------------------------------------------


def apply_repair(
    record: C.CreditRecord, *, commitment: str, files=None, channel: str, phone: str | None = None, actor=None
) -> C.RepairApplication:
    """One application per penalty record, reviewed within N working days."""
    commitment = (commitment or "").strip()
    if record.category not in C.REPAIRABLE:
        raise Invalid("只有行政处罚和失信惩戒记录可以申请信用修复")
    if record.status != C.PUBLISHED or record.pub_end < local_today():
        raise Invalid("该记录当前不在公示中，无需或不能申请修复")
    open_one = db.session.execute(
        db.select(C.RepairApplication.id).where(
            C.RepairApplication.record_id == record.id, C.RepairApplication.state == C.PENDING
        )
    ).first()
    if open_one:
        raise Invalid("该记录已有待审核的修复申请")
    if len(commitment) < 10:
        raise Invalid({"commitment": "请填写信用承诺（不少于 10 个字）"})
    subject = db.session.get(C.CreditSubject, record.subject_id)
    phone_enc = _applicant_phone(subject, phone)
    attachments = save_attachments(files)
    repair = C.RepairApplication(
        record_id=record.id,
        subject_id=record.subject_id,
        channel=channel,
        commitment=commitment[:2000],
        attachments=attachments,
        applicant_phone_enc=phone_enc,
        due_at=_deadline(setting("CREDIT_REPAIR_DAYS")),
    )
    db.session.add(repair)
    db.session.flush()
    audit.record(
        "credit.repair.apply",
        repair,
        actor=actor,
        changes={"state": [None, C.PENDING]},
        detail=f"记录 {record.doc_number}，渠道 {channel}",
    )
    notify(
        services.credit_officers(),
        "收到新的信用修复申请",
        body=record.doc_number,
        dedupe_key=f"repair-{repair.id}",
    )
    _tell_applicant(phone_enc, f"您对{record.doc_number}的信用修复申请已受理，编号 X{repair.id}。")
    db.session.commit()
    return repair


def decide_repair(user, repair: C.RepairApplication, *, approve: bool, answer: str) -> C.RepairApplication:
    """Approve (publication ends early, the record leaves reports and the score) or reject with a reason."""
    if repair.state != C.PENDING:
        raise Invalid("该申请已审核")
    answer = (answer or "").strip()
    if not approve and not answer:
        raise Invalid({"answer": "驳回须填写理由"})
    record = db.session.get(C.CreditRecord, repair.record_id)
    before = audit.snapshot(repair, REPAIR_FIELDS)
    repair.state, repair.answer, repair.decided_at = (C.APPROVED if approve else C.REJECTED), answer, utcnow()
    changes = audit.changed(before, repair)
    if approve:
        changes["record_status"] = [record.status, C.REPAIRED]
        record.status, record.ended_on = C.REPAIRED, local_today()
    audit.record("credit.repair.decide", repair, changes=changes)
    _tell_applicant(
        repair.applicant_phone_enc,
        f"您的信用修复申请 X{repair.id}"
        + ("已通过，相关记录已终止公示。" if approve else f"未通过：{answer[:40]}"),
    )
    db.session.commit()
    return repair


# --- queues -----------------------------------------------------------------------------------------------


def objection_queue(user, state: str = ""):
    """Objections the user may handle (departments: their own records), oldest deadline first."""
    stmt = (
        db.select(C.Objection, C.CreditRecord, C.CreditSubject)
        .join(C.CreditRecord, C.Objection.record_id == C.CreditRecord.id)
        .join(C.CreditSubject, C.Objection.subject_id == C.CreditSubject.id)
    )
    from app.security.scoping import scope

    stmt = scope(stmt, C.CreditSubject.region_id, user)
    if not user.can(P.CREDIT_MANAGE):
        stmt = stmt.where(
            C.CreditRecord.department == (user.department or ""), C.Objection.state != C.SUBMITTED
        )
    if state in C.OBJECTION_STATES:
        stmt = stmt.where(C.Objection.state == state)
    return stmt.order_by(C.Objection.state.desc(), C.Objection.due_at, C.Objection.id)


def repair_queue(user, state: str = ""):
    """Repair applications with their records and subjects, oldest deadline first."""
    from app.security.scoping import scope

    stmt = (
        db.select(C.RepairApplication, C.CreditRecord, C.CreditSubject)
        .join(C.CreditRecord, C.RepairApplication.record_id == C.CreditRecord.id)
        .join(C.CreditSubject, C.RepairApplication.subject_id == C.CreditSubject.id)
    )
    stmt = scope(stmt, C.CreditSubject.region_id, user)
    if not user.can(P.CREDIT_MANAGE):
        stmt = stmt.where(C.CreditRecord.department == (user.department or ""))
    if state in C.REPAIR_STATES:
        stmt = stmt.where(C.RepairApplication.state == state)
    return stmt.order_by(C.RepairApplication.due_at, C.RepairApplication.id)


def get_objection_or_404(user, objection_id: int):
    """(objection, record, subject) the user may handle."""
    row = db.session.execute(objection_queue(user).where(C.Objection.id == objection_id)).first()
    if row is None:
        abort(404)
    return row


def get_repair_or_404(user, repair_id: int):
    """(repair, record, subject) the user may see."""
    row = db.session.execute(repair_queue(user).where(C.RepairApplication.id == repair_id)).first()
    if row is None:
        abort(404)
    return row


def subject_appeals(subject_id: int) -> tuple[list, list]:
    """A subject's objections and repairs with their records (for the applicant's progress page)."""
    objections = db.session.execute(
        db.select(C.Objection, C.CreditRecord)
        .join(C.CreditRecord, C.Objection.record_id == C.CreditRecord.id)
        .where(C.Objection.subject_id == subject_id)
        .order_by(C.Objection.id.desc())
    ).all()
    repairs = db.session.execute(
        db.select(C.RepairApplication, C.CreditRecord)
        .join(C.CreditRecord, C.RepairApplication.record_id == C.CreditRecord.id)
        .where(C.RepairApplication.subject_id == subject_id)
        .order_by(C.RepairApplication.id.desc())
    ).all()
    return objections, repairs
