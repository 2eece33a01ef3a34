"""A live search box sends one request per change: a typing burst, then leaving the box or pressing Enter."""
import pytest

from app.extensions import db
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive, settled

pytestmark = pytest.mark.browser
# (account, list page, the list's own path, a query that finds something)
PAGES = [("grid", "/households/", "李淑华"), ("community", "/visits/", "QH001"), ("community", "/moves/", "李"),
         ("opslead", "/tickets/", "打印"), ("admin", "/admin/users", "grid"), ("credit", "/credit/subjects", "王"),
         ("credit", "/credit/reports", "2026"), ("county", "/pool/conflicts", "李")]


def _searches(requests: list[str], path: str) -> list[str]:
    return [url for url in requests if path in url and "q=" in url]


@pytest.mark.parametrize("account, path, query", PAGES)
def test_one_request_per_change(page, live_server, account, path, query):
    user = db.session.execute(db.select(User).where(User.username == account)).scalar_one()
    user.must_change_password = False
    db.session.commit()
    db.session.remove()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", account)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}{path}")
    settled(page)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    box = page.locator("input[type=search][name=q]")
    box.click()
    page.keyboard.type(query, delay=40)  # one burst: faster than the 300 ms pause
    arrive(page, "**q=*")
    page.wait_for_timeout(600)
    page.keyboard.press("Tab")  # leaving the box fires "change": the same query must not go out again
    page.wait_for_timeout(600)
    settled(page)
    assert len(_searches(sent, path)) == 1, _searches(sent, path)
    box.click()
    page.keyboard.press("End")
    page.keyboard.type("x", delay=40)
    page.keyboard.press("Enter")  # Enter right after typing: one request for the new text, not two
    page.wait_for_timeout(900)
    settled(page)
    assert len(_searches(sent, path)) == 2, _searches(sent, path)
    selects = page.locator("form:has(input[type=search]) select")
    if selects.count():  # a filter still answers on its own change, once
        options = selects.first.locator("option")
        selects.first.select_option(index=1 if options.count() > 1 else 0)
        page.wait_for_timeout(900)
        settled(page)
        assert len(_searches(sent, path)) == (3 if options.count() > 1 else 2), _searches(sent, path)
