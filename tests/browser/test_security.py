"""In Chromium: a revealed ID number never enters htmx's history cache, and logout leaves nothing behind."""
import pytest

from app.extensions import db
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive, settled
from tests.households.helpers import QINGXI_1, first_in, members

pytestmark = pytest.mark.browser
HISTORY = "() => sessionStorage.getItem('htmx-history-cache') || ''"


def test_revealed_id_stays_out_of_history_and_logout_clears_the_browser(page, live_server):
    user = db.session.execute(db.select(User).where(User.username == "community")).scalar_one()
    user.must_change_password = False
    db.session.commit()
    household = first_in(QINGXI_1)
    head = members(household)[0]
    household_id, number = household.id, head.id_number

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    arrive(page, f"{live_server}/")
    page.goto(f"{live_server}/households/{household_id}")
    settled(page)
    page.locator(f"#id-{head.id} button:has-text('显示完整')").click()
    page.locator(f"text={number}").wait_for()

    page.click("nav >> text=今日走访")  # a boosted navigation: htmx would snapshot the page it leaves
    settled(page)
    assert number not in page.evaluate(HISTORY)

    page.click("button:has-text('退出')")
    page.locator("text=已安全退出").wait_for()
    settled(page)
    assert page.evaluate(HISTORY) in ("", "[]")
    page.go_back()
    settled(page)
    assert number not in page.content()
