"""信用异议 and 信用修复: filing, forwarding, answering and deciding, with working-day deadlines."""

import uuid
from datetime import date, timedelta
from pathlib import Path

from flask import abort, current_app

from app.blueprints.credit import appeal_states as states
from app.blueprints.credit import classes, lists, reports, services, sharing
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
REPAIR_FIELDS = ("state", "answer", "forwarded_at", "decided_at")


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


def due_day(moment) -> str:
    """The last China day of a deadline (deadlines fall at midnight, the end of that day), as YYYY-MM-DD."""
    return (to_local(moment) - timedelta(seconds=1)).strftime("%Y-%m-%d")


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
    """Open an objection: the record shows 异议处理中 until the decision; the office checks within N working days."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写异议理由"})
    if record.status != C.PUBLISHED or not classes.is_public_on(record, local_today()):
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
        check_due_at=_deadline(setting("CREDIT_OBJECTION_CHECK_DAYS")),
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
        body=f"{record.doc_number}：{reason[:60]}，请于 {due_day(objection.check_due_at)} 前核查",
        dedupe_key=f"objection-{objection.id}",
    )
    _tell_applicant(phone_enc, f"您对{record.doc_number}的异议已受理，编号 Y{objection.id}。")
    db.session.commit()
    return objection


def forward_objection(user, objection: C.Objection) -> C.Objection:
    """The credit office checks and forwards; the department must answer within N working days."""
    record = db.session.get(C.CreditRecord, objection.record_id)
    states.check(states.OBJECTION_MOVES, "forward", objection.state, user, record.department)
    before = audit.snapshot(objection, OBJECTION_FIELDS)
    objection.state, objection.forwarded_at = C.FORWARDED, utcnow()
    objection.due_at = _deadline(setting("CREDIT_OBJECTION_DAYS"))
    audit.record("credit.objection.forward", objection, changes=audit.changed(before, objection))
    notify(
        services.department_users(record.department),
        "请答复信用异议",
        body=f"{record.doc_number}，请于 {due_day(objection.due_at)} 前答复",
        kind="alert",
        dedupe_key=f"objection-forward-{objection.id}",
    )
    db.session.commit()
    return objection


def answer_objection(
    user, objection: C.Objection, *, outcome: str, answer: str, corrected: dict | None = None, version=None
) -> C.Objection:
    """The source department answers: 更正 (old version kept), 撤销 (withdrawn, downstream told) or 维持."""
    record = db.session.get(C.CreditRecord, objection.record_id)
    states.check(states.OBJECTION_MOVES, "answer", objection.state, user, record.department)
    check_version(record, version)
    answer = (answer or "").strip()
    if outcome not in C.OBJECTION_OUTCOMES:
        raise Invalid({"outcome": "请选择处理结论"})
    if not answer:
        raise Invalid({"answer": "请填写答复意见或理由"})
    subject = db.session.get(C.CreditSubject, record.subject_id)
    before = audit.snapshot(objection, OBJECTION_FIELDS)
    record_before = record.status
    restore = record.status_before_objection or C.PUBLISHED
    if outcome == C.CORRECT:
        record.status = restore
        services.correct_record(user, record, corrected or {}, reason=answer)
        sharing.corrected(record, subject)
    elif outcome == C.WITHDRAW:
        record.status, record.ended_on = C.WITHDRAWN, local_today()
        sharing.withdrawn(record, subject, "withdraw")
        _lift_measures(user, record, subject)
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

# The public credit commitment Order 36 requires (信用承诺): shown on screen, or signed and uploaded.
COMMITMENT_TEXT = (
    "本人（本单位）郑重承诺：所提交的信用修复申请材料真实、准确、完整，失信行为已纠正，行政处罚等法定责任和义务"
    "已全部履行完毕；今后严格遵守法律法规，诚信守法经营；如有虚假或违反本承诺，自愿接受撤销修复决定、"
    "记入失信记录并依法承担相应法律责任。本承诺向社会公开。"
)


def repair_refusal(record: C.CreditRecord, today: date) -> str | None:
    """Why a repair cannot be applied for now (Chinese), or None when it can."""
    if record.category not in C.REPAIRABLE:
        return "只有失信信息（行政处罚、严重失信主体名单、异常名录等）可以申请信用修复"
    if record.status == C.REPAIRED:
        return "该记录已完成信用修复，不能重复申请"
    if record.status in (C.WITHDRAWN, C.LIFTED):
        return "该记录已撤销或已解除，无需申请信用修复"
    if record.status == C.OBJECTED:
        return "该记录有异议正在处理，请待异议办结后再申请信用修复"
    if classes.longest_end(record) < today or record.status == C.EXPIRED:
        return f"该记录已于 {classes.longest_end(record)} 公示期满并自动停止公示，无需申请信用修复"
    start = classes.repair_possible_from(record)
    if today < start:
        low, _default, _high = classes.bounds(record.category, record.severity)
        return (
            f"{record.severity_label}失信信息的最短公示期为 {classes.months_text(low)}，"
            f"自 {start.isoformat()} 起方可申请信用修复"
        )
    return None


def apply_repair(
    record: C.CreditRecord,
    *,
    commitment: str,
    commitment_accepted: bool = False,
    commitment_files=None,
    fulfilment_note: str = "",
    files=None,
    channel: str,
    phone: str | None = None,
    actor=None,
) -> C.RepairApplication:
    """Apply after the shortest period with a signed commitment and proof; the source department decides."""
    refusal = repair_refusal(record, local_today())
    if refusal:
        raise Invalid(refusal)
    open_one = db.session.execute(
        db.select(C.RepairApplication.id).where(
            C.RepairApplication.record_id == record.id, C.RepairApplication.state.in_(C.OPEN_REPAIR_STATES)
        )
    ).first()
    if open_one:
        raise Invalid("该记录已有正在办理的修复申请")
    errors: dict[str, str] = {}
    commitment = (commitment or "").strip() or COMMITMENT_TEXT
    signed_upload = [f for f in commitment_files or [] if f and getattr(f, "filename", "")]
    if not commitment_accepted and not signed_upload:
        errors["commitment_accepted"] = "请签署信用承诺：阅读承诺书后勾选确认，或上传签字（盖章）的承诺书"
    proofs = [f for f in files or [] if f and getattr(f, "filename", "")]
    if not proofs:
        errors["attachments"] = "请上传已履行法定责任和义务的证明材料（如罚款缴纳凭证、整改报告）"
    if errors:
        raise Invalid(errors)
    subject = db.session.get(C.CreditSubject, record.subject_id)
    phone_enc = _applicant_phone(subject, phone)
    stored = [{**a, "role": "commitment"} for a in save_attachments(signed_upload)]
    stored += [{**a, "role": "proof"} for a in save_attachments(proofs)]
    repair = C.RepairApplication(
        record_id=record.id,
        subject_id=record.subject_id,
        channel=channel,
        department=record.department,
        commitment=commitment[:2000],
        commitment_accepted=bool(commitment_accepted),
        fulfilment_note=(fulfilment_note or "").strip()[:2000],
        attachments=stored,
        applicant_phone_enc=phone_enc,
        state=C.PENDING,
        due_at=_deadline(setting("CREDIT_REPAIR_DAYS")),
    )
    db.session.add(repair)
    db.session.flush()
    audit.record(
        "credit.repair.apply",
        repair,
        actor=actor,
        changes={"state": [None, C.PENDING]},
        detail=f"记录 {record.doc_number}，渠道 {channel}，认定部门 {record.department}",
    )
    notify(
        services.credit_officers(),
        "收到新的信用修复申请",
        body=f"{record.doc_number}（认定部门：{record.department}）",
        dedupe_key=f"repair-{repair.id}",
    )
    _tell_applicant(phone_enc, f"您对{record.doc_number}的信用修复申请已受理，编号 X{repair.id}。")
    db.session.commit()
    return repair


def move_repair(user, repair: C.RepairApplication, action: str, *, answer: str = "") -> C.RepairApplication:
    """Take one step of the repair table: the office forwards or returns, the source department decides."""
    record = db.session.get(C.CreditRecord, repair.record_id)
    move = states.check(states.REPAIR_MOVES, action, repair.state, user, repair.department or record.department)
    answer = (answer or "").strip()
    if move.needs_comment and not answer:
        raise Invalid({"answer": "请填写理由"})
    if move.target == C.APPROVED:
        refusal = repair_refusal(record, local_today())
        if refusal:
            raise Invalid(refusal)
    before = audit.snapshot(repair, REPAIR_FIELDS)
    repair.state = move.target
    changes: dict = {}
    if move.target == C.REPAIR_FORWARDED:
        repair.forwarded_at = utcnow()
        notify(
            services.department_users(repair.department),
            "请决定信用修复申请",
            body=f"{record.doc_number}（谁认定、谁修复）",
            kind="alert",
            dedupe_key=f"repair-forward-{repair.id}",
        )
    else:
        repair.answer, repair.decided_at = answer, utcnow()
    if move.target == C.APPROVED:
        changes["record_status"] = [record.status, C.REPAIRED]
        _end_by_repair(user, record)
    audit.record(f"credit.repair.{action}", repair, changes={**audit.changed(before, repair), **changes})
    if move.who == states.SOURCE_DEPARTMENT:
        # The credit office coordinates: it learns each department decision (and the record's department
        # learns of a repair because it decides it).
        notify(services.credit_officers(), f"认定部门已{move.label}：{record.doc_number}",
               body=answer[:60], dedupe_key=f"repair-decided-{repair.id}")
    if move.target == C.APPROVED:
        _tell_applicant(repair.applicant_phone_enc, f"您的信用修复申请 X{repair.id}已通过，相关记录已终止公示。")
    elif move.target == C.REJECTED:
        _tell_applicant(repair.applicant_phone_enc, f"您的信用修复申请 X{repair.id}未通过：{answer[:40]}")
    db.session.commit()
    return repair


def _end_by_repair(user, record: C.CreditRecord) -> None:
    """终止公示, stop sharing, lift linked measures and list entries; the record stays for staff as 已修复."""
    subject = db.session.get(C.CreditSubject, record.subject_id)
    record.status, record.ended_on = C.REPAIRED, local_today()
    sharing.withdrawn(record, subject, "repair")
    _lift_measures(user, record, subject)
    lists.remove_for_record(user, record, C.REMOVE_REPAIR, "信用修复")
    # A report printed earlier still carries the record: it no longer verifies as valid (终止公示 everywhere).
    reports.revoke_for_subject(user, subject.id, "所载信用信息已完成信用修复，原报告作废，请重新出具")


def _lift_measures(user, record: C.CreditRecord, subject: C.CreditSubject) -> None:
    """Punishment measures imposed because of the record end with it (联合惩戒措施同步解除)."""
    measures = db.session.execute(
        db.select(C.CreditRecord).where(
            C.CreditRecord.basis_record_id == record.id,
            C.CreditRecord.status.in_((C.PUBLISHED, C.OBJECTED)),
        )
    ).scalars()
    for measure in measures:
        audit.record(
            "credit.record.lift",
            measure,
            actor=user,
            changes={"status": [measure.status, C.LIFTED]},
            detail=f"因 {record.doc_number} {C.RECORD_STATUSES[record.status]}而解除",
        )
        measure.status, measure.ended_on = C.LIFTED, local_today()
        sharing.withdrawn(measure, subject, "lifted")


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
        stmt = stmt.where(
            C.RepairApplication.department == (user.department or ""), C.RepairApplication.state != C.PENDING
        )
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
