"""Reading and validating a source file row by row, then upserting accepted rows into the pool."""
import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from app.blueprints.pool.sources import ID_HEADER, NAME_HEADER, SOURCES, Source
from app.clock import utcnow
from app.extensions import db
from app.models.source import SourceRecord
from app.security import pii
from app.validation import Invalid

MAX_ROWS = 500_000
CHUNK = 2000
_DATE_RE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")


class FileRefused(Exception):
    """The whole file is unusable (type, headers, empty); the message is Chinese."""


def sniff_kind(head: bytes, filename: str) -> str:
    """'xlsx' or 'csv' from the content (not just the name); FileRefused otherwise."""
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        if not name.endswith(".xlsx"):
            raise FileRefused("只支持 .xlsx 或 .csv 文件")
        return "xlsx"
    if name.endswith(".csv"):
        if b"\x00" in head:
            raise FileRefused("CSV 文件应为 UTF-8 文本")
        return "csv"
    raise FileRefused("只支持 .xlsx 或 .csv 文件（请勿上传 .xls、图片或压缩包）")


def read_rows(path: Path, kind: str):
    """Yield lists of cell texts, header first; formulas arrive as their text and are stored as text."""
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            try:
                for row in csv.reader(handle):
                    yield [c.strip() for c in row]
            except UnicodeDecodeError:
                raise FileRefused("CSV 文件不是 UTF-8 编码，请另存为“CSV UTF-8”后重试") from None
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused("无法读取该 XLSX 文件，文件可能已损坏") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(c) for c in row]
    finally:
        workbook.close()


def estimate_rows(path: Path, kind: str) -> int:
    """Roughly how many data rows a file has, for the progress bar (0 when unknown)."""
    try:
        if kind == "csv":
            with open(path, "rb") as handle:
                return max(0, sum(1 for _ in handle) - 1)
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        rows = workbook.worksheets[0].max_row or 0
        workbook.close()
        return max(0, rows - 1)
    except Exception:  # a broken file is reported by the real read
        return 0


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_map(source: Source, header: list[str]) -> dict[str, int]:
    """Column index of each expected header; FileRefused naming what is missing."""
    positions = {h.strip(): i for i, h in enumerate(header) if h}
    required = [ID_HEADER, NAME_HEADER] + [c.header for c in source.columns if c.required]
    missing = [h for h in required if h not in positions]
    if missing:
        raise FileRefused(f"表头不符合“{source.label}”模板，缺少列：{'、'.join(missing)}。"
                          f"应为：{'、'.join(source.headers)}")
    return {h: positions[h] for h in source.headers if h in positions}


def parse_date(text: str) -> str:
    """ISO date from 2026-05-01, 2026/5/1, 20260501 or 2026年5月1日; ValueError otherwise."""
    match = _DATE_RE.match(text.strip())
    if not match:
        raise ValueError
    return date(int(match[1]), int(match[2]), int(match[3])).isoformat()


def validate_row(source: Source, cols: dict[str, int], cells: list[str]) -> dict:
    """One row's clean values; Invalid with the reason(s) in Chinese."""
    def cell(header):
        index = cols.get(header)
        return cells[index].strip() if index is not None and index < len(cells) and cells[index] else ""

    reasons = []
    try:
        info = pii.parse_id_number(cell(ID_HEADER))
    except Invalid as exc:
        info = None
        reasons.append(exc.errors["id_number"][0])
    name = cell(NAME_HEADER)
    if not name:
        reasons.append("姓名为空")
    elif len(name) > 64:
        reasons.append("姓名超过 64 个字符")
    payload, record_key = {}, ""
    for column in source.columns:
        value = cell(column.header)
        if not value:
            if column.required:
                reasons.append(f"{column.header}为空")
            continue
        if len(value) > 255:
            reasons.append(f"{column.header}超过 255 个字符")
            continue
        if column.kind == "date":
            try:
                value = parse_date(value)
            except ValueError:
                reasons.append(f"{column.header}“{value[:20]}”不是有效日期（如 2026-05-01）")
                continue
        elif column.kind == "gender" and value not in ("男", "女"):
            reasons.append(f"{column.header}应为“男”或“女”")
            continue
        elif column.kind == "number":
            try:
                float(value)
            except ValueError:
                reasons.append(f"{column.header}应为数字")
                continue
        payload[column.key] = value
        if column.record_key:
            record_key = value[:64]
    if info is not None and source.key == "huji":
        if payload.get("gender") and payload["gender"] != info.gender:
            reasons.append("性别与身份证号不符")
        if payload.get("birth_date") and payload["birth_date"] != info.birth_date.isoformat():
            reasons.append("出生日期与身份证号不符")
    if reasons:
        raise Invalid("；".join(reasons))
    return {"number": info.number, "name": name, "payload": payload, "record_key": record_key}


def row_hash(values: dict) -> str:
    """Fingerprint of what a row says, to tell changed rows from unchanged ones."""
    text = json.dumps([values["name"], values["payload"]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def upsert(source: Source, batch_id: int, rows: list[dict], counts: dict) -> None:
    """Insert new records and update changed ones of one chunk (keys unique within the chunk)."""
    if not rows:
        return
    for row in rows:
        row["hash"] = pii.blind_index(row["number"])
        row["row_hash"] = row_hash(row)
    existing = {}
    stmt = db.select(SourceRecord.id, SourceRecord.id_number_hash, SourceRecord.record_key,
                     SourceRecord.row_hash).where(SourceRecord.source == source.key,
                                                  SourceRecord.id_number_hash.in_({r["hash"] for r in rows}))
    for rid, h, key, rh in db.session.execute(stmt):
        existing[(h, key)] = (rid, rh)
    now = utcnow()
    inserts, updates = [], []
    for row in rows:
        found = existing.get((row["hash"], row["record_key"]))
        if found is None:
            inserts.append({"source": source.key, "id_number_hash": row["hash"],
                            "id_number_enc": pii.encrypt(row["number"]), "record_key": row["record_key"],
                            "name": row["name"], "payload": row["payload"], "row_hash": row["row_hash"],
                            "department": source.department, "batch_id": batch_id, "imported_at": now,
                            "changed_at": now})
        elif found[1] != row["row_hash"]:
            updates.append({"id": found[0], "name": row["name"], "payload": row["payload"],
                            "row_hash": row["row_hash"], "batch_id": batch_id, "imported_at": now, "changed_at": now})
        else:
            counts["unchanged"] += 1
    if inserts:
        db.session.execute(db.insert(SourceRecord), inserts)
    if updates:
        db.session.execute(db.update(SourceRecord), updates)
    counts["inserted"] += len(inserts)
    counts["updated"] += len(updates)


def import_rows(source_key: str, batch_id: int, rows_iter, on_reject, on_progress=None) -> dict:
    """Validate every data row and upsert the accepted ones in chunks; each reject goes to on_reject."""
    source = SOURCES[source_key]
    try:
        header = next(rows_iter)
    except StopIteration:
        raise FileRefused("文件为空，没有表头和数据") from None
    cols = header_map(source, header)
    counts = {"total": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    chunk: dict[tuple, dict] = {}
    seen: dict[tuple, int] = {}
    for number, cells in enumerate(rows_iter, start=2):
        if not any(cells):
            continue
        counts["total"] += 1
        if counts["total"] > MAX_ROWS:
            raise FileRefused(f"单个文件最多 {MAX_ROWS} 行，请拆分后导入")
        try:
            values = validate_row(source, cols, cells)
        except Invalid as exc:
            counts["rejected"] += 1
            on_reject(number, str(exc), cells)
            continue
        key = (values["number"], values["record_key"])
        if key in seen:
            counts["rejected"] += 1
            same = "同一身份证号和记录" if values["record_key"] else "同一身份证号"
            on_reject(number, f"与第 {seen[key]} 行重复（{same}）", cells)
            continue
        seen[key] = number
        chunk[key] = values
        if len(chunk) >= CHUNK:
            upsert(source, batch_id, list(chunk.values()), counts)
            chunk = {}
            if on_progress:
                on_progress(counts)
    upsert(source, batch_id, list(chunk.values()), counts)
    if counts["total"] == 0:
        raise FileRefused("文件只有表头，没有数据行")
    return counts


def sample_csv(source_key: str) -> str:
    """A header-only template for a source."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(SOURCES[source_key].headers)
    return buffer.getvalue()
