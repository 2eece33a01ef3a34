"""双公示 import in the national reporting template (行政处罚 / 行政许可), XLSX or CSV in any office encoding.

Subjects are keyed by a validated 统一社会信用代码 or resident ID and created from the row when unknown (no
phone: 双公示 data has none). Rows are idempotent by 决定书文号 + department; every rejected row comes back
with its reason; each row is written in its own savepoint, so a rejected row leaves nothing behind.
"""

import uuid
from pathlib import Path

from app.blueprints.credit import services
from app.extensions import db
from app.imports import cells
from app.imports.cells import CellError
from app.imports.reader import FileRejected, read_table
from app.models import credit as C
from app.security import pii
from app.security import permissions as P
from app.validation import Invalid

PENALTY_COLUMNS = (
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
    "备注",
    # Local supplement (地方补充目录): the 失信 class when the department states it; otherwise derived below.
    "失信等级",
)
PENALTY_REQUIRED = ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "证件号码", "行政处罚决定书文号",
                    "处罚类别", "处罚内容", "处罚决定日期", "处罚机关")
LICENSE_COLUMNS = (
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码", "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号",
    "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注",
)
LICENSE_REQUIRED = ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "证件号码", "行政许可决定文书号",
                    "许可内容", "许可决定日期", "许可机关")
TEMPLATES = {
    C.PENALTY: ("行政处罚", PENALTY_COLUMNS, PENALTY_REQUIRED),
    C.LICENSE: ("行政许可", LICENSE_COLUMNS, LICENSE_REQUIRED),
}
# The layout this portal used before the national template; recognised to say what to do instead.
HOUSE_COLUMNS = ("证件号码", "类别", "严重程度", "决定书文号", "来源部门", "决定日期", "公示截止日", "内容")
KIND_BY_LABEL = {"法人及非法人组织": C.ORG, "法人和非法人组织": C.ORG, "自然人": C.PERSON, "个体工商户": C.INDIVIDUAL}
LICENSE_KINDS = ("普通", "特许", "认可", "核准", "登记", "其他")
CLASS_BY_LABEL = {label: key for key, label in C.SEVERITIES.items()}
# 处罚类别 words that make a penalty 严重 or 轻微 when the file states no class (DOMAIN: 按照过罚相当原则).
SERIOUS_WORDS = ("吊销", "限制从业", "责令关闭", "限制开展生产经营活动", "降低资质等级", "撤销许可")
MINOR_ONLY = ("警告", "通报批评")
MAX_ROWS = 20000
ALLOWED_SUFFIXES = (".xlsx", ".csv")


def check_upload(upload, folder: Path) -> tuple[Path, str]:
    """Keep an uploaded XLSX or CSV for the import job; (stored path, original name)."""
    if upload is None or not upload.filename:
        raise Invalid({"file": "请选择 XLSX 或 CSV 文件"})
    name = Path(upload.filename).name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise Invalid({"file": "只支持 .xlsx 或 .csv 文件"})
    data = upload.read()
    if not data.strip():
        raise Invalid({"file": "文件为空"})
    if name.lower().endswith(".xlsx") and not data.startswith(b"PK\x03\x04"):
        raise Invalid({"file": "文件不是 XLSX 工作簿（按文件内容检查）"})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    path.write_bytes(data)
    return path, name


def open_table(path, filename: str, category: str):
    """The file's rows in the national template of `category`; FileRejected with the Chinese reason otherwise."""
    label, columns, required = TEMPLATES[category]
    try:
        return read_table(path, filename, columns=columns, required=required, max_rows=MAX_ROWS)
    except FileRejected as exc:
        if exc.missing and _is_house_layout(path, filename):
            raise FileRejected(
                f"这是本系统旧的 10 列导入格式，已停用：请按全国双公示{label}标准模板填报（列名见导入页）"
            ) from None
        raise


def _is_house_layout(path, filename: str) -> bool:
    try:
        read_table(path, filename, columns=HOUSE_COLUMNS, required=HOUSE_COLUMNS, max_rows=MAX_ROWS).close()
    except FileRejected:
        return False
    return True


def _cell(convert, row: dict, column: str, **kwargs):
    try:
        return convert(row.get(column), **kwargs)
    except CellError as exc:
        raise Invalid({column: f"{column}：{exc}"}) from None


def _required(value, column: str):
    if value in (None, ""):
        raise Invalid({column: f"{column}不能为空"})
    return value


def subject_for_row(user, row: dict) -> C.CreditSubject:
    """The row's subject by credit code or ID number, created from the row when unknown."""
    name = _required(_cell(cells.as_text, row, "行政相对人名称", max_length=128), "行政相对人名称")
    kind_label = _required(_cell(cells.as_text, row, "行政相对人类别", max_length=32), "行政相对人类别")
    kind = KIND_BY_LABEL.get(kind_label)
    if kind is None:
        raise Invalid({"行政相对人类别": "行政相对人类别应为：法人及非法人组织、自然人、个体工商户"})
    rep_name = _cell(cells.as_text, row, "法定代表人", max_length=64) or ""
    rep_id = _cell(cells.as_id_number, row, "法定代表人证件号码", label="法定代表人证件号码") \
        if (_cell(cells.as_text, row, "法定代表人证件类型", max_length=32) or "身份证") in ("身份证", "居民身份证") \
        else None
    if kind == C.PERSON:
        number = _required(_cell(cells.as_id_number, row, "证件号码"), "证件号码")
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.id_number_hash == pii.blind_index(number))
        ).scalar_one_or_none()
    else:
        code = _cell(cells.as_credit_code, row, "统一社会信用代码")
        if code is None:
            raise Invalid({"统一社会信用代码": f"{kind_label}须填写统一社会信用代码"})
        number = None
        found = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.uscc == code)
        ).scalar_one_or_none()
    if found is not None:
        if found.kind != kind:
            raise Invalid({"行政相对人类别": f"该主体已登记为{found.kind_label}，与行政相对人类别“{kind_label}”不符"})
        return found
    return services.register_from_row(
        user, kind=kind, name=name, id_number=number, uscc=None if kind == C.PERSON else code,
        legal_rep_name=rep_name, legal_rep_id=rep_id,
    )


def _department(user, authority: str) -> str:
    """Department users import their own department's decisions only; credit officers any department's."""
    if user.can(P.CREDIT_MANAGE) and user.role != P.DEPARTMENT:
        return authority
    if authority != (user.department or ""):
        raise Invalid({"处罚机关": f"决定机关“{authority}”不是本部门（{user.department or '未设置'}），不能导入"})
    return authority


def penalty_class(row: dict) -> str:
    """失信等级 as stated, or derived from 处罚类别: 吊销/限制从业… 严重, only 警告/通报批评 轻微, else 一般."""
    stated = _cell(cells.as_text, row, "失信等级", max_length=8)
    if stated:
        if stated not in CLASS_BY_LABEL:
            raise Invalid({"失信等级": "失信等级应为：轻微、一般、严重"})
        return CLASS_BY_LABEL[stated]
    kinds = _cell(cells.as_text, row, "处罚类别", max_length=64) or ""
    if any(word in kinds for word in SERIOUS_WORDS):
        return C.SERIOUS
    parts = [p for p in kinds.replace("；", ";").replace("、", ";").replace("，", ";").split(";") if p.strip()]
    if parts and all(p.strip() in MINOR_ONLY for p in parts):
        return C.MINOR
    return C.NORMAL


def penalty_values(user, row: dict) -> dict:
    """The record fields of a 行政处罚 row."""
    doc = _required(_cell(cells.as_text, row, "行政处罚决定书文号", max_length=64), "行政处罚决定书文号")
    authority = _required(_cell(cells.as_text, row, "处罚机关", max_length=64), "处罚机关")
    decided = _required(_cell(cells.as_date, row, "处罚决定日期"), "处罚决定日期")
    kinds = _required(_cell(cells.as_text, row, "处罚类别", max_length=64), "处罚类别")
    content = _required(_cell(cells.as_text, row, "处罚内容", max_length=2000), "处罚内容")
    facts = _cell(cells.as_text, row, "违法事实", max_length=2000)
    kind = _cell(cells.as_text, row, "违法行为类型", max_length=255)
    fine = _cell(cells.as_decimal, row, "罚款金额（万元）", minimum=0)
    confiscated = _cell(cells.as_decimal, row, "没收违法所得、没收非法财物的金额（万元）", minimum=0)
    licence = _cell(cells.as_text, row, "暂扣或吊销证照名称及编号", max_length=255)
    _cell(cells.as_date, row, "处罚有效期")  # checked for a readable date; the window is 公示截止期
    text = "；".join(t for t in (
        f"{kind}：{facts}" if kind and facts else (facts or kind), f"处罚内容：{content}",
        f"没收金额 {confiscated} 万元" if confiscated else None, f"暂扣或吊销证照：{licence}" if licence else None,
    ) if t)
    severity = penalty_class(row)
    return {
        "category": C.PENALTY, "severity": severity, "doc_number": doc, "department": _department(user, authority),
        "decision_date": decided, "content": text, "legal_basis": _cell(cells.as_text, row, "处罚依据",
                                                                        max_length=2000) or "",
        "penalty_kind": kinds, "fine_amount": fine, "pub_end": _cell(cells.as_date, row, "公示截止期"),
    }


def license_values(user, row: dict) -> dict:
    """The record fields of a 行政许可 row."""
    doc = _required(_cell(cells.as_text, row, "行政许可决定文书号", max_length=64), "行政许可决定文书号")
    authority = _required(_cell(cells.as_text, row, "许可机关", max_length=64), "许可机关")
    decided = _required(_cell(cells.as_date, row, "许可决定日期"), "许可决定日期")
    category = _cell(cells.as_text, row, "许可类别", max_length=8)
    if category and category not in LICENSE_KINDS:
        raise Invalid({"许可类别": f"许可类别应为：{'、'.join(LICENSE_KINDS)}"})
    state = _cell(cells.as_text, row, "当前状态", max_length=8)
    if state and state not in ("有效", "无效"):
        raise Invalid({"当前状态": "当前状态应为：有效、无效"})
    parts = [_cell(cells.as_text, row, c, max_length=255) for c in ("行政许可决定文书名称", "许可证书名称", "许可编号")]
    content = _required(_cell(cells.as_text, row, "许可内容", max_length=2000), "许可内容")
    head = " · ".join(p for p in parts if p)
    return {
        "category": C.LICENSE, "doc_number": doc, "department": _department(user, authority),
        "decision_date": decided, "content": f"{head}：{content}" if head else content,
        "legal_basis": f"许可类别：{category}" if category else "",
        "license_valid_from": _cell(cells.as_date, row, "有效期自"),
        "license_valid_to": _cell(cells.as_date, row, "有效期至"),
        "withdrawn": state == "无效",
    }


def import_row(user, category: str, row: dict, seen: dict, number: int) -> str:
    """One row: 'created', 'skipped' (same 文号 and department already imported) or Invalid with reasons."""
    if getattr(row, "problem", None):
        raise Invalid(row.problem)
    values = penalty_values(user, row) if category == C.PENALTY else license_values(user, row)
    key = (values["department"], values["doc_number"])
    if key in seen:
        raise Invalid(f"文号“{values['doc_number']}”与第 {seen[key]} 行重复")
    seen[key] = number
    existing = db.session.execute(
        db.select(C.CreditRecord).where(
            C.CreditRecord.department == key[0], C.CreditRecord.doc_number == key[1]
        )
    ).scalar_one_or_none()
    subject = subject_for_row(user, row)
    if existing is not None:
        if existing.subject_id == subject.id:
            return "skipped"
        raise Invalid(f"文号“{key[1]}”在{key[0]}已用于另一主体的记录")
    withdrawn = values.pop("withdrawn", False)
    record = services.create_record(user, subject, values, commit=False)
    if withdrawn:
        record.status, record.ended_on = C.WITHDRAWN, record.decision_date
    return "created"


# Record fields named by the template column they come from, so a reason points at the cell to fix.
FIELD_COLUMNS = {"pub_end": "公示截止期", "pub_start": "公示起始日", "severity": "失信等级",
                 "decision_date": "决定日期", "doc_number": "文号", "fine_amount": "罚款金额（万元）",
                 "license_valid_to": "有效期至", "content": "内容", "department": "决定机关"}


def flatten(errors: Invalid) -> str:
    """One line of Chinese reasons, each led by its column where the message does not name it."""
    parts = []
    for field, messages in errors.errors.items():
        column = FIELD_COLUMNS.get(field, field)
        parts += [m if not column or m.startswith(column) else f"{column}：{m}" for m in messages]
    return "；".join(parts)


def columns_hint(category: str) -> str:
    """The template's columns, required ones marked with *."""
    _label, columns, required = TEMPLATES[category]
    return "、".join(("*" if c in required else "") + c for c in columns)

