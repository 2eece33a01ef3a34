"""多元校核: compare archive persons with the pool and keep one Conflict per (resident, kind)."""
from flask import abort

from app.blueprints.pool.autofill import fact_value
from app.blueprints.pool.sources import field_sources
from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.models.region import Region
from app.models.source import Conflict, SourceRecord
from app.security.scoping import in_scope

CHUNK = 1000
COMPARED = ("name", "gender", "birth_date", "ethnicity", "marital_status", "residence_status", "disability")


def _archive_value(field: str, person: Person) -> str:
    if field == "disability":
        return "残疾人" if "残疾人" in person.tag_list else ""
    if field == "residence_status":
        return person.residence_status
    value = getattr(person, field)
    return value.isoformat() if hasattr(value, "isoformat") else (value or "")


def disagreements(person: Person, records: dict[str, SourceRecord], mapping: dict[str, str]) -> list[dict]:
    """What the pool says differently about one person: a list of conflict values."""
    found = []
    for field in COMPARED:
        record = records.get(mapping.get(field, ""))
        if record is None:
            continue
        source_value = fact_value(field, record)
        if not source_value:
            continue
        mine = _archive_value(field, person)
        if field == "residence_status":
            differs = mine not in ("死亡", "注销")
            kind = "death"
        else:
            differs = mine != source_value
            kind = field
        if differs:
            found.append({"kind": kind, "record": record, "archive_value": mine, "source_value": source_value})
    return found


def _apply(existing: Conflict | None, person: Person | None, household_id, region_id, item: dict, counts) -> None:
    record = item["record"]
    if existing is None:
        db.session.add(Conflict(
            region_id=region_id, household_id=household_id, person_id=person.id if person else None,
            id_number_hash=record.id_number_hash, id_number_enc=record.id_number_enc,
            subject_name=person.name if person else record.name, kind=item["kind"], source=record.source,
            source_record_id=record.id, archive_value=item["archive_value"][:255],
            source_value=item["source_value"][:255], source_fingerprint=record.row_hash))
        counts["opened"] += 1
        return
    if existing.state == "resolved" and existing.source_fingerprint == record.row_hash:
        return  # decided on this very source data: stays resolved
    if existing.state != "open":
        existing.state, existing.resolution, existing.note = "open", "", ""
        existing.resolved_by = existing.resolved_at = None
        counts["reopened"] += 1
    existing.region_id, existing.household_id = region_id, household_id
    existing.person_id = person.id if person else None
    existing.archive_value, existing.source_value = item["archive_value"][:255], item["source_value"][:255]
    existing.source, existing.source_record_id, existing.source_fingerprint = record.source, record.id, record.row_hash
    counts["still_open"] += 1


def run_cross_check(user, region_id: int, progress=None) -> dict:
    """Check every active person below the region; returns counts of opened/reopened/cleared/still open."""
    region = db.session.get(Region, region_id)
    if region is None or not in_scope(region, user):
        abort(404)
    mapping = field_sources()
    sources = set(mapping.values())
    subtree = db.select(Region.id).where(Region.path.startswith(region.path, autoescape=True))
    stmt = (db.select(Person, Household.region_id).join(Household, Household.id == Person.household_id)
            .where(Household.region_id.in_(subtree), Household.deleted_at.is_(None), Person.deleted_at.is_(None)))
    counts = {"checked": 0, "opened": 0, "reopened": 0, "cleared": 0, "still_open": 0, "unregistered": 0}
    total = db.session.execute(db.select(db.func.count()).select_from(stmt.subquery())).scalar_one()
    last = 0
    while True:  # keyset pages of persons: memory stays bounded however big the area is
        rows = list(db.session.execute(stmt.where(Person.id > last).order_by(Person.id).limit(CHUNK)))
        if not rows:
            break
        last = rows[-1][0].id
        _check_chunk(rows, sources, mapping, counts)
        db.session.commit()  # each page is final on its own; a rerun converges (the check is idempotent)
        if progress:
            progress(min(99, counts["checked"] * 100 // max(total, 1)), f"已校核 {counts['checked']} / {total} 人")
    _unregistered(region, counts)
    db.session.commit()
    return counts


def _check_chunk(rows, sources, mapping, counts) -> None:
    hashes = [p.id_number_hash for p, _ in rows]
    records: dict[str, dict[str, SourceRecord]] = {}
    for record in db.session.execute(db.select(SourceRecord).where(
            SourceRecord.id_number_hash.in_(hashes), SourceRecord.source.in_(sources))).scalars():
        records.setdefault(record.id_number_hash, {})[record.source] = record
    existing = {(c.id_number_hash, c.kind): c for c in db.session.execute(
        db.select(Conflict).where(Conflict.id_number_hash.in_(hashes))).scalars()}
    seen = set()
    for person, region_id in rows:
        counts["checked"] += 1
        for item in disagreements(person, records.get(person.id_number_hash, {}), mapping):
            key = (person.id_number_hash, item["kind"])
            seen.add(key)
            _apply(existing.get(key), person, person.household_id, region_id, item, counts)
    for key, conflict in existing.items():
        if key not in seen and conflict.state == "open" and conflict.kind != "unregistered":
            conflict.state, conflict.note = "cleared", "复核时档案已与来源一致"
            counts["cleared"] += 1


def _unregistered(region: Region, counts) -> None:
    """户籍 records whose grid code lies in the region but who are in no active household."""
    codes = {code: rid for code, rid in db.session.execute(
        db.select(Region.code, Region.id).where(Region.path.startswith(region.path, autoescape=True)))}
    last = 0
    while True:  # keyset pages of 户籍 records, kept only when their grid lies in the region
        page = list(db.session.execute(db.select(SourceRecord).where(
            SourceRecord.source == "huji", SourceRecord.id > last).order_by(SourceRecord.id).limit(CHUNK)).scalars())
        if not page:
            break
        last = page[-1].id
        part = [r for r in page if r.payload.get("grid_code") in codes]
        if part:
            _unregistered_chunk(part, codes, counts)
            db.session.flush()


def _unregistered_chunk(part: list[SourceRecord], codes: dict, counts) -> None:
    """Open, keep or clear the "有户籍无户档" conflicts of one page of 户籍 records."""
    hashes = [r.id_number_hash for r in part]
    registered = set(db.session.execute(db.select(Person.id_number_hash).where(
        Person.id_number_hash.in_(hashes), Person.deleted_at.is_(None))).scalars())
    existing = {c.id_number_hash: c for c in db.session.execute(db.select(Conflict).where(
        Conflict.id_number_hash.in_(hashes), Conflict.kind == "unregistered")).scalars()}
    for record in part:
        conflict = existing.get(record.id_number_hash)
        if record.id_number_hash in registered:
            if conflict is not None and conflict.state == "open":
                conflict.state, conflict.note = "cleared", "复核时已在户档中登记"
                counts["cleared"] += 1
            continue
        counts["unregistered"] += 1
        item = {"kind": "unregistered", "record": record, "archive_value": "",
                "source_value": record.payload.get("address") or record.payload.get("grid_code")}
        _apply(conflict, None, None, codes[record.payload["grid_code"]], item, counts)
