"""Two admins change one dispatch target from pages opened at the same time: the second change is refused."""
from app.extensions import db
from app.models.dispatch import DispatchTarget, DispatchTargetVersion
from tests.conftest import body, login, post
from tests.dispatch.test_dispatch import _run, _target
from tests.stale_forms import input_value, rendered_version


def _edit_data(page: str, **changes) -> dict:
    data = {name: input_value(page, name) or "" for name in ("department", "url", "secret", "folder", "batch_size",
                                                              "max_failures", "note", "row_version")}
    return data | {"kind": "webhook", "region_id": 0, "mapping": ""} | changes


def test_second_target_change_from_an_old_form_is_refused(demo, app):
    county, admin = app.test_client(), app.test_client()
    login(county, "county")
    login(admin, "admin")
    target = _target(county, admin, "http://127.0.0.1:9/events")
    target_id = target.id
    url = f"/dispatch/{target_id}/edit"
    page_a, page_b = body(county.get(url)), body(admin.get(url))
    assert rendered_version(page_a) == rendered_version(page_b)
    assert post(county, url, _edit_data(page_a, batch_size="50", note="加大批量")).status_code == 303
    refused = post(admin, url, _edit_data(page_b, department="县民政局（新）", note="改部门名"))
    page = body(refused)
    assert refused.status_code == 422 and "该记录已被他人修改" in page
    assert input_value(page, "department") == "县民政局（新）"
    assert db.session.get(DispatchTarget, target_id).department == "县民政局"
    drafts = db.session.execute(db.select(DispatchTargetVersion).where(
        DispatchTargetVersion.target_id == target_id, DispatchTargetVersion.state == "draft")).scalars().all()
    assert [d.batch_size for d in drafts] == [50]  # the first draft is not replaced by the stale one


def test_deliveries_do_not_make_an_open_form_stale(demo, app):
    """The dispatcher moves the cursor all the time; only people's changes count as edits."""
    county, admin = app.test_client(), app.test_client()
    login(county, "county")
    login(admin, "admin")
    target_id = _target(county, admin, "http://127.0.0.1:9/events").id
    page = body(county.get(f"/dispatch/{target_id}"))
    before = rendered_version(page)
    _run(app, target_id)  # a failed run changes failures and next_attempt_at
    assert post(county, f"/dispatch/{target_id}/control", {"action": "pause", "row_version": before}
                ).status_code == 303
    assert db.session.get(DispatchTarget, target_id).paused is True
    stale = post(county, f"/dispatch/{target_id}/control", {"action": "resume", "row_version": before},
                 follow_redirects=True)
    assert "该记录已被他人修改" in body(stale)
    assert db.session.get(DispatchTarget, target_id).paused is True
