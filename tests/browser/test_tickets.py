"""A user files a ticket from 报障; the engineer responds and resolves; the supervisor sends it back, then approves."""
import os
from pathlib import Path

import pytest

from app.extensions import db
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.browser.conftest import arrive, settled

pytestmark = pytest.mark.browser


def _log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    arrive(page, f"{base}/")


def _log_out(page):
    page.click("button:has-text('退出')")
    page.locator("text=已安全退出").wait_for()


def _act(page, label, comment=None):
    form = page.locator(f"form.act:has(button:has-text('{label}'))")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    form.locator("button").click()
    settled(page)


def _shots(page, folder: Path, name: str):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_report_respond_resolve_send_back_approve(page, live_server, tmp_path):
    shots = Path(os.environ.get("TICKETS_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    db.session.execute(db.update(User).values(must_change_password=False))
    db.session.commit()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    _log_in(page, live_server, "grid")
    page.goto(f"{live_server}/notifications/")
    page.click("header >> text=报障")
    arrive(page, "**/tickets/new?from=/notifications/")
    assert page.locator("text=来自页面：/notifications/").is_visible()
    _shots(page, shots, "new")
    page.fill("input[name=title]", "走访记录保存失败")
    page.fill("textarea[name=description]", "保存时提示服务器错误")
    page.click("button:has-text('提交工单')")
    page.locator("text=已提交").wait_for()
    url = page.url
    assert "/tickets/" in url and page.locator(".st-new").is_visible()
    _log_out(page)

    _log_in(page, live_server, "engineer")
    page.goto(url)
    _act(page, "响应")
    page.locator(".st-responded").wait_for()
    page.locator("#timeline >> text=新建 → 已响应").wait_for()
    _act(page, "标记已解决", "重启应用服务后恢复")
    page.locator(".st-resolved").wait_for()
    _log_out(page)

    _log_in(page, live_server, "opslead")
    page.goto(f"{live_server}/tickets/review")
    assert page.locator("#main >> text=走访记录保存失败").is_visible()
    page.goto(url)
    _act(page, "退回处理", "请说明根因")
    page.locator(".st-in_progress").wait_for()
    _shots(page, shots, "detail")
    _log_out(page)

    _log_in(page, live_server, "engineer")
    page.goto(url)
    _act(page, "标记已解决", "根因：数据库连接池耗尽，已调大")
    page.locator(".st-resolved").wait_for()
    _log_out(page)

    _log_in(page, live_server, "opslead")
    page.goto(url)
    _act(page, "审核通过并关闭")
    page.locator(".st-closed").wait_for()
    page.locator("#timeline >> text=已解决 → 已关闭").wait_for()
    page.goto(f"{live_server}/tickets/board")
    _shots(page, shots, "board")
    page.click(".tcard >> nth=0")  # a boosted link inside the self-refreshing board opens the whole page
    page.locator("#timeline").wait_for()
    assert page.locator("#board").count() == 0
    page.goto(f"{live_server}/tickets/dashboard")
    _shots(page, shots, "dashboard")
    page.goto(f"{live_server}/tickets/")
    _shots(page, shots, "list")
    assert not [e for e in errors if "Content Security Policy" in e], errors
