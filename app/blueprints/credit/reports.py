"""Credit reports: numbering, the plain data a report prints, the verification code, revoke and reprint."""

import hashlib
import hmac
import json
from datetime import timedelta

from flask import abort, current_app
from sqlalchemy.exc import IntegrityError

from app import sequences
from app.blueprints.credit import classes, lists, scoring
from app.blueprints.jobs.services import on_job_failed, on_job_retry
from app.blueprints.credit.services import mask_name, public_records, subject_code_masked
from app.blueprints.credit.settings import setting
from app.clock import to_local, utcnow
from app.extensions import db
from app.models import credit as C
from app.security import audit
from app.security.scoping import scope
from app.validation import Invalid

# The national report's order: 行政管理信息, 严重失信主体名单, 异常名录, other 失信, 守信激励, 信用承诺.
SECTIONS = (
    ("license", "行政许可", C.LICENSE),
    ("penalty", "行政处罚", C.PENALTY),
    ("blacklist", "严重失信主体名单信息", C.BLACKLIST),
    ("abnormal", "异常名录信息", C.ABNORMAL),
    ("watch", "其他失信信息", C.WATCH),
    ("redlist", "守信激励", C.REDLIST),
    ("promise", "信用承诺及履约", C.PROMISE),
)


def _day_max_sequence(prefix: str) -> int:
    last = db.session.execute(
        db.select(db.func.max(C.CreditReport.number)).where(C.CreditReport.number.startswith(prefix))
    ).scalar_one()
    return int(last[8:]) if last else 0


def _next_number(issued, resync: bool = False) -> str:
    """Date + five-digit sequence of the day (China time), e.g. 2026112200017, from a database counter that is
    atomic across every web process; it starts from (or is re-synced to) the highest stored number."""
    prefix = to_local(issued).strftime("%Y%m%d")
    name = f"credit-report:{prefix}"
    if resync:
        sequences.raise_to(name, _day_max_sequence(prefix))
        return f"{prefix}{sequences.next_value(name):05d}"
    return f"{prefix}{sequences.next_value(name, start_after=_day_max_sequence(prefix)):05d}"


def create_report(subject: C.CreditSubject, *, channel: str, requester=None, device=None) -> C.CreditReport:
    """A pending report with its number, validity and the score of the active model; the job renders it."""
    model, result = scoring.evaluate(subject)
    issued = utcnow()
    for attempt in range(5):  # a clash means numbers were stored past the counter: re-sync and retry
        report = C.CreditReport(
            number=_next_number(issued, resync=attempt > 0),
            subject_id=subject.id,
            channel=channel,
            device_id=device.id if device else None,
            requested_by=requester.id if requester else None,
            issued_at=issued,
            valid_until=issued + timedelta(days=setting("CREDIT_REPORT_VALID_DAYS")),
            score=result["score"],
            grade=result["grade"],
            model_version=model.version,
            model_kind=model.kind,
            masked_name=mask_name(subject.name),
            masked_code=subject_code_masked(subject),
        )
        db.session.add(report)
        try:
            db.session.flush()
            break
        except IntegrityError:
            db.session.rollback()
            model = scoring.active_model(subject.kind)
    else:
        raise Invalid("报告编号生成冲突，请重试")
    audit.record(
        "credit.report.issue",
        report,
        actor=requester,
        detail=f"报告 {report.number}，主体 {subject.id}，渠道 {channel}"
        + (f"，终端 {device.id}" if device else ""),
    )
    db.session.commit()
    return report


@on_job_failed("credit_report")
def _not_rendered(job) -> None:
    """A render job that failed (crash, lost queue, Redis down at enqueue) leaves its report failed, not pending."""
    report = db.session.get(C.CreditReport, (job.params or {}).get("report") or 0)
    if report is not None and report.state == C.REPORT_PENDING:
        report.state = C.REPORT_FAILED


@on_job_retry("credit_report")
def _render_again(job) -> None:
    report = db.session.get(C.CreditReport, (job.params or {}).get("report") or 0)
    if report is not None and report.state == C.REPORT_FAILED:
        report.state = C.REPORT_PENDING


def report_data(report: C.CreditReport, verify_url: str) -> dict:
    """Everything the PDF template prints, as plain values (the template never touches the database)."""
    subject = db.session.get(C.CreditSubject, report.subject_id)
    model = scoring.model_version(report.model_kind, report.model_version)
    as_of = to_local(report.issued_at).date()
    _model, explanation = scoring.evaluate(subject, as_of, model)
    records = public_records(subject.id, as_of)
    sections = []
    for key, title, category in SECTIONS:
        rows = [_record_row(r) for r in records if r.category == category]
        sections.append({"key": key, "title": title, "rows": rows})
    # Only appeals about records still on the report: a repaired or withdrawn record leaves no trace in it.
    shown = [r.id for r in records] or [0]
    objections = db.session.execute(
        db.select(C.Objection)
        .where(C.Objection.subject_id == subject.id, C.Objection.record_id.in_(shown))
        .order_by(C.Objection.id)
    ).scalars()
    repairs = db.session.execute(
        db.select(C.RepairApplication)
        .where(C.RepairApplication.subject_id == subject.id, C.RepairApplication.record_id.in_(shown))
        .order_by(C.RepairApplication.id)
    ).scalars()
    appeals = [
        {
            "kind": "异议",
            "doc": o.record_id,
            "state": C.OBJECTION_STATES[o.state],
            "outcome": C.OBJECTION_OUTCOMES.get(o.outcome or "", ""),
            "date": _day(o.created_at),
        }
        for o in objections
    ]
    appeals += [
        {
            "kind": "修复",
            "doc": r.record_id,
            "state": C.REPAIR_STATES[r.state],
            "outcome": "",
            "date": _day(r.created_at),
        }
        for r in repairs
    ]
    docs = (
        dict(
            db.session.execute(
                db.select(C.CreditRecord.id, C.CreditRecord.doc_number).where(
                    C.CreditRecord.id.in_([a["doc"] for a in appeals])
                )
            ).all()
        )
        if appeals
        else {}
    )
    for item in appeals:
        item["doc"] = docs.get(item["doc"], "")
    return {
        "number": report.number,
        "issued_at": to_local(report.issued_at).strftime("%Y-%m-%d %H:%M"),
        "valid_until": to_local(report.valid_until).strftime("%Y-%m-%d"),
        "verify_url": verify_url,
        "subject": {
            "name": subject.name,
            "kind": subject.kind_label,
            "code": subject_code_masked(subject),
            "is_org": subject.is_org,
            "legal_rep": subject.legal_rep_name or "",
            "address": subject.address,
            "region": subject.region.name if subject.region else "",
        },
        "sections": sections,
        "score": report.score,
        "grade": report.grade,
        "model_version": report.model_version,
        "model_title": explanation["title"],
        "scale": explanation["scale"],
        "lists": _list_rows(subject.id, as_of),
        "dimensions": explanation["dimensions"],
        "base": explanation["base"],
        "appeals": appeals,
    }


def _list_rows(subject_id: int, as_of) -> list[dict]:
    """Current entries on the named lists (removed ones do not appear)."""
    rows = []
    for entry in lists.entries_of(subject_id, current_only=True):
        if entry.entered_on > as_of or (entry.valid_until and entry.valid_until < as_of):
            continue
        rows.append({
            "list": C.LIST_KINDS[entry.list_kind], "doc": entry.doc_number, "authority": entry.authority,
            "basis": entry.basis, "date": entry.entered_on.isoformat(),
            "valid_until": entry.valid_until.isoformat() if entry.valid_until else "",
        })
    return rows


def _record_row(record: C.CreditRecord) -> dict:
    return {
        "penalty_kind": record.penalty_kind or "",
        "fine": _amount(record.fine_amount),
        "license_valid": _validity(record),
        "doc": record.doc_number,
        "department": record.department,
        "date": record.decision_date.isoformat(),
        "content": record.content,
        "basis": record.legal_basis,
        "severity": C.SEVERITIES.get(record.severity or "", ""),
        "fulfilment": C.FULFILMENTS.get(record.fulfilment or "", ""),
        "window": f"{record.pub_start.isoformat()} 至 {classes.longest_end(record).isoformat()}",
        "objected": record.status == C.OBJECTED,
    }


def _amount(value) -> str:
    """罚款金额 in 万元 without trailing zeros."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _validity(record: C.CreditRecord) -> str:
    if not (record.license_valid_from or record.license_valid_to):
        return ""
    start = record.license_valid_from.isoformat() if record.license_valid_from else ""
    end = record.license_valid_to.isoformat() if record.license_valid_to else "长期"
    return f"{start} 至 {end}"


def _day(value) -> str:
    return to_local(value).strftime("%Y-%m-%d")


def content_digest(data: dict) -> str:
    """SHA-256 of the report's data in canonical JSON (what the QR code vouches for)."""
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def verify_code(number: str, digest: str) -> str:
    """HMAC of the number and the digest, keyed by the server secret; short enough for a QR code."""
    key = hashlib.sha256(b"credit-report-verify:" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, f"{number}:{digest}".encode(), hashlib.sha256).hexdigest()[:24]


def get_report_or_404(user, report_id: int) -> C.CreditReport:
    """One report by id, of a subject in the user's area."""
    report = db.session.execute(
        reports_query(user).where(C.CreditReport.id == report_id)
    ).scalar_one_or_none()
    if report is None:
        abort(404)
    return report


def find_report(number: str) -> C.CreditReport | None:
    """A report by its number, or None."""
    if not number.isdigit() or len(number) > 32:
        return None
    return db.session.execute(
        db.select(C.CreditReport).where(C.CreditReport.number == number)
    ).scalar_one_or_none()


def public_status(report: C.CreditReport) -> str:
    """有效 / 已过期 / 已撤销 / 生成中."""
    if report.revoked_at:
        return "已撤销"
    if report.state != C.REPORT_READY:
        return "生成中" if report.state == C.REPORT_PENDING else "生成失败"
    return "已过期" if report.valid_until < utcnow() else "有效"


def code_matches(report: C.CreditReport, code: str) -> bool:
    """True when the code in the QR link is the one the server issued for this report."""
    if not report.content_sha256 or not code:
        return False
    return hmac.compare_digest(verify_code(report.number, report.content_sha256), code.strip()[:64])


def pdf_matches(report: C.CreditReport, data: bytes) -> bool:
    """True when an uploaded file is byte for byte the archived PDF."""
    return bool(report.pdf_sha256) and hmac.compare_digest(
        hashlib.sha256(data).hexdigest(), report.pdf_sha256
    )


def revoke(user, report: C.CreditReport, reason: str) -> C.CreditReport:
    """Revoke a report: verification shows 已撤销 from now on."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写撤销原因"})
    if report.revoked_at:
        raise Invalid("该报告已撤销")
    before = audit.snapshot(report, ("revoked_at", "revoke_reason"))
    report.revoked_at, report.revoke_reason = utcnow(), reason[:255]
    audit.record("credit.report.revoke", report, changes=audit.changed(before, report), detail=report.number)
    db.session.commit()
    return report


def revoke_for_subject(user, subject_id: int, reason: str) -> int:
    """Revoke the subject's still-valid reports (inside the caller's transaction); returns how many."""
    now = utcnow()
    issued = db.session.execute(
        db.select(C.CreditReport).where(
            C.CreditReport.subject_id == subject_id,
            C.CreditReport.revoked_at.is_(None),
            C.CreditReport.valid_until > now,
        )
    ).scalars().all()
    for report in issued:
        report.revoked_at, report.revoke_reason = now, reason[:255]
        audit.record("credit.report.revoke", report, actor=user, changes={"revoked_at": [None, now.isoformat()]},
                     detail=f"{report.number}：{reason}")
    return len(issued)


def reports_query(user, subject_id: int | None = None, text: str = ""):
    """Issued reports of subjects in the user's area, newest first, optionally for one subject or number."""
    stmt = db.select(C.CreditReport).join(C.CreditSubject, C.CreditReport.subject_id == C.CreditSubject.id)
    stmt = scope(stmt, C.CreditSubject.region_id, user).order_by(C.CreditReport.id.desc())
    if subject_id:
        stmt = stmt.where(C.CreditReport.subject_id == subject_id)
    if text:
        stmt = stmt.where(C.CreditReport.number.startswith(text.strip(), autoescape=True))
    return stmt
