"""The conflict queue per grid and its resolution: adopt the source value or keep the archive, audited."""
from datetime import date

from sqlalchemy import or_

from app import outbox
from app.clock import utcnow
from app.extensions import db
from app.models.household import Household, join_tags
from app.models.person import ETHNIC_GROUPS, MARITAL, PERSON_FIELDS, Person
from app.models.region import Region
from app.models.source import Conflict
from app.pagination import paginate
from app.security import audit
from app.security.scoping import get_scoped_or_404, scope, subtree_ids
from app.validation import Invalid

STATES = {"open": "待处理", "resolved": "已处理", "cleared": "已一致", "withdrawn": "已撤销"}
CONFLICT_FIELDS = ("state", "resolution", "note", "archive_value", "source_value")


def queue(user, state: str, text: str, region_id: int | None, page: int, size: int):
    """Conflicts of the user's area, newest first, with their household preloaded (two queries)."""
    stmt = (db.select(Conflict, Household.number).outerjoin(Household, Household.id == Conflict.household_id)
            .where(Conflict.state == (state if state in STATES else "open")))
    stmt = scope(stmt, Conflict.region_id, user)
    region = db.session.get(Region, region_id) if region_id else None
    if region is not None:
        stmt = stmt.where(Conflict.region_id.in_(subtree_ids(region)))
    if text:
        stmt = stmt.where(or_(Conflict.subject_name.startswith(text, autoescape=True), Household.number == text))
    return paginate(stmt.order_by(Conflict.created_at.desc(), Conflict.id.desc()), page, size, scalars=False)


def withdraw_for(person_ids: list[int], note: str) -> None:
    """Take the open conflicts of removed people off the queue (a restore and the next cross-check reopen them)."""
    stmt = db.select(Conflict).where(Conflict.person_id.in_(person_ids), Conflict.state == "open")
    for conflict in db.session.execute(stmt).scalars():
        conflict.state, conflict.note = "withdrawn", note[:255]


def get_conflict_or_404(user, conflict_id: int) -> Conflict:
    """A conflict in the user's area."""
    return get_scoped_or_404(Conflict, conflict_id, user=user)


def _adopt(conflict: Conflict, person: Person) -> dict:
    """Write the source value into the archive; returns the audit changes of the person."""
    value = conflict.source_value
    before = audit.snapshot(person, PERSON_FIELDS)
    if conflict.kind == "death":
        person.residence_status = "死亡"
    elif conflict.kind == "disability":
        person.tags = join_tags(person.tag_list + ["残疾人"])
    elif conflict.kind == "birth_date":
        person.birth_date = date.fromisoformat(value)
    elif conflict.kind == "ethnicity" and value not in ETHNIC_GROUPS:
        raise Invalid({"note": f"来源中的民族“{value}”不在 56 个民族字典中，请核实后手工修改"})
    elif conflict.kind == "marital_status" and value not in MARITAL:
        raise Invalid({"note": f"来源中的婚姻状况“{value}”无法识别，请核实后手工修改"})
    elif conflict.kind in ("name", "gender", "ethnicity", "marital_status"):
        setattr(person, conflict.kind, value)
    provenance = dict(person.provenance or {})
    provenance[conflict.kind] = {"source": conflict.source, "date": utcnow().date().isoformat()}
    person.provenance = provenance
    return audit.changed(before, person)


def resolve(user, conflict: Conflict, choice: str, note: str) -> Conflict:
    """Resolve an open conflict with a note; adopting the source changes the person in the same transaction."""
    note = (note or "").strip()
    errors = {}
    if conflict.state != "open":
        errors[""] = "该冲突已处理"
    if choice not in ("source", "keep"):
        errors["choice"] = "请选择“采用来源数据”或“保留现有”"
    if choice == "source" and conflict.person_id is None:
        errors["choice"] = "该冲突没有对应的档案成员，只能“保留现有”并说明情况（如需建档请新建户档）"
    if not note or len(note) > 255:
        errors["note"] = "请填写处理说明（不超过 255 字）"
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(conflict, CONFLICT_FIELDS)
    if choice == "source":
        person = db.session.get(Person, conflict.person_id)
        if person is None or person.deleted_at is not None:
            raise Invalid({"choice": "该成员已不在户档中，只能“保留现有”"})
        changes = _adopt(conflict, person)
        if changes:
            person.updated_at = utcnow()
            audit.record("person.update", person, changes=changes, detail=f"采用来源数据（冲突 {conflict.id}）")
            outbox.emit("person.updated", person, region_id=conflict.region_id,
                        payload=dict(person.outbox_payload(), changed=sorted(changes)))
    conflict.state, conflict.resolution, conflict.note = "resolved", choice, note
    conflict.resolved_by, conflict.resolved_at = user.id, utcnow()
    audit.record("conflict.resolve", conflict, changes=audit.changed(before, conflict))
    db.session.commit()
    return conflict
