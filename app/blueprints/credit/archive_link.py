"""The link from a natural-person credit subject to their household archive (by the ID blind index)."""
from app.extensions import db
from app.models.credit import PERSON
from app.models.household import Household
from app.models.person import Person
from app.security.permissions import ARCHIVE_VIEW
from app.security.scoping import scope


def archive_household(user, subject) -> Household | None:
    """The active household of the subject's archive person, when the user may see it."""
    if subject.kind != PERSON or not subject.id_number_hash or not user.can(ARCHIVE_VIEW):
        return None
    stmt = (db.select(Household).join(Person, Person.household_id == Household.id)
            .where(Person.id_number_hash == subject.id_number_hash, Person.deleted_at.is_(None),
                   Household.deleted_at.is_(None)))
    return db.session.execute(scope(stmt, Household.region_id, user).limit(1)).scalar_one_or_none()
