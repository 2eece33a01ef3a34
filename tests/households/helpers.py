"""Shared helpers for the household tests."""
import random
from datetime import date

from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.models.region import Region
from fixtures.idnumbers import make_id_number


def household(number: str) -> Household:
    """A demo household by 户号."""
    return db.session.execute(db.select(Household).where(Household.number == number)).scalar_one()


def grid(code: str) -> Region:
    """A region by code."""
    return db.session.execute(db.select(Region).where(Region.code == code)).scalar_one()


def first_in(code: str) -> Household:
    """The first demo household of a grid."""
    return db.session.execute(db.select(Household).join(Region).where(Region.code == code)
                              .order_by(Household.id)).scalars().first()


def members(h: Household) -> list[Person]:
    """Active members, head first."""
    return list(db.session.execute(db.select(Person).where(Person.household_id == h.id, Person.deleted_at.is_(None))
                                   .order_by(Person.is_head.desc(), Person.id)).scalars())


def fresh_id(seed: int = 1, birth: date = date(1990, 3, 4), male: bool = True) -> str:
    """A valid ID number not used by the demo data."""
    return make_id_number(random.Random(seed), region_code="110101", birth=birth, male=male)


QINGXI_1 = "330127001001001"
QINGXI_2 = "330127001001002"
TAOYUAN_1 = "330127001002001"
