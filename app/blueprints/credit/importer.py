"""Bulk import of credit records from XLSX or CSV (read by `app.imports`): row-level rejects with reasons,
idempotent by document number."""
import uuid
from pathlib import Path

from app.blueprints.credit import services
from app.extensions import db
from app.imports import cells
from app.imports.cells import CellError
from app.imports.reader import FileRejected, Row, Table, read_table, sniff_kind
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
REQUIRED = ("证件号码", "类别", "决定书文号", "决定日期", "内容")
CATEGORY_BY_LABEL = {label: key for key, label in C.CATEGORIES.items()}
SEVERITY_BY_LABEL = {label: key for key, label in C.SEVERITIES.items()}
FULFILMENT_BY_LABEL = {label: key for key, label in C.FULFILMENTS.items()}
MAX_ROWS = 20000
MAX_FILE_MB = 20


def check_upload(upload, folder: Path) -> Path:
    """Keep an uploaded XLSX or CSV (checked by content, not by name) for the import job."""
    if upload is None or not upload.filename:
        raise Invalid({"file": "请选择 XLSX 或 CSV 文件"})
    data = upload.read(MAX_FILE_MB * 1024 * 1024 + 1)
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        raise Invalid({"file": f"文件超过 {MAX_FILE_MB} MB 上限，请拆分后导入"})
    if not data.strip():
        raise Invalid({"file": "文件为空"})
    try:
        kind = sniff_kind(data[:8], upload.filename)
    except FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.{kind}"
    path.write_bytes(data)
    return path


def open_file(path: Path) -> Table:
    """The uploaded file's rows; FileRejected when the file as a whole is unusable."""
    return read_table(path, path.name, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)


def _cell(values: Row, column: str, convert, **options):
    try:
        return convert(values.get(column), **options)
    except CellError as exc:
        raise Invalid(f"{column}：{exc}") from None


def _subject(value) -> C.CreditSubject:
    if cells.is_blank(value):
        raise Invalid("证件号码为空")
    if cells.is_numeric_code(value):
        raise Invalid("证件号码" + cells.FORMAT_AS_TEXT)
    text = _cell({"证件号码": value}, "证件号码", cells.as_text, max_length=32).upper().replace(" ", "")
    if len(text) == 18 and text[:17].isdigit():
        number = _cell({"证件号码": text}, "证件号码", cells.as_id_number)
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.id_number_hash == pii.blind_index(number))
        ).scalar_one_or_none()
        shown = pii.mask_id(number)
    else:
        number = _cell({"证件号码": text}, "证件号码", cells.as_credit_code, label="统一社会信用代码")
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.uscc == number)
        ).scalar_one_or_none()
        shown = number
    if found is None:
        raise Invalid(f"证件号码 {shown} 未登记为信用主体，请先登记")
    return found


def _label(values: Row, column: str, choices: dict) -> str | None:
    text = _cell(values, column, cells.as_text)
    if text is None:
        return None
    if text not in choices:
        raise Invalid(f"{column}应为：{'、'.join(choices)}")
    return choices[text]


def import_row(user, values: Row) -> str:
    """Import one row: 'created', 'skipped' (same document number already imported) or Invalid."""
    if values.problem:
        raise Invalid(values.problem)
    subject = _subject(values.get("证件号码"))
    category = _label(values, "类别", CATEGORY_BY_LABEL)
    if category is None:
        raise Invalid(f"类别应为：{'、'.join(CATEGORY_BY_LABEL)}")
    data = {
        "category": category,
        "severity": _label(values, "严重程度", SEVERITY_BY_LABEL),
        "fulfilment": _label(values, "履约状态", FULFILMENT_BY_LABEL),
        "doc_number": _cell(values, "决定书文号", cells.as_text, max_length=64) or "",
        "department": _cell(values, "来源部门", cells.as_text, max_length=64),
        "decision_date": _cell(values, "决定日期", cells.as_date),
        "pub_end": _cell(values, "公示截止日", cells.as_date),
        "content": _cell(values, "内容", cells.as_text, max_length=4000) or "",
        "legal_basis": _cell(values, "依据", cells.as_text, max_length=4000) or "",
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
