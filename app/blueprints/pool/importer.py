"""Validating a source file row by row (read by `app.imports`), then upserting accepted rows into the pool."""
import csv
import hashlib
import io
import json
from pathlib import Path

from app.blueprints.pool.sources import ID_HEADER, NAME_HEADER, SOURCES, Source
from app.clock import utcnow
from app.extensions import db
from app.imports import cells
from app.imports.cells import CellError
from app.imports.reader import FileRejected, Row, Table, read_table
from app.models.source import SourceRecord
from app.security import pii
from app.validation import Invalid

MAX_ROWS = 500_000
CHUNK = 2000


def open_source_file(source_key: str, path: Path, filename: str) -> Table:
    """The file's table with the source's columns; FileRejected (with the template's headers) when unusable."""
    source = SOURCES[source_key]
    required = [ID_HEADER, NAME_HEADER] + [c.header for c in source.columns if c.required]
    try:
        return read_table(path, filename, columns=source.headers, required=required, max_rows=MAX_ROWS)
    except FileRejected as exc:
        if exc.missing:
            raise FileRejected(f"{exc}。“{source.label}”模板的表头为：{'、'.join(source.headers)}",
                               missing=exc.missing) from None
        raise


def reject_cells(source: Source, row: Row) -> list[str]:
    """The row's cells as text, in template order, for the rejects workbook."""
    return [cells.display(row.get(h)) for h in source.headers]


def _convert(column, value) -> str:
    if column.kind == "date":
        return cells.as_date(value).isoformat()
    if column.kind == "gender":
        text = cells.as_text(value)
        if text not in ("男", "女"):
            raise CellError("应为“男”或“女”")
        return text
    if column.kind == "number":
        return format(cells.as_decimal(value).normalize(), "f")
    return cells.as_text(value)


def validate_row(source: Source, row: Row) -> dict:
    """One row's clean values; Invalid with the reason(s) in Chinese."""
    if row.problem:
        raise Invalid(row.problem)
    reasons = []
    number = name = None
    try:
        number = cells.as_id_number(row.get(ID_HEADER), label=ID_HEADER)
        if number is None:
            reasons.append(f"{ID_HEADER}为空")
    except CellError as exc:
        reasons.append(str(exc))
    try:
        name = cells.as_person_name(row.get(NAME_HEADER))
        if name is None:
            reasons.append("姓名为空")
    except CellError as exc:
        reasons.append(f"姓名：{exc}")
    payload, record_key = {}, ""
    for column in source.columns:
        try:
            value = None if cells.is_blank(row.get(column.header)) else _convert(column, row.get(column.header))
        except CellError as exc:
            reasons.append(f"{column.header}：{exc}")
            continue
        if value is None:
            if column.required:
                reasons.append(f"{column.header}为空")
            continue
        payload[column.key] = value
        if column.record_key:
            record_key = value[:64]
    if number and source.key == "huji":
        info = pii.parse_id_number(number)
        if payload.get("gender") and payload["gender"] != info.gender:
            reasons.append("性别与身份证号不符")
        if payload.get("birth_date") and payload["birth_date"] != info.birth_date.isoformat():
            reasons.append("出生日期与身份证号不符")
    if reasons:
        raise Invalid("；".join(reasons))
    return {"number": number, "name": name, "payload": payload, "record_key": record_key}


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


def import_rows(source_key: str, batch_id: int, table: Table, on_reject, on_progress=None) -> dict:
    """Validate every data row and upsert the accepted ones in chunks; each reject goes to on_reject."""
    source = SOURCES[source_key]
    counts = {"total": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    chunk: dict[tuple, dict] = {}
    seen: dict[tuple, int] = {}
    for number, row in table.rows:
        counts["total"] += 1
        try:
            values = validate_row(source, row)
        except Invalid as exc:
            counts["rejected"] += 1
            on_reject(number, str(exc), reject_cells(source, row))
            continue
        key = (values["number"], values["record_key"])
        if key in seen:
            counts["rejected"] += 1
            same = "同一身份证号和记录" if values["record_key"] else "同一身份证号"
            on_reject(number, f"与第 {seen[key]} 行重复（{same}）", reject_cells(source, row))
            continue
        seen[key] = number
        chunk[key] = values
        if len(chunk) >= CHUNK:
            upsert(source, batch_id, list(chunk.values()), counts)
            chunk = {}
            if on_progress:
                on_progress(counts)
    upsert(source, batch_id, list(chunk.values()), counts)
    return counts


def sample_csv(source_key: str) -> str:
    """A header-only template for a source."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(SOURCES[source_key].headers)
    return buffer.getvalue()
