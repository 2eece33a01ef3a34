"""A grid worker searches a household, opens it, and adds a member by ID number with auto-fill."""
import os
from pathlib import Path

import pytest

from app.extensions import db
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD, read_csv
from tests.browser.conftest import arrive, settled
from tests.households.helpers import QINGXI_1, first_in, members

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_search_open_and_add_member_with_autofill(page, live_server):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    user = db.session.execute(db.select(User).where(User.username == "grid")).scalar_one()
    user.must_change_password = False
    db.session.commit()
    target = first_in(QINGXI_1)
    number, head_name = target.number, members(target)[0].name
    newcomer = next(r for r in read_csv("pool/huji.csv") if r["姓名"] == "林可馨")
    db.session.remove()

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "grid")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    page.click("nav >> text=户档")
    arrive(page, "**/households/")
    _shot(page, "households-list")
    page.fill("input[name=q]", head_name)
    arrive(page, "**q=*")
    assert page.locator("#households tbody tr").count() >= 1
    page.click(f"#households >> text={number}")
    arrive(page, "**/households/*")
    page.locator("text=家庭成员").wait_for()
    _shot(page, "household-page")

    page.click("text=添加成员")
    arrive(page, "**/members/new")
    page.fill("input[name=id_number]", newcomer["公民身份号码"])
    page.locator("input[name=id_number]").dispatch_event("change")
    page.locator("text=来源：户籍").first.wait_for()
    settled(page)
    assert page.input_value("input[name=name]") == "林可馨"
    assert page.input_value("input[name=birth_date]") == "2019-04-12"
    page.select_option("select[name=relation]", "孙子女")
    _shot(page, "member-autofill")
    page.click("button:has-text('保存')")
    page.locator("text=成员已添加").wait_for()
    assert page.locator("#members td:has-text(\"林可馨\")").count() >= 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
