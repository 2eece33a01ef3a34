"""A citizen at an enrolled kiosk: identify with the SMS code, see the summary, print the report as a PDF."""

import re

import pytest

from app.extensions import db
from app.models.audit import AuditLog
from tests.browser.conftest import arrive, settled
from tests.credit.helpers import CHEN_ID, last_sms, user
from workers.queues import drain

pytestmark = pytest.mark.browser


def _enroll_link(live_server) -> str:
    from app.blueprints.kiosk import services

    _device, token = services.create_device(
        user("credit"), name="大厅一号机", location="县政务服务中心", account_id=user("kiosk").id
    )
    return f"{live_server}/kiosk/enroll/{token}"


def test_kiosk_flow_to_printed_pdf(page, live_server, demo, tmp_path):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/kiosk/")
    assert page.locator("text=本终端未登记").is_visible()

    page.goto(_enroll_link(live_server))
    page.locator("text=本终端已登记").wait_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "kiosk-start.png"))
    page.click("a.k-big:has-text('个人')")
    page.fill("input[name=name]", "陈志明")
    page.fill("input[name=number]", CHEN_ID)
    page.click("button:has-text('获取验证码')")
    page.locator("text=验证码已发送至 138****1001").wait_for()
    code = re.search(r"验证码为 (\d{6})", last_sms("13800001001")).group(1)
    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.click("button:has-text('确认')")
    page.locator("text=还可尝试 4 次").wait_for()
    page.fill("input[name=code]", code)
    page.click("button:has-text('确认')")
    page.locator("h1:has-text('陈志明')").wait_for()
    assert page.locator("text=青卫表〔2026〕3号").is_visible()
    page.screenshot(path=str(tmp_path / "kiosk-me.png"), full_page=True)

    page.click("button:has-text('打印信用报告')")
    page.locator("text=正在生成信用报告").wait_for()
    drain(demo)
    page.locator("a:has-text('打开并打印')").wait_for(timeout=20000)
    settled(page)
    page.click("a:has-text('打开并打印')")
    frame = page.locator("iframe.k-pdf")
    frame.wait_for()
    pdf = page.context.request.get(live_server + frame.get_attribute("src"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "kiosk.print")).first()

    page.click("a:has-text('打印完成，返回首页')")
    page.locator("text=请选择查询对象").wait_for()
    page.goto(f"{live_server}/kiosk/me")
    page.locator("text=请先核验身份").wait_for()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_staff_search_issue_and_reprint(page, live_server, demo):
    from fixtures.loader import DEMO_PASSWORD

    officer = user("credit")
    officer.must_change_password = False
    db.session.commit()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "credit")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    page.click("nav >> text=信用主体")
    arrive(page, "**/credit/subjects")
    page.fill("input[name=q]", "食品")
    page.wait_for_function("() => location.search.includes('q=')")
    settled(page)
    assert page.locator("#subjects tbody tr").count() == 1
    page.click("#subjects >> text=青禾县清溪食品有限公司")
    page.locator("text=严重失信信息 1 条").wait_for()
    page.click("button:has-text('出具信用报告')")
    page.locator("text=报告生成中").wait_for()
    drain(demo)
    page.locator("a:has-text('下载/补打 PDF')").wait_for(timeout=20000)
    assert page.locator("text=状态：有效").is_visible()
