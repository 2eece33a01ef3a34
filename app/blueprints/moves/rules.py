"""Shared checks of every move: who may move, who heads a household afterwards, where a person lives."""
from app.clock import utcnow
from app.extensions import db
from app.models.household import Household
from app.models.move import Move, Residence
from app.models.person import IN_TRANSIT, PRESENT, REGISTERED, Person
from app.security import audit
from app.validation import Invalid


def present_members(household_id: int) -> list[Person]:
    """Members who live in the household now, head first."""
    stmt = (db.select(Person).where(Person.household_id == household_id, Person.deleted_at.is_(None),
                                    Person.residence_status.in_(PRESENT))
            .order_by(Person.is_head.desc(), Person.id))
    return list(db.session.execute(stmt).scalars())


def check_movable(person: Person) -> None:
    """Only a registered, present person can start a move."""
    if person.deleted_at is not None:
        raise Invalid({"": "该人员已被移除，不能办理迁移"})
    if person.residence_status == IN_TRANSIT:
        raise Invalid({"": f"{person.name} 正在迁移中（等待接收地处理），不能重复办理"})
    if person.residence_status != REGISTERED:
        raise Invalid({"": f"{person.name} 的状态为“{person.residence_status}”，不能办理迁移"})


def successor(household_id: int, leaving: set[int], new_head_id: int | None, field: str = "new_head_id"):
    """The member who heads the household after `leaving` go: None when nobody stays (the household dissolves).

    Raises when the head leaves, others stay and no valid successor was chosen.
    """
    members = present_members(household_id)
    head = next((p for p in members if p.is_head), None)
    staying = [p for p in members if p.id not in leaving]
    if head is None or head.id not in leaving or not staying:
        return None
    chosen = next((p for p in staying if p.id == new_head_id and p.residence_status == REGISTERED), None)
    if chosen is None:
        raise Invalid({field: f"{head.name} 是户主，迁移户主须从留在本户的成员中选择新户主"})
    return chosen


def hand_over_head(old_head: Person, new_head: Person | None) -> None:
    """Move the head flag (the partial unique index allows one head, so the old flag goes first)."""
    if not old_head.is_head:
        return
    old_head.is_head = False
    db.session.flush()
    if new_head is not None:
        before = audit.snapshot(new_head, ("relation", "is_head"))
        new_head.is_head, new_head.relation = True, "户主"
        audit.record("person.update", new_head, changes=audit.changed(before, new_head), detail="迁移后变更户主")


def relocate(person: Person, household: Household, relation: str) -> None:
    """Put a person into a household; into an empty household they come as its head."""
    if relation == "户主" and any(p.is_head for p in present_members(household.id) if p.id != person.id):
        raise Invalid({"relation": "该户已有户主；请选择与户主的关系"})
    heads = any(p.is_head for p in present_members(household.id) if p.id != person.id)
    person.household_id = household.id
    person.is_head = not heads
    person.relation = "户主" if not heads else relation
    household.updated_at = utcnow()


def history(move: Move, person: Person, *, from_id, to_id, status: str, approver_id: int | None) -> Residence:
    """Append one residence step for a person."""
    row = Residence(person_id=person.id, move_id=move.id, kind=move.kind, from_household_id=from_id,
                    to_household_id=to_id, status_after=status, happened_on=move.event_date,
                    approved_by=approver_id, reason=(move.reason or move.reject_reason)[:255])
    db.session.add(row)
    return row
