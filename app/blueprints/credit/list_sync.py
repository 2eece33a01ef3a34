"""Reconciling a named list with a list file from 信用中国 or the province: the differences (new, removed,
changed) are shown for review and applied only on confirmation; a difference report can be downloaded."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app

from app.blueprints.credit import lists, services
from app.clock import local_today
from app.extensions import db
from app.imports import cells
from app.imports.cells import CellError
from app.imports.reader import FileRejected, read_table
from app.models import credit as C
from app.security import audit, pii
from app.validation import Invalid

COLUMNS = ("主体名称", "主体类别", "统一社会信用代码", "证件号码", "列入决定文书号", "列入依据", "认定机关", "列入日期",
           "有效期至")
REQUIRED = ("主体名称", "统一社会信用代码", "列入决定文书号", "列入依据", "认定机关", "列入日期")
MAX_ROWS = 5000
KIND_BY_LABEL = {"法人及非法人组织": C.ORG, "法人和非法人组织": C.ORG, "自然人": C.PERSON, "个体工商户": C.INDIVIDUAL}


@dataclass
class Line:
    """One list entry as the file states it."""

    row: int
    name: str
    kind: str
    code: str  # 统一社会信用代码, or the resident ID for a natural person
    doc: str
    basis: str
    authority: str
    entered_on: date
    valid_until: date | None

    @property
    def shown_code(self) -> str:
        """The code as a report may show it (a resident ID masked)."""
        return pii.mask_id(self.code) if self.kind == C.PERSON else self.code


@dataclass
class Diff:
    """What applying the file would change."""

    new: list[Line] = field(default_factory=list)
    removed: list[tuple[C.CreditListEntry, C.CreditSubject]] = field(default_factory=list)
    changed: list[tuple[C.CreditListEntry, Line, dict]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    same: int = 0


def store(upload) -> tuple[str, str]:
    """Keep an uploaded list file for review; returns (token, original name)."""
    if upload is None or not upload.filename:
        raise Invalid({"file": "请选择名单文件（XLSX 或 CSV）"})
    name = Path(upload.filename).name
    if not name.lower().endswith((".xlsx", ".csv")):
        raise Invalid({"file": "只支持 .xlsx 或 .csv 文件"})
    token = uuid.uuid4().hex
    path = _path(token, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.save(path)
    return token, name


def _path(token: str, name: str) -> Path:
    if not token.isalnum():
        raise Invalid("名单文件已失效，请重新上传")
    return Path(current_app.config["FILES_DIR"]) / "credit" / "lists" / f"{token}{Path(name).suffix.lower()}"


def fingerprint(token: str, name: str) -> str:
    """SHA-256 of the stored file, so the confirmation applies exactly the file that was reviewed."""
    return hashlib.sha256(_path(token, name).read_bytes()).hexdigest()


def _line(number: int, row: dict) -> Line:
    def get(convert, column, **kwargs):
        try:
            return convert(row.get(column), **kwargs)
        except CellError as exc:
            raise Invalid(f"{column}：{exc}") from None

    name = get(cells.as_text, "主体名称", max_length=128)
    kind = KIND_BY_LABEL.get(get(cells.as_text, "主体类别", max_length=32) or "法人及非法人组织")
    if kind is None:
        raise Invalid("主体类别应为：法人及非法人组织、自然人、个体工商户")
    code = get(cells.as_id_number, "证件号码") if kind == C.PERSON else get(cells.as_credit_code, "统一社会信用代码")
    values = {
        "主体名称": name,
        "统一社会信用代码/证件号码": code,
        "列入决定文书号": get(cells.as_text, "列入决定文书号", max_length=64),
        "列入依据": get(cells.as_text, "列入依据", max_length=2000),
        "认定机关": get(cells.as_text, "认定机关", max_length=128),
        "列入日期": get(cells.as_date, "列入日期"),
    }
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise Invalid(f"{'、'.join(missing)}不能为空")
    until = get(cells.as_date, "有效期至")
    if until and until <= values["列入日期"]:
        raise Invalid("有效期至应晚于列入日期")
    return Line(number, name, kind, code, values["列入决定文书号"], values["列入依据"], values["认定机关"],
                values["列入日期"], until)


def compare(list_kind: str, token: str, name: str) -> Diff:
    """The differences between the portal's open entries of a list and the file (nothing is written)."""
    try:
        table = read_table(_path(token, name), name, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
        rows = list(table.rows)
    except FileNotFoundError:
        raise Invalid("名单文件已失效，请重新上传") from None
    except FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    diff, seen = Diff(), {}
    lines: dict[tuple[str, str], Line] = {}
    for number, row in rows:
        try:
            if row.problem:
                raise Invalid(row.problem)
            line = _line(number, row)
            key = (line.code, line.doc)
            if key in seen:
                raise Invalid(f"与第 {seen[key]} 行重复")
            seen[key] = number
            lines[key] = line
        except Invalid as exc:
            diff.rejected.append((number, str(exc)))
    current = db.session.execute(
        db.select(C.CreditListEntry, C.CreditSubject)
        .join(C.CreditSubject, C.CreditListEntry.subject_id == C.CreditSubject.id)
        .where(C.CreditListEntry.list_kind == list_kind, C.CreditListEntry.removed_on.is_(None))
    ).all()
    known = set()
    for entry, subject in current:
        code = subject.uscc if subject.is_org else (pii.decrypt(subject.id_number_enc) or "")
        key = (code, entry.doc_number)
        known.add(key)
        line = lines.get(key)
        if line is None:
            diff.removed.append((entry, subject))
            continue
        changes = {k: [old, new] for k, old, new in (
            ("basis", entry.basis, line.basis), ("authority", entry.authority, line.authority),
            ("entered_on", entry.entered_on, line.entered_on), ("valid_until", entry.valid_until, line.valid_until),
        ) if old != new}
        if changes:
            diff.changed.append((entry, line, changes))
        else:
            diff.same += 1
    diff.new = [line for key, line in lines.items() if key not in known]
    return diff


def apply(user, list_kind: str, token: str, name: str, expected_sha: str) -> Diff:
    """Apply the reviewed differences in one transaction (audited); a different file is refused."""
    if fingerprint(token, name) != expected_sha:
        raise Invalid("名单文件与核对时不一致，请重新上传核对")
    diff = compare(list_kind, token, name)
    today = local_today()
    for line in diff.new:
        subject = _subject(user, line)
        lists.enter(user, subject, list_kind=list_kind, basis=line.basis, authority=line.authority,
                    entered_on=line.entered_on, doc_number=line.doc, valid_until=line.valid_until, commit=False)
    for entry, _subject_row in diff.removed:
        expired = entry.valid_until is not None and entry.valid_until < today
        lists.remove(user, entry, C.REMOVE_EXPIRY if expired else C.REMOVE_CORRECTION,
                     f"据名单文件“{name}”对账移出", commit=False)
    for entry, line, _changes in diff.changed:
        before = audit.snapshot(entry, lists.ENTRY_FIELDS)
        entry.basis, entry.authority = line.basis, line.authority
        entry.entered_on, entry.valid_until = line.entered_on, line.valid_until
        audit.record("credit.list.update", entry, actor=user, changes=audit.changed(before, entry),
                     detail=f"据名单文件“{name}”对账更新")
    audit.record("credit.list.reconcile", object_type="credit_list_entry", actor=user,
                 detail=f"{C.LIST_KINDS[list_kind]}：新增 {len(diff.new)}，移出 {len(diff.removed)}，"
                        f"变更 {len(diff.changed)}，退回 {len(diff.rejected)}（{name}）")
    db.session.commit()
    return diff


def _subject(user, line: Line) -> C.CreditSubject:
    if line.kind == C.PERSON:
        condition = C.CreditSubject.id_number_hash == pii.blind_index(line.code)
    else:
        condition = C.CreditSubject.uscc == line.code
    found = db.session.execute(db.select(C.CreditSubject).where(condition)).scalar_one_or_none()
    if found is not None:
        return found
    return services.register_from_row(user, kind=line.kind, name=line.name,
                                      id_number=line.code if line.kind == C.PERSON else None,
                                      uscc=None if line.kind == C.PERSON else line.code)


def report_rows(diff: Diff) -> list[tuple]:
    """The difference report: one row per difference, as the review page shows it."""
    rows = [("新增", line.name, line.shown_code, line.doc, line.authority, line.entered_on.isoformat(), "")
            for line in diff.new]
    rows += [("移出", subject.name, subject.uscc or "", entry.doc_number, entry.authority,
              entry.entered_on.isoformat(), "文件中已无此条") for entry, subject in diff.removed]
    rows += [("变更", line.name, line.shown_code, line.doc, line.authority, line.entered_on.isoformat(),
              "；".join(f"{k}: {old} → {new}" for k, (old, new) in changes.items()))
             for _entry, line, changes in diff.changed]
    rows += [("退回", "", "", "", "", "", f"第 {number} 行：{reason}") for number, reason in diff.rejected]
    return rows
