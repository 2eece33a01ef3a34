"""Credit subjects and records: validation, publication windows, scoped queries, corrections."""

from datetime import date
from decimal import Decimal

from flask import abort
from stdnum.cn import uscc as uscc_std

from app.blueprints.credit import classes, sharing
from app.blueprints.credit.classes import add_months
from app.clock import local_today
from app.extensions import db
from app.models import credit as C
from app.models.region import Region
from app.security import audit, pii
from app.security import permissions as P
from app.security.scoping import get_scoped_or_404, in_scope, scope
from app.validation import Invalid
from app.versioning import check_version

SUBJECT_FIELDS = (
    "kind",
    "name",
    "uscc",
    "legal_rep_name",
    "address",
    "region_id",
    "id_number_hash",
    "legal_rep_id_hash",
    "phone_enc",
)
RECORD_FIELDS = (
    "category",
    "department",
    "doc_number",
    "decision_date",
    "content",
    "legal_basis",
    "severity",
    "publish_necessary",
    "fulfilment",
    "penalty_kind",
    "fine_amount",
    "license_valid_from",
    "license_valid_to",
    "pub_start",
    "pub_end",
    "status",
    "version",
    "ended_on",
)


def parse_uscc(raw: str | None, field: str = "uscc") -> str:
    """A valid 统一社会信用代码 (stdnum.cn.uscc), or Invalid with the reason in Chinese."""
    text = (raw or "").strip().upper().replace(" ", "")
    if not text:
        raise Invalid({field: "请输入统一社会信用代码"})
    if len(text) != 18:
        raise Invalid({field: "统一社会信用代码应为 18 位"})
    try:
        return uscc_std.validate(text)
    except uscc_std.InvalidChecksum:
        raise Invalid({field: "统一社会信用代码校验位不正确，请核对"}) from None
    except uscc_std.ValidationError:
        raise Invalid({field: "统一社会信用代码格式不正确"}) from None


# --- subjects ---------------------------------------------------------------------------------------------


def subjects_query(user, text: str = "", kind: str = ""):
    """Subjects in the user's area, searched by name, exact ID number or credit code."""
    stmt = scope(db.select(C.CreditSubject), C.CreditSubject.region_id, user).order_by(
        C.CreditSubject.name, C.CreditSubject.id
    )
    if kind in C.SUBJECT_KINDS:
        stmt = stmt.where(C.CreditSubject.kind == kind)
    text = text.strip().upper()
    if text:
        if len(text) == 18 and text[:17].isdigit():
            stmt = stmt.where(C.CreditSubject.id_number_hash == pii.blind_index(text))
        elif len(text) == 18:
            stmt = stmt.where(C.CreditSubject.uscc == text)
        else:
            stmt = stmt.where(C.CreditSubject.name.contains(text, autoescape=True))
    return stmt


def find_subject_by_code(user, code: str, field: str = "code") -> C.CreditSubject:
    """A subject in the user's area by 统一社会信用代码 or resident ID; Invalid (Chinese) when unknown."""
    text = (code or "").strip().upper()
    if len(text) == 18 and text[:17].isdigit():
        number = pii.parse_id_number(text, field).number
        condition = C.CreditSubject.id_number_hash == pii.blind_index(number)
    else:
        condition = C.CreditSubject.uscc == parse_uscc(text, field)
    stmt = scope(db.select(C.CreditSubject), C.CreditSubject.region_id, user).where(condition)
    subject = db.session.execute(stmt).scalar_one_or_none()
    if subject is None:
        raise Invalid({field: "该代码或号码未登记为信用主体，请先登记主体"})
    return subject


def get_subject_or_404(user, subject_id: int) -> C.CreditSubject:
    """A subject in the user's area."""
    return get_scoped_or_404(C.CreditSubject, subject_id, user=user)


def create_subject(
    user,
    *,
    kind: str,
    name: str,
    id_number: str = "",
    uscc: str = "",
    legal_rep_name: str = "",
    legal_rep_id: str = "",
    phone: str = "",
    address: str = "",
    region_id: int,
) -> C.CreditSubject:
    """Register a person (resident ID) or an organisation (credit code, legal representative)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请输入名称或姓名"]
    region = db.session.get(Region, region_id)
    if region is None or not in_scope(region, user):
        errors["region_id"] = ["所选区划不存在或不在您的管辖范围内"]
    subject = C.CreditSubject(
        kind=kind, name=name, address=(address or "").strip()[:255], region_id=region_id
    )
    try:
        # A phone is optional: 双公示 data carries none; without one the kiosk cannot send this subject a code.
        phone_clean = pii.normalize_phone(phone) if (phone or "").strip() else None
        subject.phone_enc = pii.encrypt(phone_clean) if phone_clean else None
    except Invalid as exc:
        errors.update(exc.errors)
    if kind == C.PERSON:
        try:
            number = pii.parse_id_number(id_number).number
            subject.id_number_enc, subject.id_number_hash = pii.encrypt(number), pii.blind_index(number)
            if _exists(C.CreditSubject.id_number_hash == subject.id_number_hash):
                errors["id_number"] = ["该公民身份号码已登记为信用主体"]
        except Invalid as exc:
            errors.update(exc.errors)
    elif kind in C.CODED_KINDS:
        try:
            subject.uscc = parse_uscc(uscc)
            if _exists(C.CreditSubject.uscc == subject.uscc):
                errors["uscc"] = ["该统一社会信用代码已登记"]
        except Invalid as exc:
            errors.update(exc.errors)
        subject.legal_rep_name = (legal_rep_name or "").strip()[:64]
        if not subject.legal_rep_name:
            errors["legal_rep_name"] = ["请输入法定代表人姓名"]
        try:
            rep = pii.parse_id_number(legal_rep_id, "legal_rep_id").number
            subject.legal_rep_id_enc, subject.legal_rep_id_hash = pii.encrypt(rep), pii.blind_index(rep)
        except Invalid as exc:
            errors.update(exc.errors)
    else:
        errors["kind"] = ["请选择主体类型"]
    if errors:
        raise Invalid(errors)
    db.session.add(subject)
    db.session.flush()
    audit.record(
        "credit.subject.create",
        subject,
        changes={k: [None, v] for k, v in audit.snapshot(subject, SUBJECT_FIELDS).items() if v},
    )
    db.session.commit()
    return subject


def register_from_row(
    user, *, kind: str, name: str, id_number: str | None, uscc: str | None, legal_rep_name: str = "",
    legal_rep_id: str | None = None, region_id: int | None = None,
) -> C.CreditSubject:
    """A subject named by a 双公示 row (validated code or ID number); no phone, no legal representative ID
    needed. Added to the caller's transaction and audited; the caller commits."""
    subject = C.CreditSubject(kind=kind, name=name.strip()[:128], address="", region_id=region_id or user.region_id,
                              legal_rep_name=(legal_rep_name or "").strip()[:64] or None)
    if id_number:
        subject.id_number_enc, subject.id_number_hash = pii.encrypt(id_number), pii.blind_index(id_number)
    if uscc:
        subject.uscc = uscc
    if legal_rep_id:
        subject.legal_rep_id_enc, subject.legal_rep_id_hash = pii.encrypt(legal_rep_id), pii.blind_index(legal_rep_id)
    db.session.add(subject)
    db.session.flush()
    audit.record(
        "credit.subject.create",
        subject,
        actor=user,
        changes={k: [None, v] for k, v in audit.snapshot(subject, SUBJECT_FIELDS).items() if v},
        detail="双公示导入时按数据行登记",
    )
    return subject


def _exists(condition) -> bool:
    return db.session.execute(db.select(C.CreditSubject.id).where(condition).limit(1)).first() is not None


def subject_code_masked(subject: C.CreditSubject) -> str:
    """Masked resident ID, or the public credit code."""
    if subject.kind == C.PERSON:
        return pii.mask_id(pii.decrypt(subject.id_number_enc))
    return subject.uscc or ""


def reveal_id_number(subject: C.CreditSubject) -> str:
    """The full resident ID of a person; every reveal writes an audit row."""
    number = pii.decrypt(subject.id_number_enc) or ""
    audit.record("credit.subject.reveal", subject, detail="查看完整公民身份号码")
    db.session.commit()
    return number


def mask_name(name: str) -> str:
    """张*三 / 青禾县****有限公司 style, for public pages."""
    if len(name) <= 1:
        return name
    if len(name) <= 3:
        return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) == 3 else name[0] + "*"
    keep = max(2, len(name) // 3)
    return name[:keep] + "*" * (len(name) - keep * 2) + name[-keep:]


# --- records ----------------------------------------------------------------------------------------------


def check_window(
    category: str, severity: str | None, decision: date, start: date | None, end: date | None
) -> tuple[date, date]:
    """The publication window, defaulted from the decision date and kept within the class's bounds."""
    _low, default, _high = classes.bounds(category, severity)
    start = start or decision
    end = end or add_months(decision, default)
    errors = {}
    if start < decision:
        errors["pub_start"] = "公示起始日不能早于决定日期"
    bound_error = classes.window_error(category, severity, decision, end)
    if bound_error:
        errors["pub_end"] = bound_error
    elif end <= start:
        errors["pub_end"] = "公示截止日应晚于起始日"
    if errors:
        raise Invalid(errors)
    return start, end


def records_query(user):
    """Records the user may see: department users only their own department's; credit officers all."""
    stmt = db.select(C.CreditRecord).join(C.CreditSubject, C.CreditRecord.subject_id == C.CreditSubject.id)
    stmt = scope(stmt, C.CreditSubject.region_id, user)
    if not user.can(P.CREDIT_MANAGE):
        stmt = stmt.where(C.CreditRecord.department == (user.department or ""))
    return stmt


def get_record_or_404(user, record_id: int) -> C.CreditRecord:
    """A record the user may see."""
    record = db.session.execute(
        records_query(user).where(C.CreditRecord.id == record_id)
    ).scalar_one_or_none()
    if record is None:
        abort(404)
    return record


def subject_records(user, subject_id: int) -> list[C.CreditRecord]:
    """All records of one subject the user may see, newest decision first."""
    stmt = records_query(user).where(C.CreditRecord.subject_id == subject_id)
    return list(
        db.session.execute(stmt.order_by(C.CreditRecord.decision_date.desc(), C.CreditRecord.id)).scalars()
    )


def public_records(subject_id: int, today: date | None = None) -> list[C.CreditRecord]:
    """Records that appear on a report, the kiosk and shared data today: published or under objection, inside
    their window (capped at the class's longest period), and not an unpublished 轻微 record."""
    today = today or local_today()
    stmt = (
        db.select(C.CreditRecord)
        .where(
            C.CreditRecord.subject_id == subject_id,
            C.CreditRecord.status.in_((C.PUBLISHED, C.OBJECTED)),
            C.CreditRecord.pub_start <= today,
            C.CreditRecord.pub_end >= today,
        )
        .order_by(C.CreditRecord.decision_date.desc(), C.CreditRecord.id)
    )
    return [r for r in db.session.execute(stmt).scalars() if classes.is_public_on(r, today)]


def record_department(user, department: str | None) -> str:
    """Department users write for their own department; credit officers name one."""
    if user.role == P.DEPARTMENT or not user.can(P.CREDIT_MANAGE):
        return user.department or ""
    return (department or "").strip() or (user.department or "信用办")


def validate_record(user, data: dict, *, record: C.CreditRecord | None = None) -> dict:
    """Check a record's fields; returns clean values or raises Invalid with every problem."""
    errors: dict[str, str] = {}
    category = data.get("category")
    if category not in C.CATEGORIES:
        errors["category"] = "请选择信用记录类别"
    severity = data.get("severity") or None
    class_error = classes.class_error(category, severity) if category in C.CATEGORIES else None
    if class_error:
        errors["severity"] = class_error
    if not classes.is_dishonest(category):
        severity = None
    necessary = bool(data.get("publish_necessary")) and severity == C.MINOR
    fulfilment = data.get("fulfilment") or None
    if category == C.PROMISE:
        fulfilment = fulfilment if fulfilment in C.FULFILMENTS else "pending"
    else:
        fulfilment = None
    doc = (data.get("doc_number") or "").strip()
    if not doc:
        errors["doc_number"] = "请输入决定书文号"
    elif len(doc) > 64:
        errors["doc_number"] = "文号过长"
    content = (data.get("content") or "").strip()
    if not content:
        errors["content"] = "请输入记录内容"
    decision = data.get("decision_date")
    if not isinstance(decision, date):
        errors["decision_date"] = "请输入决定日期"
    elif decision > local_today():
        errors["decision_date"] = "决定日期不能晚于今天"
    department = record.department if record else record_department(user, data.get("department"))
    if not department:
        errors["department"] = "无法确定来源部门：请管理员为账号设置所属部门"
    if doc and department:
        clash = db.select(C.CreditRecord.id).where(
            C.CreditRecord.department == department, C.CreditRecord.doc_number == doc
        )
        if record is not None:
            clash = clash.where(C.CreditRecord.id != record.id)
        if db.session.execute(clash.limit(1)).first():
            errors["doc_number"] = f"文号“{doc}”在{department}已有记录，不能重复录入"
    extra = _national_fields(category, data, errors)
    if errors:
        raise Invalid(errors)
    start, end = check_window(category, severity, decision, data.get("pub_start"), data.get("pub_end"))
    return {
        **extra,
        "category": category,
        "severity": severity,
        "publish_necessary": necessary,
        "fulfilment": fulfilment,
        "doc_number": doc,
        "content": content,
        "legal_basis": (data.get("legal_basis") or "").strip(),
        "decision_date": decision,
        "department": department,
        "pub_start": start,
        "pub_end": end,
    }


def _national_fields(category: str, data: dict, errors: dict) -> dict:
    """处罚类别 and 罚款金额（万元） for penalties, 许可有效期 for licences (双公示 template fields)."""
    penalty_kind = (data.get("penalty_kind") or "").strip()[:64] if category == C.PENALTY else ""
    fine = data.get("fine_amount") if category == C.PENALTY else None
    if fine not in (None, ""):
        try:
            fine = Decimal(str(fine))
        except ArithmeticError:
            fine = None
            errors["fine_amount"] = "罚款金额应为数字（单位：万元）"
        else:
            if fine < 0 or fine >= Decimal(10) ** 9:
                errors["fine_amount"] = "罚款金额应为不小于 0 的数字（单位：万元）"
    else:
        fine = None
    valid_from = data.get("license_valid_from") if category == C.LICENSE else None
    valid_to = data.get("license_valid_to") if category == C.LICENSE else None
    if valid_from and valid_to and valid_to < valid_from:
        errors["license_valid_to"] = "许可有效期至不能早于有效期自"
    return {
        "penalty_kind": penalty_kind,
        "fine_amount": fine,
        "license_valid_from": valid_from or None,
        "license_valid_to": valid_to or None,
    }


def create_record(user, subject: C.CreditSubject, data: dict, *, commit: bool = True) -> C.CreditRecord:
    """Publish a record for a subject."""
    clean = validate_record(user, data)
    record = C.CreditRecord(
        subject_id=subject.id, created_by=user.id if user else None, status=C.PUBLISHED, **clean
    )
    db.session.add(record)
    db.session.flush()
    sharing.published(record, subject)
    audit.record(
        "credit.record.create",
        record,
        actor=user,
        changes={k: [None, v] for k, v in audit.snapshot(record, RECORD_FIELDS).items() if v is not None},
    )
    if commit:
        db.session.commit()
    return record


def correct_record(user, record: C.CreditRecord, data: dict, reason: str) -> C.CreditRecord:
    """更正: keep the current text as a version, then apply the corrected fields."""
    clean = validate_record(user, data, record=record)
    before = audit.snapshot(record, RECORD_FIELDS)
    db.session.add(
        C.CreditRecordVersion(record_id=record.id, version=record.version, data=before, reason=reason)
    )
    for key, value in clean.items():
        setattr(record, key, value)
    record.version += 1
    audit.record(
        "credit.record.correct", record, actor=user, changes=audit.changed(before, record), detail=reason
    )
    return record


def record_versions(record_id: int) -> list[C.CreditRecordVersion]:
    """Earlier versions of a record, newest first."""
    stmt = db.select(C.CreditRecordVersion).where(C.CreditRecordVersion.record_id == record_id)
    return list(db.session.execute(stmt.order_by(C.CreditRecordVersion.version.desc())).scalars())


def set_fulfilment(user, record: C.CreditRecord, fulfilment: str, *, version=None) -> C.CreditRecord:
    """Change a commitment's fulfilment state; a page older than the record is refused."""
    check_version(record, version)
    if record.category != C.PROMISE or fulfilment not in C.FULFILMENTS:
        raise Invalid("只有信用承诺记录可以设置履约状态")
    before = audit.snapshot(record, RECORD_FIELDS)
    record.fulfilment = fulfilment
    audit.record("credit.record.fulfilment", record, changes=audit.changed(before, record))
    db.session.commit()
    return record


def department_users(department: str) -> list[int]:
    """Ids of the enabled department accounts of one department (they answer objections)."""
    from app.models.user import User

    stmt = db.select(User.id).where(
        User.role == P.DEPARTMENT, User.department == department, User.is_enabled.is_(True)
    )
    return list(db.session.execute(stmt).scalars())


def credit_officers() -> list[int]:
    """Ids of the enabled credit officers."""
    from app.models.user import User

    stmt = db.select(User.id).where(User.role == P.CREDIT_ADMIN, User.is_enabled.is_(True))
    return list(db.session.execute(stmt).scalars())


def rule_findings(user, limit: int = 500) -> list[tuple[C.CreditRecord, C.CreditSubject, list[str]]]:
    """Records still in publication that do not fit the current class rules, for the credit office to review.

    Records kept from the earlier rule set are never changed silently: the office corrects each one (更正) or
    the department confirms it; until then publication still ends by itself at the class's longest period.
    """
    stmt = (
        records_query(user)
        .add_columns(C.CreditSubject)
        .where(C.CreditRecord.category.in_(C.DISHONEST), C.CreditRecord.status.in_((C.PUBLISHED, C.OBJECTED)))
        .order_by(C.CreditRecord.decision_date, C.CreditRecord.id)
    )
    found = []
    for record, subject in db.session.execute(stmt).all():
        problems = classes.findings(record)
        if problems:
            found.append((record, subject, problems))
            if len(found) >= limit:
                break
    return found
