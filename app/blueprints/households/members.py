"""Members of a household: add, edit, remove, change head, reveal; one head and one active household each."""
from datetime import date

from app import outbox
from app.blueprints.households import kinship
from app.blueprints.households.tags import active_tags
from app.blueprints.pool.autofill import facts_for_hash
from app.blueprints.pool.conflicts import withdraw_for
from app.clock import utcnow
from app.extensions import db
from app.models.household import Household, join_tags
from app.models.person import (EDUCATIONS, ETHNIC_GROUPS, MARITAL, POLITICAL, RELATIONS, RESIDENCE_STATUSES,
                               RESIDENCE_TYPES, PERSON_FIELDS, Person)
from app.security import audit, pii
from app.security.permissions import PII_REVEAL
from app.security.scoping import in_scope
from app.validation import Invalid
from app.versioning import check_version

TEXT_FIELDS = ("name", "gender", "ethnicity", "relation", "residence_status", "residence_type", "education",
               "occupation", "political_status", "marital_status")
CHOICES = {"ethnicity": ETHNIC_GROUPS, "relation": RELATIONS, "residence_type": RESIDENCE_TYPES,
           "education": EDUCATIONS, "political_status": POLITICAL, "marital_status": MARITAL, "gender": ("男", "女")}


def _where(person: Person, user) -> str:
    """Where an ID is already registered: masked details when the user may see that household."""
    household = db.session.get(Household, person.household_id)
    if user is not None and household is not None and in_scope(household.region, user):
        return (f"该身份证号已登记在户号 {household.number}（{household.region.name}）的成员"
                f"“{person.name[0]}*”名下，请先从原户移除")
    return "该身份证号已登记在其他户中，不能重复登记"


def validated_person(values: dict, *, user=None, person: Person | None = None) -> dict:
    """Check a member's fields; returns clean values with the parsed ID and phone; Invalid with Chinese messages."""
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    errors: dict[str, str] = {}
    info = None
    try:
        info = pii.parse_id_number(values.get("id_number"))
    except Invalid as exc:
        errors.update({"id_number": exc.errors["id_number"]})
    name = values.get("name") or ""
    if not name or len(name) > 64:
        errors["name"] = "请输入姓名（不超过 64 个字符）"
    if info is not None and not values.get("gender"):
        values["gender"] = info.gender
    if person is not None:  # a member's status changes only through a move, which keeps the history
        values["residence_status"] = values.get("residence_status") or person.residence_status
        if values["residence_status"] != person.residence_status:
            errors["residence_status"] = "人员状态须通过“迁入迁出”办理（迁出、死亡注销、迁入），不能在此直接修改"
    elif values.get("residence_status") not in RESIDENCE_STATUSES:
        errors["residence_status"] = "请从列表中选择"
    for field, allowed in CHOICES.items():
        if (values.get(field) or "") not in allowed:
            errors[field] = "请从列表中选择"
    birth = values.get("birth_date")
    if info is not None:
        if values.get("gender") in ("男", "女") and values["gender"] != info.gender:
            errors["gender"] = f"性别与身份证号不符（身份证号显示为{info.gender}）"
        if isinstance(birth, date) and birth != info.birth_date:
            errors["birth_date"] = f"出生日期与身份证号不符（身份证号显示为 {info.birth_date.isoformat()}）"
        id_hash = pii.blind_index(info.number)
        clash = db.select(Person).where(Person.id_number_hash == id_hash, Person.deleted_at.is_(None))
        if person is not None:
            clash = clash.where(Person.id != person.id)
        other = db.session.execute(clash).scalars().first()
        if other is not None:
            errors["id_number"] = _where(other, user)
    if not isinstance(birth, date):
        if info is not None and birth is None:
            values["birth_date"] = info.birth_date
        else:
            errors["birth_date"] = "请输入有效的出生日期"
    try:
        values["phone"] = pii.normalize_phone(values.get("phone"))
    except Invalid as exc:
        errors.update(exc.errors)
    allowed_tags = set(active_tags("person")) | set(person.tag_list if person else ())
    unknown = set(values.get("tags") or ()) - allowed_tags
    if unknown:
        errors["tags"] = "标签不在字典中：" + "、".join(sorted(unknown))
    if len(values.get("occupation") or "") > 64:
        errors["occupation"] = "职业不超过 64 个字符"
    if info is not None and not errors:
        values["provenance"] = _provenance(pii.blind_index(info.number), values, errors)
    if errors:
        raise Invalid(errors)
    values["id_info"] = info
    return values


def _provenance(id_hash: str, values: dict, errors: dict) -> dict:
    """Source and date of each field that agrees with the pool; a differing field needs a reason."""
    reason = (values.get("override_reason") or "").strip()[:128]
    result = {}
    for field, fact in facts_for_hash(id_hash).items():
        mine = _field_value(field, values)
        entry = {"source": fact.source, "date": fact.date}
        if mine != fact.value:
            if not reason:
                errors[field if field in CHOICES or field in ("name", "birth_date", "residence_status") else "tags"] = (
                    f"与{fact.source_label}数据（{fact.value}）不一致；如确需修改，请填写修改原因")
                errors["override_reason"] = "修改来源数据的字段须填写原因"
                continue
            entry.update(reason=reason, source_value=fact.value)
        result[field] = entry
    return result


def _field_value(field: str, values: dict) -> str:
    if field == "disability":
        return "残疾人" if "残疾人" in (values.get("tags") or ()) else ""
    if field == "residence_status":
        return "死亡" if values.get("residence_status") == "死亡" else ""
    value = values.get(field)
    return value.isoformat() if isinstance(value, date) else (value or "")


def person_payload(person: Person) -> dict:
    """The outbox payload of a person."""
    return person.outbox_payload()


def _assign(person: Person, values: dict) -> None:
    for name in TEXT_FIELDS:
        setattr(person, name, values.get(name) or "")
    info = values["id_info"]
    if person.id_number_hash != pii.blind_index(info.number):
        person.id_number_enc, person.id_number_hash = pii.encrypt(info.number), pii.blind_index(info.number)
    phone = values.get("phone")
    if (phone and pii.blind_index(phone) != person.phone_hash) or (not phone and person.phone_hash):
        person.phone_enc, person.phone_hash = pii.encrypt(phone), pii.blind_index(phone)
    person.birth_date = values["birth_date"]
    person.tags = join_tags(values.get("tags") or ())
    person.provenance = values.get("provenance") or None


def insert_person(household: Household, values: dict, *, is_head: bool = False) -> Person:
    """Add a validated member in the caller's transaction (audit + outbox)."""
    person = Person(household_id=household.id, is_head=is_head)
    _assign(person, values)
    if is_head:
        person.relation = "户主"
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", person, changes={k: [None, v] for k, v in audit.snapshot(person, PERSON_FIELDS)
                                                   .items() if v not in (None, "", False)})
    outbox.emit("person.created", person, region_id=household.region_id, payload=person_payload(person))
    household.updated_at = utcnow()
    return person


def add_member(user, household: Household, values: dict) -> Person:
    """Add a member; 户主 is refused here (use change head)."""
    clean = validated_person(values, user=user)
    if clean["relation"] == "户主":
        raise Invalid({"relation": "每户只能有一位户主；如需更换户主，请使用“变更户主”"})
    kinship.check_relation(kinship.present_members(household.id), clean["relation"], clean["birth_date"],
                           confirmed=bool(values.get(kinship.CONFIRM_FIELD)))
    person = insert_person(household, clean)
    db.session.commit()
    return person


def update_member(user, household: Household, person: Person, values: dict, *, version=None) -> Person:
    """Edit a member; the head keeps relation 户主, nobody else may take it."""
    check_version(person, version)
    clean = validated_person(values, user=user, person=person)
    if person.is_head and clean["relation"] != "户主":
        raise Invalid({"relation": "户主的关系须为“户主”；如需更换户主，请使用“变更户主”"})
    if not person.is_head and clean["relation"] == "户主":
        raise Invalid({"relation": "每户只能有一位户主；如需更换户主，请使用“变更户主”"})
    if (clean["relation"], clean["birth_date"]) != (person.relation, person.birth_date):
        kinship.check_relation(kinship.present_members(household.id), clean["relation"], clean["birth_date"],
                               person_id=person.id, confirmed=bool(values.get(kinship.CONFIRM_FIELD)))
    before = audit.snapshot(person, PERSON_FIELDS)
    _assign(person, clean)
    changes = audit.changed(before, person)
    if changes:
        person.updated_at = household.updated_at = utcnow()
        audit.record("person.update", person, changes=changes)
        outbox.emit("person.updated", person, region_id=household.region_id,
                    payload=dict(person_payload(person), changed=sorted(changes)))
    db.session.commit()
    return person


def remove_member(user, household: Household, person: Person, reason: str) -> Person:
    """Move a member to the recycle bin; the head cannot be removed."""
    reason = (reason or "").strip()
    if person.is_head:
        raise Invalid({"reason": "不能移除户主；请先“变更户主”，或删除整户"})
    if not reason:
        raise Invalid({"reason": "请填写移除原因"})
    person.deleted_at, person.deleted_by, person.delete_reason = utcnow(), user.id, reason[:128]
    household.updated_at = utcnow()
    withdraw_for([person.id], f"成员已移除：{reason}")
    audit.record("person.remove", person, changes={"deleted_at": [None, person.deleted_at.isoformat()]},
                 detail=reason[:200])
    outbox.emit("person.removed", person, region_id=household.region_id,
                payload=dict(person_payload(person), reason=reason[:200]))
    db.session.commit()
    return person


def change_head(user, household: Household, new_head_id: int | None, old_head_relation: str) -> Person:
    """Make another member the head; the old head takes the given relation. The index allows one head only."""
    members = {p.id: p for p in db.session.execute(db.select(Person).where(
        Person.household_id == household.id, Person.deleted_at.is_(None))).scalars()}
    new_head = members.get(new_head_id or 0)
    errors = {}
    if new_head is None:
        errors["person_id"] = "请选择本户的一名成员"
    elif new_head.is_head:
        errors["person_id"] = "该成员已是户主"
    elif new_head.residence_status != "在册":
        errors["person_id"] = f"{new_head.name} 当前为“{new_head.residence_status}”，不能担任户主"
    if old_head_relation not in RELATIONS or old_head_relation == "户主":
        errors["old_head_relation"] = "请选择原户主与新户主的关系"
    if errors:
        raise Invalid(errors)
    old_head = next((p for p in members.values() if p.is_head), None)
    if old_head is not None:
        before = audit.snapshot(old_head, ("relation", "is_head"))
        old_head.is_head, old_head.relation = False, old_head_relation
        db.session.flush()  # the old head must lose the flag before the new one gets it (partial unique index)
        audit.record("person.update", old_head, changes=audit.changed(before, old_head), detail="变更户主")
        outbox.emit("person.updated", old_head, region_id=household.region_id, payload=person_payload(old_head))
    before = audit.snapshot(new_head, ("relation", "is_head"))
    new_head.is_head, new_head.relation = True, "户主"
    household.updated_at = utcnow()
    audit.record("person.update", new_head, changes=audit.changed(before, new_head), detail="变更户主")
    outbox.emit("person.updated", new_head, region_id=household.region_id, payload=person_payload(new_head))
    outbox.emit("household.updated", household, region_id=household.region_id,
                payload={"number": household.number, "changed": ["head"]})
    db.session.commit()
    return new_head


def reveal(user, person: Person, what: str) -> str:
    """The clear ID or phone number, for a user with PII_REVEAL; every reveal is audited."""
    if not user.can(PII_REVEAL):
        audit.record_now("person.reveal", object_type="person", object_id=person.id, detail=what, outcome="refused")
        raise PermissionError
    value = person.id_number if what == "id" else person.phone
    audit.record("person.reveal", person, detail="身份证号" if what == "id" else "手机号")
    db.session.commit()
    return value
