"""Two officers edit one visit from forms opened at the same time: the second save is refused, nothing reverted."""
from app.extensions import db
from app.models.visit import Visit
from tests.conftest import body, login, post
from tests.stale_forms import input_value, rendered_version
from tests.visits.helpers import household
from tests.visits.test_visits import _visit_data


def test_second_visit_save_from_an_old_form_is_refused(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "community")
    login(second, "town")
    hid = household("QH00100100101").id
    visit = db.session.execute(db.select(Visit).where(Visit.household_id == hid)).scalars().first()
    url = f"/visits/{visit.id}/edit"
    version_a, version_b = rendered_version(body(first.get(url))), rendered_version(body(second.get(url)))
    assert post(first, url, _visit_data(findings="屋顶漏水已修", row_version=version_a)).status_code == 303
    refused = post(second, url, _visit_data(participants="户主及其子女", row_version=version_b))
    page = body(refused)
    assert refused.status_code == 422 and "该记录已被他人修改" in page and "屋顶漏水已修" in page
    assert input_value(page, "participants") == "户主及其子女"
    visit = db.session.get(Visit, visit.id)
    assert (visit.findings, visit.participants) == ("屋顶漏水已修", "户主")
    assert input_value(page, "row_version") == str(visit.row_version)
