"""Small lookups shared by the visit and move tests."""
from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.models.user import User


def household(number: str) -> Household:
    return db.session.execute(db.select(Household).where(Household.number == number)).scalar_one()


def user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def members(number: str) -> list[Person]:
    hid = household(number).id
    return list(db.session.execute(db.select(Person).where(Person.household_id == hid, Person.deleted_at.is_(None))
                                   .order_by(Person.is_head.desc(), Person.id)).scalars())


def count(model, *where) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar_one()
