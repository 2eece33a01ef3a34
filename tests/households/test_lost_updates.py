"""Two officers edit one household (or member) from forms opened at the same time: the second save is refused."""
from app.extensions import db
from app.models.audit import AuditLog
from app.models.household import Household
from app.models.person import Person
from tests.conftest import body, login, post
from tests.households.helpers import QINGXI_1, first_in, members
from tests.stale_forms import input_value, rendered_version


def _household_data(h, **changes) -> dict:
    data = {"number": h.number, "region_id": str(h.region_id), "kind": h.kind, "road": h.road or "",
            "door_no": h.door_no or "", "building": h.building or "", "unit": h.unit or "", "room": h.room or "",
            "address_extra": h.address_extra or "", "tags": h.tag_list, "notes": h.notes or ""}
    return data | changes


def test_second_household_save_from_an_old_form_is_refused_and_keeps_the_typed_values(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "community")
    login(second, "county")
    h = first_in(QINGXI_1)
    url = f"/households/{h.id}/edit"
    version_a = rendered_version(body(first.get(url)))
    version_b = rendered_version(body(second.get(url)))
    assert version_a == version_b
    data = _household_data(h)
    assert post(first, url, data | {"road": "幸福路", "row_version": version_a}).status_code == 303

    refused = post(second, url, data | {"notes": "第二位录入的备注", "row_version": version_b})
    page = body(refused)
    assert refused.status_code == 422
    assert "该记录已被他人修改" in page and "幸福路" in page  # what changed, and by whom
    h = db.session.get(Household, h.id)
    assert input_value(page, "row_version") == str(h.row_version) != version_a  # a deliberate re-save is possible
    assert "第二位录入的备注" in page  # nothing the user typed is lost
    assert (h.road, h.notes) == ("幸福路", data["notes"])  # nothing reverted, nothing half-saved
    updates = db.session.execute(db.select(AuditLog).where(AuditLog.action == "household.update",
                                                           AuditLog.object_id == str(h.id))).scalars().all()
    assert len(updates) == 1 and updates[0].changes["road"][1] == "幸福路"

    again = post(second, url, data | {"road": "幸福路", "notes": "第二位录入的备注",
                                      "row_version": input_value(page, "row_version")})
    assert again.status_code == 303
    h = db.session.get(Household, h.id)
    assert (h.road, h.notes) == ("幸福路", "第二位录入的备注")


def test_second_member_save_from_an_old_form_is_refused(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "community")
    login(second, "county")
    h = first_in(QINGXI_1)
    person = members(h)[0]
    url = f"/households/{h.id}/members/{person.id}"
    page_a, page_b = body(first.get(url)), body(second.get(url))
    fields = ("id_number", "name", "gender", "ethnicity", "phone", "relation", "residence_status", "residence_type",
              "education", "occupation", "political_status", "marital_status", "override_reason")

    def form(page, **changes):
        data = {name: input_value(page, name) or "" for name in fields}
        data.update(gender=person.gender or "", ethnicity=person.ethnicity or "", relation=person.relation,
                    residence_status=person.residence_status, residence_type=person.residence_type or "",
                    education=person.education or "", political_status=person.political_status or "",
                    marital_status=person.marital_status or "", tags=person.tag_list,
                    birth_date=person.birth_date.isoformat() if person.birth_date else "",
                    row_version=rendered_version(page))
        return data | changes

    assert post(first, url, form(page_a, occupation="农民")).status_code == 303
    refused = post(second, url, form(page_b, occupation="教师"))
    assert refused.status_code == 422 and "该记录已被他人修改" in body(refused) and "农民" in body(refused)
    assert input_value(body(refused), "occupation") == "教师"
    assert db.session.get(Person, person.id).occupation == "农民"


def test_two_saves_in_the_same_instant_cannot_both_pass(demo, app):
    """The version is also the UPDATE's condition: a save based on a row read before another commit matches nothing."""
    import pytest
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    household_id = first_in(QINGXI_1).id
    client = app.test_client()
    login(client, "community")
    with Session(db.engine, expire_on_commit=False) as other:
        stale = other.get(Household, household_id)
        stale.tag_list  # loaded now, used after the other save
        other.commit()  # read, as the slower request did, before the other save
        url = f"/households/{household_id}/edit"
        version = rendered_version(body(client.get(url)))
        assert post(client, url, _household_data(stale, road="幸福路", row_version=version)).status_code == 303
        stale.notes = "晚到的保存"
        with pytest.raises(StaleDataError):
            other.commit()
    assert db.session.get(Household, household_id).road == "幸福路"
