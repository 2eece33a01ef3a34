"""Two admins edit one account (or region) from forms opened at the same time: the second save is refused."""
from app.extensions import db
from app.models.region import Region
from app.models.user import User
from tests.conftest import body, login, post
from tests.stale_forms import input_value, rendered_version


def test_second_user_edit_from_an_old_form_is_refused(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "admin")
    login(second, "admin")  # a second session, as on another desk
    target = db.session.execute(db.select(User).where(User.username == "grid2")).scalar_one()
    user_id, region_id, role = target.id, target.region_id, target.role
    url = f"/admin/users/{user_id}"
    page_a, page_b = body(first.get(url)), body(second.get(url))
    data = {"role": role, "region_id": str(region_id), "department": ""}
    assert post(first, url, data | {"display_name": "李四（新）", "row_version": rendered_version(page_a)}
                ).status_code == 303
    logins_do_not_count = app.test_client()
    login(logins_do_not_count, "grid2")
    refused = post(second, url, data | {"display_name": "王五", "row_version": rendered_version(page_b)})
    assert refused.status_code == 422 and "该记录已被他人修改" in body(refused) and "李四（新）" in body(refused)
    assert input_value(body(refused), "display_name") == "王五"
    assert db.session.get(User, user_id).display_name == "李四（新）"


def test_region_rename_from_an_old_form_is_refused(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "admin")
    login(second, "county")
    region_id = db.session.execute(db.select(Region.id).where(Region.level == "grid")).scalars().first()
    url = f"/admin/regions/{region_id}"
    page_a, page_b = body(first.get(url)), body(second.get(url))
    assert post(first, url, {"name": "第一网格（东）", "row_version": rendered_version(page_a)}).status_code == 303
    refused = post(second, url, {"name": "第一网格（西）", "row_version": rendered_version(page_b)})
    assert refused.status_code == 422 and "该记录已被他人修改" in body(refused)
    assert db.session.get(Region, region_id).name == "第一网格（东）"
