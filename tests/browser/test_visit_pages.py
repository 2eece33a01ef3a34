"""The visit and move pages render without console errors or sideways scrolling at phone and desktop widths."""
import os
from pathlib import Path

import pytest

from app.extensions import db
from app.models.household import Household
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.mark.parametrize("width", [360, 1280])
def test_visit_pages_fit_the_screen(page, live_server, width):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    db.session.execute(db.select(User).where(User.username == "community")).scalar_one().must_change_password = False
    db.session.commit()
    hid = db.session.execute(db.select(Household.id).where(Household.number == "QH00100100102")).scalar_one()
    db.session.remove()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    arrive(page, f"{live_server}/")
    for name, url in (("today", "/visits/today"), ("form", f"/visits/new/{hid}"), ("household", f"/households/{hid}"),
                      ("list", "/visits/"), ("coverage", "/visits/coverage"), ("moves", "/moves/"),
                      ("transfer", f"/moves/split/{hid}")):
        page.goto(f"{live_server}{url}")
        page.locator("main h1").wait_for()
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / f"visits-{name}-{width}.png"), full_page=True, caret="initial")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (url, overflow)
    assert not errors, errors
