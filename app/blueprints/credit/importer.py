"""Bulk import of credit records from XLSX: row-level rejects with reasons, idempotent by document number."""

from datetime import date, datetime
from pathlib import Path

from app.blueprints.credit import services
from app.extensions import db
from app.models import credit as C
from app.security import pii
from app.validation import Invalid

COLUMNS = (
    "证件号码",
    "类别",
    "严重程度",
    "履约状态",
    "决定书文号",
    "来源部门",
    "决定日期",
    "公示截止日",
    "内容",
    "依据",
)
CATEGORY_BY_LABEL = {label: key for key, label in C.CATEGORIES.items()}
SEVERITY_BY_LABEL = {label: key for key, label in C.SEVERITIES.items()}
FULFILMENT_BY_LABEL = {label: key for key, label in C.FULFILMENTS.items()}
MAX_ROWS = 20000


def check_upload(upload, folder: Path) -> Path:
    """Keep an uploaded workbook (checked by content: an XLSX is a ZIP file) for the import job."""
    if upload is None or not upload.filename:
        raise Invalid({"file": "请选择 XLSX 文件"})
    data = upload.read()
    if not data.startswith(b"PK\x03\x04"):
        raise Invalid({"file": "文件不是 XLSX 工作簿（按文件内容检查）"})
    folder.mkdir(parents=True, exist_ok=True)
    import uuid

    path = folder / f"{uuid.uuid4().hex}.xlsx"
    path.write_bytes(data)
    return path


def _day(value, name: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"{name}格式应为 YYYY-MM-DD") from None


def _subject(number: str) -> C.CreditSubject:
    number = (number or "").strip().upper()
    if len(number) == 18 and number[:17].isdigit():
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.id_number_hash == pii.blind_index(number))
        ).scalar_one_or_none()
    else:
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.uscc == number)
        ).scalar_one_or_none()
    if found is None:
        raise Invalid(
            f"证件号码 {pii.mask_id(number) if number[:17].isdigit() else number} 未登记为信用主体，请先登记"
        )
    return found


def import_row(user, values: dict) -> str:
    """Import one row: 'created', 'skipped' (same document number already imported) or Invalid."""
    subject = _subject(str(values.get("证件号码") or ""))
    category = CATEGORY_BY_LABEL.get(str(values.get("类别") or "").strip())
    if category is None:
        raise Invalid(f"类别应为：{'、'.join(CATEGORY_BY_LABEL)}")
    data = {
        "category": category,
        "severity": SEVERITY_BY_LABEL.get(str(values.get("严重程度") or "").strip()),
        "fulfilment": FULFILMENT_BY_LABEL.get(str(values.get("履约状态") or "").strip()),
        "doc_number": str(values.get("决定书文号") or "").strip(),
        "department": values.get("来源部门"),
        "decision_date": _day(values.get("决定日期"), "决定日期"),
        "pub_end": _day(values.get("公示截止日"), "公示截止日"),
        "content": str(values.get("内容") or ""),
        "legal_basis": str(values.get("依据") or ""),
    }
    department = services.record_department(user, data["department"])
    existing = db.session.execute(
        db.select(C.CreditRecord).where(
            C.CreditRecord.department == department, C.CreditRecord.doc_number == data["doc_number"]
        )
    ).scalar_one_or_none()
    if existing is not None:
        if existing.subject_id == subject.id:
            return "skipped"
        raise Invalid(f"文号“{data['doc_number']}”已用于另一主体的记录")
    services.create_record(user, subject, data, commit=False)
    return "created"


def flatten(errors: Invalid) -> str:
    """One line of Chinese reasons."""
    return "；".join(m for msgs in errors.errors.values() for m in msgs)
