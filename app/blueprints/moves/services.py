"""Applying moves: 迁出, 迁入, 县内迁移 (with cross-area accept/reject), 分户, 死亡注销.

Every applied move changes the archive, appends residence history, writes audit rows and one outbox event in
one transaction. A cross-area move waits as `pending` until the receiving community decides; deciding is a
conditional UPDATE ... WHERE state = 'pending', so of two officers deciding at once exactly one wins.
"""
from datetime import date

from app import outbox
from app.blueprints.households import kinship
from app.blueprints.households.members import validated_person, insert_person
from app.blueprints.households.queries import ancestors
from app.blueprints.moves import rules
from app.clock import local_today, utcnow
from app.extensions import db
from app.models.household import HOUSEHOLD_KINDS, Household
from app.models.move import APPLIED, DEATH, MOVE_IN, MOVE_OUT, PENDING, REJECTED, SPLIT, TRANSFER, Move
from app.models.person import IN_TRANSIT, PRESENT, REGISTERED, RELATIONS, Person
from app.models.region import COMMUNITY, GRID, Region
from app.models.source import SourceRecord
from app.security import audit, pii
from app.security.scoping import in_scope
from app.validation import Invalid

MOVE_APPLIED = outbox.declare("move.applied", "kind", "people", "from_household", "to_household", "from_region_id",
                        "to_region_id", "event_date", "place")
MOVE_REQUESTED = outbox.declare("move.requested", "kind", "people", "from_household", "from_region_id", "to_region_id",
                          "event_date")
MOVE_REJECTED = outbox.declare("move.rejected", "kind", "people", "from_household", "to_region_id", "reason")

DEATH_SOURCES = ("医学死亡证明", "公安户籍注销", "火化证明", "村(居)委会证明", "其他")
PERSON_AUDIT = ("household_id", "relation", "is_head", "residence_status")


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


def _check_date(value, errors: dict, field: str = "event_date") -> None:
    if not isinstance(value, date):
        errors[field] = "请输入日期"
    elif value > local_today():
        errors[field] = "日期不能晚于今天"


def _number(household_id: int | None) -> str | None:
    household = db.session.get(Household, household_id) if household_id else None
    return household.number if household else None


def _payload(move: Move, people: list[Person]) -> dict:
    return {"kind": move.kind, "people": [p.id_number_hash for p in people],
            "from_household": _number(move.from_household_id), "to_household": _number(move.to_household_id),
            "from_region_id": move.from_region_id, "to_region_id": move.to_region_id,
            "event_date": move.event_date.isoformat(), "place": move.place}


def _new_move(user, kind: str, state: str, person: Person | None, **fields) -> Move:
    move = Move(kind=kind, state=state, person_id=person.id if person else None,
                person_name=person.name if person else "", requested_by=user.id, **fields)
    if state == APPLIED:
        move.decided_by, move.decided_at = user.id, utcnow()
    db.session.add(move)
    db.session.flush()
    audit.record("move.create", move, changes={k: [None, v] for k, v in audit.snapshot(
        move, ("kind", "state", "person_id", "from_household_id", "to_household_id", "to_region_id", "place",
               "event_date", "reason", "death_source")).items() if v not in (None, "")})
    return move


def _change_person(person: Person, detail: str, **values) -> None:
    before = audit.snapshot(person, PERSON_AUDIT)
    for name, value in values.items():
        setattr(person, name, value)
    db.session.flush()
    audit.record("person.update", person, changes=audit.changed(before, person), detail=detail)


def _leave(person: Person, new_head: Person | None, detail: str, **values) -> None:
    """The person leaves their household's present members; the head flag passes to the successor first."""
    before = audit.snapshot(person, PERSON_AUDIT)
    rules.hand_over_head(person, new_head)
    for name, value in values.items():
        setattr(person, name, value)
    db.session.flush()
    audit.record("person.update", person, changes=audit.changed(before, person), detail=detail)


# 迁出 ------------------------------------------------------------------------------------------------------------

def move_out(user, person: Person, values: dict) -> Move:
    """A person leaves the county: residence ends here, the history says where to."""
    rules.check_movable(person)
    errors: dict[str, str] = {}
    _check_date(values.get("event_date"), errors)
    place = _text(values.get("place"), 128)
    if not place:
        errors["place"] = "请填写迁往地（县外地址）"
    if errors:
        raise Invalid(errors)
    new_head = rules.successor(person.household_id, {person.id}, values.get("new_head_id"))
    household = db.session.get(Household, person.household_id)
    move = _new_move(user, MOVE_OUT, APPLIED, person, from_household_id=household.id,
                     from_region_id=household.region_id, place=place, event_date=values["event_date"],
                     reason=_text(values.get("reason"), 255))
    _leave(person, new_head, "迁出", residence_status="迁出")
    rules.history(move, person, from_id=household.id, to_id=None, status="迁出", approver_id=user.id)
    household.updated_at = utcnow()
    outbox.emit(MOVE_APPLIED, move, region_id=household.region_id, payload=_payload(move, [person]))
    db.session.commit()
    return move


# 死亡注销 ----------------------------------------------------------------------------------------------------------

def register_death(user, person: Person, values: dict) -> Move:
    """End a residence by death: date and source required; a matching 死亡 record of the pool is linked."""
    rules.check_movable(person)
    errors: dict[str, str] = {}
    _check_date(values.get("event_date"), errors)
    source = values.get("death_source")
    if source not in DEATH_SOURCES:
        errors["death_source"] = "请选择死亡信息来源"
    if errors:
        raise Invalid(errors)
    new_head = rules.successor(person.household_id, {person.id}, values.get("new_head_id"))
    household = db.session.get(Household, person.household_id)
    record = db.session.execute(db.select(SourceRecord).where(
        SourceRecord.source == "siwang", SourceRecord.id_number_hash == person.id_number_hash)
        .order_by(SourceRecord.id.desc()).limit(1)).scalar_one_or_none()
    move = _new_move(user, DEATH, APPLIED, person, from_household_id=household.id,
                     from_region_id=household.region_id, event_date=values["event_date"], death_source=source,
                     reason=_text(values.get("reason"), 255), pool_record_id=record.id if record else None)
    _leave(person, new_head, "死亡注销", residence_status="死亡")
    rules.history(move, person, from_id=household.id, to_id=None, status="死亡", approver_id=user.id)
    household.updated_at = utcnow()
    payload = dict(_payload(move, [person]), pool_record=bool(record))
    outbox.emit(MOVE_APPLIED, move, region_id=household.region_id, payload=payload)
    db.session.commit()
    return move


# 迁入 ------------------------------------------------------------------------------------------------------------

def move_in(user, household: Household, values: dict) -> Move:
    """Someone comes from outside the county: a new member with a validated ID, or a person who once left."""
    errors: dict[str, str] = {}
    _check_date(values.get("event_date"), errors)
    place = _text(values.get("place"), 128)
    if not place:
        errors["place"] = "请填写迁出地（原住址）"
    relation = values.get("relation")
    if relation not in RELATIONS:
        errors["relation"] = "请选择与户主的关系"
    try:
        number = pii.parse_id_number(values.get("id_number")).number
    except Invalid as exc:
        errors.update(exc.errors)
        number = None
    if errors:
        raise Invalid(errors)
    present = rules.present_members(household.id)
    has_head = any(p.is_head for p in present)
    if relation == "户主" and has_head:
        raise Invalid({"relation": "该户已有户主；请选择与户主的关系"})
    known = db.session.execute(db.select(Person).where(Person.id_number_hash == pii.blind_index(number),
                                                       Person.deleted_at.is_(None))).scalar_one_or_none()
    kinship.check_relation(present, relation, pii.parse_id_number(number).birth_date,
                           person_id=known.id if known else None, confirmed=bool(values.get(kinship.CONFIRM_FIELD)))
    if known is not None and known.residence_status in PRESENT:
        raise Invalid({"id_number": "该身份证号的人员仍在册，请办理县内迁移"})
    if known is not None and known.residence_status == "死亡":
        raise Invalid({"id_number": "该身份证号的人员已死亡注销，不能迁入"})
    move_fields = dict(to_household_id=household.id, to_region_id=household.region_id, place=place,
                       event_date=values["event_date"], reason=_text(values.get("reason"), 255))
    if known is not None:  # re-activation: the same person row, so history stays in one place
        from_id = known.household_id
        move = _new_move(user, MOVE_IN, APPLIED, known, **move_fields)
        before = audit.snapshot(known, PERSON_AUDIT)
        rules.relocate(known, household, relation)
        known.residence_status = REGISTERED
        db.session.flush()
        audit.record("person.update", known, changes=audit.changed(before, known), detail="迁入（恢复在册）")
        person = known
    else:
        clean = validated_person({"id_number": number, "name": values.get("name"), "relation": relation,
                                  "ethnicity": values.get("ethnicity") or "汉族", "residence_status": "在册",
                                  "residence_type": "户籍人口", "phone": values.get("phone"), "gender": "",
                                  "birth_date": None, "education": "", "political_status": "",
                                  "marital_status": ""}, user=user)
        from_id = None
        person = insert_person(household, clean, is_head=not has_head)
        move = _new_move(user, MOVE_IN, APPLIED, person, **move_fields)
    rules.history(move, person, from_id=from_id, to_id=household.id, status="在册", approver_id=user.id)
    outbox.emit(MOVE_APPLIED, move, region_id=household.region_id, payload=_payload(move, [person]))
    db.session.commit()
    return move


# 县内迁移 ---------------------------------------------------------------------------------------------------------

def _community_of(region: Region) -> Region | None:
    return next((r for r in ancestors(region) if r.level == COMMUNITY), None)


def transfer(user, person: Person, values: dict) -> Move:
    """Move a person to another household in the county: at once inside the user's area, else pending."""
    rules.check_movable(person)
    errors: dict[str, str] = {}
    _check_date(values.get("event_date"), errors)
    relation = values.get("relation")
    if relation not in RELATIONS[1:]:
        errors["relation"] = "请选择与新户户主的关系（迁入空户时自动成为户主）"
    target = db.session.get(Region, values.get("to_region_id") or 0)
    if target is None or target.level != COMMUNITY:
        errors["to_region_id"] = "请选择迁入的社区/村"
    if errors:
        raise Invalid(errors)
    household = db.session.get(Household, person.household_id)
    new_head = rules.successor(household.id, {person.id}, values.get("new_head_id"))
    fields = dict(from_household_id=household.id, from_region_id=household.region_id, to_region_id=target.id,
                  event_date=values["event_date"], reason=_text(values.get("reason"), 255),
                  new_head_id=new_head.id if new_head else None)
    if not in_scope(target, user):
        move = _new_move(user, TRANSFER, PENDING, person, **fields)
        _change_person(person, "迁移中（等待接收地处理）", residence_status=IN_TRANSIT)
        _tell_receivers(move, target, household)
        outbox.emit(MOVE_REQUESTED, move, region_id=household.region_id, payload={
            "kind": move.kind, "people": [person.id_number_hash], "from_household": household.number,
            "from_region_id": household.region_id, "to_region_id": target.id,
            "event_date": move.event_date.isoformat()})
        db.session.commit()
        return move
    destination = _target_household(user, target, values.get("to_household_number"))
    if destination.id == household.id:
        raise Invalid({"to_household_number": "迁入户不能是原户"})
    kinship.check_relation(rules.present_members(destination.id), relation, person.birth_date, person_id=person.id,
                           confirmed=bool(values.get(kinship.CONFIRM_FIELD)))
    move = _new_move(user, TRANSFER, APPLIED, person, **dict(fields, to_household_id=destination.id))
    _apply_transfer(user, move, person, household, destination, relation, new_head)
    db.session.commit()
    return move


def _tell_receivers(move: Move, area: Region, source: Household) -> None:
    """Notify the receiving community's officers that a move waits for them (same transaction)."""
    from flask import url_for

    from app.blueprints.notifications.services import notify
    from app.models.user import User
    from app.security.permissions import COMMUNITY_ADMIN

    officers = db.session.execute(db.select(User.id).where(User.region_id == area.id,
                                                           User.role == COMMUNITY_ADMIN)).scalars()
    notify(list(officers), f"待接收迁入：{move.person_name}", body=f"自{source.region.name}迁往{area.name}",
           link=url_for("moves.show", move_id=move.id), dedupe_key=f"move-{move.id}")


def _target_household(user, area: Region, number) -> Household:
    """An existing household of `area` (inside the user's area) by its number."""
    number = _text(number, 32)
    household = db.session.execute(db.select(Household).where(Household.number == number,
                                                              Household.deleted_at.is_(None))).scalar_one_or_none()
    if not number or household is None or not in_scope(household.region, user):
        raise Invalid({"to_household_number": "请填写本辖区内迁入户的户号"})
    if not area.contains(household.region):
        raise Invalid({"to_household_number": f"户号 {number} 不在{area.name}"})
    return household


def _apply_transfer(user, move: Move, person: Person, source: Household, destination: Household, relation: str,
                    new_head: Person | None) -> None:
    before = audit.snapshot(person, PERSON_AUDIT)
    was_head = person.is_head
    if was_head:
        rules.hand_over_head(person, new_head)
    rules.relocate(person, destination, relation)
    person.residence_status = REGISTERED
    db.session.flush()
    audit.record("person.update", person, changes=audit.changed(before, person), detail="县内迁移")
    source.updated_at = utcnow()
    rules.history(move, person, from_id=source.id, to_id=destination.id, status="在册", approver_id=user.id)
    outbox.emit(MOVE_APPLIED, move, region_id=destination.region_id, payload=_payload(move, [person]))


def _claim(user, move: Move, state: str, reason: str = "") -> None:
    """Decide a pending move: exactly one of concurrent deciders gets rowcount 1."""
    result = db.session.execute(
        db.update(Move).where(Move.id == move.id, Move.state == PENDING)
        .values(state=state, decided_by=user.id, decided_at=utcnow(), reject_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Invalid({"": "该迁移已被处理（可能他人刚刚处理），请刷新查看"})
    db.session.refresh(move)


def accept(user, move: Move, values: dict) -> Move:
    """The receiving community takes the person into an existing household or a new one."""
    if move.state != PENDING:
        raise Invalid({"": "该迁移已被处理，不能重复接收"})
    relation = values.get("relation")
    if relation not in RELATIONS[1:]:
        raise Invalid({"relation": "请选择与户主的关系（迁入空户时自动成为户主）"})
    area = db.session.get(Region, move.to_region_id)
    person = db.session.get(Person, move.person_id)
    source = db.session.get(Household, move.from_household_id)
    new_head = db.session.get(Person, move.new_head_id) if move.new_head_id else None
    if person.is_head and (new_head is None or new_head.household_id != source.id
                           or new_head.residence_status != REGISTERED):
        new_head = rules.successor(source.id, {person.id}, None, field="")
    if values.get("new_household"):
        destination = new_household(user, values, area)
    else:
        destination = _target_household(user, area, values.get("to_household_number"))
        kinship.check_relation(rules.present_members(destination.id), relation, person.birth_date,
                               person_id=person.id, confirmed=bool(values.get(kinship.CONFIRM_FIELD)))
    _claim(user, move, APPLIED)
    move.to_household_id = destination.id
    audit.record("move.accept", move, changes={"state": [PENDING, APPLIED], "to_household_id": [None, destination.id]})
    _apply_transfer(user, move, person, source, destination, relation, new_head)
    db.session.commit()
    return move


def reject(user, move: Move, reason: str) -> Move:
    """The receiving community refuses with a reason; the person stays where they were, registered again."""
    reason = _text(reason, 255)
    if not reason:
        raise Invalid({"reject_reason": "请填写拒绝原因"})
    _claim(user, move, REJECTED, reason)
    audit.record("move.reject", move, changes={"state": [PENDING, REJECTED]}, detail=reason)
    person = db.session.get(Person, move.person_id)
    _change_person(person, "迁移被拒绝，恢复在册", residence_status=REGISTERED)
    rules.history(move, person, from_id=move.from_household_id, to_id=move.from_household_id, status="在册",
                  approver_id=user.id)
    outbox.emit(MOVE_REJECTED, move, region_id=move.from_region_id, payload={
        "kind": move.kind, "people": [person.id_number_hash], "from_household": _number(move.from_household_id),
        "to_region_id": move.to_region_id, "reason": reason})
    db.session.commit()
    return move


# 分户 and new households ---------------------------------------------------------------------------------------------

def new_household(user, values: dict, area: Region | None = None) -> Household:
    """A household made by a move (分户 or accepting into a new one), in a grid of the user's area."""
    number = _text(values.get("number"), 32)
    errors = {}
    if not number:
        errors["number"] = "请输入新户号"
    elif db.session.execute(db.select(Household.id).where(Household.number == number)).first():
        errors["number"] = "该户号已被使用"
    grid = db.session.get(Region, values.get("region_id") or 0)
    if grid is None or grid.level != GRID or not in_scope(grid, user) or (area and not area.contains(grid)):
        errors["region_id"] = "请选择本辖区内的网格"
    road = _text(values.get("road"), 64)
    if not road:
        errors["road"] = "请填写地址（路/街/组）"
    kind = values.get("kind") or HOUSEHOLD_KINDS[0]
    if kind not in HOUSEHOLD_KINDS:
        errors["kind"] = "请选择户类型"
    if errors:
        raise Invalid(errors)
    names = "".join(r.name for r in ancestors(grid) if r.level in ("town", "community"))
    household = Household(number=number, region_id=grid.id, kind=kind, road=road, address=(names + road)[:255])
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", household, changes={"number": [None, number], "region_id": [None, grid.id],
                                                          "road": [None, road]}, detail="迁移建户")
    outbox.emit("household.created", household, region_id=grid.id,
                payload={"number": number, "region_id": grid.id, "kind": kind, "address": household.address,
                         "tags": []})
    return household


def split(user, household: Household, values: dict) -> Move:
    """Some members form a new household; the old household keeps at least one member and one head."""
    chosen = set(values.get("member_ids") or ())
    if not chosen:
        raise Invalid({"member_ids": "请选择分出的成员"})
    members = {p.id: p for p in rules.present_members(household.id)}
    if not chosen <= set(members):
        raise Invalid({"member_ids": "只能选择本户在册的成员"})
    for person_id in chosen:
        rules.check_movable(members[person_id])
    if chosen == set(members):
        raise Invalid({"member_ids": "分户须至少保留一名成员在原户"})
    errors: dict[str, str] = {}
    _check_date(values.get("event_date"), errors)
    if values.get("head_id") not in chosen:
        errors["head_id"] = "请从分出的成员中选择新户的户主"
    if errors:
        raise Invalid(errors)
    old_head_successor = rules.successor(household.id, chosen, values.get("new_head_id"))
    destination = new_household(user, values)
    head = members[values["head_id"]]
    move = _new_move(user, SPLIT, APPLIED, head, from_household_id=household.id,
                     from_region_id=household.region_id, to_household_id=destination.id,
                     to_region_id=destination.region_id, event_date=values["event_date"],
                     reason=_text(values.get("reason"), 255), new_head_id=old_head_successor and old_head_successor.id)
    old_head = next((members[i] for i in chosen if members[i].is_head), None)
    if old_head is not None:
        rules.hand_over_head(old_head, old_head_successor)
    people = [head] + [members[i] for i in sorted(chosen) if i != head.id]
    for person in people:
        before = audit.snapshot(person, PERSON_AUDIT)
        rules.relocate(person, destination, person.relation if person.relation != "户主" else "其他")
        db.session.flush()
        audit.record("person.update", person, changes=audit.changed(before, person), detail="分户")
        rules.history(move, person, from_id=household.id, to_id=destination.id, status="在册", approver_id=user.id)
    household.updated_at = utcnow()
    outbox.emit(MOVE_APPLIED, move, region_id=household.region_id, payload=_payload(move, people))
    db.session.commit()
    return move
