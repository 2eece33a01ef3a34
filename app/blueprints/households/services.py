"""Creating, editing and soft-deleting households; each change is audited and sent to the outbox."""
from app import outbox
from app.blueprints.households import members as member_services
from app.blueprints.households.queries import ancestors, get_household_or_404
from app.blueprints.households.tags import active_tags
from app.blueprints.pool.conflicts import withdraw_for
from app.clock import utcnow
from app.extensions import db
from app.models.household import HOUSEHOLD_KINDS, Household, join_tags
from app.models.person import Person
from app.models.region import GRID, Region
from app.security import audit
from app.security.scoping import in_scope
from app.validation import Invalid
from app.versioning import check_version

HOUSEHOLD_FIELDS = ("number", "region_id", "kind", "road", "door_no", "building", "unit", "room", "address_extra",
                    "address", "tags", "notes")
ADDRESS_PARTS = ("road", "door_no", "building", "unit", "room", "address_extra")


def _clean(values: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}


def _check(user, household: Household | None, values: dict) -> dict:
    errors: dict[str, str] = {}
    number = values.get("number") or ""
    if not number or len(number) > 32:
        errors["number"] = "请输入户号（不超过 32 个字符）"
    else:
        clash = db.select(Household.id).where(Household.number == number)
        if household is not None:
            clash = clash.where(Household.id != household.id)
        if db.session.execute(clash).first():
            errors["number"] = "该户号已被使用（可能在回收站或其他区域）"
    region = db.session.get(Region, values.get("region_id") or 0)
    if region is None or region.level != GRID or not in_scope(region, user):
        errors["region_id"] = "请选择您管辖范围内的网格"
    if values.get("kind") not in HOUSEHOLD_KINDS:
        errors["kind"] = "请选择户类型"
    unknown = set(values.get("tags") or ()) - set(active_tags("household")) - set(
        household.tag_list if household else ())
    if unknown:
        errors["tags"] = "标签不在字典中：" + "、".join(sorted(unknown))
    if not (values.get("road") or values.get("address_extra")):
        errors["road"] = "请填写路/街/组，或在补充地址中说明"
    return errors


def _apply(household: Household, values: dict) -> None:
    for name in ("number", "region_id", "kind", *ADDRESS_PARTS, "notes"):
        setattr(household, name, values.get(name) or "")
    household.tags = join_tags(values.get("tags") or ())
    region = db.session.get(Region, household.region_id)
    names = [r.name for r in ancestors(region) if r.level in ("town", "community")]
    parts = [household.road, household.door_no and f"{household.door_no}号",
             household.building and f"{household.building}栋", household.unit and f"{household.unit}单元",
             household.room and f"{household.room}室", household.address_extra]
    household.address = ("".join(names) + "".join(p for p in parts if p))[:255]


def payload(household: Household) -> dict:
    """The outbox payload of a household (no PII)."""
    return {"number": household.number, "region_id": household.region_id, "kind": household.kind,
            "address": household.address, "tags": household.tag_list}


def create_household(user, values: dict, head: dict) -> Household:
    """A new household together with its head, so a household always has exactly one head."""
    values = _clean(values)
    errors = _check(user, None, values)
    try:
        head_values = member_services.validated_person(dict(head, relation="户主"), user=user)
    except Invalid as exc:
        errors.update({f"head_{k}": v for k, v in exc.errors.items()})
    if errors:
        raise Invalid(errors)
    household = Household()
    _apply(household, values)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", household,
                 changes={k: [None, v] for k, v in audit.snapshot(household, HOUSEHOLD_FIELDS).items() if v})
    outbox.emit("household.created", household, region_id=household.region_id, payload=payload(household))
    member_services.insert_person(household, head_values, is_head=True)
    db.session.commit()
    return household


def update_household(user, household: Household, values: dict, *, version=None) -> Household:
    """Change 户号, grid, type, address, tags or notes; a form rendered from an older version is refused."""
    check_version(household, version)
    values = _clean(values)
    errors = _check(user, household, values)
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(household, HOUSEHOLD_FIELDS)
    _apply(household, values)
    changes = audit.changed(before, household)
    if changes:
        household.updated_at = utcnow()
        audit.record("household.update", household, changes=changes)
        outbox.emit("household.updated", household, region_id=household.region_id,
                    payload=dict(payload(household), changed=sorted(changes)))
    db.session.commit()
    return household


def delete_household(user, household: Household, reason: str) -> Household:
    """Move a household and its members to the recycle bin (restorable for 30 days)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写删除原因"})
    now = utcnow()
    household.deleted_at, household.deleted_by = now, user.id
    members = list(db.session.execute(db.select(Person).where(Person.household_id == household.id,
                                                              Person.deleted_at.is_(None))).scalars())
    for person in members:
        person.deleted_at, person.deleted_by, person.delete_reason = now, user.id, "随户删除"
    withdraw_for([p.id for p in members], f"随户删除：{reason}")
    audit.record("household.delete", household, changes={"deleted_at": [None, now.isoformat()]},
                 detail=reason[:200])
    outbox.emit("household.deleted", household, region_id=household.region_id,
                payload={"number": household.number, "reason": reason[:200]})
    db.session.commit()
    return household


__all__ = ["create_household", "delete_household", "get_household_or_404", "update_household"]
