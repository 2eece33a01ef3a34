"""A 网格员 records a visit from 今日走访; a 社区管理员 moves a member to another community, whose officer accepts."""
import os
from pathlib import Path

import pytest

from app.extensions import db
from app.models.move import Move
from app.models.person import Person
from app.models.user import User
from app.models.visit import Visit
from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive, settled

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True, caret="initial")


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    arrive(page, f"{base}/")


def _logout(page) -> None:
    page.click("header >> button:has-text('退出')")
    arrive(page, "**/login*")


def test_grid_worker_visits_and_officers_move_a_member_across_communities(page, live_server):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    for name in ("grid", "community", "taoyuan"):
        db.session.execute(db.select(User).where(User.username == name)).scalar_one().must_change_password = False
    db.session.commit()
    visits_before = db.session.execute(db.select(db.func.count(Visit.id))).scalar_one()
    db.session.remove()

    _login(page, live_server, "grid")
    page.click("nav >> text=今日走访")
    arrive(page, "**/visits/today")
    page.locator("text=已逾期").first.wait_for()
    _shot(page, "visits-today")
    page.locator("#worklist li.overdue a.button").first.click()
    arrive(page, "**/visits/new/*")
    page.select_option("select[name=kind]", "重点关注")
    page.select_option("select[name=c0]", "正常")
    page.select_option("select[name=c5]", "需关注")
    page.fill("input[name=n5]", "血压偏高")
    page.fill("textarea[name=findings]", "户主身体状况一般，已提醒按时服药。")
    _shot(page, "visit-form")
    page.click("button:has-text('保存走访')")
    arrive(page, "**/visits/today")
    page.locator("text=已记录对").wait_for()
    assert db.session.execute(db.select(db.func.count(Visit.id))).scalar_one() == visits_before + 1
    db.session.remove()
    _logout(page)

    _login(page, live_server, "community")
    person = db.session.execute(db.select(Person).where(Person.name == "李丹")).scalar_one()
    person_id, household_id = person.id, person.household_id
    db.session.remove()
    page.goto(f"{live_server}/households/{household_id}")
    page.locator("#section-moves").wait_for()
    _shot(page, "household-with-moves")
    page.click(f"a[href='/moves/person/{person_id}/transfer']")
    arrive(page, "**/transfer")
    page.select_option("select[name=to_region_id]", label="桃源村")
    page.select_option("select[name=relation]", "子女")
    page.fill("input[name=reason]", "婚后随配偶居住")
    page.click("button:has-text('办理县内迁移')")
    arrive(page, f"**/households/{household_id}*")
    page.locator("text=等待接收地处理").wait_for()
    assert db.session.get(Person, person_id).residence_status == "迁移中"
    db.session.remove()
    _logout(page)

    _login(page, live_server, "taoyuan")
    page.click("nav >> text=迁入迁出")
    arrive(page, "**/moves/")
    page.click("text=李丹")
    arrive(page, "**/moves/*")
    _shot(page, "move-decision")
    page.locator("#mover >> text=3301**********3164").wait_for()  # whom it receives, before deciding
    page.fill("input[name=to_household_number]", "QH00100200101")
    page.select_option("select[name=relation]", "儿媳")  # no default: the household already has a 配偶
    page.click("button:has-text('接收迁入')")
    settled(page)
    page.locator("[id^=move-] >> text=已生效").wait_for()
    move = db.session.execute(db.select(Move).where(Move.person_id == person_id)).scalar_one()
    assert move.state == "applied"
    assert db.session.get(Person, person_id).residence_status == "在册"
    db.session.remove()
    assert not errors, errors
