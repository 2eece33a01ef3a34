"""A natural-person subject links to the household archive of the same ID number, within the user's area."""
from app.extensions import db
from app.models.credit import CreditSubject
from app.models.household import Household
from app.models.person import Person
from app.models.region import Region
from tests.conftest import body, login


def _subject_for(person: Person) -> CreditSubject:
    region = db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one()
    subject = CreditSubject(kind="person", name=person.name, id_number_enc=person.id_number_enc,
                            id_number_hash=person.id_number_hash, region_id=region.id)
    db.session.add(subject)
    db.session.commit()
    return subject


def test_subject_page_links_to_the_archive(demo, client):
    taken = db.select(CreditSubject.id_number_hash).where(CreditSubject.id_number_hash.is_not(None))
    person = db.session.execute(db.select(Person).where(
        Person.deleted_at.is_(None), Person.id_number_hash.not_in(taken)).order_by(Person.id)).scalars().first()
    number = db.session.get(Household, person.household_id).number
    clear_id = person.id_number
    subject_id = _subject_for(person).id
    login(client, "credit")  # no archive permission: no link
    assert "一户一档" not in body(client.get(f"/credit/subjects/{subject_id}"))
    admin = client.application.test_client()
    login(admin, "admin")
    page = body(admin.get(f"/credit/subjects/{subject_id}"))
    assert f"户号 {number}" in page
    assert clear_id not in page
