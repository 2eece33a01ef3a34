"""The recycle bin: soft-deleted households and removed members, restorable for 30 days."""
from datetime import timedelta

from flask import abort

from app import outbox
from app.blueprints.households.members import person_payload
from app.clock import utcnow
from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.security import audit
from app.security.scoping import scope
from app.validation import Invalid

RETENTION = timedelta(days=30)


def _cutoff():
    return utcnow() - RETENTION


def deleted_households(user) -> list[Household]:
    """Households deleted in the last 30 days in the user's area."""
    stmt = scope(db.select(Household).where(Household.deleted_at >= _cutoff()), Household.region_id, user)
    return list(db.session.execute(stmt.order_by(Household.deleted_at.desc()).limit(200)).scalars())


def removed_persons(user) -> list[tuple[Person, Household]]:
    """Members removed (not with their household) in the last 30 days in the user's area."""
    stmt = (db.select(Person, Household).join(Household, Household.id == Person.household_id)
            .where(Person.deleted_at >= _cutoff(), Household.deleted_at.is_(None)))
    stmt = scope(stmt, Household.region_id, user).order_by(Person.deleted_at.desc()).limit(200)
    return list(db.session.execute(stmt))


def _id_taken(person: Person) -> bool:
    stmt = db.select(Person.id).where(Person.id_number_hash == person.id_number_hash, Person.deleted_at.is_(None),
                                      Person.id != person.id)
    return db.session.execute(stmt).first() is not None


def restore_household(user, household_id: int) -> Household:
    """Bring back a household and the members deleted with it."""
    stmt = scope(db.select(Household).where(Household.id == household_id), Household.region_id, user)
    household = db.session.execute(stmt).scalar_one_or_none()
    if household is None or household.deleted_at is None:
        abort(404)
    if household.deleted_at < _cutoff():
        raise Invalid("已超过 30 天恢复期，不能恢复")
    members = list(db.session.execute(db.select(Person).where(
        Person.household_id == household.id, Person.deleted_at == household.deleted_at)).scalars())
    taken = [p.name for p in members if _id_taken(p)]
    if taken:
        raise Invalid(f"成员 {'、'.join(taken)} 已登记在其他户中，请先处理后再恢复")
    for person in members:
        person.deleted_at, person.deleted_by, person.delete_reason = None, None, ""
        audit.record("person.restore", person)
        outbox.emit("person.created", person, region_id=household.region_id, payload=person_payload(person))
    audit.record("household.restore", household, changes={"deleted_at": [household.deleted_at.isoformat(), None]})
    household.deleted_at, household.deleted_by = None, None
    outbox.emit("household.created", household, region_id=household.region_id,
                payload={"number": household.number, "restored": True})
    db.session.commit()
    return household


def restore_person(user, person_id: int) -> Person:
    """Bring back a removed member to its household (never as head)."""
    stmt = (db.select(Person).join(Household, Household.id == Person.household_id)
            .where(Person.id == person_id, Household.deleted_at.is_(None)))
    person = db.session.execute(scope(stmt, Household.region_id, user)).scalar_one_or_none()
    if person is None or person.deleted_at is None:
        abort(404)
    if person.deleted_at < _cutoff():
        raise Invalid("已超过 30 天恢复期，不能恢复")
    if _id_taken(person):
        raise Invalid(f"{person.name} 的身份证号已登记在其他户中，不能恢复")
    audit.record("person.restore", person, changes={"deleted_at": [person.deleted_at.isoformat(), None]})
    person.deleted_at, person.deleted_by, person.delete_reason = None, None, ""
    household = db.session.get(Household, person.household_id)
    if person.is_head:  # a removed head cannot exist, but an old row must not make two heads
        person.is_head, person.relation = False, "其他"
    outbox.emit("person.created", person, region_id=household.region_id, payload=person_payload(person))
    db.session.commit()
    return person
