"""A person logs in, changes the initial password, opens two pages and logs out."""
import pytest

from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive, settled

pytestmark = pytest.mark.browser


def test_login_change_password_browse_logout(page, live_server, tmp_path):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    arrive(page, "**/password")
    assert page.locator("text=首次登录或密码已重置").is_visible()

    page.fill("input[name=current]", DEMO_PASSWORD)
    page.fill("input[name=new]", "short")
    page.fill("input[name=confirm]", "short")
    page.click("button:has-text('保存新密码')")
    page.locator("text=密码至少 10 位").wait_for()
    settled(page)

    page.fill("input[name=current]", DEMO_PASSWORD)
    page.fill("input[name=new]", "Browser#Pass2026")
    page.fill("input[name=confirm]", "Browser#Pass2026")
    page.click("button:has-text('保存新密码')")
    page.locator("text=密码已修改").wait_for()
    page.screenshot(path=str(tmp_path / "home.png"))

    page.click("nav summary")  # administration entries fold under 管理
    page.click("nav >> text=用户管理")
    arrive(page, "**/admin/users")
    page.locator("td >> text=grid2").wait_for()
    page.fill("input[name=q]", "grid2")
    arrive(page, "**/admin/users?q=grid2")
    assert page.locator("#users tbody tr").count() == 1

    page.click("nav summary")
    page.click("nav >> text=审计日志")
    arrive(page, "**/admin/audit")
    page.locator("td >> text=修改密码").first.wait_for()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)

    page.click("button:has-text('退出')")
    page.locator("text=已安全退出").wait_for()
    page.goto(f"{live_server}/admin/users")
    assert "/login" in page.url
    assert not [e for e in errors if "Content Security Policy" in e], errors
